"""One request through the rails: gate, evidence from the cloud, cap, act, record — every step logged.

Order matters and is the contract the README documents: refusals that need no cloud call come first
(mode off, action switched off, severity, protected target); then the target is resolved through IAM
(whose is it, is the action still needed); a protected owner is refused; a target already in the wanted
state is a no-op; only then is a slot taken under the hourly cap, "started" written, and the call made.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from scanner.config import Config
from scanner.model.finding import Finding, Response
from scanner.respond import model as m
from scanner.respond.gate import effective_mode, protected, refusal_before_lookup, triggers
from scanner.respond.ledger import Ledger, action_id
from scanner.respond.triggers import requests_for
from scanner.state.base import StateStore


class Actor(Protocol):
    def resolve(self, req: m.Request) -> m.Resolved: ...

    def apply(self, req: m.Request, r: m.Resolved) -> dict[str, Any]: ...

    def undo(self, rec: Mapping[str, Any]) -> None: ...


@dataclass
class Clients:
    """Cloud access, built on first use unless the caller (a test, the Lambda) injects it."""

    aws: Any = None  # scanner.respond.aws.AwsAccess
    gcp_iam: Any = None  # google.cloud.iam_admin_v1.IAMClient
    actors: dict[str, Actor] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Decision:
    action_id: str
    kind: str
    target: str
    mode: str
    status: str
    reason: str = ""
    account: str = ""
    owner: str = ""

    def response(self) -> Response:
        return Response(self.kind, self.mode, self.status, self.action_id, self.reason, self.target)


Log = Callable[[Mapping[str, Any]], None]


def stderr_log(line: Mapping[str, Any]) -> None:
    """The structured log: one JSON object per line on stderr (orjson escapes control characters)."""
    import sys

    import orjson

    sys.stderr.write(orjson.dumps(dict(line)).decode() + "\n")


class Responder:
    def __init__(self, config: Config, state: StateStore, *, execute: bool, clients: Clients | None = None,
                 clock: Callable[[], float] = time.time, log: Log | None = None) -> None:
        self.config = config.response
        self.ledger = Ledger(state)
        self.mode = effective_mode(self.config, execute)
        self.clients = clients or Clients()
        self.clock = clock
        self.log = log or (lambda line: None)

    # --- cloud access -----------------------------------------------------------------------
    def _actor(self, kind: str) -> Actor:
        hit = self.clients.actors.get(kind)
        if hit is not None:
            return hit
        actor: Actor
        if kind in (m.AWS_KEY, m.AWS_ROLE_SESSIONS, m.AWS_USER_QUARANTINE):
            from scanner.respond import aws

            if self.clients.aws is None:
                self.clients.aws = aws.AwsAccess(self.config)
            actor = (aws.AwsKey(self.clients.aws) if kind == m.AWS_KEY
                     else aws.AwsRoleSessions(self.clients.aws, lambda: datetime.fromtimestamp(self.clock(), UTC))
                     if kind == m.AWS_ROLE_SESSIONS else aws.AwsUserQuarantine(self.clients.aws))
        else:
            from scanner.respond import gcp

            if self.clients.gcp_iam is None:
                self.clients.gcp_iam = gcp.default_iam_client()
            actor = gcp.GcpKey(self.clients.gcp_iam, self.config) if kind == m.GCP_KEY \
                else gcp.GcpServiceAccount(self.clients.gcp_iam, self.config)
        self.clients.actors[kind] = actor
        return actor

    # --- the rails --------------------------------------------------------------------------
    def handle(self, req: m.Request) -> Decision:
        aid = action_id(req.kind, req.target)
        why = refusal_before_lookup(self.config, req)
        if why:
            return self._decide(aid, req, m.REFUSED, why)
        try:
            actor = self._actor(req.kind)
            r = actor.resolve(req)
        except m.NotOurs as e:
            return self._decide(aid, req, m.REFUSED, f"not ours: {e}")
        except m.Refused as e:
            return self._decide(aid, req, m.REFUSED, str(e))
        except m.CloudError as e:
            return self._decide(aid, req, m.FAILED, str(e))
        except Exception as e:  # missing credentials, no endpoint: the decision is still recorded
            return self._decide(aid, req, m.FAILED, f"{type(e).__name__}: {e}")
        where: dict[str, Any] = {"account": r.account, "owner": r.owner}
        why = protected(self.config, r.owner)
        if why:
            return self._decide(aid, req, m.REFUSED, why, **where)
        if r.done:
            return self._decide(aid, req, m.ALREADY_DONE, "already in the wanted state; nothing to do", **where)
        now = self.clock()
        limit = self.config.max_actions_per_hour
        if self.mode != "enforce":
            if not self.ledger.cap_room(limit, now, aid):
                return self._decide(aid, req, m.REFUSED, f"would exceed response.max_actions_per_hour ({limit})",
                                    **where)
            why = "response.mode is dry_run" if self.config.mode != "enforce" else "dry run: pass --execute to act"
            return self._decide(aid, req, m.WOULD_EXECUTE, why, **where)
        if not self.ledger.take_slot(limit, now, aid):
            return self._decide(aid, req, m.REFUSED, f"response.max_actions_per_hour ({limit}) reached", **where)
        self._decide(aid, req, m.STARTED, req.signal, quiet=True, **where)
        try:
            undo = _first_previous(self.ledger.get(aid, now), actor.apply(req, r))
        except (m.CloudError, m.Refused) as e:
            return self._decide(aid, req, m.FAILED, str(e), **where)
        return self._decide(aid, req, m.EXECUTED, req.signal, undo=undo, **where)

    def _decide(self, aid: str, req: m.Request, status: str, reason: str, *, quiet: bool = False,
                account: str = "", owner: str = "", undo: Mapping[str, Any] | None = None,
                mode: str = "") -> Decision:
        mode = mode or self.mode
        extra: dict[str, Any] = {"undo": dict(undo)} if undo is not None else {}
        self.ledger.record(aid, req, self.clock(), status=status, mode=mode, reason=reason, account=account,
                           owner=owner, **extra)
        d = Decision(aid, req.kind, req.target, mode, status, reason, account, owner)
        if not quiet:
            self.log({"level": "warning" if status in (m.FAILED, m.REFUSED) else "info", "msg": "response decision",
                      "action_id": aid, "kind": req.kind, "target": req.target, "mode": mode, "status": status,
                      "reason": reason, "account": account, "owner": owner, "finding_id": req.finding_id,
                      "rule": req.rule, "signal": req.signal})
        return d

    # --- findings ---------------------------------------------------------------------------
    def respond(self, f: Finding) -> tuple[Finding, list[Decision]]:
        """The finding with its response block; unchanged when its rule declares no response."""
        reqs = requests_for(f) if triggers(self.config, f.severity) else None
        if not reqs:  # no response declared, below the severity floor, or nothing in a trusted field
            return f, []
        reqs = [r if r.not_before else _with_time(r, f) for r in reqs]
        decisions = [self.handle(r) for r in reqs]
        first, *rest = [d.response() for d in decisions]
        return f.with_(response=_with_others(first, rest)), decisions

    def respond_all(self, findings: Iterable[Finding]) -> tuple[list[Finding], list[Decision]]:
        out: list[Finding] = []
        decisions: list[Decision] = []
        for f in findings:
            g, ds = self.respond(f)
            out.append(g)
            decisions.extend(ds)
        return out, decisions

    # --- undo -------------------------------------------------------------------------------
    def undo(self, aid: str, reason: str = "") -> Decision:
        """Reverse an executed action. A person's explicit call: not gated by mode, cap or protection."""
        rec = self.ledger.get(aid, self.clock())
        if rec is None:
            raise KeyError(aid)
        req = m.Request(rec["kind"], rec["target"], "undo", reason=reason)
        where: dict[str, Any] = {"account": rec.get("account", ""), "owner": rec.get("owner", ""), "mode": "enforce"}
        # Later no-ops (a redelivered finding: already_done) do not hide what the last execution did.
        last = next((h["status"] for h in reversed(rec["history"]) if h.get("status") in (m.EXECUTED, m.UNDONE)), "")
        if last != m.EXECUTED or "undo" not in rec:
            return self._decide(aid, req, m.REFUSED, f"nothing to undo: last decision was {rec.get('status')}",
                                **where)
        try:
            self._actor(rec["kind"]).undo(rec)
        except m.Refused as e:
            return self._decide(aid, req, m.REFUSED, str(e), **where)
        except m.CloudError as e:
            return self._decide(aid, req, m.FAILED, str(e), **where)
        except Exception as e:  # missing credentials, no endpoint: recorded, as handle() does
            return self._decide(aid, req, m.FAILED, f"{type(e).__name__}: {e}", **where)
        return self._decide(aid, req, m.UNDONE, reason or "undone by request", **where)


def _first_previous(rec: Mapping[str, Any] | None, undo: dict[str, Any]) -> dict[str, Any]:
    """A re-execution over auditwarden's own earlier one (a role re-stamped for a later session) found
    our policy as "previous": undo must restore what was there before the first, not our own deny."""
    old = rec.get("undo") if rec else None
    if isinstance(old, Mapping) and "previous" in undo and undo["previous"] == old.get("written"):
        return {**undo, "previous": old.get("previous")}
    return undo


def _with_time(r: m.Request, f: Finding) -> m.Request:
    from dataclasses import replace

    return replace(r, not_before=f.last_time or f.time)


def _with_others(first: Response, rest: list[Response]) -> Response:
    from dataclasses import replace

    return replace(first, others=tuple(rest)) if rest else first
