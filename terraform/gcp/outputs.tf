output "topic_id" {
  description = "Pub/Sub topic carrying the audit log entries (subscribe auditwarden's function here)."
  value       = google_pubsub_topic.audit.id
}

output "sink_writer_identity" {
  description = "Service account the log sink publishes as."
  value       = google_logging_project_sink.audit.writer_identity
}
