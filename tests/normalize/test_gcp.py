"""GCP LogEntry → Event: principals, delegation, federation, keys, status and log kind."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from scanner.normalize import NormalizeError
from scanner.normalize.gcp import POLICY_DENIED, federated_subject, normalize_logentry, principal_type
from scanner.normalize.keys import quick_key
from scanner.sources.records import GCP_LOGENTRY, RawRecord
from tests.conftest import AUDIT
from tests.normalize.corpus import FORMATS, event, log_entry, policy_denied_entries

SA = AUDIT / "gcp" / "security-analytics" / "test" / "fixtures"
PLASO = AUDIT / "gcp" / "plaso" / "gcp_logging.jsonl"
POOL = "principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/github"
SUBJECT = "repo:acme/app:ref:refs/heads/main"
DEPLOYER = "deployer@acme-ci.iam.gserviceaccount.com"


def _with_auth(auth: dict[str, Any], **payload: Any) -> dict[str, Any]:
    entry = copy.deepcopy(log_entry())
    entry["protoPayload"]["authenticationInfo"] = auth
    entry["protoPayload"].update(payload)
    return entry


def test_user_call_fields() -> None:
    ev = event(FORMATS / "gcp_1_logentry_auditlog.json")
    assert (ev.cloud, ev.id, ev.time) == ("gcp", "ivg77odhkvt", "2022-05-02T21:52:50.425669508Z")
    assert (ev.principal, ev.principal_type) == ("admin@example.com", "user")
    assert (ev.service, ev.operation, ev.raw_operation) == (
        "iam.googleapis.com", "google.iam.admin.v1.SetIAMPolicy", "google.iam.admin.v1.SetIAMPolicy")
    assert ev.permissions == ("iam.serviceAccounts.setIamPolicy",)
    assert (ev.account, ev.source_ip, ev.log_kind, ev.success) == ("my-project", "203.0.113.255", "activity", True)
    assert ev.resources == ("projects/-/serviceAccounts/123456789",)
    assert (ev.access_key_id, ev.key_kind, ev.oidc_subject, ev.delegation) == ("", "", "", ())


def test_service_account_delegation_chain_is_kept_in_order() -> None:
    ev = event(PLASO, 9)  # beta.compute.instances.insert through two service accounts
    assert (ev.principal, ev.principal_type) == ("fake-account@fake-project.com", "user")
    assert ev.delegation == ("service-account-one@fake-project.com", "service-account-two@fake-project.com")
    assert ev.region == "us-central1-b"


def test_workload_identity_federation_subject_from_the_delegation_hop() -> None:
    # a GitHub Actions job, federated through a workload identity pool, impersonating a deployer SA
    hop = f"{POOL}/subject/{SUBJECT}"
    ev = normalize_logentry(_with_auth({
        "principalEmail": DEPLOYER,
        "serviceAccountDelegationInfo": [{"principalSubject": hop}],
        "principalSubject": f"serviceAccount:{DEPLOYER}",
    }))
    assert (ev.principal, ev.principal_type, ev.oidc_subject, ev.delegation) == (
        DEPLOYER, "serviceAccount", SUBJECT, (hop,))
    assert (ev.access_key_id, ev.key_kind) == ("", "")  # keyless


def test_federated_principal_calling_directly() -> None:
    direct = f"{POOL}/subject/{SUBJECT}"
    ev = normalize_logentry(_with_auth({"principalSubject": direct}))
    assert (ev.principal, ev.principal_type, ev.oidc_subject) == (direct, "federated", SUBJECT)


def test_sts_token_exchange_uses_the_mapped_principal() -> None:
    ev = normalize_logentry(_with_auth(
        {"principalSubject": SUBJECT},
        serviceName="sts.googleapis.com", methodName="google.identity.sts.v1.SecurityTokenService.ExchangeToken",
        metadata={"mapped_principal": f"{POOL}/subject/{SUBJECT}", "@type": "type.googleapis.com/x"},
        resourceName="projects/123456789012/locations/global/workloadIdentityPools/github/providers/gh",
    ))
    assert (ev.principal, ev.principal_type, ev.oidc_subject) == (f"{POOL}/subject/{SUBJECT}", "federated", SUBJECT)


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        (f"{POOL}/subject/{SUBJECT}", SUBJECT),
        (f"{POOL}/subjects/{SUBJECT}", SUBJECT),
        ("principal://iam.googleapis.com/locations/global/workforcePools/staff/subject/jane@corp.example",
         "jane@corp.example"),
        ("serviceAccount:acme-prod.svc.id.goog[payments/api]", "payments/api"),  # legacy GKE workload identity
        (f"{POOL.replace('principal://', 'principalSet://')}/attribute.repository/acme/app", ""),
        ("user:admin@example.com", ""),
        ("serviceAccount:robot@test-project.iam.gserviceaccount.com", ""),
        ("", ""),
    ],
)
def test_federated_subject(subject: str, expected: str) -> None:
    assert federated_subject(subject) == expected


@pytest.mark.parametrize(
    ("email", "subject", "kind"),
    [
        ("robot@test-project.iam.gserviceaccount.com", "", "serviceAccount"),
        ("admin@example.com", "user:admin@example.com", "user"),
        ("", f"{POOL}/subject/{SUBJECT}", "federated"),
        ("", "serviceAccount:acme-prod.svc.id.goog[payments/api]", "federated"),
        ("", "serviceAccount:robot@test-project.iam.gserviceaccount.com", "serviceAccount"),
        ("", "group:ops@example.com", "group"),
        ("", "weird:value", ""),
        ("", "", ""),
    ],
)
def test_principal_type(email: str, subject: str, kind: str) -> None:
    assert principal_type(email, subject) == kind


def test_service_account_key_is_a_long_lived_key() -> None:
    ev = event(FORMATS / "gcp_4_eventarc_direct_auditlog_LogEntryData.google-cloudevents.json")
    assert (ev.principal, ev.principal_type) == ("robot@test-project.iam.gserviceaccount.com", "serviceAccount")
    assert ev.access_key_id == ("//iam.googleapis.com/projects/test-project/serviceAccounts/"
                                "robot@test-project.iam.gserviceaccount.com/keys/90f662482321f1ca8e82ea675b1a1c30c1fe681f")
    assert ev.key_kind == "long_lived"
    assert (ev.region, ev.permissions) == ("asia-east1", ("pubsub.topics.create",))


def test_permission_denied_status() -> None:
    denied = event(PLASO, 10)  # a compromised workload trying to create a service account
    assert (denied.success, denied.error_code) == (False, "PERMISSION_DENIED")
    assert denied.error_message == 'Permission "iam.serviceAccounts.create" denied on resource (or it may not exist).'
    assert (denied.error_code, denied.principal_type, denied.delegation) == (
        "PERMISSION_DENIED", "serviceAccount", ("service-1234567890@compute-system.iam.gserviceaccount.com",))


@pytest.mark.parametrize(("code", "name"), [(7, "PERMISSION_DENIED"), ("7", "PERMISSION_DENIED"), (5, "NOT_FOUND"),
                                            (16, "UNAUTHENTICATED"), (0, ""), (None, ""), (99, "99")])
def test_status_codes(code: Any, name: str) -> None:
    entry = log_entry()
    entry["protoPayload"] = {**entry["protoPayload"], "status": {"code": code, "message": "m"}}
    ev = normalize_logentry(entry)
    assert (ev.error_code, ev.success, ev.error_message) == (name, not name, "m" if name else "")


@pytest.mark.parametrize(
    ("log_name", "kind", "account"),
    [
        ("projects/my-project/logs/cloudaudit.googleapis.com%2Factivity", "activity", "my-project"),
        ("projects/my-project/logs/cloudaudit.googleapis.com%2Fdata_access", "data_access", "my-project"),
        ("projects/my-project/logs/cloudaudit.googleapis.com%2Fsystem_event", "system_event", "my-project"),
        ("organizations/123456789012/logs/cloudaudit.googleapis.com%2Fpolicy", "policy", "organizations/123456789012"),
        ("folders/42/logs/cloudaudit.googleapis.com/activity", "activity", "folders/42"),
    ],
)
def test_log_kind_and_account_from_log_name(log_name: str, kind: str, account: str) -> None:
    entry = log_entry()
    entry["logName"] = log_name
    entry["resource"] = {"type": "audited_resource", "labels": {}}
    ev = normalize_logentry(entry)
    assert (ev.log_kind, ev.account) == (kind, account)


def test_policy_denied_log_from_a_sample() -> None:
    ev = event(SA / "google.storage.objects.get-notInSameVPC.json")
    assert ev.log_kind == "policy"


@pytest.mark.parametrize(("name", "entry"), policy_denied_entries().items(), ids=list(policy_denied_entries()))
def test_a_policy_denied_entry_is_keyed_as_a_denial_not_as_the_call(name: str, entry: dict[str, Any]) -> None:
    # The denied call did not happen: rules about storage.objects.get must not see it as a read, and a
    # rule about denials must find it under one key however the log name is spelled.
    ev = normalize_logentry(entry)
    policy = name != "activity-denied"
    assert ev.log_kind == ("policy" if policy else "data_access")
    assert ev.operation == (POLICY_DENIED if policy else "google.storage.objects.get")
    assert (ev.raw_operation, ev.service, ev.error_code) == (
        "google.storage.objects.get", "storage.googleapis.com", "PERMISSION_DENIED")
    assert quick_key(RawRecord(GCP_LOGENTRY, entry, "t")) == (ev.cloud, ev.service, ev.operation, ev.principal_type)


def test_a_wrong_typed_log_name_is_refused_by_the_quick_key_too() -> None:
    entry = {**policy_denied_entries()["sample"], "logName": ["projects/1234/logs/cloudaudit.googleapis.com%2Fpolicy"]}
    with pytest.raises(NormalizeError):
        quick_key(RawRecord(GCP_LOGENTRY, entry, "t"))
    with pytest.raises(NormalizeError):
        normalize_logentry(entry)


def test_log_entries_that_are_not_audit_logs_are_kept_as_they_are() -> None:
    ev = event(SA / "google.compute.googleapis.com.vpc_flows.json")
    assert (ev.service, ev.operation, ev.log_kind) == ("gce_subnetwork", "compute.googleapis.com/vpc_flows",
                                                       "compute.googleapis.com/vpc_flows")
    assert (ev.principal, ev.permissions, ev.id) == ("", (), "d1i39zftx389b")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"status": {"code": "denied"}}, "status.code"),
        ({"status": {"code": 7.5}}, "status.code"),
        ({"status": {"code": False}}, "status.code"),
        ({"authenticationInfo": "admin@example.com"}, "authenticationInfo"),
        ({"authenticationInfo": {"principalEmail": ["admin@example.com"]}}, "principalEmail"),
        ({"authenticationInfo": {"serviceAccountDelegationInfo": ["sa@x"]}}, "serviceAccountDelegationInfo"),
    ],
)
def test_wrong_types_raise_normalize_error_naming_the_field(payload: dict[str, Any], field: str) -> None:
    entry = log_entry()
    entry["protoPayload"] = {**entry["protoPayload"], **payload}
    with pytest.raises(NormalizeError) as err:
        normalize_logentry(entry)
    assert err.value.reason == "wrong_type" and field in err.value.detail


@pytest.mark.parametrize(("patch", "note"), [
    ({"protoPayload": {"requestMetadata": "callerIp=203.0.113.255"}}, "gcp:protoPayload.requestMetadata:wrong_type"),
    ({"protoPayload": {"requestMetadata": [1]}}, "gcp:protoPayload.requestMetadata:wrong_type"),
    ({"protoPayload": {"requestMetadata": {"callerIp": ["203.0.113.255"]}}},
     "gcp:protoPayload.requestMetadata.callerIp:wrong_type"),
    ({"protoPayload": {"resourceLocation": "us-central1"}}, "gcp:protoPayload.resourceLocation:wrong_type"),
    ({"protoPayload": {"status": {"code": 7, "message": {"text": "denied"}}}},
     "gcp:protoPayload.status.message:wrong_type"),
    ({"resource": "service_account"}, "gcp:resource:wrong_type"),
    ({"resource": {"type": "service_account", "labels": "project_id=my-project"}}, "gcp:resource.labels:wrong_type"),
    ({"labels": ["a"]}, "gcp:labels:wrong_type"),
])
def test_wrong_typed_ancillary_field_is_dropped_with_a_note_not_the_record(patch: dict[str, Any], note: str) -> None:
    entry = log_entry()
    for key, value in patch.items():
        entry[key] = {**entry[key], **value} if key == "protoPayload" else value
    ev = normalize_logentry(entry)
    assert ev.notes == (note,)
    # who did what is still there to judge
    assert (ev.principal, ev.operation, ev.account) == ("admin@example.com", "google.iam.admin.v1.SetIAMPolicy",
                                                        "my-project")
    assert ev.raw is entry


def test_a_clean_record_has_no_notes_and_is_not_copied() -> None:
    entry = log_entry()
    ev = normalize_logentry(entry)
    assert ev.notes == () and ev.raw is entry


def test_a_record_without_insert_id_gets_a_stable_synthetic_id() -> None:
    entry = log_entry()
    del entry["insertId"]
    first, again = normalize_logentry(entry), normalize_logentry(copy.deepcopy(entry))
    assert first.id.startswith("synthetic:") and first.id == again.id
    entry["timestamp"] = "2022-05-02T21:52:51Z"
    assert normalize_logentry(entry).id != first.id


def test_third_party_delegation_hop_is_labelled_without_dumping_claims() -> None:
    deep: Any = "x"
    for _ in range(1000):
        deep = {"n": deep}
    ev = normalize_logentry(_with_auth({
        "principalEmail": DEPLOYER,
        "serviceAccountDelegationInfo": [{"thirdPartyPrincipal": {"thirdPartyClaims": {"sub": "ext-42", "x": deep}}},
                                         {"thirdPartyPrincipal": {"thirdPartyClaims": deep}}],
    }))
    assert ev.delegation == ("ext-42", "thirdPartyPrincipal")
