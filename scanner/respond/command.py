"""`auditwarden respond`, `auditwarden revoke …`, `auditwarden undo`: parse, call the engine, print.

Decisions go to stderr as one JSON line each (the structured log); `respond` writes the findings with
their response blocks to stdout, so it composes in pipes. Exit codes: 0 done, would be done or nothing
to do; 1 refused (protected, capped, not ours, mode off); 2 error (a cloud call failed, bad input).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from typing import IO, Any

import click
import orjson

from scanner.respond import model as m

EXIT_OK, EXIT_REFUSED, EXIT_ERROR = 0, 1, 2


class InputProblem(click.ClickException):
    exit_code = EXIT_ERROR


def _log_line(line: Mapping[str, Any]) -> None:
    from scanner.respond.engine import stderr_log

    stderr_log(line)


def _exit_for(decisions: list[Any]) -> int:
    statuses = {d.status for d in decisions}
    if m.FAILED in statuses:
        return EXIT_ERROR
    return EXIT_REFUSED if m.REFUSED in statuses else EXIT_OK


def _responder(config_path: str | None, state_path: str | None, execute: bool) -> tuple[Any, Any]:
    from scanner.cli import _load_config
    from scanner.respond.engine import Responder
    from scanner.respond.ledger import default_state_path
    from scanner.state.sqlite import SqliteStore

    config = _load_config(config_path)
    state = SqliteStore(state_path or default_state_path())
    return Responder(config, state, execute=execute, log=_log_line), state


def _options(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = click.option("--state", "state_path", help="SQLite state file: audit trail and hourly cap "
                      "(default: $AUDITWARDEN_STATE or ~/.local/state/auditwarden/state.sqlite)")(fn)
    return click.option("--config", "config_path", help="auditwarden.yaml (default: $AUDITWARDEN_CONFIG, "
                        "./auditwarden.yaml)")(fn)


def _read_findings(stream: IO[bytes], bad: list[str]) -> Iterator[Any]:
    from scanner.model.finding import finding_from_dict

    for n, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            yield finding_from_dict(orjson.loads(line))
        except (orjson.JSONDecodeError, ValueError, TypeError) as e:
            bad.append(f"line {n}: {e}")


@click.command("respond")
@click.argument("source")
@click.option("--execute", is_flag=True, help="act (with response.mode: enforce); otherwise a dry run")
@_options
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="write findings here")
def respond(source: str, execute: bool, config_path: str | None, state_path: str | None, output: str | None) -> None:
    """Run findings (JSON Lines from `scan` or `secrets --format jsonl`, or - for stdin) through the gate."""
    from scanner.sinks.jsonl import write_jsonl

    responder, state = _responder(config_path, state_path, execute)
    bad: list[str] = []
    try:
        with (sys.stdin.buffer if source == "-" else open(source, "rb")) as stream:
            findings, decisions = responder.respond_all(_read_findings(stream, bad))
    except OSError as e:
        raise InputProblem(f"cannot read {source}: {e}") from None
    finally:
        state.close()
    out = open(output, "wb") if output else sys.stdout.buffer  # noqa: SIM115
    try:
        write_jsonl(findings, out)
    finally:
        out.close() if output else out.flush()
    counts: dict[str, int] = {}
    for d in decisions:
        counts[d.status] = counts.get(d.status, 0) + 1
    _log_line({"level": "info", "msg": "respond summary", "mode": responder.mode, "findings": len(findings),
               "decisions": counts, "malformed": len(bad), "malformed_first": bad[:5]})
    if bad and not findings:
        sys.exit(EXIT_ERROR)
    sys.exit(_exit_for(decisions))


def _manual(kind: str, target: str, execute: bool, reason: str, config_path: str | None,
            state_path: str | None) -> None:
    from scanner.ops.terminal import safe_line

    responder, state = _responder(config_path, state_path, execute)
    try:
        d = responder.handle(m.Request(kind, target, "manual revoke", reason=reason))
    finally:
        state.close()
    click.echo(safe_line(f"{d.status} {d.kind} {d.target} [{d.mode}] {d.action_id}: {d.reason}"))
    sys.exit(_exit_for([d]))


def _manual_command(kind: str, arg: str, doc: str) -> click.Command:
    @click.command(kind, help=doc)
    @click.argument(arg)
    @click.option("--execute", is_flag=True, help="act (with response.mode: enforce); otherwise a dry run")
    @click.option("--reason", default="", help="recorded in the audit trail")
    @_options
    def cmd(execute: bool, reason: str, config_path: str | None, state_path: str | None, **target: str) -> None:
        _manual(kind, target[arg], execute, reason, config_path, state_path)

    return cmd


@click.group("revoke")
def revoke() -> None:
    """Revoke one credential by hand, through the same rails as `respond` (dry run unless --execute)."""


for _kind, _arg, _doc in (
    (m.AWS_KEY, "key_id", "Deactivate an IAM user's access key (UpdateAccessKey Status=Inactive)."),
    (m.AWS_ROLE_SESSIONS, "role_arn", "Revoke a role's active sessions (AWSRevokeOlderSessions inline deny)."),
    (m.GCP_KEY, "key_name", "Disable a service-account key (projects/P/serviceAccounts/EMAIL/keys/ID)."),
    (m.GCP_SA, "email", "Disable a service account."),
):
    revoke.add_command(_manual_command(_kind, _arg, _doc))


@click.command("undo")
@click.argument("action_id")
@click.option("--reason", default="", help="recorded in the audit trail")
@_options
def undo(action_id: str, reason: str, config_path: str | None, state_path: str | None) -> None:
    """Re-enable what an executed action disabled (reactivate the key, remove the deny policy)."""
    from scanner.ops.terminal import safe_line

    responder, state = _responder(config_path, state_path, True)
    try:
        d = responder.undo(action_id, reason)
    except KeyError:
        click.echo(f"unknown action id {safe_line(action_id)}", err=True)
        sys.exit(EXIT_ERROR)
    finally:
        state.close()
    click.echo(safe_line(f"{d.status} {d.kind} {d.target} {d.action_id}: {d.reason}"))
    sys.exit(EXIT_OK if d.status == m.UNDONE else _exit_for([d]))
