variable "project_id" {
  description = "Project whose deploys auditwarden watches (where Artifact Registry, Cloud Run, Cloud Deploy live)."
  type        = string
}

variable "topic_name" {
  description = "Pub/Sub topic the audit log sink publishes to; auditwarden's Cloud Function subscribes to it."
  type        = string
  default     = "auditwarden-audit-logs"
}

variable "sink_name" {
  description = "Name of the project log sink."
  type        = string
  default     = "auditwarden-audit-logs"
}

variable "log_artifact_reads" {
  description = "Also log Artifact Registry reads (DATA_READ: pulls). Useful in an investigation, but every pull is an entry."
  type        = bool
  default     = true
}
