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

variable "region" {
  description = "Region of the Cloud Function, its source bucket, Firestore and Cloud Scheduler."
  type        = string
  default     = "us-central1"
}

variable "name" {
  description = "Prefix of the function, service account, topics and secret."
  type        = string
  default     = "auditwarden"
}

variable "function_source_zip" {
  description = "The Cloud Function source `make package` builds (dist/auditwarden-gcf.zip)."
  type        = string
  default     = "../../dist/auditwarden-gcf.zip"
}

variable "python_runtime" {
  description = "Cloud Functions runtime."
  type        = string
  default     = "python312"
}

variable "config_yaml" {
  description = "Initial auditwarden.yaml stored in Secret Manager (add a new secret version to flip a switch; the function reads `latest`). Empty: findings to the findings topic."
  type        = string
  default     = ""
}

variable "create_firestore_database" {
  description = "Create the project's (default) Firestore database (false when the project already has one)."
  type        = bool
  default     = true
}

variable "max_instances" {
  description = "Upper bound of function instances (cost and Firestore write-rate cap)."
  type        = number
  default     = 20
}

variable "nightly_schedule" {
  description = "Cloud Scheduler cron (UTC) of the nightly job (heartbeats per project; report/anomaly need the nightly artifact)."
  type        = string
  default     = "0 3 * * *"
}
