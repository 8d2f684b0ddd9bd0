"""Accuracy per credential family on two labelled sets (thresholds are the issue's budget: F1 >= 0.97 with
precision >= 0.95), measured through the public entry point."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scanner.secrets.evaluate import (
    Reported,
    load_gitleaks_cases,
    load_labels,
    score_cases,
    score_corpus,
    total,
)
from scanner.secrets.model import Blob
from scanner.secrets.pack import load_pack
from scanner.secrets.registry import ENGINES
from scanner.secrets.run import Request, run
from scanner.secrets.scan import SecretScanner
from tests.secrets.conftest import CORPUS, GITLEAKS_CASES, LABELS

F1_FLOOR, PRECISION_FLOOR = 0.97, 0.95


def test_gitleaks_cases_per_family() -> None:
    scanner = SecretScanner(load_pack(), dict(ENGINES))
    cases = load_gitleaks_cases(GITLEAKS_CASES)
    fired = {c.index: bool(scanner.scan(Blob("case.txt", c.text)).hits) for c in cases if c.family}
    scores = score_cases(cases, fired)
    assert set(scores) >= {"aws", "gcp", "private-key", "github", "gitlab", "slack", "stripe", "generic"}
    for family, s in scores.items():
        if s.tp + s.fn:
            assert s.f1 is not None and s.f1 >= F1_FLOOR and s.precision is not None, (family, s)
            assert s.precision >= PRECISION_FLOOR, (family, s)
        else:  # this family's cases in the set are all must-not-fire
            assert s.fp == 0, (family, s)
    t = total(scores)
    assert t.tp + t.fn >= 45 and t.tn >= 100  # the claimed part of the set is not trivially small


@pytest.fixture(scope="module")
def corpus_result(tmp_path_factory: pytest.TempPathFactory) -> object:
    # A copy outside this repository: here, the repository's own settings exclude tests/fixtures/.
    root = tmp_path_factory.mktemp("corpus")
    shutil.copytree(CORPUS, root / "c")
    mp = pytest.MonkeyPatch()
    mp.chdir(root / "c")
    mp.setenv("GIT_CEILING_DIRECTORIES", str(root))
    try:
        outcome = run(Request(paths=(".",)))
    finally:
        mp.undo()
    reported = [Reported(f.location.path, f.location.line, str(f.evidence["family"]), f.rule)
                for f in outcome.findings if f.location]
    positives, decoys = load_labels(LABELS)
    return score_corpus(reported, positives, decoys), positives, decoys


def test_corpus_per_family(corpus_result: object) -> None:
    result, positives, _ = corpus_result  # type: ignore[misc]
    assert {p.family for p in positives} >= {"aws", "gcp", "private-key", "github", "gitlab", "slack", "stripe",
                                             "generic"}
    for family, s in result.scores.items():
        assert s.f1 is not None and s.f1 >= F1_FLOOR, (family, s, result.missed)
        assert s.precision is not None and s.precision >= PRECISION_FLOOR, (family, s, result.false_positives)


def test_corpus_decoys_stay_quiet(corpus_result: object) -> None:
    result, _, decoys = corpus_result  # type: ignore[misc]
    on_decoys = [(r, kind) for r, kind in result.false_positives if kind]
    assert on_decoys == []
    kinds = {d.kind for d in decoys}
    assert kinds >= {"aws-doc-example", "placeholder", "env-reference", "github-secret-reference",
                     "terraform-reference", "lockfile-integrity", "git-sha", "uuid", "aws-unique-id", "certificate",
                     "public-key", "redacted", "secret-manager-reference"}


def test_corpus_files_exist_for_every_label() -> None:
    positives, decoys = load_labels(LABELS)
    for item in [*positives, *decoys]:
        lines = (CORPUS / item.path).read_text().splitlines()
        assert 1 <= item.line <= len(lines), item
    assert Path(CORPUS / "app" / ".env").is_file()
