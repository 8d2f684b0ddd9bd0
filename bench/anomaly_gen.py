"""Seeded synthetic audit logs for the anomaly evaluation: weeks of benign AWS + GCP activity, then
attack sequences modelled on Stratus Red Team techniques (the same API calls, in the same order).

Benign life: CI roles deploy on workdays from a few runner networks; developers read during office
hours from the office or home; services run a steady mix around the clock; a nightly backup user
with a long-lived key; weekends and a holiday are quiet; and some new-but-benign behaviour — a new
developer, a new region, a new CI runner network, a developer travelling.

Attacks come as hijacked existing principals (same user agent as the victim, from the victim's
network or a new one) and as new principals. Ground truth: each injected technique with its event ids.
Records are real-shaped CloudTrail records and GCP LogEntry AuditLogs, so the whole pipeline runs.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

ACCOUNT = "111122223333"
PROJECT = "acme-prod"
START = datetime(2026, 9, 7, tzinfo=UTC)  # a Monday
BASELINE_DAYS = 14
EVAL_DAYS = 21
HOLIDAYS = {START + timedelta(days=BASELINE_DAYS + 10)}  # a Thursday in the evaluation window

UA = {
    "cli": "aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0 exe/x86_64.ubuntu.22 prompt/off command/{cmd}",
    "console": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
               "Version/17.3 Safari/605.1.15",
    "console_signin": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/121.0 Safari/537.36",
    "gha": "aws-sdk-js/3.454.0 ua/2.0 os/linux#6.2.0-1016-azure lang/js md/nodejs#20.10.0 "
           "api/ecr#3.454.0 exec-env/GitHubActions",
    "terraform": "APN/1.0 HashiCorp/1.0 Terraform/1.7.4 (+https://www.terraform.io) "
                 "terraform-provider-aws/5.40.0 aws-sdk-go-v2/1.25.2 os/linux lang/go#1.22.0",
    "java": "aws-sdk-java/2.25.6 Linux/5.10.210-201.852.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.10 "
            "Java/17.0.10 vendor/Amazon.com_Inc. exec-env/AWS_ECS_EC2",
    "boto": "Boto3/1.34.51 md/Botocore#1.34.51 ua/2.0 os/linux#5.15 md/arch#x86_64 lang/python#3.11.8",
    "gcloud": "google-cloud-sdk gcloud/465.0.0 command/gcloud.{cmd} invocation-id/1 environment/None",
    "gconsole": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0 "
                "Safari/537.36,gzip(gfe)",
    "deploy_gha": "google-github-actions:deploy-cloudrun/2.2.0 google-api-nodejs-client/9.2.0",
    "grpc": "grpc-java-netty/1.62.2,gzip(gfe)",
}


@dataclass
class Actor:
    """Who makes calls: an identity with its habits."""

    name: str
    cloud: str
    kind: str  # ci | dev | service | backup
    identity: dict[str, Any]  # AWS userIdentity / GCP authenticationInfo
    networks: list[str]  # x.y.z prefixes it calls from
    agent: str
    regions: list[str]
    ops: list[tuple[str, str]]  # (service, operation)
    rate: float  # calls per active hour
    hours: tuple[int, int] = (8, 18)  # active UTC hours (services: all day)
    weekdays_only: bool = True
    session: str = ""


@dataclass
class Attack:
    technique: str
    cloud: str
    mode: str  # hijack | new
    network: str  # known | new
    start: float
    principal: str
    identity: str = ""  # the stable principal the events carry (role ARN, user ARN, account email)
    event_ids: list[str] = field(default_factory=list)
    end: float = 0.0


def _ip(rng: random.Random, prefix: str) -> str:
    return f"{prefix}.{rng.randint(2, 250)}"


def _ts(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _gts(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"


def aws_user(name: str, key: str) -> dict[str, Any]:
    return {"type": "IAMUser", "principalId": "AIDA" + name.upper().ljust(17, "X")[:17],
            "arn": f"arn:aws:iam::{ACCOUNT}:user/{name}", "accountId": ACCOUNT, "accessKeyId": key,
            "userName": name}


def aws_role(role: str, session: str, web_identity: str = "") -> dict[str, Any]:
    ident: dict[str, Any] = {
        "type": "AssumedRole", "principalId": f"AROA{role.upper()[:12].ljust(12, 'X')}:{session}",
        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}", "accountId": ACCOUNT,
        "accessKeyId": "ASIA" + hashlib.sha256(f"{role}/{session}".encode()).hexdigest()[:16].upper(),
        "sessionContext": {
            "sessionIssuer": {"type": "Role", "principalId": f"AROA{role.upper()[:12].ljust(12, 'X')}",
                              "arn": f"arn:aws:iam::{ACCOUNT}:role/{role}", "accountId": ACCOUNT, "userName": role},
            "attributes": {"creationDate": "2026-09-01T00:00:00Z", "mfaAuthenticated": "false"}}}
    if web_identity:
        ident["sessionContext"]["webIdFederationData"] = {
            "federatedProvider": f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com",
            "attributes": {"sub": web_identity}}
    return ident


def gcp_auth(email: str, subject: str = "") -> dict[str, Any]:
    auth: dict[str, Any] = {"principalEmail": email}
    if subject:
        auth["serviceAccountDelegationInfo"] = [{"principalSubject": subject}]
    return auth


class Log:
    """Collects records per day; ids are seeded so the whole set is reproducible."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.aws: dict[int, list[dict[str, Any]]] = {}
        self.gcp: dict[int, list[dict[str, Any]]] = {}

    def _id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def aws_call(self, t: float, ident: dict[str, Any], service: str, op: str, ip: str, agent: str,
                 region: str, params: dict[str, Any] | None = None, error: str = "",
                 resources: list[dict[str, Any]] | None = None) -> str:
        eid = self._id()
        rec: dict[str, Any] = {
            "eventVersion": "1.09", "userIdentity": ident, "eventTime": _ts(t), "eventSource": service,
            "eventName": op, "awsRegion": region, "sourceIPAddress": ip,
            "userAgent": agent.replace("{cmd}", op.lower()), "requestParameters": params,
            "responseElements": None, "requestID": self._id(), "eventID": eid,
            "readOnly": op.startswith(("Get", "List", "Describe", "Lookup")), "eventType": "AwsApiCall",
            "managementEvent": True, "recipientAccountId": ACCOUNT, "eventCategory": "Management"}
        if error:
            rec["errorCode"] = error
            rec["errorMessage"] = f"User is not authorized to perform: {op}"
        if resources:
            rec["resources"] = resources
        self.aws.setdefault(int(t // 86400), []).append(rec)
        return eid

    def gcp_call(self, t: float, auth: dict[str, Any], service: str, method: str, ip: str, agent: str,
                 resource: str, permission: str, error: int = 0, request: dict[str, Any] | None = None,
                 kind: str = "activity") -> str:
        eid = self._id()[:12]
        payload: dict[str, Any] = {
            "@type": "type.googleapis.com/google.cloud.audit.AuditLog", "authenticationInfo": auth,
            "requestMetadata": {"callerIp": ip, "callerSuppliedUserAgent": agent.replace("{cmd}", "x")},
            "serviceName": service, "methodName": method, "resourceName": resource,
            "authorizationInfo": [{"resource": resource, "permission": permission, "granted": not error}]}
        if error:
            payload["status"] = {"code": error, "message": "PERMISSION_DENIED"}
        if request:
            payload["request"] = request
            # SetIamPolicy entries carry what changed, as Cloud Audit Logs write it
            for b in request.get("policy", {}).get("bindings", []):
                delta = payload.setdefault("serviceData", {
                    "@type": "type.googleapis.com/google.iam.v1.logging.AuditData",
                    "policyDelta": {"bindingDeltas": []}})
                for m in b["members"]:
                    delta["policyDelta"]["bindingDeltas"].append({"action": "ADD", "role": b["role"], "member": m})
        rec = {"protoPayload": payload, "insertId": eid,
               "resource": {"type": "audited_resource", "labels": {"project_id": PROJECT, "service": service}},
               "timestamp": _gts(t), "severity": "ERROR" if error else "NOTICE",
               "logName": f"projects/{PROJECT}/logs/cloudaudit.googleapis.com%2F{kind}",
               "receiveTimestamp": _gts(t + 1)}
        self.gcp.setdefault(int(t // 86400), []).append(rec)
        return eid


def actors() -> list[Actor]:
    ecr = [("ecr.amazonaws.com", "GetAuthorizationToken"), ("ecr.amazonaws.com", "InitiateLayerUpload"),
           ("ecr.amazonaws.com", "CompleteLayerUpload"), ("ecr.amazonaws.com", "PutImage"),
           ("ecs.amazonaws.com", "RegisterTaskDefinition"), ("ecs.amazonaws.com", "UpdateService"),
           ("ecs.amazonaws.com", "DescribeServices"), ("sts.amazonaws.com", "GetCallerIdentity")]
    tf = [("ec2.amazonaws.com", "DescribeInstances"), ("ec2.amazonaws.com", "DescribeVpcs"),
          ("ec2.amazonaws.com", "DescribeSecurityGroups"), ("iam.amazonaws.com", "GetRole"),
          ("iam.amazonaws.com", "GetRolePolicy"), ("iam.amazonaws.com", "ListAttachedRolePolicies"),
          ("s3.amazonaws.com", "GetBucketPolicy"), ("s3.amazonaws.com", "GetBucketVersioning"),
          ("lambda.amazonaws.com", "GetFunction"), ("cloudtrail.amazonaws.com", "DescribeTrails"),
          ("ssm.amazonaws.com", "DescribeParameters"), ("iam.amazonaws.com", "PutRolePolicy"),
          ("ec2.amazonaws.com", "AuthorizeSecurityGroupIngress"), ("kms.amazonaws.com", "DescribeKey")]
    dev_ops = [("ec2.amazonaws.com", "DescribeInstances"), ("s3.amazonaws.com", "ListBuckets"),
               ("logs.amazonaws.com", "FilterLogEvents"), ("logs.amazonaws.com", "DescribeLogGroups"),
               ("monitoring.amazonaws.com", "GetMetricData"), ("lambda.amazonaws.com", "ListFunctions20150331"),
               ("ecs.amazonaws.com", "DescribeServices"), ("cloudformation.amazonaws.com", "DescribeStacks"),
               ("ssm.amazonaws.com", "GetParameter"), ("sts.amazonaws.com", "GetCallerIdentity")]
    out = [
        Actor("gha-deploy", "aws", "ci", aws_role("gha-deploy", "GitHubActions", "repo:acme/app:ref:refs/heads/main"),
              ["20.57.3", "20.57.9", "52.176.14"], UA["gha"], ["us-east-1"], ecr, 20, (9, 19)),
        Actor("terraform-ci", "aws", "ci", aws_role("terraform-ci", "atlantis"), ["3.84.12"], UA["terraform"],
              ["us-east-1", "eu-west-1"], tf, 30, (10, 17)),
        Actor("orders-api", "aws", "service", aws_role("orders-api", "i-0a1b2c3d4e5f60718"), ["3.120.5"],
              UA["java"], ["us-east-1"], [("kms.amazonaws.com", "Decrypt"),
                                          ("secretsmanager.amazonaws.com", "GetSecretValue"),
                                          ("sts.amazonaws.com", "GetCallerIdentity")], 6, (0, 24), False),
        Actor("billing-fn", "aws", "service", aws_role("billing-fn", "billing-fn"), ["ec2.amazonaws.com"],
              UA["boto"], ["us-east-1"], [("dynamodb.amazonaws.com", "DescribeTable"),
                                          ("sqs.amazonaws.com", "GetQueueAttributes"),
                                          ("kms.amazonaws.com", "GenerateDataKey")], 4, (0, 24), False),
        Actor("legacy-backup", "aws", "backup", aws_user("legacy-backup", "AKIAZ7QBACKUP000001"), ["192.0.2"],
              UA["boto"], ["us-east-1"], [("s3.amazonaws.com", "ListBuckets"),
                                          ("s3.amazonaws.com", "GetBucketLocation")], 8, (2, 3), False),
        Actor("deployer-sa", "gcp", "ci",
              gcp_auth("deployer@acme-ci.iam.gserviceaccount.com",
                       "principal://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/github/"
                       "subject/repo:acme/app:ref:refs/heads/main"),
              ["20.57.3", "52.176.14"], UA["deploy_gha"], ["us-central1"],
              [("run.googleapis.com", "google.cloud.run.v1.Services.ReplaceService"),
               ("run.googleapis.com", "google.cloud.run.v1.Services.GetService"),
               ("artifactregistry.googleapis.com",
                "google.devtools.artifactregistry.v1.ArtifactRegistry.GetRepository")], 8, (9, 19)),
        Actor("orders-sa", "gcp", "service", gcp_auth("orders@acme-prod.iam.gserviceaccount.com"), ["35.202.7"],
              UA["grpc"], ["us-central1"],
              [("secretmanager.googleapis.com",
                "google.cloud.secretmanager.v1.SecretManagerService.AccessSecretVersion"),
               ("cloudkms.googleapis.com", "Decrypt"),
               ("pubsub.googleapis.com", "google.pubsub.v1.Publisher.GetTopic")], 5, (0, 24), False),
    ]
    for name, home in (("alice", "203.0.113"), ("bob", "198.18.4"), ("carol", "198.18.9")):
        out.append(Actor(f"dev-{name}", "aws", "dev", aws_role("developer", f"{name}@acme.com"),
                         ["198.51.100", home], UA["console"] if name != "bob" else UA["cli"],
                         ["us-east-1"], dev_ops, 12, (8, 18), session=f"{name}@acme.com"))
    gdev = [("compute.googleapis.com", "v1.compute.instances.list"),
            ("storage.googleapis.com", "storage.buckets.list"),
            ("logging.googleapis.com", "google.logging.v2.LoggingServiceV2.ListLogEntries"),
            ("run.googleapis.com", "google.cloud.run.v1.Services.ListServices"),
            ("iam.googleapis.com", "google.iam.admin.v1.ListServiceAccounts")]
    for name, home in (("dave", "198.18.20"), ("erin", "198.18.33")):
        out.append(Actor(f"gdev-{name}", "gcp", "dev", gcp_auth(f"{name}@acme.com"), ["198.51.100", home],
                         UA["gconsole"] if name == "dave" else UA["gcloud"], ["us-central1"], gdev, 10))
    return out


def _working(day: datetime) -> bool:
    return day.weekday() < 5 and day not in HOLIDAYS


def _aws_params(rng: random.Random, service: str, op: str) -> dict[str, Any] | None:
    if op == "GetSecretValue":
        return {"secretId": "prod/orders/db"}
    if op == "GetParameter":
        return {"name": f"/app/config/{rng.choice(['feature-flags', 'endpoints'])}", "withDecryption": False}
    if op == "PutRolePolicy":
        return {"roleName": "orders-api", "policyName": "orders-inline"}
    return None


def _gcp_resource(service: str, method: str) -> tuple[str, str]:
    short = method.rsplit(".", 1)[-1]
    if "AccessSecretVersion" in method:
        return f"projects/{PROJECT}/secrets/orders-db/versions/latest", "secretmanager.versions.access"
    if service == "cloudkms.googleapis.com":
        return (f"projects/{PROJECT}/locations/global/keyRings/app/cryptoKeys/orders",
                "cloudkms.cryptoKeyVersions.useToDecrypt")
    return f"projects/{PROJECT}/{short.lower()}", f"{service.split('.')[0]}.{short.lower()}"


def emit(log: Log, a: Actor, t: float, op: tuple[str, str], ip: str, region: str) -> str:
    service, name = op
    if a.cloud == "aws":
        return log.aws_call(t, a.identity, service, name, ip, a.agent, region, _aws_params(log.rng, service, name))
    res, perm = _gcp_resource(service, name)
    kind = "data_access" if "Access" in name or service == "cloudkms.googleapis.com" else "activity"
    return log.gcp_call(t, a.identity, service, name, ip, a.agent, res, perm, kind=kind)


def benign(log: Log, acts: list[Actor], days: int, first_day: int) -> None:
    rng = log.rng
    for d in range(first_day, first_day + days):
        day = START + timedelta(days=d)
        for a in acts:
            if a.weekdays_only and not _working(day):
                continue
            lo, hi = a.hours
            for h in range(lo, hi):
                # developers skip hours; CI bursts around deploys; services are steady
                if a.kind == "dev" and rng.random() < 0.35:
                    continue
                if a.kind == "ci" and rng.random() < 0.5:
                    continue
                n = max(1, int(rng.gauss(a.rate, a.rate * 0.25)))
                net = rng.choice(a.networks)
                ip = _ip(rng, net) if net[0].isdigit() else net
                for _ in range(n):
                    t = (day + timedelta(hours=h)).timestamp() + rng.uniform(0, 3599)
                    ops = a.ops[:-3] if a.kind == "ci" and a.name == "terraform-ci" and rng.random() < 0.97 else a.ops
                    emit(log, a, t, rng.choice(ops), ip, rng.choice(a.regions))


def benign_novelties(log: Log, acts: list[Actor]) -> None:
    """New-but-benign behaviour in the evaluation window (these must not count as detections)."""
    rng = log.rng
    base = START + timedelta(days=BASELINE_DAYS)
    by = {a.name: a for a in acts}
    # a new developer joins in week 2 of the evaluation and works normally from the office
    frank = Actor("dev-frank", "aws", "dev", aws_role("developer", "frank@acme.com"), ["198.51.100"], UA["console"],
                  ["us-east-1"], by["dev-alice"].ops, 12)
    benign(log, [frank], 7, BASELINE_DAYS + 7)
    # alice travels for two days (hotel network); bob starts using eu-west-1; CI gets a new runner range
    alice = by["dev-alice"]
    for d in (3, 4):
        for h in range(9, 15):
            ip = _ip(rng, "100.64.77")
            for _ in range(8):
                emit(log, alice, (base + timedelta(days=d, hours=h)).timestamp() + rng.uniform(0, 3599),
                     rng.choice(alice.ops), ip, "us-east-1")
    bob = by["dev-bob"]
    for h in range(10, 16):
        for _ in range(6):
            emit(log, bob, (base + timedelta(days=8, hours=h)).timestamp() + rng.uniform(0, 3599),
                 rng.choice(bob.ops), _ip(rng, "198.51.100"), "eu-west-1")
    # first-time but legitimate sensitive calls: carol reads a secret while debugging, erin grants a
    # colleague a role, terraform applies a hotfix on a Saturday night
    carol = by["dev-carol"]
    t = (base + timedelta(days=9, hours=14)).timestamp()
    log.aws_call(t, carol.identity, "secretsmanager.amazonaws.com", "GetSecretValue", _ip(rng, "198.51.100"),
                 carol.agent, "us-east-1", {"secretId": "staging/orders/db"})
    erin = by["gdev-erin"]
    log.gcp_call((base + timedelta(days=11, hours=10)).timestamp(), erin.identity,
                 "cloudresourcemanager.googleapis.com", "SetIamPolicy", _ip(rng, "198.51.100"), erin.agent,
                 f"projects/{PROJECT}", "resourcemanager.projects.setIamPolicy",
                 request={"policy": {"bindings": [{"role": "roles/viewer", "members": ["user:gina@acme.com"]}]}})
    tf = by["terraform-ci"]
    for _ in range(40):
        t = (base + timedelta(days=12, hours=22)).timestamp() + rng.uniform(0, 3599)
        emit(log, tf, t, rng.choice(tf.ops), _ip(rng, "3.84.12"), "us-east-1")
    gha = by["gha-deploy"]
    for d in (15, 16, 17):
        for h in (11, 14):
            ip = _ip(rng, "20.61.40")
            for _ in range(15):
                emit(log, gha, (base + timedelta(days=d, hours=h)).timestamp() + rng.uniform(0, 3599),
                     rng.choice(gha.ops), ip, "us-east-1")


# --- attacks ----------------------------------------------------------------------------------
def _attacker_ip(rng: random.Random) -> str:
    return f"185.{rng.randint(100, 220)}.{rng.randint(0, 255)}.{rng.randint(2, 250)}"


def attacks(log: Log, acts: list[Actor]) -> list[Attack]:
    rng = log.rng
    by = {a.name: a for a in acts}
    out: list[Attack] = []
    plan = [
        ("aws.credential-access.secretsmanager-retrieve-secrets", "dev-alice", "hijack", "new"),
        ("aws.credential-access.ssm-retrieve-securestring-parameters", "terraform-ci", "hijack", "known"),
        ("aws.credential-access.ec2-steal-instance-credentials", "orders-api", "hijack", "new"),
        ("aws.defense-evasion.cloudtrail-stop", "terraform-ci", "hijack", "known"),
        ("aws.defense-evasion.vpc-remove-flow-logs", "dev-carol", "hijack", "known"),
        ("aws.persistence.iam-create-admin-user", "dev-bob", "hijack", "new"),
        ("aws.persistence.iam-backdoor-user", "legacy-backup", "hijack", "new"),
        ("aws.persistence.lambda-backdoor-function", "dev-carol", "hijack", "known"),
        ("aws.discovery.ec2-enumerate-from-instance", "orders-api", "hijack", "known"),
        ("aws.execution.ssm-send-command", "dev-alice", "hijack", "known"),
        ("aws.bedrock.llmjacking", "svc-reporting", "new", "new"),
        ("aws.credential-access.secretsmanager-retrieve-secrets#new", "ci-old", "new", "new"),
        ("gcp.persistence.create-service-account-key", "gdev-dave", "hijack", "new"),
        ("gcp.privilege-escalation.impersonate-service-accounts", "deployer-sa", "hijack", "known"),
        ("gcp.credential-access.secretmanager-retrieve-secrets", "orders-sa", "hijack", "new"),
        ("gcp.persistence.invite-external-user", "gdev-erin", "hijack", "known"),
        ("gcp.defense-evasion.delete-logging-sink", "deployer-sa", "hijack", "known"),
    ]
    eval_days = [d for d in range(BASELINE_DAYS, BASELINE_DAYS + EVAL_DAYS)]
    for i, (tech, who, mode, net) in enumerate(plan):
        day = START + timedelta(days=eval_days[(i * 5) % len(eval_days)])
        if who in by:
            victim = by[who]
            hour = rng.randint(*victim.hours) if victim.hours != (0, 24) else rng.randint(0, 23)
            hour = min(hour, 23)
        else:
            victim, hour = None, rng.randint(0, 23)
        t0 = (day + timedelta(hours=hour)).timestamp() + rng.uniform(0, 1800)
        a = Attack(tech.split("#")[0], "gcp" if tech.startswith("gcp") else "aws", mode, net, t0, who)
        if victim is not None:
            known = rng.choice(victim.networks)
            ip = (_ip(rng, known) if known[0].isdigit() else known) if net == "known" else _attacker_ip(rng)
            ident, agent, region = victim.identity, victim.agent, victim.regions[0]
        else:
            ip, agent, region = _attacker_ip(rng), UA["boto"], "us-east-1"
            ident = aws_user(who, "AKIAZ7Q" + who.upper().replace("-", "")[:13].ljust(13, "0"))
        if a.cloud == "gcp":
            a.identity = ident["principalEmail"]
        else:
            a.identity = ident.get("sessionContext", {}).get("sessionIssuer", {}).get("arn") or ident["arn"]
        _detonate(log, a, ident, ip, agent, region, rng)
        a.end = max(a.end, a.start)
        out.append(a)
    return out


def _detonate(log: Log, a: Attack, ident: dict[str, Any], ip: str, agent: str, region: str,
              rng: random.Random) -> None:
    t = a.start

    def aws(service: str, op: str, params: dict[str, Any] | None = None, error: str = "") -> None:
        nonlocal t
        t += rng.uniform(0.5, 6)
        a.event_ids.append(log.aws_call(t, ident, service, op, ip, agent, region, params, error))
        a.end = t

    def gcp(service: str, method: str, resource: str, perm: str, error: int = 0,
            request: dict[str, Any] | None = None, kind: str = "activity") -> None:
        nonlocal t
        t += rng.uniform(0.5, 6)
        a.event_ids.append(log.gcp_call(t, ident, service, method, ip, agent, resource, perm, error, request, kind))
        a.end = t

    tech = a.technique
    if tech == "aws.credential-access.secretsmanager-retrieve-secrets":
        aws("secretsmanager.amazonaws.com", "ListSecrets")
        for i in range(20):
            aws("secretsmanager.amazonaws.com", "GetSecretValue", {"secretId": f"stratus-red-team-retrieve-secret-{i}"})
    elif tech == "aws.credential-access.ssm-retrieve-securestring-parameters":
        aws("ssm.amazonaws.com", "DescribeParameters")
        for i in range(0, 15, 5):
            aws("ssm.amazonaws.com", "GetParameters",
                {"names": [f"/credentials/stratus-red-team/credentials-{j}" for j in range(i, i + 5)],
                 "withDecryption": True})
    elif tech == "aws.credential-access.ec2-steal-instance-credentials":
        aws("sts.amazonaws.com", "GetCallerIdentity")
        aws("ec2.amazonaws.com", "DescribeInstances")
    elif tech == "aws.defense-evasion.cloudtrail-stop":
        aws("cloudtrail.amazonaws.com", "StopLogging", {"name": "org-trail"})
    elif tech == "aws.defense-evasion.vpc-remove-flow-logs":
        aws("ec2.amazonaws.com", "DeleteFlowLogs", {"DeleteFlowLogsRequest": {"FlowLogId": {"tag": 1,
                                                                                           "content": "fl-0a1b2c3d"}}})
    elif tech == "aws.persistence.iam-create-admin-user":
        aws("iam.amazonaws.com", "CreateUser", {"userName": "stratus-red-team-admin-user"})
        aws("iam.amazonaws.com", "AttachUserPolicy", {"userName": "stratus-red-team-admin-user",
                                                      "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"})
        aws("iam.amazonaws.com", "CreateAccessKey", {"userName": "stratus-red-team-admin-user"})
    elif tech == "aws.persistence.iam-backdoor-user":
        aws("iam.amazonaws.com", "CreateAccessKey", {"userName": "stratus-red-team-backdoor-user"})
    elif tech == "aws.persistence.lambda-backdoor-function":
        aws("lambda.amazonaws.com", "AddPermission20150331v2",
            {"functionName": "stratus-red-team-backdoor-f", "statementId": "backdoor",
             "action": "lambda:InvokeFunction", "principal": "*"})
    elif tech == "aws.discovery.ec2-enumerate-from-instance":
        for op in ("GetCallerIdentity",):
            aws("sts.amazonaws.com", op)
        for op in ("DescribeAccountAttributes", "DescribeAddresses", "DescribeInstances", "DescribeSecurityGroups",
                   "DescribeSnapshots", "DescribeSubnets", "DescribeVolumes", "DescribeVpcs", "DescribeImages",
                   "DescribeKeyPairs", "DescribeRouteTables", "DescribeNetworkInterfaces"):
            aws("ec2.amazonaws.com", op)
        aws("s3.amazonaws.com", "ListBuckets")
        aws("iam.amazonaws.com", "ListRoles")
        aws("iam.amazonaws.com", "ListUsers")
    elif tech == "aws.execution.ssm-send-command":
        for i in range(3):
            aws("ssm.amazonaws.com", "SendCommand", {"instanceIds": [f"i-0{i}a2b3c4d5e6f7a8b"],
                                                     "documentName": "AWS-RunShellScript"})
    elif tech == "aws.bedrock.llmjacking":
        aws("bedrock.amazonaws.com", "ListFoundationModels")
        aws("bedrock.amazonaws.com", "GetFoundationModelAvailability",
            {"modelId": "anthropic.claude-3-sonnet-20240229-v1:0"})
        for _ in range(25):
            aws("bedrock.amazonaws.com", "InvokeModel", {"modelId": "anthropic.claude-3-sonnet-20240229-v1:0"})
    elif tech == "gcp.persistence.create-service-account-key":
        sa = f"projects/{PROJECT}/serviceAccounts/orders@{PROJECT}.iam.gserviceaccount.com"
        gcp("iam.googleapis.com", "google.iam.admin.v1.CreateServiceAccountKey", sa, "iam.serviceAccountKeys.create")
    elif tech == "gcp.privilege-escalation.impersonate-service-accounts":
        for i in range(10):
            sa = f"projects/-/serviceAccounts/stratus-red-team-sa-{i}@{PROJECT}.iam.gserviceaccount.com"
            gcp("iamcredentials.googleapis.com", "GenerateAccessToken", sa,
                "iam.serviceAccounts.getAccessToken", 0 if i == 7 else 7, kind="data_access")
    elif tech == "gcp.credential-access.secretmanager-retrieve-secrets":
        gcp("secretmanager.googleapis.com", "google.cloud.secretmanager.v1.SecretManagerService.ListSecrets",
            f"projects/{PROJECT}", "secretmanager.secrets.list", kind="data_access")
        for i in range(15):
            gcp("secretmanager.googleapis.com",
                "google.cloud.secretmanager.v1.SecretManagerService.AccessSecretVersion",
                f"projects/{PROJECT}/secrets/stratus-red-team-{i}/versions/latest", "secretmanager.versions.access",
                kind="data_access")
    elif tech == "gcp.persistence.invite-external-user":
        gcp("cloudresourcemanager.googleapis.com", "SetIamPolicy", f"projects/{PROJECT}",
            "resourcemanager.projects.setIamPolicy",
            request={"policy": {"bindings": [{"role": "roles/viewer",
                                              "members": ["user:stratus.attacker@gmail.com"]}]}})
    elif tech == "gcp.defense-evasion.delete-logging-sink":
        gcp("logging.googleapis.com", "google.logging.v2.ConfigServiceV2.DeleteSink",
            f"projects/{PROJECT}/sinks/org-audit-sink", "logging.sinks.delete")


def generate(seed: int = 20260907) -> tuple[Log, list[Attack]]:
    rng = random.Random(seed)
    log = Log(rng)
    acts = actors()
    benign(log, acts, BASELINE_DAYS + EVAL_DAYS, 0)
    benign_novelties(log, acts)
    found = attacks(log, acts)
    return log, found


def day_files(log: Log) -> Iterator[tuple[int, str, list[dict[str, Any]]]]:
    for day in sorted(set(log.aws) | set(log.gcp)):
        if day in log.aws:
            yield day, "aws", sorted(log.aws[day], key=lambda r: r["eventTime"])
        if day in log.gcp:
            yield day, "gcp", sorted(log.gcp[day], key=lambda r: r["timestamp"])
