"""This repository passes its own hook: the fixture folders full of fake keys are excluded by its
.auditwarden-secrets.yaml, and no other file holds a credential."""

from __future__ import annotations

import pytest

from tests.conftest import REPO
from tests.secrets.conftest import cli_run


def test_this_repository_is_clean_under_its_own_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    code, out, err = cli_run()
    assert code == 0, f"findings in this repository (exclude fake ones in .auditwarden-secrets.yaml):\n{out}"
    assert "excluded by configuration" in err  # the fixtures are there, and skipped on purpose


def test_without_the_exclusions_the_fixtures_would_trip_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    code, out, _ = cli_run("tests/fixtures/local/secrets/corpus", "--config", "/dev/null")
    assert code == 1 and out
