"""The detector pack is data with its own tests: every detector has true and false strings, they pass,
and a broken detector file is refused with its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.secrets.cases import run_cases
from scanner.secrets.pack import default_pack_dir, load_pack
from scanner.secrets.registry import ENGINES
from scanner.secrets.scan import SecretScanner
from scanner.yamlio import YamlError

PACK = load_pack()
RESULTS = run_cases(SecretScanner(PACK, dict(ENGINES)))


def test_pack_covers_the_issue_families() -> None:
    assert {s.family for s in PACK} >= {"aws", "gcp", "private-key", "github", "gitlab", "slack", "stripe", "generic"}
    assert len({s.id for s in PACK}) == len(PACK)


@pytest.mark.parametrize("spec", PACK, ids=lambda s: s.id)
def test_every_detector_has_true_and_false_strings(spec: object) -> None:
    cases = spec.cases  # type: ignore[attr-defined]
    assert any(c.expect for c in cases) and any(not c.expect for c in cases)


@pytest.mark.parametrize("result", RESULTS,
                         ids=lambda r: f"{r.spec.id}:{'true' if r.case.expect else 'false'}:{r.case.text[:24]}")
def test_detector_case(result: object) -> None:
    r = result
    assert r.passed, (f"{r.spec.source}:{r.case.line}: expected {'a finding' if r.case.expect else 'silence'}"  # type: ignore[attr-defined]
                      f" for {r.case.text[:80]!r}")  # type: ignore[attr-defined]


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "d.yaml"
    p.write_text(text)
    return p


GOOD = """\
id: x.test
title: T
family: generic
severity: low
pattern: '(?P<secret>tok_[a-z0-9]{8})'
tests: {true: ['tok_a1b2c3d4'], false: ['tok_']}
"""


def test_a_minimal_detector_loads(tmp_path: Path) -> None:
    [spec] = load_pack([_write(tmp_path, GOOD)])
    assert spec.id == "x.test" and spec.engine == "regex" and len(spec.cases) == 2


@pytest.mark.parametrize(("broken", "line", "words"), [
    (GOOD.replace("[a-z0-9]{8})'", "[a-z0-9]{8}'"), 5, "invalid regular expression"),
    (GOOD.replace("(?P<secret>", "("), 5, "(?P<secret>"),
    (GOOD.replace("severity: low", "severity: dire"), 4, "severity must be one of"),
    (GOOD + "engine: magic\n", 7, "unknown engine 'magic'"),
    (GOOD.replace("false: ['tok_']", "false: []"), 6, "tests.false"),
    (GOOD + "colour: blue\n", 7, "unknown key 'colour'"),
    (GOOD + "filters: [fuzzy]\n", 7, "unknown filter 'fuzzy'"),
])
def test_a_broken_detector_names_file_and_line(tmp_path: Path, broken: str, line: int, words: str) -> None:
    f = _write(tmp_path, broken)
    with pytest.raises(YamlError) as e:
        load_pack([f])
    assert str(e.value).startswith(f"{f}:{line}:") and words in str(e.value)


def test_the_pack_ships_where_the_loader_looks() -> None:
    assert default_pack_dir().is_dir() and sorted(default_pack_dir().glob("*.yaml"))
