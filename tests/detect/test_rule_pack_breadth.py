"""Issue 13: the concerns a cloud security team expects on day one, each with the rule covering it,
and the false alarms the pack promises to stay quiet on, each pinned by a must-not-fire case."""

from __future__ import annotations

import pytest

from scanner.bursts.rules import load_burst_rules
from scanner.detect.rules import load_rules

RULES = {r.id: r for r in load_rules()}
BURSTS = {r.id: r for r in load_burst_rules()}

COVERAGE: dict[str, str] = {
    "S3 Block Public Access removed": "aws.s3.public_access_block_removed",
    "S3 bucket policy / ACL public": "aws.s3.bucket_made_public",
    "S3 versioning / MFA delete / replication / encryption weakened": "aws.s3.data_protection_weakened",
    "S3 access logging off": "aws.s3.access_logging_disabled",
    "S3 replication to another account": "aws.s3.replication_to_other_account",
    "KMS key disabled / deletion scheduled": "aws.kms.key_disabled_or_deletion_scheduled",
    "KMS key policy opened": "aws.kms.key_policy_opened",
    "RDS instance public": "aws.rds.instance_made_public",
    "RDS snapshot exported / copied": "aws.rds.snapshot_exported_or_copied_out",
    "RDS deletion protection / backups / activity stream": "aws.rds.protection_weakened",
    "RDS master password / IAM role": "aws.rds.master_password_or_role_changed",
    "EBS default encryption disabled": "aws.ec2.ebs_default_encryption_disabled",
    "network ACL open to the world": "aws.ec2.network_acl_open_to_world",
    "traffic mirroring": "aws.ec2.traffic_mirroring_created",
    "VPC peering / internet gateway / routes": "aws.ec2.network_path_opened",
    "Security Hub / Macie / Inspector / Detective off": "aws.security_service.disabled",
    "findings suppressed": "aws.security_findings.suppressed",
    "WAF / Config rules / Bedrock guardrails removed": "aws.protection.removed",
    "IAM user created outside CloudFormation": "aws.iam.user_created_outside_iac",
    "MFA device removed": "aws.iam.mfa_device_removed",
    "GetSigninToken abuse": "aws.signin.console_token_from_keys",
    "root login failure": "aws.signin.root_login_failed",
    "console login without SAML where SSO is required": "aws.signin.iam_user_console_login",
    "new account in the organization": "aws.organizations.account_created",
    "credential validation by scanners": "aws.recon.credential_check_by_scanner",
    "SES checks by leaked keys": "aws.recon.ses_checked_with_user_key",
    "role anyone may assume": "aws.iam.role_trusts_everyone",
    "S3 bucket policy / ACL granted to another account": "aws.s3.bucket_shared_cross_account",
    "S3 objects copied to another account's bucket": "aws.s3.object_copied_to_other_account",
    "KMS key policy / grant to another account": "aws.kms.key_shared_cross_account",
    "resource policies opened to everyone (ECR, Secrets Manager, SNS, ...)": "aws.resource_policy.opened_to_everyone",
    "resource policies shared with another account": "aws.resource_policy.shared_cross_account",
    "account password policy weakened": "aws.iam.password_policy_weakened",
    "Route 53 domain transfer": "aws.route53domains.transfer_started",
    "organization SCP / RCP removed": "aws.organizations.guardrail_removed",
    "EC2 snapshot / AMI block public access off, serial console on": "aws.ec2.account_protection_loosened",
    "AWS Backup recovery points / vault locks deleted": "aws.backup.recovery_destroyed",
    "AWS Backup plans / selections / vaults deleted": "aws.backup.plan_removed",
    "CloudWatch logs / alarms removed": "aws.cloudwatch.monitoring_removed",
    "GetSessionToken / GetFederationToken from new networks": "aws.bursts.sts_token_new_network",
    "EKS cluster admin through access entries": "aws.eks.cluster_admin_granted",
    "EKS endpoint public / audit logging off": "aws.eks.cluster_exposed_or_unlogged",
    "GCP getAccessToken / signBlob / signJwt by people": "gcp.iam.sa_credentials_minted_by_person",
    "GCP HMAC / API keys": "gcp.credentials.hmac_or_api_key_created",
    "GCP custom role escalation": "gcp.iam.custom_role_with_escalation_permissions",
    "GCP org / folder IAM": "gcp.iam.org_or_folder_policy_changed",
    "GCP identity pools": "gcp.iam.identity_pool_changed",
    "GCP Run / Functions / instances allUsers": "gcp.iam.resource_opened_to_all_users",
    "GCP escalation via Build / DM / Functions / VMs": "gcp.escalation.code_run_as_service_account",
    "GCP KMS destroy": "gcp.kms.key_version_destroyed_or_disabled",
    "GCP log buckets deleted": "gcp.logging.bucket_or_log_deleted",
    "GCP VPC Service Controls violations": "gcp.vpcsc.violation",
    "GKE privileged / host pods": "gcp.gke.privileged_workload",
    "GKE exec / attach": "gcp.gke.pod_exec",
    "GKE cluster-admin / wildcard / pods-exec roles": "gcp.gke.cluster_admin_binding",
    "GKE secrets across namespaces / token theft": "gcp.gke.secrets_or_tokens_harvested",
    "GKE webhooks / DaemonSets / CronJobs / NodePort": "gcp.gke.persistence_object_created",
    "GKE anonymous access": "gcp.gke.anonymous_access",
    "GKE pods and workloads in system namespaces": "gcp.gke.system_namespace_workload",
    "GKE certificate signing requests approved by hand": "gcp.gke.certificate_signing_request_approved",
    "GKE node / kube-system credentials used from public addresses": "gcp.gke.system_identity_from_outside",
    "GCP external users invited as owners": "gcp.iam.external_member_granted",
    "GCP federation providers": "gcp.iam.federation_provider_changed",
    "GCP service accounts impersonated by unusual callers": "gcp.bursts.sa_new_caller",
    "GCS buckets made public": "gcp.sharing.public_or_external",
    "GCP KMS cross-project encryption": "gcp.kms.cmek_foreign_key",
    "GCP KMS key re-enabled": "gcp.kms.key_version_restored_or_enabled",
    "GCP log sinks deleted": "gcp.logging.sink_deleted",
    "root read-only calls, separately switchable": "aws.root.read_only",
    "console brute force by address": "aws.bursts.console_login_failures_by_ip",
    "console brute force by user": "aws.bursts.console_login_failures_by_user",
    "password spraying": "aws.bursts.password_spraying",
    "password spraying through many addresses": "aws.bursts.password_spraying_distributed",
    "MFA failure bursts": "aws.bursts.mfa_failures",
    "GetPasswordData bursts": "aws.bursts.get_password_data",
    "AccessDenied bursts": "aws.bursts.access_denied_by_principal",
    "S3 bulk deletion": "aws.bursts.s3_bulk_deletion",
    "S3 bulk deletion in multi-object batches": "aws.bursts.s3_batch_deletion",
    "S3 ransom note after deletions": "aws.bursts.s3_ransom_note",
    "first use of a region": "aws.bursts.region_first_used",
    "GCS bulk deletion": "gcp.bursts.gcs_bulk_deletion",
    "GCS ransom note": "gcp.bursts.gcs_ransom_note",
    "GCP PERMISSION_DENIED bursts": "gcp.bursts.permission_denied_by_principal",
    "GCP VPC-SC violation bursts": "gcp.bursts.vpcsc_violations_by_source",
}

