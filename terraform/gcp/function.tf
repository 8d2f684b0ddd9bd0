# The event function (Cloud Functions gen2) and what it needs: a service account with only its own
# grants, Firestore for state, a findings topic, a dead-letter topic for poison messages, the
# configuration in Secret Manager, and the nightly Cloud Scheduler job.

locals {
  config_yaml = var.config_yaml != "" ? var.config_yaml : yamlencode({
    serverless = { sinks = [{ type = "stdout" }, { type = "pubsub", topic = google_pubsub_topic.findings.id }] }
  })
}

resource "google_service_account" "function" {
  project      = var.project_id
  account_id   = "${var.name}-fn"
  display_name = "auditwarden event function"
}

resource "google_pubsub_topic" "findings" {
  project = var.project_id
  name    = "${var.name}-findings"
  # checkov:skip=CKV_GCP_83:Google-managed encryption; CSEK/CMEK is the operator's key to own (kms_key_name)
}

# Poison messages the function could not decode are published here and acknowledged (no redelivery
# loop). A topic keeps nothing by itself: the subscription holds them for a look and a replay.
resource "google_pubsub_topic" "dead_letter" {
  project = var.project_id
  name    = "${var.name}-dead-letter"
  # checkov:skip=CKV_GCP_83:Google-managed encryption; CSEK/CMEK is the operator's key to own (kms_key_name)
}

resource "google_pubsub_subscription" "dead_letter" {
  project                    = var.project_id
  name                       = "${var.name}-dead-letter"
  topic                      = google_pubsub_topic.dead_letter.id
  message_retention_duration = "604800s"
  expiration_policy {
    ttl = "" # never expires for lack of readers
  }
}

resource "google_secret_manager_secret" "config" {
  project   = var.project_id
  secret_id = "${var.name}-config"
  replication {
    auto {}
  }
}

resource "google_secret_manager_secret_version" "config" {
  secret      = google_secret_manager_secret.config.id
  secret_data = local.config_yaml

  lifecycle {
    ignore_changes = [secret_data] # versions added by hand to flip a switch survive the next apply
  }
}

resource "google_firestore_database" "state" {
  count       = var.create_firestore_database ? 1 : 0
  project     = var.project_id
  name        = "(default)"
  location_id = var.region
  type        = "FIRESTORE_NATIVE"
}

resource "google_firestore_field" "state_ttl" {
  project    = var.project_id
  database   = "(default)"
  collection = "${var.name}-state"
  field      = "expire_at"
  ttl_config {}
  depends_on = [google_firestore_database.state]
}

# --- least privilege: each grant on the one resource it is for, project-level only where GCP has no finer scope
resource "google_project_iam_member" "function_firestore" {
  project = var.project_id
  role    = "roles/datastore.user" # Firestore has no per-collection IAM
  member  = google_service_account.function.member
}

resource "google_project_iam_member" "function_event_receiver" {
  project = var.project_id
  role    = "roles/eventarc.eventReceiver"
  member  = google_service_account.function.member
}

resource "google_pubsub_topic_iam_member" "function_publishes" {
  for_each = { findings = google_pubsub_topic.findings.name, dead_letter = google_pubsub_topic.dead_letter.name }
  project  = var.project_id
  topic    = each.value
  role     = "roles/pubsub.publisher"
  member   = google_service_account.function.member
}

resource "google_secret_manager_secret_iam_member" "function_config" {
  project   = var.project_id
  secret_id = google_secret_manager_secret.config.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.function.member
}

resource "google_storage_bucket" "source" {
  project                     = var.project_id
  name                        = "${var.project_id}-${var.name}-source"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  # checkov:skip=CKV_GCP_62:holds only the function's source zip (this repository, no secrets); reads are in Cloud Audit Logs when Data Access logging is on
  versioning {
    enabled = true
  }
}

resource "google_storage_bucket_object" "source" {
  name   = "auditwarden-gcf-${filemd5(var.function_source_zip)}.zip" # a new name redeploys the function
  bucket = google_storage_bucket.source.name
  source = var.function_source_zip
}

resource "google_cloudfunctions2_function" "events" {
  project  = var.project_id
  name     = var.name
  location = var.region

  build_config {
    runtime     = var.python_runtime
    entry_point = "receive"
    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    max_instance_count    = var.max_instances
    available_memory      = "512Mi"
    timeout_seconds       = 120
    ingress_settings      = "ALLOW_INTERNAL_ONLY"
    service_account_email = google_service_account.function.email
    environment_variables = {
      AUDITWARDEN_CONFIG             = "secretmanager:${google_secret_manager_secret.config.id}"
      AUDITWARDEN_STATE              = "firestore:${var.name}-state"
      AUDITWARDEN_DEAD_LETTER_TOPIC  = google_pubsub_topic.dead_letter.id
      AUDITWARDEN_CONFIG_TTL_SECONDS = "60"
      GOOGLE_CLOUD_PROJECT           = var.project_id
    }
  }

  event_trigger {
    trigger_region        = var.region
    event_type            = "google.cloud.pubsub.topic.v1.messagePublished"
    pubsub_topic          = google_pubsub_topic.audit.id
    retry_policy          = "RETRY_POLICY_RETRY" # a sink down: redelivered; poison: dead-lettered by the function
    service_account_email = google_service_account.function.email
  }

  depends_on = [
    google_project_iam_member.function_event_receiver,
    google_secret_manager_secret_iam_member.function_config,
  ]
}

resource "google_cloud_run_service_iam_member" "trigger_invoker" {
  project  = var.project_id
  location = var.region
  service  = google_cloudfunctions2_function.events.name
  role     = "roles/run.invoker"
  member   = google_service_account.function.member
}

# The nightly job: a message with attribute auditwarden=nightly on the audit topic.
resource "google_cloud_scheduler_job" "nightly" {
  project   = var.project_id
  region    = var.region
  name      = "${var.name}-nightly"
  schedule  = var.nightly_schedule
  time_zone = "Etc/UTC"

  pubsub_target {
    topic_name = google_pubsub_topic.audit.id
    data       = base64encode("{}")
    attributes = { auditwarden = "nightly" }
  }
}
