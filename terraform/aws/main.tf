data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  region    = data.aws_region.current.name
  partition = data.aws_partition.current.partition
  nightly   = var.nightly_image_uri != ""
  config_yaml = var.config_yaml != "" ? var.config_yaml : yamlencode({
    serverless = { sinks = [{ type = "stdout" }, { type = "sns", topic_arn = aws_sns_topic.findings.arn }] }
  })
  responder_actions = {
    # what the responder reads to confirm the owner (resolve), then the one write it makes
    aws_key_disable   = ["iam:GetAccessKeyLastUsed", "iam:GetUser", "iam:ListAccessKeys", "iam:UpdateAccessKey"]
    aws_role_sessions = ["iam:GetRole", "iam:GetRolePolicy", "iam:PutRolePolicy"]
  }
  function_env = {
    AUDITWARDEN_CONFIG             = "ssm:${aws_ssm_parameter.config.name}"
    AUDITWARDEN_CONFIG_TTL_SECONDS = tostring(var.config_ttl_seconds)
    AUDITWARDEN_STATE              = "dynamodb:${aws_dynamodb_table.state.name}"
  }
}

# ------------------------------------------------------------------ configuration (flip switches here)
resource "aws_ssm_parameter" "config" {
  name        = "/${var.name}/config"
  description = "auditwarden.yaml read by the functions at run time (re-read every config_ttl_seconds)."
  type        = "SecureString" # webhook URLs (Slack) are credentials
  tier        = "Advanced"     # room for a real config (up to 8 KB)
  key_id      = var.kms_key_arn != "" ? var.kms_key_arn : null
  # checkov:skip=CKV_AWS_337:encrypted with the AWS-managed aws/ssm key unless kms_key_arn names a CMK (a CMK is a cost and a key policy the operator owns)
  value = local.config_yaml
  tags  = var.tags

  lifecycle {
    ignore_changes = [value] # edits made in SSM to flip a switch survive the next apply
  }
}

# ------------------------------------------------------------------ state: dedup, OIDC links, heartbeats
resource "aws_dynamodb_table" "state" {
  name         = "${var.name}-state"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "k"
  tags         = var.tags

  attribute {
    name = "k"
    type = "S"
  }

  ttl {
    attribute_name = "exp"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn != "" ? var.kms_key_arn : null
  }

  # checkov:skip=CKV_AWS_119:encrypted with the AWS-owned DynamoDB key unless kms_key_arn names a CMK; it holds finding ids, session links and timestamps
}

# ------------------------------------------------------------------ findings out
resource "aws_sns_topic" "findings" {
  name              = "${var.name}-findings"
  kms_master_key_id = "alias/aws/sns"
  tags              = var.tags
}

# ------------------------------------------------------------------ dead letters: failed events, poison messages
resource "aws_sqs_queue" "dlq" {
  name                      = "${var.name}-dlq"
  message_retention_seconds = 1209600 # 14 days, the maximum: time to look, fix and redrive
  sqs_managed_sse_enabled   = true
  tags                      = var.tags
}

data "aws_iam_policy_document" "dlq" {
  statement {
    sid       = "EventBridgeTargetDeadLetters"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dlq.arn]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:events:${local.region}:${local.account}:rule/${var.name}-*"]
    }
  }
}

resource "aws_sqs_queue_policy" "dlq" {
  queue_url = aws_sqs_queue.dlq.id
  policy    = data.aws_iam_policy_document.dlq.json
}

# ------------------------------------------------------------------ the event function
resource "aws_cloudwatch_log_group" "function" {
  name              = "/aws/lambda/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn != "" ? var.kms_key_arn : null
  tags              = var.tags

  # checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts at rest by default; kms_key_arn adds a CMK (its key policy must allow logs.amazonaws.com)
}

data "aws_iam_policy_document" "assume_lambda" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "function" {
  name               = "${var.name}-function"
  assume_role_policy = data.aws_iam_policy_document.assume_lambda.json
  tags               = var.tags
}

