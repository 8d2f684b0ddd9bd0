output "function_name" {
  description = "The event function."
  value       = aws_lambda_function.events.function_name
}

output "findings_topic_arn" {
  description = "SNS topic findings and alarms are published to (subscribe e-mail, chat, a SIEM)."
  value       = aws_sns_topic.findings.arn
}

output "config_parameter" {
  description = "SSM parameter holding auditwarden.yaml: edit it to flip a switch, no redeploy."
  value       = aws_ssm_parameter.config.name
}

output "state_table" {
  description = "DynamoDB table with dedup marks, session links and heartbeats (TTL attribute exp)."
  value       = aws_dynamodb_table.state.name
}

output "dead_letter_queue_url" {
  description = "Where undeliverable events and poison messages wait for a look and a redrive."
  value       = aws_sqs_queue.dlq.url
}

output "trail_queue_arn" {
  description = "Queue of trail-object notifications (when enable_s3_ingest)."
  value       = var.enable_s3_ingest ? aws_sqs_queue.trail[0].arn : null
}

output "event_rules" {
  description = "EventBridge rules routing audit events to the function (generated from the rule pack)."
  value       = sort([for r in aws_cloudwatch_event_rule.route : r.name])
}
