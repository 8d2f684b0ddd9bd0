# The whole AWS side in one module call. `make package` first (it builds ../../../dist/auditwarden-lambda.zip).

provider "aws" {
  region = "us-east-1"
}

module "auditwarden" {
  source          = "../"
  lambda_zip_path = "${path.root}/../../../dist/auditwarden-lambda.zip"

  # Whole trails (data events too) from the trail bucket through SQS:
  enable_s3_ingest  = true
  trail_bucket_name = "acme-org-cloudtrail"

  # Let the responder disable leaked access keys (response.mode in the SSM config still decides
  # between dry_run and enforce at run time):
  responders = ["aws_key_disable"]
}

output "findings_topic_arn" {
  value = module.auditwarden.findings_topic_arn
}

output "config_parameter" {
  value = module.auditwarden.config_parameter
}
