"""`auditwarden policy export`: the deploy allowlist as an AWS SCP or a GCP IAM deny policy."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
import orjson


class _UsageError(click.ClickException):
    exit_code = 2  # DESIGN.md §4: usage errors exit 2


def _numbered(path: Path, n: int, total: int) -> Path:
    return path if total == 1 else path.with_name(f"{path.stem}-{n}{path.suffix}")


@click.group("policy")
def policy() -> None:
    """Deploy policy tools (the `deploy_policy` section of auditwarden.yaml)."""


@policy.command("export")
@click.option("--aws-scp", "target", flag_value="aws", help="AWS Service Control Policy JSON")
@click.option("--gcp-deny", "target", flag_value="gcp", help="GCP IAM deny policy JSON")
@click.option("--config", "config_path", help="auditwarden.yaml (default: $AUDITWARDEN_CONFIG, ./auditwarden.yaml)")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True),
              help="write here (several documents: NAME-1.json, NAME-2.json, ...); default: stdout, one per line")
def export(target: str | None, config_path: str | None, output: str | None) -> None:
    """Write the policy that denies the deploy catalog's actions to everyone but the allowed principals.

    Notes on what the policy cannot express go to stderr.
    """
    from scanner.detectors import load_settings
    from scanner.provenance.catalog import load_catalog
    from scanner.provenance.export import aws_scp, gcp_deny
    from scanner.provenance.settings import provenance_settings
    from scanner.yamlio import YamlError

    if target is None:
        raise _UsageError("choose --aws-scp or --gcp-deny")
    try:
        config = load_settings(config_path)
        settings = provenance_settings(config)
        policies = settings.policies
        if not any(p.cloud == target for p in policies):
            raise _UsageError(f"{config.source}: no {target} policy in deploy_policy: nothing to export")
        catalog = load_catalog()
        result = aws_scp(policies, catalog, settings.artifact_buckets) if target == "aws" else gcp_deny(policies,
                                                                                                      catalog)
    except YamlError as e:
        raise _UsageError(str(e)) from None
    docs: tuple[dict[str, Any], ...] = result.documents
    if output:
        base = Path(output)
        for i, doc in enumerate(docs, 1):
            dest = _numbered(base, i, len(docs))
            try:
                dest.write_bytes(orjson.dumps(doc) + b"\n")
            except OSError as e:
                raise _UsageError(f"cannot write {dest}: {e.strerror}") from None
            click.echo(f"wrote {dest}", err=True)
    else:
        for doc in docs:
            sys.stdout.write(orjson.dumps(doc).decode() + "\n")
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
