# A silent or failing pipeline is a finding for a human: alarms to the findings topic (and alarm_actions).

locals {
  alarm_to = concat([aws_sns_topic.findings.arn], var.alarm_actions)
}

resource "aws_cloudwatch_metric_alarm" "function" {
  for_each = {
    errors    = { metric = "Errors", description = "The event function failed invocations (events retried, then dead-lettered)." }
    throttles = { metric = "Throttles", description = "The event function is throttled (reserved concurrency too low for the event rate)." }
  }
  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = "AWS/Lambda"
  metric_name         = each.value.metric
  dimensions          = { FunctionName = aws_lambda_function.events.function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_to
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "dlq_depth" {
  alarm_name          = "${var.name}-dlq-depth"
  alarm_description   = "Audit events or messages reached the dead-letter queue: inspect, fix, redrive."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.dlq.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_to
  tags                = var.tags
}

# EventsIn comes from the function's own EMF log line (namespace auditwarden, dimension Function).
resource "aws_cloudwatch_metric_alarm" "heartbeat" {
  alarm_name          = "${var.name}-heartbeat"
  alarm_description   = "No audit events reached auditwarden for heartbeat_minutes: trail stopped, rules or routing broken."
  namespace           = "auditwarden"
  metric_name         = "EventsIn"
  dimensions          = { Function = aws_lambda_function.events.function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = ceil(var.heartbeat_minutes / 5)
  threshold           = 1
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "breaching" # no line at all is the silence we are looking for
  alarm_actions       = local.alarm_to
  tags                = var.tags
}
