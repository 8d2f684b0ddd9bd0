# Offline checks of the module with a mocked AWS provider: `terraform test` (after
# `terraform init -backend=false -plugin-dir=<provider mirror>`).

mock_provider "aws" {
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "111122223333" }
  }
  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  # Mocked computed ARNs must still look like ARNs: the provider validates arguments that use them.
  mock_resource "aws_sqs_queue" {
    defaults = { arn = "arn:aws:sqs:us-east-1:111122223333:auditwarden-dlq", url = "https://sqs.us-east-1.amazonaws.com/111122223333/auditwarden-dlq" }
  }
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:us-east-1:111122223333:auditwarden-findings" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::111122223333:role/auditwarden-function" }
  }
  mock_resource "aws_lambda_function" {
    defaults = { arn = "arn:aws:lambda:us-east-1:111122223333:function:auditwarden" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/auditwarden" }
  }
  mock_resource "aws_dynamodb_table" {
    defaults = { arn = "arn:aws:dynamodb:us-east-1:111122223333:table/auditwarden-state" }
  }
  mock_resource "aws_ssm_parameter" {
    defaults = { arn = "arn:aws:ssm:us-east-1:111122223333:parameter/auditwarden/config" }
  }
  mock_resource "aws_cloudwatch_event_rule" {
    defaults = { arn = "arn:aws:events:us-east-1:111122223333:rule/auditwarden-route" }
  }
}

variables {
  lambda_zip_path = "tests/not-built.zip"
}

run "event_function_routes_and_state" {
  command = apply

  assert {
    condition     = length(aws_cloudwatch_event_rule.route) == length(local.generated_event_patterns) && length(aws_cloudwatch_event_rule.route) > 20
    error_message = "one EventBridge rule per generated route"
  }
  assert {
    condition     = alltrue([for k, t in aws_cloudwatch_event_target.route : t.arn == aws_lambda_function.events.arn])
    error_message = "every route targets the event function"
  }
  assert {
    condition     = aws_cloudwatch_event_rule.route["sts"].state == "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
    error_message = "read-only STS logins (OIDC session links) need the all-management-events rule state"
  }
  assert {
    condition     = aws_lambda_function.events.handler == "scanner.handlers.aws_lambda.handler" && aws_lambda_function.events.runtime == "python3.12"
    error_message = "handler and runtime"
  }
  assert {
    condition     = aws_lambda_function.events.dead_letter_config[0].target_arn == aws_sqs_queue.dlq.arn
    error_message = "failed async invocations go to the DLQ"
  }
  assert {
    condition     = aws_dynamodb_table.state.ttl[0].attribute_name == "exp" && aws_dynamodb_table.state.ttl[0].enabled
    error_message = "state table TTL on exp (what scanner/state/dynamodb.py writes)"
  }
  assert {
    condition     = aws_lambda_function.events.environment[0].variables["AUDITWARDEN_STATE"] == "dynamodb:auditwarden-state"
    error_message = "the function finds its table"
  }
  assert {
    condition     = aws_scheduler_schedule.nightly.target[0].input == jsonencode({ auditwarden = "nightly" })
    error_message = "the nightly payload the handler recognises"
  }
  assert {
    condition     = aws_scheduler_schedule.nightly.target[0].arn == aws_lambda_function.events.arn
    error_message = "without the nightly image the schedule invokes the event function (heartbeats)"
  }
  assert {
    condition     = length(aws_sqs_queue.trail) == 0 && length(aws_lambda_event_source_mapping.trail) == 0
    error_message = "S3 ingest is off by default"
  }
  assert {
    condition     = !contains([for s in data.aws_iam_policy_document.function.statement : s.sid], "Responders")
    error_message = "no IAM write permission without an enabled responder"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.heartbeat.treat_missing_data == "breaching" && aws_cloudwatch_metric_alarm.heartbeat.namespace == "auditwarden"
    error_message = "heartbeat alarm: silence (no EMF line at all) breaches"
  }
}

run "everything_switched_on" {
  command = apply

  variables {
    enable_s3_ingest   = true
    trail_bucket_name  = "acme-cloudtrail"
    responders         = ["aws_key_disable"]
    nightly_image_uri  = "111122223333.dkr.ecr.us-east-1.amazonaws.com/auditwarden-nightly:1"
    report_bucket_name = "acme-security-reports"
  }

  assert {
    condition     = jsondecode(aws_sqs_queue.trail[0].redrive_policy).maxReceiveCount == 5
    error_message = "poison messages move to the DLQ after 5 receives"
  }
  assert {
    condition     = contains(aws_lambda_event_source_mapping.trail[0].function_response_types, "ReportBatchItemFailures")
    error_message = "partial batch responses: only failed messages are redelivered"
  }
  assert {
    condition     = aws_sqs_queue.trail[0].visibility_timeout_seconds >= 6 * aws_lambda_function.events.timeout
    error_message = "visibility timeout at least six function timeouts"
  }
  assert {
    condition     = contains(flatten([for s in data.aws_iam_policy_document.function.statement : s.resources]), "arn:aws:s3:::acme-cloudtrail/AWSLogs/*")
    error_message = "reads trail objects of that bucket only"
  }
  assert {
    condition     = toset(one([for s in data.aws_iam_policy_document.function.statement : s.actions if s.sid == "Responders"])) == toset(["iam:GetAccessKeyLastUsed", "iam:GetUser", "iam:ListAccessKeys", "iam:UpdateAccessKey"])
    error_message = "a responder adds only its own actions"
  }
  assert {
    condition     = aws_scheduler_schedule.nightly.target[0].arn == aws_lambda_function.nightly[0].arn
    error_message = "with the nightly artifact the schedule invokes it"
  }
  assert {
    condition     = toset(flatten([for s in data.aws_iam_policy_document.nightly.statement : s.actions if startswith(s.sid, "Iam")])) == toset(["iam:GetAccountAuthorizationDetails", "iam:GenerateCredentialReport", "iam:GetCredentialReport", "iam:ListRoles", "iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListAccessKeys", "iam:GetAccessKeyLastUsed"])
    error_message = "the nightly role reads the IAM inventory (read-only actions)"
  }
  assert {
    condition     = toset(one([for s in data.aws_iam_policy_document.nightly.statement : s.resources if s.sid == "ReportObjects"])) == toset(["arn:aws:s3:::acme-security-reports/auditwarden/*"])
    error_message = "the nightly role reads and writes the report under its prefix only"
  }
  assert {
    condition     = contains([for s in data.aws_iam_policy_document.nightly.statement : s.sid], "TrailList") && contains([for s in data.aws_iam_policy_document.nightly.statement : s.sid], "TrailRead")
    error_message = "the nightly role lists and reads the trail for usage and anomalies"
  }
  assert {
    condition     = !contains([for s in data.aws_iam_policy_document.function.statement : s.sid], "IamInventory") && length(aws_iam_role.nightly) == 1
    error_message = "the event function's role never gets the inventory reads; the nightly function has its own role"
  }
}

run "unknown_responder_refused" {
  command = plan

  variables {
    responders = ["delete_everything"]
  }

  expect_failures = [var.responders]
}
