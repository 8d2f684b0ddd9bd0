"""Shared pieces of the provenance tests: fixture paths, a policy parser, and a scan through one detector."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from scanner.detectors import parse_settings
from scanner.model.event import Event
from scanner.model.finding import Finding
from scanner.ops.stats import RunStats
from scanner.pipeline import iter_events
from scanner.provenance.catalog import load_catalog
from scanner.provenance.detector import ProvenanceDetector
from scanner.provenance.policy import DeployPolicy
from scanner.provenance.settings import provenance_settings
from scanner.sources.limits import Limits
from scanner.sources.paths import InputReader
from scanner.state.base import StateStore
from scanner.state.memory import MemoryStore
from tests.conftest import FIXTURES

LOCAL = FIXTURES / "local" / "provenance"
MIXED = LOCAL / "mixed.CONSTRUCTED"
CONFIG = LOCAL / "auditwarden.CONSTRUCTED.yaml"
AWS_FAMILIES = LOCAL / "aws_families.CONSTRUCTED.json"
GCP_FAMILIES = LOCAL / "gcp_families.CONSTRUCTED.jsonl"
AWS_NOT_DEPLOYS = LOCAL / "aws_not_deploys.CONSTRUCTED.json"
GCP_NOT_DEPLOYS = LOCAL / "gcp_not_deploys.CONSTRUCTED.jsonl"

ACCT = "111122223333"
GHA = f"arn:aws:iam::{ACCT}:role/gha-deploy"
PIPELINE = f"arn:aws:iam::{ACCT}:role/codepipeline-prod-role"
SSO_ADMIN = (f"arn:aws:iam::{ACCT}:role/aws-reserved/sso.amazonaws.com/"
             "AWSReservedSSO_AdministratorAccess_0123456789abcdef")
ALICE = f"arn:aws:iam::{ACCT}:user/alice"
DEPLOYER = "deployer@acme-ci.iam.gserviceaccount.com"
EXEC_SA = "clouddeploy-exec@acme-prod.iam.gserviceaccount.com"
CAROL = "carol@acme.example"
MAIN = "repo:acme/app:ref:refs/heads/main"

#: Nobody may deploy anywhere: every catalog event is a finding.
NOBODY = """
artifact_buckets: ["acme-artifacts-*"]
deploy_policy:
  - {name: aws freeze, cloud: aws, allow: []}
  - {name: gcp freeze, cloud: gcp, allow: []}
"""


def policies(text: str, path: str = "auditwarden.yaml") -> tuple[tuple[DeployPolicy, ...], list[str]]:
    settings = provenance_settings(parse_settings(text, path))
    return settings.policies, list(settings.artifact_buckets)


def detector(text: str, state: StateStore | None = None, **kw: bool) -> ProvenanceDetector:
    pols, buckets = policies(text)
    return ProvenanceDetector(pols, load_catalog(), buckets, state or MemoryStore(), **kw)


def events(*paths: Path) -> list[Event]:
    reader = InputReader(Limits())
    out: list[Event] = []
    for p in paths:
        out.extend(iter_events(reader, str(p), RunStats(), lambda r: None))
    return out


def run(det: ProvenanceDetector, evs: Iterable[Event], finish: bool = True) -> list[Finding]:
    """What the scan does: evaluate only what the detector wants, then finish()."""
    out: list[Finding] = []
    for ev in evs:
        if det.wants(ev.cloud, ev.service, ev.operation, ev.principal_type):
            out.extend(det.evaluate(ev))
    if finish:
        out.extend(det.finish())
    return out


@pytest.fixture
def mixed_config_text() -> str:
    return CONFIG.read_text()
