"""What `make package` built is what Lambda and Cloud Functions can run; the handler starts fast and light."""

from __future__ import annotations

import resource
import subprocess
import sys
import zipfile

import pytest

from tests.conftest import REPO

sys.path.insert(0, str(REPO / "packaging"))
import build

LAMBDA_ZIP = REPO / "dist" / "auditwarden-lambda.zip"
GCF_ZIP = REPO / "dist" / "auditwarden-gcf.zip"


@pytest.mark.skipif(not LAMBDA_ZIP.is_file(), reason="dist/auditwarden-lambda.zip not built: run `make package` "
                    "(it downloads wheels, which tests never do)")
def test_lambda_zip_holds_the_handler_and_pack_and_nothing_heavy() -> None:
    assert build.check_lambda_zip(LAMBDA_ZIP) == []
    with zipfile.ZipFile(LAMBDA_ZIP) as z:
        names = z.namelist()
    pyver = build.lambda_python().replace(".", "")
    natives = [n for n in names if n.endswith(".so")]
    assert natives and all(f"cpython-{pyver}-x86_64-linux-gnu" in n or "abi3" in n for n in natives), natives
    assert not any(n.startswith(("boto3/", "botocore/")) for n in names)  # the runtime provides them


@pytest.mark.skipif(not GCF_ZIP.is_file(), reason="dist/auditwarden-gcf.zip not built: run `make package`")
def test_cloud_function_source_zip() -> None:
    with zipfile.ZipFile(GCF_ZIP) as z:
        names = set(z.namelist())
        reqs = z.read("requirements.txt").decode()
        main = z.read("main.py").decode()
    assert "scanner/handlers/gcp_function.py" in names and "scanner/_rules/catalogs/deploy.yaml" in names
    assert "functions-framework" in reqs and "google-cloud-firestore" in reqs
    assert "import receive" in main


def test_the_build_refuses_a_zip_with_a_heavy_library(tmp_path: pytest.TempPathFactory) -> None:
    bad = tmp_path / "bad.zip"  # type: ignore[operator]
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("pandas/__init__.py", "")
        z.writestr("scanner/handlers/aws_lambda.py", "")
    problems = build.check_lambda_zip(bad)
    assert "bad.zip holds pandas" in problems and any("cloudtrail_stop_logging" in p for p in problems)


def _cpu_seconds(code: str) -> float:
    """CPU time (user + system) of a fresh interpreter running `code`: unlike wall time it does not
    grow while the process waits for a core on a busy machine, which is what made wall clocks flaky."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def test_handler_import_adds_under_300_ms() -> None:
    bare = min(_cpu_seconds("pass") for _ in range(3))
    handler = min(_cpu_seconds("import scanner.handlers.aws_lambda") for _ in range(3))
    assert handler - bare < 0.300, f"importing the handler adds {1000 * (handler - bare):.0f} ms of CPU"


def test_the_lambda_requirements_cover_every_library_the_handler_imports() -> None:
    """The zip is built from LAMBDA_REQUIREMENTS: a library the handler imports but the list lacks is an
    ImportError at cold start, which no test that imports from this venv would notice."""
    # modules a bare interpreter already holds (site .pth files preload namespace stubs) do not count
    probe = ("import sys, importlib.metadata as m; bare = set(sys.modules); import scanner.handlers.aws_lambda; "
             "dists = m.packages_distributions(); "
             "print(' '.join(sorted({d for mod in set(sys.modules) - bare "
             "for d in dists.get(mod.split('.')[0], [])})))")
    imported = set(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                                  cwd=REPO).stdout.split())
    installed = _closure(build.LAMBDA_REQUIREMENTS) | _closure(list(build.RUNTIME_PROVIDED))  # pip installs these
    optional = {"typing-extensions"}  # msgspec imports it when present and does without it
    missing = {d for d in imported if _name(d) not in installed | optional | {"auditwarden"}}
    assert not missing, f"imported by the handler but not in the Lambda zip's requirements: {missing}"


def _name(requirement: str) -> str:
    return build.re.split(r"[\s<>=!~\[;(]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _closure(requirements: list[str]) -> set[str]:
    """The distributions pip installs for these requirements: each one and what it requires (no extras)."""
    import importlib.metadata as md

    seen: set[str] = set()
    todo = [_name(r) for r in requirements]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            reqs = md.requires(name) or []
        except md.PackageNotFoundError:
            continue
        todo.extend(_name(r) for r in reqs if "extra ==" not in r)
    return seen
