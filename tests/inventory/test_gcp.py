"""GCP snapshots: gcloud JSON files in a folder, and the live API through local gRPC fakes of the real clients."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scanner.inventory.gcp import load_gcp_dir
from scanner.report.settings import ReportSettings
from tests.conftest import REPO
from tests.report.helpers import report

GCP = REPO / "examples" / "iam" / "gcp"


def test_reads_gcloud_exports() -> None:
    snap = load_gcp_dir(str(GCP))
    assert snap.cloud == "gcp" and snap.account == "acme-prod" and not snap.problems
    byid = {p.id: p for p in snap.principals}
    web = byid["serviceAccount:web@acme-prod.iam.gserviceaccount.com"]
    assert set(web.roles) == {"roles/editor", "roles/storage.objectViewer"}
    assert [(k.user_managed, k.active) for k in web.keys] == [(True, True), (False, True)]
    assert byid["user:admin@example.com"].kind == "member"
    assert "iam.serviceAccounts.signBlob" in snap.role_permissions["roles/iam.serviceAccountTokenCreator"]


def test_wrong_kind_and_broken_files_are_named(tmp_path: Path) -> None:
    folder = tmp_path / "gcp"
    shutil.copytree(GCP, folder)
    (folder / "trail.json").write_text('{"Records": [{"eventName": "x"}]}')
    (folder / "broken.json").write_text('[{"email": "a@b"')
    (folder / "roles-list.json").write_text('[{"name": "roles/viewer", "title": "Viewer", "stage": "GA"}]')
    snap = load_gcp_dir(str(folder))
    problems = {Path(p.source).name: p.message for p in snap.problems}
    assert "not a GCP IAM export" in problems["trail.json"]
    assert "not JSON" in problems["broken.json"]
    assert "roles/viewer has no includedPermissions" in problems["roles-list.json"]
    assert len(snap.principals) == 5  # everything else still read


def test_checks_on_the_example_project() -> None:
    rep = report(load_gcp_dir(str(GCP)))
    rules = {(f.rule, f.principal.split(":")[1].split("@")[0]) for f in rep.findings}
    assert ("privilege.gcp.default_compute_editor", "123456789012-compute") in rules
    assert ("privilege.gcp.primitive_role", "web") in rules
    assert ("privilege.gcp.primitive_role", "admin") not in rules  # a user, not a service account
    esc = {f.evidence["path"]: f for f in rep.findings
           if f.rule == "privilege.gcp.escalation" and "builder@" in f.principal}
    assert esc["GetAccessToken"].evidence["policy"] == "roles/iam.serviceAccountTokenCreator"
    assert esc["CloudBuild"].evidence["policy"] == "roles/cloudbuild.builds.editor"
    keys = [f for f in rep.findings if f.rule == "hygiene.gcp.user_managed_key"]
    assert len(keys) == 2  # the system-managed key is Google's, not a finding
    aged = [f for f in rep.findings if f.rule == "hygiene.gcp.key_age"]
    assert [f.principal.split("@")[0] for f in aged] == ["serviceAccount:web"]


def test_key_use_from_policy_analyzer_activity(tmp_path: Path) -> None:
    import json

    folder = tmp_path / "gcp"
    shutil.copytree(GCP, folder)
    (folder / "key-activity.json").write_text(json.dumps([{
        "activityType": "serviceAccountKeyLastAuthentication",
        "activity": {"lastAuthenticatedTime": "2026-11-29T00:00:00Z", "serviceAccountKey": {
            "fullResourceName": "//iam.googleapis.com/projects/acme-prod/serviceAccounts/web@acme-prod.iam."
                                "gserviceaccount.com/keys/3f1e6b0c2a9d4e5f8a7b6c5d4e3f2a1b0c9d8e7f"}}}]))
    snap = load_gcp_dir(str(folder))
    assert {f.rule for f in report(snap).findings} >= {"hygiene.gcp.key_age"}
    assert not [f for f in report(snap).findings if f.rule == "hygiene.gcp.key_unused"]  # builder's is 20 days old
    rep = report(snap, settings=ReportSettings(key_unused_warn_days=10))
    unused = {f.principal for f in rep.findings if f.rule == "hygiene.gcp.key_unused"}
    assert unused == {"serviceAccount:builder@acme-prod.iam.gserviceaccount.com"}  # never authenticated


def test_api_path_with_the_real_clients() -> None:
    pytest.importorskip("google.cloud.iam_admin_v1")
    import grpc

    from scanner.inventory.gcp import collect_gcp
    from tests.gcp_fake import FakeIam, FakeProjects

    iam, projects = FakeIam(), FakeProjects()
    try:
        sa = iam.add_account("acme-prod", "builder", description="<img src=x onerror=alert(1)>")
        iam.add_account("acme-prod", "idle")
        iam.add_key(sa.email, "k1", valid_after="2025-01-01T00:00:00Z")
        iam.add_key(sa.email, "sys", user_managed=False)
        iam.add_role("roles/iam.serviceAccountTokenCreator", ["iam.serviceAccounts.getAccessToken"])
        projects.set_policy("acme-prod", {"roles/iam.serviceAccountTokenCreator": [f"serviceAccount:{sa.email}"],
                                          "roles/editor": [f"serviceAccount:{sa.email}"]})
        iam.fail_next("ListServiceAccountKeys", grpc.StatusCode.UNAVAILABLE)  # retried by the client
        snap = collect_gcp("acme-prod", iam.client, projects.client)
    finally:
        iam.stop()
        projects.stop()
    byname = {p.name: p for p in snap.principals}
    b = byname[sa.email]
    assert b.description == "<img src=x onerror=alert(1)>"
    assert [(k.id, k.user_managed) for k in b.keys] == [("k1", True), ("sys", False)]
    assert [p.message for p in snap.problems] == [  # named, and the rest read
        "role roles/editor: NotFound: 404 not found: 'roles/editor'"]
    rep = report(snap)
    rules = {f.rule for f in rep.findings if f.principal == f"serviceAccount:{sa.email}"}
    assert {"privilege.gcp.primitive_role", "privilege.gcp.escalation", "hygiene.gcp.key_age"} <= rules
