"""Pack files parsed once and kept between runs: the same documents, lines and errors as parsing,
never stale after an edit, and no PyYAML import at all on a start-up that finds them current."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from scanner.packcache import load_files
from scanner.yamlio import LineDict, YamlError, load_file

DOC = """\
id: secrets.example.token
keywords: [exa_, "2"]
params:
  nested: {a: 1, b: [x, {c: 2.5}]}
  flag: true
  none: null
tests:
  true: ["exa_0123456789"]
  false:
    - "exa_"
"""


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("AUDITWARDEN_CACHE", str(d))
    return d


def _lines(doc: Any) -> list[tuple[str, int]]:
    """Every mapping's keys with their lines, depth first."""
    if isinstance(doc, LineDict):
        return [(f"{doc.line}", doc.line)] + [x for k in doc for x in [(k, doc.line_of(k)), *_lines(doc[k])]]
    if isinstance(doc, list):
        return [x for v in doc for x in _lines(v)]
    return []


def test_a_cached_document_equals_the_parsed_one_lines_included(tmp_path: Path, cache: Path) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "a.yaml").write_text(DOC)
    parsed = load_file(pack / "a.yaml")
    [first] = load_files([pack / "a.yaml"])
    assert list(cache.glob("yaml-*")), "the cache was written"
    [second] = load_files([pack / "a.yaml"])
    assert first == second == parsed
    assert _lines(second) == _lines(parsed)
    assert second["tests"].line_of("False") == 9 and second["params"]["nested"].line == 4


def test_an_edited_file_is_parsed_again(tmp_path: Path, cache: Path) -> None:
    f = tmp_path / "a.yaml"
    f.write_text(DOC)
    load_files([f])
    f.write_text(DOC.replace("flag: true", "flag: false"))
    assert load_files([f])[0]["params"]["flag"] is False


def test_a_broken_file_still_names_its_line_and_a_damaged_cache_is_ignored(tmp_path: Path, cache: Path) -> None:
    good, bad = tmp_path / "a.yaml", tmp_path / "b.yaml"
    good.write_text(DOC)
    bad.write_text("id: x\nkeywords: [a\n")
    with pytest.raises(YamlError, match=r"b\.yaml:\d+:"):
        load_files([good, bad])
    for f in cache.glob("yaml-*"):
        f.write_text('{"' + str(good) + '": ["0", {"k": 1}]}')
    assert load_files([good]) == [load_file(good)]


def test_values_json_cannot_hold_are_parsed_every_time(tmp_path: Path, cache: Path) -> None:
    f = tmp_path / "a.yaml"
    f.write_text("when: 2026-12-01\nbig: 123456789012345678901234567890\nodd: .nan\n")
    [first] = load_files([f])
    [second] = load_files([f])
    assert str(first["when"]) == str(second["when"]) == "2026-12-01" and second["big"] == 123456789012345678901234567890


def test_no_writable_cache_directory_still_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("AUDITWARDEN_CACHE", str(blocker / "cache"))  # under a file: cannot be created
    f = tmp_path / "a.yaml"
    f.write_text(DOC)
    assert load_files([f]) == [load_file(f)]


def test_a_start_up_with_a_current_cache_does_not_import_yaml(tmp_path: Path) -> None:
    env = {**os.environ, "AUDITWARDEN_CACHE": str(tmp_path / "cache")}
    probe = ("import sys\nfrom scanner.secrets.pack import load_pack\nassert len(load_pack()) > 10\n"
             "print('yaml' in sys.modules)")

    def run() -> str:
        return subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True,
                              check=True).stdout.strip()

    assert run() == "True"  # the first start parses the pack and fills the cache
    assert run() == "False"