#: what a cloud security team expects on day one beyond the issue's own list
BEYOND_THE_LIST: dict[str, str] = {
    "CodeBuild project public": "aws.codebuild.project_made_public",
    "ECR image scanning off": "aws.ecr.image_scanning_disabled",
    "Secrets Manager bulk reads": "aws.bursts.secrets_bulk_read",
    "GCP organization policy guard rail lifted": "gcp.orgpolicy.security_constraint_weakened",
    "Cloud SQL open to the internet": "gcp.cloudsql.instance_open_to_world",
    "project SSH keys / OS Login / serial port metadata": "gcp.compute.metadata_access_opened",
    "BigQuery dataset public": "gcp.bigquery.dataset_public",
    "Secret Manager bulk reads": "gcp.bursts.secrets_bulk_read",
    "IMDSv1 allowed again": "aws.ec2.imdsv1_enabled",
    "database / cache ports open to the world (AWS)": "aws.ec2.data_port_open_to_world",
    "database / cache ports open to the world (GCP)": "gcp.compute.data_port_open_to_world",
    "GKE control plane opened / legacy ABAC": "gcp.gke.control_plane_exposed",
    "secret destroyed without recovery": "aws.secretsmanager.secret_force_deleted",
    "GCP deny policy / VPC-SC perimeter deleted": "gcp.guardrail.deleted",
}

