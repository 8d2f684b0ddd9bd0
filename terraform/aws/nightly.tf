# The nightly job: EventBridge Scheduler invokes {"auditwarden": "nightly"}. With the nightly image
# (report + anomaly, pandas/pyod) it runs everything; without it the event function checks the
# per-account heartbeats and says the batch jobs need the nightly artifact.

resource "aws_lambda_function" "nightly" {
  count                          = local.nightly ? 1 : 0
  function_name                  = "${var.name}-nightly"
  description                    = "auditwarden nightly: heartbeats, least-privilege report, anomaly scores"
  role                           = aws_iam_role.nightly[0].arn
  package_type                   = "Image"
  image_uri                      = var.nightly_image_uri
  memory_size                    = 2048
  timeout                        = 900
  reserved_concurrent_executions = 1
  tags                           = var.tags

  # checkov:skip=CKV_AWS_117:calls public AWS APIs only; a VPC adds NAT cost and nothing to protect
  # checkov:skip=CKV_AWS_272:container images are verified by ECR image scanning and tag immutability instead
  # checkov:skip=CKV_AWS_173:environment holds only resource names (SSM path, table); the config itself is a SecureString

  environment {
    variables = local.function_env
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.dlq.arn
  }

  tracing_config {
    mode = "Active"
  }
}

# The nightly function has its own role: the event function's grants, plus the IAM inventory reads of the
# report and the report/trail objects. The event function (exposed to every event) never gets these.
resource "aws_iam_role" "nightly" {
  count              = local.nightly ? 1 : 0
  name               = "${var.name}-nightly"
  assume_role_policy = data.aws_iam_policy_document.assume_lambda.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "nightly_function" {
  count  = local.nightly ? 1 : 0
  name   = "${var.name}-function"
  role   = aws_iam_role.nightly[0].id
  policy = data.aws_iam_policy_document.function.json
}

data "aws_iam_policy_document" "nightly" {
  statement {
    sid = "IamInventory"
    # Read-only, and these actions have no resource-level permissions.
    actions   = ["iam:GetAccountAuthorizationDetails", "iam:GenerateCredentialReport", "iam:GetCredentialReport", "iam:ListRoles"]
    resources = ["*"]
  }
  statement {
    sid     = "IamKeysAndPolicies"
    actions = ["iam:ListAccessKeys", "iam:GetAccessKeyLastUsed", "iam:GetPolicy", "iam:GetPolicyVersion"]
    resources = ["arn:${local.partition}:iam::${local.account}:user/*", "arn:${local.partition}:iam::${local.account}:policy/*",
    "arn:${local.partition}:iam::aws:policy/*"]
  }
  dynamic "statement" {
    for_each = var.report_bucket_name != "" ? [1] : []
    content {
      sid       = "ReportObjects"
      actions   = ["s3:GetObject", "s3:PutObject"]
      resources = ["arn:${local.partition}:s3:::${var.report_bucket_name}/${var.report_prefix}*"]
    }
  }
  dynamic "statement" {
    # without ListBucket a first night's missing report.json reads as AccessDenied instead of NoSuchKey
    for_each = var.report_bucket_name != "" ? [1] : []
    content {
      sid       = "ReportList"
      actions   = ["s3:ListBucket"]
      resources = ["arn:${local.partition}:s3:::${var.report_bucket_name}"]
      condition {
        test     = "StringLike"
        variable = "s3:prefix"
        values   = ["${var.report_prefix}*"]
      }
    }
  }
  dynamic "statement" {
    for_each = var.trail_bucket_name != "" ? [1] : []
    content {
      sid       = "TrailRead"
      actions   = ["s3:GetObject"]
      resources = ["arn:${local.partition}:s3:::${var.trail_bucket_name}/AWSLogs/*"]
    }
  }
  dynamic "statement" {
    for_each = var.trail_bucket_name != "" ? [1] : []
    content {
      sid       = "TrailList"
      actions   = ["s3:ListBucket"]
      resources = ["arn:${local.partition}:s3:::${var.trail_bucket_name}"]
      condition {
        test     = "StringLike"
        variable = "s3:prefix"
        values   = ["AWSLogs/*"]
      }
    }
  }
}

resource "aws_iam_role_policy" "nightly" {
  count  = local.nightly ? 1 : 0
  name   = "${var.name}-nightly"
  role   = aws_iam_role.nightly[0].id
  policy = data.aws_iam_policy_document.nightly.json
}

data "aws_iam_policy_document" "assume_scheduler" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

resource "aws_iam_role" "scheduler" {
  name               = "${var.name}-scheduler"
  assume_role_policy = data.aws_iam_policy_document.assume_scheduler.json
  tags               = var.tags
}

locals {
  nightly_target = local.nightly ? aws_lambda_function.nightly[0].arn : aws_lambda_function.events.arn
}

data "aws_iam_policy_document" "scheduler" {
  statement {
    actions   = ["lambda:InvokeFunction"]
    resources = [local.nightly_target]
  }
  statement {
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dlq.arn]
  }
}

resource "aws_iam_role_policy" "scheduler" {
  name   = "${var.name}-scheduler"
  role   = aws_iam_role.scheduler.id
  policy = data.aws_iam_policy_document.scheduler.json
}

resource "aws_scheduler_schedule" "nightly" {
  name                = "${var.name}-nightly"
  schedule_expression = var.nightly_schedule
  kms_key_arn         = var.kms_key_arn != "" ? var.kms_key_arn : null

  # checkov:skip=CKV_AWS_297:the schedule's input is the constant {"auditwarden": "nightly"}; a CMK is used when kms_key_arn is set

  flexible_time_window {
    mode                      = "FLEXIBLE"
    maximum_window_in_minutes = 30
  }

  target {
    arn      = local.nightly_target
    role_arn = aws_iam_role.scheduler.arn
    input    = jsonencode({ auditwarden = "nightly" })

    retry_policy {
      maximum_retry_attempts       = 3
      maximum_event_age_in_seconds = 3600
    }

    dead_letter_config {
      arn = aws_sqs_queue.dlq.arn
    }
  }
}
