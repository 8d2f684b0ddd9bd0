# The whole GCP side. `make package` first (it builds ../../../dist/auditwarden-gcf.zip).

provider "google" {
  project = "acme-prod"
  region  = "us-central1"
}

module "auditwarden" {
  source              = "../"
  project_id          = "acme-prod"
  function_source_zip = "${path.root}/../../../dist/auditwarden-gcf.zip"
}

output "findings_topic" {
  value = module.auditwarden.findings_topic
}
