"""Where the bundled YAML packs live, and loading a folder of them one unit a file.

Rules (`rules/aws`, `rules/gcp`), secret detectors (`rules/secrets`) and the deploy catalog
(`rules/catalogs`) all ship in `rules/`: the folder of a source checkout, else the copy inside the wheel.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol, TypeVar

from scanner.yamlio import YamlError, load_file


class _Unit(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def source(self) -> str: ...


U = TypeVar("U", bound=_Unit)


def data_root() -> Path:
    """`rules/` of a source checkout, else the copy shipped inside the wheel as scanner/_rules."""
    here = Path(__file__).resolve().parent
    checkout = here.parent / "rules"
    return checkout if checkout.is_dir() else here / "_rules"


def load_units(roots: list[Path], parse: Callable[[Any, str], U], what: str, *, recursive: bool,
               skip: Callable[[Path], bool] = lambda rel: False, cached: bool = False) -> list[U]:
    """Parse every `*.yaml` under the roots (files or folders), one unit a file, in name order.

    A file saying `enabled: false` is left out; two units with one id are refused, naming both files.
    `skip` gets each file's path relative to its root folder. `cached`: parsed documents come from
    scanner.packcache where current (start-up without PyYAML).
    """
    files: list[Path] = []
    for root in roots:
        if root.is_dir():
            found = root.rglob("*.y*ml") if recursive else root.glob("*.y*ml")
            files.extend(sorted(p for p in found if not skip(p.relative_to(root))))
        elif root.is_file():
            files.append(root)
        else:
            raise YamlError(str(root), 0, f"no such {what} file or directory")
    units: list[U] = []
    seen: dict[str, str] = {}
    if cached:
        from scanner.packcache import load_files

        docs = load_files(files)
    else:
        docs = [load_file(f) for f in files]
    for f, doc in zip(files, docs, strict=True):
        if isinstance(doc, Mapping) and doc.get("enabled") is False:
            continue
        unit = parse(doc, str(f))
        if unit.id in seen:
            raise YamlError(str(f), 1, f"duplicate {what} id {unit.id!r} (also in {seen[unit.id]})")
        seen[unit.id] = unit.source
        units.append(unit)
    return units
