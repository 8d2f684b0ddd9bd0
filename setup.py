"""Ship `rules/` and `reports/` inside the wheel as scanner/_rules and scanner/_reports.

They stay top-level folders in the repository (data, not code). They are copied into the build as
plain data by `build_py`, not declared as packages: declaring data folders as packages makes
setuptools warn about every sub-folder ("Package would be ignored") and forces editable installs
onto a meta-path finder with warnings of its own. A source checkout finds them where they are
(scanner.packs.data_root), so an editable install needs no copy.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

#: repository folder → folder inside the installed `scanner` package
DATA_DIRS = {"rules": "_rules", "reports": "_reports"}


def _data_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*")
                  if p.is_file() and not any(part.startswith(".") or part == "__pycache__" for part in p.parts))


class BuildPyWithData(build_py):
    """build_py that also copies the data folders into the built `scanner` package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # the checkout's own folders are used (scanner.packs.data_root)
        for src, dest in DATA_DIRS.items():
            root = Path(src)
            for f in _data_files(root):
                out = Path(self.build_lib, "scanner", dest, f.relative_to(root))
                self.mkpath(str(out.parent))
                self.copy_file(str(f), str(out))


setup(
    packages=find_packages(include=["scanner", "scanner.*"]),
    # Packages sit at the repository root: an editable install is then a plain path entry (no meta-path
    # finder, no warning about it).
    package_dir={"": "."},
    package_data={"scanner": ["py.typed"]},
    cmdclass={"build_py": BuildPyWithData},
)
