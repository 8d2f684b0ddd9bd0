"""Real-shaped CloudTrail and Cloud Audit Log records for the origin and evasion tests.

Field layouts follow AWS's CloudTrail userIdentity / STS event reference and Google's AuditLog
(authenticationInfo.serviceAccountDelegationInfo); identifiers are made up (see fixtures README).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson

from tests.provenance.conftest import ACCT

GH_PROVIDER = f"arn:aws:iam::{ACCT}:oidc-provider/token.actions.githubusercontent.com"
REGION = "us-east-1"


def write_records(path: Path, *records: dict[str, Any]) -> Path:
    path.write_bytes(orjson.dumps({"Records": list(records)}))
    return path


def _base(event_id: str, time: str, source: str, name: str, ui: dict[str, Any], ip: str) -> dict[str, Any]:
    return {
        "eventVersion": "1.09", "userIdentity": ui, "eventTime": time, "eventSource": source, "eventName": name,
        "awsRegion": REGION, "sourceIPAddress": ip, "userAgent": "aws-cli/2.15.30 Python/3.11.8 Linux/6.5",
        "requestID": f"req-{event_id}", "eventID": event_id, "eventType": "AwsApiCall", "managementEvent": True,
        "recipientAccountId": ACCT, "eventCategory": "Management",
    }


def iam_user(name: str, key: str = "AKIAIOSFODNN7EXAMPLE") -> dict[str, Any]:
    return {"type": "IAMUser", "principalId": "AIDAJQABLZS4A3QDU576Q", "arn": f"arn:aws:iam::{ACCT}:user/{name}",
            "accountId": ACCT, "accessKeyId": key, "userName": name}


def role_session(role: str, session: str, key: str, *, provider: str | None = None,
                 source_identity: str = "") -> dict[str, Any]:
    """userIdentity of a role session; `provider` set → webIdFederationData names it, None → `{}`."""
    ctx: dict[str, Any] = {
        "sessionIssuer": {"type": "Role", "principalId": "AROAEXAMPLEROLEID0001",
                          "arn": f"arn:aws:iam::{ACCT}:role/{role}", "accountId": ACCT, "userName": role},
        "attributes": {"creationDate": "2024-09-10T14:00:00Z", "mfaAuthenticated": "false"},
        "webIdFederationData": {"federatedProvider": provider, "attributes": {}} if provider else {},
    }
    if source_identity:
        ctx["sourceIdentity"] = source_identity
    return {"type": "AssumedRole", "principalId": f"AROAEXAMPLEROLEID0001:{session}",
            "arn": f"arn:aws:sts::{ACCT}:assumed-role/{role}/{session}", "accountId": ACCT, "accessKeyId": key,
            "sessionContext": ctx}


def _sts_response(role: str, session: str, key: str) -> dict[str, Any]:
    return {"credentials": {"accessKeyId": key, "sessionToken": "IQoJb3JpZ2luX2VjEXAMPLETOKENdoNotLog",
                            "expiration": "Sep 10, 2024, 3:00:00 PM"},
            "assumedRoleUser": {"assumedRoleId": f"AROAEXAMPLEROLEID0001:{session}",
                                "arn": f"arn:aws:sts::{ACCT}:assumed-role/{role}/{session}"}}


def assume_role(event_id: str, caller: dict[str, Any], role: str, session: str, new_key: str, *,
                time: str = "2024-09-10T14:00:00Z", ip: str = "203.0.113.77",
                source_identity: str = "") -> dict[str, Any]:
    """sts:AssumeRole by `caller` (a userIdentity) into `role`, issuing `new_key`."""
    rec = _base(event_id, time, "sts.amazonaws.com", "AssumeRole", caller, ip)
    params: dict[str, Any] = {"roleArn": f"arn:aws:iam::{ACCT}:role/{role}", "roleSessionName": session}
    resp = _sts_response(role, session, new_key)
    if source_identity:
        params["sourceIdentity"] = resp["sourceIdentity"] = source_identity
    if caller.get("type") == "AWSService":
        rec["sourceIPAddress"] = rec["userAgent"] = caller["invokedBy"]
    rec.update(requestParameters=params, responseElements=resp, readOnly=True,
               resources=[{"accountId": ACCT, "type": "AWS::IAM::Role", "ARN": f"arn:aws:iam::{ACCT}:role/{role}"}])
    return rec


def web_identity_login(event_id: str, role: str, subject: str, new_key: str, *, provider: str = GH_PROVIDER,
                       time: str = "2024-09-10T14:00:00Z", ip: str = "20.102.35.120") -> dict[str, Any]:
    ui = {"type": "WebIdentityUser", "principalId": f"{provider}:sts.amazonaws.com:{subject}", "userName": subject,
          "identityProvider": provider}
    rec = _base(event_id, time, "sts.amazonaws.com", "AssumeRoleWithWebIdentity", ui, ip)
    resp = _sts_response(role, "GitHubActions", new_key)
    resp.update(subjectFromWebIdentityToken=subject, provider=provider, audience="sts.amazonaws.com")
    rec.update(requestParameters={"roleArn": f"arn:aws:iam::{ACCT}:role/{role}", "roleSessionName": "GitHubActions",
                                  "durationSeconds": 3600},
               responseElements=resp, readOnly=True)
    return rec


def saml_login(event_id: str, role: str, subject: str, new_key: str, *,
               time: str = "2024-09-10T14:00:00Z") -> dict[str, Any]:
    provider = f"arn:aws:iam::{ACCT}:saml-provider/Okta"
    ui = {"type": "SAMLUser", "principalId": f"SAMLEXAMPLEID:{subject}", "userName": subject,
          "identityProvider": "SAMLEXAMPLEID"}
    rec = _base(event_id, time, "sts.amazonaws.com", "AssumeRoleWithSAML", ui, "198.51.100.23")
    resp = _sts_response(role, subject, new_key)
    resp.update(subject=subject, subjectType="persistent", issuer="http://www.okta.com/exk1example",
                audience="https://signin.aws.amazon.com/saml", nameQualifier="EXAMPLEnameQualifier=")
    rec.update(requestParameters={"roleArn": f"arn:aws:iam::{ACCT}:role/{role}", "principalArn": provider,
                                  "durationSeconds": 3600},
               responseElements=resp, readOnly=True)
    return rec


def ecs_deploy(event_id: str, caller: dict[str, Any], *, time: str = "2024-09-10T14:10:00Z",
               ip: str = "203.0.113.77") -> dict[str, Any]:
    rec = _base(event_id, time, "ecs.amazonaws.com", "UpdateService", caller, ip)
    rec.update(requestParameters={"cluster": "prod", "service": "checkout", "taskDefinition": "checkout:43"},
               responseElements={"service": {"serviceArn": f"arn:aws:ecs:{REGION}:{ACCT}:service/prod/checkout"}},
               readOnly=False)
    return rec


def ecr_push(event_id: str, caller: dict[str, Any], *, time: str = "2024-09-10T14:10:00Z",
             ip: str = "20.102.35.120") -> dict[str, Any]:
    rec = _base(event_id, time, "ecr.amazonaws.com", "PutImage", caller, ip)
    rec.update(requestParameters={"repositoryName": "app-checkout", "imageTag": "1.4.1", "registryId": ACCT,
                                  "imageManifest": "{\"schemaVersion\": 2}"},
               responseElements={"image": {"repositoryName": "app-checkout", "registryId": ACCT}}, readOnly=False)
    rec["userAgent"] = "docker/24.0.7 go/go1.20.10 git-commit/311b9ff kernel/6.5.0 os/linux arch/amd64"
    return rec


def lambda_update(event_id: str, caller: dict[str, Any], function_name: str, *,
                  time: str = "2024-09-10T14:10:00Z") -> dict[str, Any]:
    rec = _base(event_id, time, "lambda.amazonaws.com", "UpdateFunctionCode20150331v2", caller, "203.0.113.77")
    rec.update(requestParameters={"functionName": function_name, "publish": True}, responseElements=None,
               readOnly=False)
    return rec


def gcp_deploy(insert_id: str, principal: str, delegation: list[dict[str, Any]] | None, *,
               time: str = "2024-09-10T14:24:00.481Z", ip: str = "20.55.1.7") -> dict[str, Any]:
    """A Cloud Run v2 UpdateService on acme-prod by `principal`, impersonated through `delegation`."""
    auth: dict[str, Any] = {"principalEmail": principal}
    if delegation is not None:
        auth["serviceAccountDelegationInfo"] = delegation
    name = "projects/acme-prod/locations/us-central1/services/checkout"
    return {
        "protoPayload": {
            "@type": "type.googleapis.com/google.cloud.audit.AuditLog", "status": {}, "authenticationInfo": auth,
            "requestMetadata": {"callerIp": ip, "callerSuppliedUserAgent": "google-cloud-sdk gcloud/470.0.0",
                                "requestAttributes": {"time": time, "auth": {}}, "destinationAttributes": {}},
            "serviceName": "run.googleapis.com", "methodName": "google.cloud.run.v2.Services.UpdateService",
            "authorizationInfo": [{"resource": name, "permission": "run.services.update", "granted": True,
                                   "resourceAttributes": {}, "permissionType": "ADMIN_WRITE"}],
            "resourceName": name,
        },
        "insertId": insert_id,
        "resource": {"type": "cloud_run_revision", "labels": {"project_id": "acme-prod", "location": "us-central1",
                                                              "service_name": "checkout", "revision_name": "",
                                                              "configuration_name": ""}},
        "timestamp": time, "severity": "NOTICE",
        "logName": "projects/acme-prod/logs/cloudaudit.googleapis.com%2Factivity", "receiveTimestamp": time,
    }


def write_jsonl(path: Path, *entries: dict[str, Any]) -> Path:
    path.write_bytes(b"\n".join(orjson.dumps(e) for e in entries) + b"\n")
    return path


def wif(pool: str, subject: str, project: str = "123456789012") -> dict[str, Any]:
    return {"principalSubject": f"principal://iam.googleapis.com/projects/{project}/locations/global/"
                                f"workloadIdentityPools/{pool}/subject/{subject}"}


def first_party(email: str) -> dict[str, Any]:
    return {"firstPartyPrincipal": {"principalEmail": email}}


def clone(rec: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(rec)
    out.update(changes)
    return out
