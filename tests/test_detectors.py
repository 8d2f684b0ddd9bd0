"""The registry at the composition root: the engine knows no detector, config imports no detector parser."""

from __future__ import annotations

import ast
from pathlib import Path

from scanner.config import Config
from scanner.detectors import DETECTORS, build_detectors, enabled, owned_sections
from scanner.state.memory import MemoryStore

ROOT = Path(__file__).resolve().parent.parent / "scanner"


def _imports(path: Path) -> set[str]:
    mods: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            mods.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            mods.add(node.module)
    return mods


def test_the_engine_imports_no_detector_package() -> None:
    own = {"scanner.detect", "scanner.model", "scanner.normalize", "scanner.state", "scanner.config",
           "scanner.yamlio", "scanner.packs", "scanner.timeutil", "scanner.ops", "scanner.sources"}
    for f in (ROOT / "detect").glob("*.py"):
        for m in _imports(f):
            if m.startswith("scanner."):
                assert any(m == o or m.startswith(o + ".") for o in own), f"{f.name} imports {m}"


def test_config_imports_no_detector_parser() -> None:
    mods = {m for m in _imports(ROOT / "config.py") if m.startswith("scanner.")}
    assert mods <= {"scanner.sources.limits", "scanner.yamlio"}, mods


def test_every_detector_builds_and_is_switchable() -> None:
    names = list(DETECTORS)
    assert {"rules", "provenance"} <= set(names)
    built = build_detectors(Config(), MemoryStore())
    assert [d.name for d in built] == enabled(Config())
    off = Config(detectors=dict.fromkeys(names, False))
    assert build_detectors(off, MemoryStore()) == []


def test_owned_sections_are_unique() -> None:
    owned = owned_sections()
    assert len(owned) == len(set(owned))
    assert {"deploy_policy", "rules", "secrets"} <= set(owned)
