"""The deploy catalog: loads, every family fires on a real-shaped event, reads and layer uploads never do."""

from __future__ import annotations

import re

import pytest

from scanner.provenance.catalog import TAGS, load_catalog, parse_catalog
from scanner.yamlio import YamlError, load_text
from tests.provenance.conftest import (
    AWS_FAMILIES,
    AWS_NOT_DEPLOYS,
    GCP_FAMILIES,
    GCP_NOT_DEPLOYS,
    NOBODY,
    detector,
    events,
    run,
)

CATALOG = load_catalog()


def test_catalog_covers_the_issue_families() -> None:
    ids = {e.id for e in CATALOG.entries}
    assert {e.tag for e in CATALOG.entries} == set(TAGS)
    for family in ("aws.ecr.push", "aws.ecr_public.push", "aws.codeartifact.publish", "aws.s3.artifact_upload",
                   "aws.lambda.deploy", "aws.lambda.layer", "aws.ecs.service", "aws.cloudformation.stack",
                   "aws.cloudformation.stack_set", "aws.codedeploy.deployment", "aws.elasticbeanstalk.environment",
                   "aws.apprunner.deploy", "aws.ssm.run", "aws.codepipeline.change", "aws.codebuild.change",
                   "gcp.artifactregistry.upload", "gcp.run.service", "gcp.run.job", "gcp.functions.deploy",
                   "gcp.appengine.deploy", "gcp.gke.workload", "gcp.clouddeploy.rollout", "gcp.cloudbuild.build",
                   "gcp.cloudbuild.trigger_change", "aws.codebuild.build", "aws.stepfunctions.deploy",
                   "aws.apigateway.deploy", "aws.amplify.deploy", "aws.ssm.association",
                   "gcp.artifactregistry.format_upload"):
        assert family in ids
    aws_actions = {a for e in CATALOG.entries for a in e.actions}
    # IAM action names, never CloudTrail's versioned event names
    assert {"lambda:UpdateFunctionCode", "lambda:PublishLayerVersion", "ecr:PutImage", "ecr-public:PutImage",
            "s3:PutObject"} <= aws_actions
    assert not any(a[-1].isdigit() for a in aws_actions)


def test_every_catalog_operation_fires_on_a_real_shaped_event() -> None:
    """A meta-test: a catalog line without a fixture event (or one that cannot fire) fails here."""
    det = detector(NOBODY)
    findings = run(det, events(AWS_FAMILIES, GCP_FAMILIES))
    fired = {(f.cloud, f.evidence["catalog_entry"], f.action) for f in findings}
    seen_ops = {(f.cloud, f.action.split(":", 1)[-1] if f.cloud == "aws" else f.action) for f in findings}
    missing = [(e.cloud, e.service, op) for e in CATALOG.entries for op in e.operations
               if (e.cloud, op) not in seen_ops]
    assert missing == []
    assert {e.id for e in CATALOG.entries} == {entry for _, entry, _ in fired}
    # Only SwapEnvironmentCNAMEs cannot name its resource (see its catalog note).
    assert [f.action for f in findings if not f.resource] == ["elasticbeanstalk:SwapEnvironmentCNAMEs"]
    assert all(f.rule == "provenance.unexpected_deployer" and f.category == "provenance" for f in findings)


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("ecr:PutImage", "arn:aws:ecr:us-east-1:111122223333:repository/app-checkout"),
        ("ecr-public:PutImage", "arn:aws:ecr-public::111122223333:repository/checkout-cli"),
        ("codeartifact:PublishPackageVersion",
         "arn:aws:codeartifact:us-east-1:111122223333:package/acme/internal/generic/tools/checkout-cli"),
        ("s3:CopyObject", "arn:aws:s3:::acme-artifacts-prod/checkout/latest/checkout.zip"),
        ("lambda:UpdateFunctionCode", "arn:aws:lambda:us-east-1:111122223333:function:checkout-api"),
        ("lambda:PublishLayerVersion", "arn:aws:lambda:us-east-1:111122223333:layer:deps:13"),
        ("ecs:UpdateService", "arn:aws:ecs:us-east-1:111122223333:service/prod/checkout"),
        ("ecs:CreateService", "arn:aws:ecs:us-east-1:111122223333:service/prod/checkout-canary"),  # cluster by ARN
        ("ecs:CreateTaskSet", "arn:aws:ecs:us-east-1:111122223333:service/prod/checkout"),
        ("cloudformation:ExecuteChangeSet", "arn:aws:cloudformation:us-east-1:111122223333:stack/checkout-prod/*"),
        ("codepipeline:UpdatePipeline", "arn:aws:codepipeline:us-east-1:111122223333:checkout-prod"),
        ("codebuild:CreateWebhook", "arn:aws:codebuild:us-east-1:111122223333:project/checkout-build"),
        ("apprunner:StartDeployment",
         "arn:aws:apprunner:us-east-1:111122223333:service/checkout-web/8fe1e10304f84fd2b0df550fe98a71fa"),
        ("google.cloud.run.v1.Services.ReplaceService", "projects/acme-prod/locations/us-central1/services/checkout"),
        ("google.cloud.run.v2.Services.UpdateService", "projects/acme-prod/locations/us-central1/services/checkout"),
        ("google.cloud.run.v1.Jobs.ReplaceJob", "projects/acme-prod/locations/us-central1/jobs/migrate"),
        ("codebuild:StartBuild", "arn:aws:codebuild:us-east-1:111122223333:project/checkout-build"),
        ("codepipeline:PutWebhook", "arn:aws:codepipeline:us-east-1:111122223333:checkout-prod"),
        ("states:UpdateStateMachineAlias", "arn:aws:states:us-east-1:111122223333:stateMachine:checkout-orders:PROD"),
        ("apigateway:UpdateStage", "arn:aws:apigateway:us-east-1::/restapis/a1b2c3d4e5/stages/prod"),
        ("amplify:StartDeployment", "arn:aws:amplify:us-east-1:111122223333:apps/d2a4b6c8e0example/branches/main"),
        ("ssm:UpdateAssociation",
         "arn:aws:ssm:us-east-1:111122223333:association/8dfe3659-4309-493a-8755-01234EXAMPLE"),
        ("codeartifact:PublishPackageVersion",  # a package manager's spelling of the fields
         "arn:aws:codeartifact:us-east-1:111122223333:package/acme/npm-internal/npm/acme/checkout-ui"),
        ("io.k8s.core.v1.pods.create",
         "projects/acme-prod/locations/us-central1/clusters/prod-1/k8s/api/v1/namespaces/prod/pods"),
        ("io.k8s.apps.v1.deployments.patch",
         "projects/acme-prod/locations/us-central1/clusters/prod-1/k8s/apps/v1/namespaces/prod/deployments/checkout"),
    ],
)
def test_resource_names(action: str, resource: str) -> None:
    found = {f.resource for f in run(detector(NOBODY), events(AWS_FAMILIES, GCP_FAMILIES)) if f.action == action}
    assert resource in found


