"""Exclusion globs read like .gitignore lines."""

from __future__ import annotations

import pytest

from scanner.secrets.globs import matcher


@pytest.mark.parametrize(("pattern", "path", "hit"), [
    ("tests/fixtures/", "tests/fixtures/secrets/a.jsonl", True),
    ("tests/fixtures/", "src/tests/fixtures/a", False),          # a pattern with a slash is anchored
    ("fixtures/", "src/fixtures/a.env", True),                    # one without is a name at any depth
    ("*.pem", "keys/dev/server.pem", True),
    ("*.pem", "keys/dev/server.pem.txt", False),
    ("**/testdata/**", "pkg/x/testdata/k.json", True),
    ("docs/*.md", "docs/a/b.md", False),                          # * stays within one directory
    ("docs/**/*.md", "docs/a/b.md", True),
    ("./examples", "examples/a.yaml", True),
])
def test_gitignore_style_globs(pattern: str, path: str, hit: bool) -> None:
    assert matcher([pattern])(path) is hit


def test_no_patterns_match_nothing() -> None:
    assert matcher([])("anything") is False
