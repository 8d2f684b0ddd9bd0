"""`make package`: the deployable artifacts in dist/.

    dist/auditwarden-lambda.zip   event function: scanner + rule pack + light dependencies, wheels for
                                  the Lambda runtime terraform/aws declares (manylinux2014_x86_64)
    dist/auditwarden-gcf.zip      Cloud Function (gen2) source: main.py, requirements.txt, scanner
    dist/auditwarden-<v>-py3-none-any.whl   the wheel the nightly image installs (packaging/nightly.Dockerfile)

Zips are reproducible (sorted entries, fixed timestamps), so Terraform's source_code_hash only
changes when the content does.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
BUILD = ROOT / "build" / "package"
#: The Lambda runtime ships boto3/botocore (and their dependencies); the zip relies on them.
RUNTIME_PROVIDED = ("boto3",)


def _requirements() -> list[str]:
    """pyproject.toml's dependencies less what the Lambda runtime ships: one list says what the scanner
    imports (a hand-kept copy here missed msgspec and isal, which the event path imports)."""
    deps: list[str] = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    return [d for d in deps if re.split(r"[\s<>=!~\[;]", d, maxsplit=1)[0].lower() not in RUNTIME_PROVIDED]


LAMBDA_REQUIREMENTS = _requirements()
GCF_REQUIREMENTS = ["functions-framework>=3.5", "google-cloud-firestore>=2.14", "google-cloud-pubsub>=2.18",
                    "google-cloud-secret-manager>=2.16", "google-cloud-storage>=2.10", *LAMBDA_REQUIREMENTS]
#: What must never be in the event-path zip (the nightly job's libraries).
FORBIDDEN = ("pandas", "pyod", "jinja2", "numpy", "scipy", "sklearn")
MAX_ZIP_BYTES = 15 * 1024 * 1024
EPOCH = (1980, 1, 1, 0, 0, 0)


def lambda_python() -> str:
    """X.Y of `python_runtime` in terraform/aws/variables.tf: one place decides the runtime."""
    text = (ROOT / "terraform" / "aws" / "variables.tf").read_text()
    block = text[text.index('variable "python_runtime"'):]
    m = re.search(r'default\s*=\s*"python(\d+\.\d+)"', block)
    if not m:
        raise SystemExit("terraform/aws/variables.tf: python_runtime has no default like python3.12")
    return m.group(1)


def _pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args], check=True)


def wheel() -> Path:
    out = BUILD / "wheel"
    shutil.rmtree(out, ignore_errors=True)
    _pip("wheel", "--no-deps", "-w", str(out), str(ROOT))
    (whl,) = out.glob("auditwarden-*.whl")
    DIST.mkdir(exist_ok=True)
    shutil.copy2(whl, DIST / whl.name)
    return DIST / whl.name


def _zip_tree(src: Path, dest: Path, extra: dict[str, bytes] | None = None) -> None:
    files = sorted(p for p in src.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                   and p.suffix not in (".pyc", ".pyi"))
    tmp = dest.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, data in sorted((extra or {}).items()):
            z.writestr(zipfile.ZipInfo(name, EPOCH), data)
        for p in files:
            info = zipfile.ZipInfo(p.relative_to(src).as_posix(), EPOCH)
            info.external_attr = (p.stat().st_mode & 0o777 | 0o444) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, p.read_bytes())
    tmp.replace(dest)


def check_lambda_zip(path: Path) -> list[str]:
    """Problems with a built event-function zip (empty list: fine)."""
    problems = []
    size = path.stat().st_size
    if size > MAX_ZIP_BYTES:
        problems.append(f"{path.name} is {size} bytes, over {MAX_ZIP_BYTES}")
    with zipfile.ZipFile(path) as z:
        tops = {n.split("/")[0].split(".")[0].lower() for n in z.namelist()}
        names = set(z.namelist())
    problems += [f"{path.name} holds {m}" for m in FORBIDDEN if m in tops]
    for needed in ("scanner/handlers/aws_lambda.py", "scanner/_rules/aws/cloudtrail_stop_logging.yaml",
                   "scanner/_rules/catalogs/deploy.yaml"):
        if needed not in names:
            problems.append(f"{path.name} lacks {needed}")
    return problems


def lambda_zip(whl: Path) -> Path:
    target = BUILD / "lambda"
    shutil.rmtree(target, ignore_errors=True)
    pyver = lambda_python()
    _pip("install", "--target", str(target), "--platform", "manylinux2014_x86_64", "--python-version", pyver,
         "--implementation", "cp", "--only-binary=:all:", *LAMBDA_REQUIREMENTS)
    shutil.rmtree(target / "bin", ignore_errors=True)  # console scripts: no use in a Lambda
    _pip("install", "--target", str(target), "--no-deps", str(whl))
    shutil.rmtree(target / "bin", ignore_errors=True)
    dest = DIST / "auditwarden-lambda.zip"
    _zip_tree(target, dest)
    problems = check_lambda_zip(dest)
    if problems:
        raise SystemExit("\n".join(problems))
    print(f"{dest.relative_to(ROOT)}: {dest.stat().st_size / 1e6:.2f} MB, python {pyver}, manylinux2014_x86_64")
    return dest


def gcf_zip(whl: Path) -> Path:
    """Cloud Functions builds from source: our package unpacked beside main.py, the rest from requirements.txt."""
    target = BUILD / "gcf"
    shutil.rmtree(target, ignore_errors=True)
    _pip("install", "--target", str(target), "--no-deps", str(whl))
    for meta in target.glob("*.dist-info"):
        shutil.rmtree(meta)
    dest = DIST / "auditwarden-gcf.zip"
    main = (b'"""Cloud Function (gen2) entry point `receive`: see scanner/handlers/gcp_function.py."""\n'
            b"from scanner.handlers.gcp_function import receive\n\n__all__ = [\"receive\"]\n")
    _zip_tree(target, dest, {"main.py": main, "requirements.txt": ("\n".join(GCF_REQUIREMENTS) + "\n").encode()})
    print(f"{dest.relative_to(ROOT)}: {dest.stat().st_size / 1e6:.2f} MB (entry point: receive)")
    return dest


def main() -> int:
    whl = wheel()
    print(f"{whl.relative_to(ROOT)} (for packaging/nightly.Dockerfile)")
    lambda_zip(whl)
    gcf_zip(whl)
    return 0


if __name__ == "__main__":
    sys.exit(main())
