output "topic_id" {
  description = "Pub/Sub topic carrying the audit log entries (subscribe auditwarden's function here)."
  value       = google_pubsub_topic.audit.id
}

output "sink_writer_identity" {
  description = "Service account the log sink publishes as."
  value       = google_logging_project_sink.audit.writer_identity
}

output "function_name" {
  description = "The event function (Cloud Functions gen2)."
  value       = google_cloudfunctions2_function.events.name
}

output "findings_topic" {
  description = "Pub/Sub topic findings are published to."
  value       = google_pubsub_topic.findings.id
}

output "dead_letter_subscription" {
  description = "Poison messages, kept 7 days for a look and a replay."
  value       = google_pubsub_subscription.dead_letter.id
}

output "config_secret" {
  description = "Secret Manager secret with auditwarden.yaml: add a version to flip a switch."
  value       = google_secret_manager_secret.config.id
}
