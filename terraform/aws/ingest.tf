# Optional: whole trails (data events included) from S3. CloudTrail writes an object → S3 notifies
# the queue → the function reads the object and answers with a partial-batch response; a message
# that keeps failing (undecodable, unreadable object, a sink down) moves to the DLQ after
# maxReceiveCount receives.

resource "aws_sqs_queue" "trail" {
  count                      = var.enable_s3_ingest ? 1 : 0
  name                       = "${var.name}-trail-objects"
  visibility_timeout_seconds = var.timeout_seconds * 6 # AWS guidance for Lambda consumers
  message_retention_seconds  = 345600
  sqs_managed_sse_enabled    = true
  tags                       = var.tags

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = 5
  })
}

resource "aws_sqs_queue_redrive_allow_policy" "dlq" {
  count     = var.enable_s3_ingest ? 1 : 0
  queue_url = aws_sqs_queue.dlq.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.trail[0].arn]
  })
}

data "aws_iam_policy_document" "trail_queue" {
  count = var.enable_s3_ingest ? 1 : 0
  statement {
    sid       = "TrailBucketNotifications"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.trail[0].arn]
    principals {
      type        = "Service"
      identifiers = ["s3.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:s3:::${var.trail_bucket_name}"]
    }
  }
}

resource "aws_sqs_queue_policy" "trail" {
  count     = var.enable_s3_ingest ? 1 : 0
  queue_url = aws_sqs_queue.trail[0].id
  policy    = data.aws_iam_policy_document.trail_queue[0].json
}

resource "aws_s3_bucket_notification" "trail" {
  count  = var.enable_s3_ingest ? 1 : 0
  bucket = var.trail_bucket_name

  queue {
    queue_arn     = aws_sqs_queue.trail[0].arn
    events        = ["s3:ObjectCreated:*"]
    filter_prefix = "AWSLogs/"
    filter_suffix = ".json.gz"
  }

  depends_on = [aws_sqs_queue_policy.trail]
}

resource "aws_lambda_event_source_mapping" "trail" {
  count                              = var.enable_s3_ingest ? 1 : 0
  event_source_arn                   = aws_sqs_queue.trail[0].arn
  function_name                      = aws_lambda_function.events.arn
  batch_size                         = 10
  maximum_batching_window_in_seconds = 5
  function_response_types            = ["ReportBatchItemFailures"] # only the failed messages come back
}
