variable "name" {
  description = "Prefix of every resource name."
  type        = string
  default     = "auditwarden"
}

variable "lambda_zip_path" {
  description = "The event-function package `make package` builds (dist/auditwarden-lambda.zip)."
  type        = string
  default     = "../../dist/auditwarden-lambda.zip"
}

variable "python_runtime" {
  description = "Lambda runtime; `make package` reads it from here to build wheels for the same Python."
  type        = string
  default     = "python3.12"
}

variable "memory_mb" {
  description = "Memory of the event function (CPU scales with it)."
  type        = number
  default     = 512
}

variable "timeout_seconds" {
  description = "Timeout of the event function; an S3 trail object of thousands of records fits well within a minute."
  type        = number
  default     = 120
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions: a cap on cost and on DynamoDB/SNS write rates (-1 = unreserved)."
  type        = number
  default     = 50
}

variable "config_yaml" {
  description = "Initial auditwarden.yaml stored in SSM (later edits in SSM are kept: flip switches there, no redeploy). Empty: findings to the SNS topic, defaults otherwise."
  type        = string
  default     = ""
}

variable "config_ttl_seconds" {
  description = "How long a warm function keeps the configuration before re-reading it."
  type        = number
  default     = 60
}

variable "enable_s3_ingest" {
  description = "Also read whole trail objects (data events included) from S3 through SQS."
  type        = bool
  default     = false
}

variable "trail_bucket_name" {
  description = "Bucket CloudTrail writes to (needed when enable_s3_ingest). Its bucket notification is managed here: merge if the bucket has others."
  type        = string
  default     = ""
}

variable "nightly_image_uri" {
  description = "ECR image of the nightly artifact (report + anomaly, built from packaging/nightly.Dockerfile). Empty: the schedule invokes the event function, which checks heartbeats only."
  type        = string
  default     = ""
}

variable "report_bucket_name" {
  description = "Bucket the nightly report is written to (report.nightly.out: s3://<this>/<report_prefix>); its last report.json is read back to mark new and fixed. Empty: the nightly role gets no report bucket access."
  type        = string
  default     = ""
}

variable "report_prefix" {
  description = "Key prefix of the nightly report in report_bucket_name (the nightly role reads and writes under it only)."
  type        = string
  default     = "auditwarden/"
}

variable "nightly_schedule" {
  description = "EventBridge Scheduler expression of the nightly job."
  type        = string
  default     = "cron(0 3 * * ? *)"
}

variable "heartbeat_minutes" {
  description = "Alarm when the function receives no audit events for this long (the nightly tamper finding is per account, this is for the whole pipeline)."
  type        = number
  default     = 60
}

variable "responders" {
  description = "Responders allowed to act (each adds only the IAM actions it needs): aws_key_disable, aws_role_sessions."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for r in var.responders : contains(["aws_key_disable", "aws_role_sessions"], r)])
    error_message = "responders: aws_key_disable, aws_role_sessions."
  }
}

variable "alarm_actions" {
  description = "Where alarms go besides the findings topic (extra SNS topic ARNs)."
  type        = list(string)
  default     = []
}

variable "log_retention_days" {
  description = "Retention of the function's logs (invocation lines, dead-letter notes, findings on stdout)."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Tags on every resource."
  type        = map(string)
  default     = {}
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for the config parameter, state table, logs and schedule. Empty: AWS-managed keys."
  type        = string
  default     = ""
}