#: false alarms the issue names → (rule, the name of the must-not-fire case that pins it)
QUIET_ON: dict[str, tuple[str, str]] = {
    "SAML federated console login": ("aws.signin.iam_user_console_login",
                                     "SAML federated sign-in (MFA done at the identity provider)"),
    "IAM Identity Center console login": ("aws.signin.iam_user_console_login", "IAM Identity Center portal sign-in"),
    "service-linked role creation": ("aws.iam.role_trusts_everyone",
                                     "a service-linked role created for a service (only the service may assume it)"),
    "read-only root calls": ("aws.root.activity", "a read-only root call is left to aws.root.read_only"),
    "trust policy naming only trusted accounts": ("aws.iam.trust_policy_updated",
                                                   "only the own account and accounts in trusted added"),
    "CloudFormation-made access keys": ("aws.iam.access_key_for_other_user",
                                        "created for a user by a CloudFormation stack (AWS::IAM::AccessKey resource)"),
    "AWS Backup expiring its own recovery points": ("aws.backup.recovery_destroyed",
                                                    "AWS Backup expiring a recovery point at the end of its lifecycle"),
    "AWS services creating KMS grants": ("aws.kms.key_shared_cross_account",
                                         "EBS creating a grant for an instance volume (invokedBy an AWS service)"),
    "public-looking policies scoped by source account / VPC endpoint": (
        "aws.s3.bucket_made_public", "* scoped to a VPC endpoint (docs spelling aws:sourceVpce) stays quiet"),
    "ELB log delivery writing to a bucket": ("aws.s3.bucket_shared_cross_account",
                                             "the ELB log-delivery account may only write log objects"),
    "EFS console policy limited to mount targets": (
        "aws.resource_policy.opened_to_everyone",
        "the EFS console's \"prevent anonymous access\" policy "
        "(any principal, but only through a mount target in the VPC)"),
    "OpenSearch domain in a VPC with the open policy": (
        "aws.resource_policy.opened_to_everyone",
        "an OpenSearch domain created inside a VPC with the open access policy fine-grained access control expects"),
    "CloudFront log delivery ACL": (
        "aws.s3.bucket_shared_cross_account",
        "the ACL CloudFront standard logging needs (FULL_CONTROL for the awslogsdelivery account's canonical ID)"),
    "EKS cluster created with the default public endpoint": (
        "aws.eks.cluster_exposed_or_unlogged",
        "a cluster created with EKS's default public endpoint (console, eksctl and Terraform all default to it)"),
    "Control Tower swapping its own SCPs": ("aws.organizations.guardrail_removed",
                                            "Control Tower swapping a control's SCP while it updates the landing zone"),
    "a detached SCP deleted": (
        "aws.organizations.guardrail_removed",
        "an SCP deleted after it was detached (cleanup; the detach was the removal, and was reported)"),
    "RDS deleting its managed secret": (
        "aws.secretsmanager.secret_force_deleted",
        "RDS deleting the master-password secret it manages (managed master password turned off)"),
    "Terraform replacing a backup selection (not high)": (
        "aws.backup.recovery_destroyed",
        "Terraform replacing a backup selection is the plan rule's (medium) finding, not this one's"),
    "OS Login switched on for a project": (
        "gcp.compute.metadata_access_opened",
        "OS Login turned on for the project (the key added; absent, it is off, so adding it can only switch it on)"),
    "one-day expiry of a scratch prefix": (
        "aws.s3.data_protection_weakened",
        "scratch objects under tmp/ expire after a day (a prefix-scoped rule beside the bucket's long-term one)"),
    "Security Hub central configuration applied in member accounts": (
        "aws.security_service.disabled",
        "Security Hub's central configuration applying the administrator's policy in a member account (one of many)"),
    "AWS Backup copying RDS snapshots to the DR region": (
        "aws.rds.snapshot_exported_or_copied_out",
        "an AWS Backup copy rule replicating a recovery point to the disaster-recovery region"),
    "AWS Backup cross-account copy jobs sharing snapshots": (
        "aws.sharing.cross_account",
        "AWS Backup sharing a snapshot with the organization's backup account for a cross-account copy job"),
    "Google's automatic Editor grant to the Compute Engine default service account": (
        "gcp.iam.admin_role_granted",
        "Editor for the Compute Engine default service account as the Compute Engine API is enabled "
        "(Google's automatic grant)"),
    "GKE's managed operators deploying in their own namespaces": (
        "gcp.gke.system_namespace_workload",
        "Managed Service for Prometheus's operator creating its collector DaemonSet in its own gke- namespace"),
    "GKE's managed operators creating DaemonSets and webhooks": (
        "gcp.gke.persistence_object_created",
        "Managed Service for Prometheus's operator creating its collector DaemonSet (on by default in new clusters)"),
    "a developer's build as a dedicated build account": (
        "gcp.escalation.code_run_as_service_account",
        "a developer's `gcloud builds submit` running as the team's dedicated, narrowly-scoped build account"),
    "IAM Identity Center provisioning AdministratorAccess onto its reserved role": (
        "aws.iam.admin_policy_granted",
        "IAM Identity Center provisioning an AdministratorAccess permission set to its reserved role"),
    "IAM Identity Center creating its SAML provider": (
        "aws.iam.identity_provider_changed",
        "IAM Identity Center creating its SAML provider in a newly assigned account"),
    "IAM Identity Center re-provisioning its reserved role's trust": (
        "aws.iam.trust_policy_updated",
        "IAM Identity Center re-provisioning its reserved role's trust in its own SAML provider"),
    "non-authorization errors": ("aws.bursts.access_denied_by_principal",
                                 "throttling and not-found errors are not authorization failures"),
    "VPC-SC dry-run perimeters": ("gcp.vpcsc.violation",
                                  "a dry-run perimeter logging what it would refuse during rollout"),
    "GKE controllers creating a workload's pods": (
        "gcp.gke.privileged_workload",
        "the replicaset controller stamping out a Deployment's pods on the node network"),
    "kubelet mirror pods of static pods": (
        "gcp.gke.privileged_workload",
        "the kubelet's mirror pod of a static kube-proxy pod (privileged, host network)"),
    "webhook CA-bundle rotations": (
        "gcp.gke.persistence_object_created", "a webhook's CA bundle rotated by cert-manager's injector"),
    "Google service agents given Editor on new projects": (
        "gcp.iam.admin_role_granted", "Editor for the Google APIs service agent as a new project is set up"),
    "Google service agents minting tokens": (
        "gcp.iam.sa_credentials_minted_by_person", "a Google service agent minting a token for the account it runs as"),
    "CI through workload identity federation minting tokens": (
        "gcp.iam.sa_credentials_minted_by_person",
        "a GitHub Actions workflow (workload identity federation) minting its deploy token"),
    "log exclusions switched off": ("gcp.logging.sink_modified", "an exclusion switched off (logs flow again)"),
    "IAM denials taken for perimeter violations": (
        "gcp.vpcsc.violation", "an ordinary IAM denial of the same read in the Data Access log (not a perimeter)"),
}


@pytest.mark.parametrize(("concern", "rule_id"), [*COVERAGE.items(), *BEYOND_THE_LIST.items()])
def test_concern_is_covered(concern: str, rule_id: str) -> None:
    assert rule_id in RULES or rule_id in BURSTS, concern


@pytest.mark.parametrize(("alarm", "where"), QUIET_ON.items())
def test_false_alarm_is_pinned_by_a_must_not_fire_case(alarm: str, where: tuple[str, str]) -> None:
    rule_id, case = where
    rule = RULES.get(rule_id) or BURSTS[rule_id]
    expects = {c.name: c.expect for c in rule.tests}
    assert case in expects, alarm
    assert expects[case] in (False, 0), alarm