def test_reads_layer_uploads_and_scaling_never_fire() -> None:
    det = detector(NOBODY)
    evs = events(AWS_NOT_DEPLOYS, GCP_NOT_DEPLOYS)
    assert len(evs) == 25
    assert run(det, evs) == []
    # and most of them are not even normalized by a scan: wants() says no on the quick key
    wanted = [ev for ev in evs if det.wants(ev.cloud, ev.service, ev.operation, ev.principal_type)]
    assert {ev.operation for ev in wanted} <= {"PutObject", "UpdateService", "StartBuild",
                                               "google.cloud.run.v2.Services.UpdateService",
                                               "io.k8s.apps.v1.replicasets.create"}
    # a build of the project as defined; GKE's controller rolling a deployment; Google's agent for a function
    assert {"StartBuild", "io.k8s.apps.v1.replicasets.create"} <= {ev.operation for ev in wanted}


def test_no_policy_for_a_cloud_means_nothing_is_wanted_there() -> None:
    det = detector("deploy_policy:\n  - {name: g, cloud: gcp, allow: []}\n")
    assert not det.wants("aws", "ecr.amazonaws.com", "PutImage", "IAMUser")
    assert not det.wants("aws", "sts.amazonaws.com", "AssumeRoleWithWebIdentity", "WebIdentityUser")
    assert det.wants("gcp", "run.googleapis.com", "google.cloud.run.v2.Services.UpdateService", "user")
    assert not detector(NOBODY.replace('artifact_buckets: ["acme-artifacts-*"]', "")).wants(
        "aws", "s3.amazonaws.com", "PutObject", "IAMUser")  # S3 only once artifact buckets are named


HEAD = "entries:\n  - id: x\n    cloud: aws\n    service: s\n"


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        (HEAD + "    operations: [A]\n    tag: push\n    resource: [a]\n", 6, "tag must be one of"),
        (HEAD + "    operations: []\n    tag: deploy\n    resource: [a]\n", 5, "operations must be a non-empty list"),
        (HEAD + "    operations: [A]\n    tag: deploy\n    resource: ['{nosuchfield}']\n", 7,
         "unknown field 'nosuchfield'"),
        (HEAD + "    operations: [A]\n    tag: deploy\n    resource: [a]\n    resources: [b]\n", 8,
         "unknown key 'resources'"),
    ],
)
def test_malformed_catalog_names_the_line(text: str, line: int, needle: str) -> None:
    with pytest.raises(YamlError) as err:
        parse_catalog(load_text(text, "deploy.yaml"), "deploy.yaml")
    assert (err.value.line, needle in str(err.value)) == (line, True), str(err.value)


def test_an_operation_listed_twice_is_an_error() -> None:
    entry = ("  - {{id: {0}, cloud: aws, service: s, operations: [A], tag: deploy, resource: [account], "
             "iam_resources: {{'s:A': []}}}}\n")
    with pytest.raises(YamlError, match="already listed by one"):
        parse_catalog(load_text("entries:\n" + entry.format("one") + entry.format("two"), "d.yaml"), "d.yaml")


@pytest.mark.parametrize(
    ("iam", "needle"),
    [
        ("", "iam_resources is required for aws entries"),
        ("iam_resources: {'ecr:PutImage': []}", "missing ecs:UpdateService"),
        ("iam_resources: {'ecs:UpdateService': [], 'ecs:CreateService': []}",
         "not an action of this entry: ecs:Create"),
        ("iam_resources: {'ecs:UpdateService': ['service/*']}", "a list of ARN formats"),
    ],
)
def test_aws_entries_must_say_which_resources_iam_checks_each_action_against(iam: str, needle: str) -> None:
    text = ("entries:\n  - id: svc\n    cloud: aws\n    service: ecs.amazonaws.com\n    operations: [UpdateService]\n"
            f"    tag: deploy\n    resource: [account]\n    {iam}\n")
    with pytest.raises(YamlError, match=r"^d.yaml:\d+: .*" + re.escape(needle)):
        parse_catalog(load_text(text, "d.yaml"), "d.yaml")