# Least privilege: its own log group, table, topic, parameter, DLQ; the trail queue and bucket only
# when S3 ingest is on; IAM write actions only for the responders switched on.
data "aws_iam_policy_document" "function" {
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.function.arn}:*"]
  }
  statement {
    sid       = "State"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"]
    resources = [aws_dynamodb_table.state.arn]
  }
  statement {
    sid       = "Findings"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.findings.arn]
  }
  statement {
    sid       = "Config"
    actions   = ["ssm:GetParameter"]
    resources = [aws_ssm_parameter.config.arn]
  }
  statement {
    sid       = "DeadLetters"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dlq.arn]
  }
  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"] # X-Ray has no resource-level permissions
  }
  dynamic "statement" {
    for_each = var.enable_s3_ingest ? [1] : []
    content {
      sid       = "TrailQueue"
      actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]
      resources = [aws_sqs_queue.trail[0].arn]
    }
  }
  dynamic "statement" {
    for_each = var.enable_s3_ingest ? [1] : []
    content {
      sid       = "TrailObjects"
      actions   = ["s3:GetObject"]
      resources = ["arn:${local.partition}:s3:::${var.trail_bucket_name}/AWSLogs/*"]
    }
  }
  dynamic "statement" {
    for_each = length(var.responders) > 0 ? [1] : []
    content {
      sid       = "Responders"
      actions   = sort(distinct(flatten([for r in var.responders : local.responder_actions[r]])))
      resources = ["arn:${local.partition}:iam::${local.account}:user/*", "arn:${local.partition}:iam::${local.account}:role/*"]
    }
  }
}

resource "aws_iam_role_policy" "function" {
  name   = "${var.name}-function"
  role   = aws_iam_role.function.id
  policy = data.aws_iam_policy_document.function.json
}

resource "aws_lambda_function" "events" {
  function_name                  = var.name
  description                    = "auditwarden: evaluates audit events as they arrive"
  role                           = aws_iam_role.function.arn
  runtime                        = var.python_runtime
  handler                        = "scanner.handlers.aws_lambda.handler"
  filename                       = var.lambda_zip_path
  source_code_hash               = fileexists(var.lambda_zip_path) ? filebase64sha256(var.lambda_zip_path) : null
  memory_size                    = var.memory_mb
  timeout                        = var.timeout_seconds
  reserved_concurrent_executions = var.reserved_concurrency
  architectures                  = ["x86_64"] # the zip's wheels are manylinux2014_x86_64
  tags                           = var.tags

  # checkov:skip=CKV_AWS_117:reads CloudTrail events and calls public AWS APIs only; a VPC adds NAT cost and nothing to protect
  # checkov:skip=CKV_AWS_272:code signing needs a Signer profile the operator owns; the zip is built from this repository by make package
  # checkov:skip=CKV_AWS_173:environment holds only resource names (SSM path, table); the config itself is a SecureString

  environment {
    variables = local.function_env
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.dlq.arn # asynchronous invocations (EventBridge, CWL) that failed every retry
  }

  tracing_config {
    mode = "Active"
  }

  depends_on = [aws_cloudwatch_log_group.function, aws_iam_role_policy.function]
}

resource "aws_lambda_function_event_invoke_config" "events" {
  function_name                = aws_lambda_function.events.function_name
  maximum_retry_attempts       = 2
  maximum_event_age_in_seconds = 21600
}

# ------------------------------------------------------------------ EventBridge: routes generated from the rule pack
# local.generated_event_patterns comes from routes.tf.json (python -m scanner.live.routes).
resource "aws_cloudwatch_event_rule" "route" {
  for_each      = local.generated_event_patterns
  name          = "${var.name}-${each.key}"
  description   = "auditwarden: events the rule pack / deploy catalog evaluate (${each.key})"
  event_pattern = each.value.pattern
  state         = each.value.state
  tags          = var.tags
}

resource "aws_cloudwatch_event_target" "route" {
  for_each = local.generated_event_patterns
  rule     = aws_cloudwatch_event_rule.route[each.key].name
  arn      = aws_lambda_function.events.arn

  retry_policy {
    maximum_retry_attempts       = 8
    maximum_event_age_in_seconds = 21600
  }

  dead_letter_config {
    arn = aws_sqs_queue.dlq.arn # the invoke itself failed (throttled past retries, permission)
  }
}

resource "aws_lambda_permission" "route" {
  for_each      = local.generated_event_patterns
  statement_id  = "eventbridge-${each.key}"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.events.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.route[each.key].arn
}
