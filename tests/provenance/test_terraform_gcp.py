"""terraform/: formatted as `terraform fmt` wants it (the GCP module has no local provider mirror to validate with)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.conftest import REPO


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not installed: fmt check not run")
def test_terraform_is_formatted() -> None:
    r = subprocess.run(["terraform", "fmt", "-check", "-recursive", "-diff", str(REPO / "terraform")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"terraform fmt would change:\n{r.stdout}{r.stderr}"


def test_gcp_module_turns_on_artifact_registry_data_access_logs() -> None:
    # Pushes are Data Access entries, off by default: the module exists to switch them on.
    main = (REPO / "terraform" / "gcp" / "main.tf").read_text()
    assert 'service = "artifactregistry.googleapis.com"' in main and 'log_type = "DATA_WRITE"' in main
    assert "pubsub.googleapis.com/" in main and "roles/pubsub.publisher" in main


def test_gcp_module_exports_policy_denied_logs() -> None:
    # VPC Service Controls refusals are only in the Policy Denied log: a sink without it feeds the
    # perimeter rules nothing.
    main = (REPO / "terraform" / "gcp" / "main.tf").read_text()
    assert r'log_id(\"cloudaudit.googleapis.com/policy\")' in main
