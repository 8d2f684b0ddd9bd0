# Artifact pushes to Artifact Registry (Docker-PutManifest, Maven/npm/Python uploads...) are recorded
# only in Data Access audit logs, which are off by default. Without this, a push by the wrong
# principal leaves no trace for auditwarden to judge.
#
# google_project_iam_audit_config is authoritative for the service it names: if another module
# already manages artifactregistry.googleapis.com audit config in this project, merge the two.
resource "google_project_iam_audit_config" "artifact_registry" {
  project = var.project_id
  service = "artifactregistry.googleapis.com"

  audit_log_config {
    log_type = "DATA_WRITE"
  }

  dynamic "audit_log_config" {
    for_each = var.log_artifact_reads ? ["DATA_READ"] : []
    content {
      log_type = audit_log_config.value
    }
  }
}

resource "google_pubsub_topic" "audit" {
  project = var.project_id
  name    = var.topic_name
  # checkov:skip=CKV_GCP_83:Google-managed encryption; CSEK/CMEK is the operator's key to own (kms_key_name)
}

# Admin Activity logs (every deploy API: Cloud Run, Functions, App Engine, GKE, Cloud Deploy,
# Cloud Build), Policy Denied logs (VPC Service Controls refusals; few, and the perimeter rules read
# nothing else) plus Artifact Registry's Data Access logs, delivered as LogEntry JSON to Pub/Sub.
resource "google_logging_project_sink" "audit" {
  project                = var.project_id
  name                   = var.sink_name
  destination            = "pubsub.googleapis.com/${google_pubsub_topic.audit.id}"
  unique_writer_identity = true

  filter = join(" OR ", [
    "log_id(\"cloudaudit.googleapis.com/activity\")",
    "log_id(\"cloudaudit.googleapis.com/policy\")",
    "(log_id(\"cloudaudit.googleapis.com/data_access\") AND protoPayload.serviceName=\"artifactregistry.googleapis.com\")",
  ])
}

# The sink writes with its own service account; it may publish to the topic and nothing else.
resource "google_pubsub_topic_iam_member" "sink_publisher" {
  project = var.project_id
  topic   = google_pubsub_topic.audit.name
  role    = "roles/pubsub.publisher"
  member  = google_logging_project_sink.audit.writer_identity
}
