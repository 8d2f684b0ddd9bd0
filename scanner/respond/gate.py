"""The rails, as pure functions of the configuration read at run time: no I/O, no clock."""

from __future__ import annotations

import re

from scanner.config import ResponseConfig
from scanner.model.finding import SEVERITY_RANK
from scanner.provenance.globs import arn_like
from scanner.respond.model import Request


def effective_mode(config: ResponseConfig, execute: bool) -> str:
    """Acting needs both: the configuration says enforce and the caller asked to execute. An operator
    can thus drop every pipeline to dry run (or off) by configuration, whatever flags they pass."""
    if config.mode == "off":
        return "off"
    return "enforce" if execute and config.mode == "enforce" else "dry_run"


def refusal_before_lookup(config: ResponseConfig, req: Request) -> str:
    """Why a request is refused without asking the cloud anything ("" when it may go on)."""
    if config.mode == "off":
        return "response.mode is off"
    if req.kind in config.disabled_actions:
        return f"{req.kind} is in response.disabled_actions"
    return protected(config, req.target)


def triggers(config: ResponseConfig, severity: str) -> bool:
    """A finding below response.min_severity does not trigger (no decision, no response block)."""
    # an unknown floor (a Config built without validation) lets nothing through
    return SEVERITY_RANK.get(severity, -1) >= SEVERITY_RANK.get(config.min_severity, len(SEVERITY_RANK))


#: An IAM user or role ARN: the partition/account prefix, the path, and the name.
_IAM_NAMED = re.compile(r"(arn:[^:]*:iam::[^:]*:(?:user|role)/)(?:[^/]*/)*([^/]+)")


def _forms(principal: str) -> list[str]:
    """The principal as given and, for an IAM user or role, without its path: the name alone is unique
    in the account, so `role/break-glass*` protects /admin/break-glass too. IAM names ignore case."""
    m = _IAM_NAMED.fullmatch(principal)
    forms = [principal, m.group(1) + m.group(2)] if m else [principal]
    return forms + [f.lower() for f in forms]


def protected(config: ResponseConfig, *principals: str) -> str:
    for p in principals:
        for pattern in config.protected_principals:
            if p and any(arn_like(pt, f) for f in _forms(p) for pt in (pattern, pattern.lower())):
                return f"{p} matches protected principal {pattern}"
    return ""
