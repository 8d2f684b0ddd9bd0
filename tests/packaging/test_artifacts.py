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
