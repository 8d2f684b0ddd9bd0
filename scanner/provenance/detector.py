"""The provenance detector: every catalog event inside a policy's scope, judged against its allow list.

Order of input does not matter within one scan. When an AWS deploy arrives before the
AssumeRoleWithWebIdentity that opened its session (a later file, a later batch), and only the
subject could decide, the event is parked in the state store and decided in finish(), after the
whole input was seen; only then is a subject called unknown.

With `--jobs N` each worker process has its own detector and no worker runs finish(): parked events
must reach the parent's detector through the state store, which `--state FILE` (SQLite) shares.
Without a shared store a worker cannot hand anything over, so it decides at once on what it has
seen itself, and the finding says so (see `_hand_off_possible`).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from scanner.config import Config
from scanner.model.event import Event
from scanner.model.finding import Finding
from scanner.provenance.catalog import Catalog, CatalogEntry, default_catalog_path, load_catalog
from scanner.provenance.findings import provenance_finding
from scanner.provenance.globs import any_match
from scanner.provenance.judge import UNEXPECTED, UNKNOWN, Verdict, judge
from scanner.provenance.origin import (
    UNKNOWN as UNKNOWN_ORIGIN,
)
from scanner.provenance.origin import (
    Origin,
    aws_direct_origin,
    aws_federated_provider,
    aws_session_hint,
    gcp_origin,
    is_google_agent,
    is_kubernetes_control_plane,
)
from scanner.provenance.policy import DeployPolicy
from scanner.provenance.sessions import LOGINS, find_link, is_login, link_origin, role_of_login, store_link
from scanner.provenance.settings import provenance_settings
from scanner.state.base import StateStore
from scanner.state.memory import MemoryStore
from scanner.timeutil import epoch_seconds

PENDING_NEXT = "provenance:pending:next"
PENDING_PREFIX = "provenance:pending:item:"

SUBJECT_NONE = "none: not a federated (OIDC) session"
SUBJECT_UNKNOWN = "unknown: issuing AssumeRoleWithWebIdentity not seen"
#: How long an operation id stays claimed: long deploys run for hours, log delivery lags by minutes.
OPERATION_TTL_SECONDS = 7 * 24 * 3600

NO_SHARED_STATE = ("scanned with --jobs and no --state: the issuing event may be in a file another worker "
                   "read; rerun with --state FILE (or --jobs 1) to link sessions across files")

_TUPLE_FIELDS = frozenset({"permissions", "delegation", "resources", "notes"})


def _hand_off_possible(state: StateStore) -> bool:
    """Will a parked event reach a detector that runs finish()? Not from a worker with a private store."""
    return multiprocessing.parent_process() is None or not isinstance(state, MemoryStore)


def _event_json(ev: Event) -> dict[str, Any]:
    d = ev._asdict()
    # Of the record, only userIdentity is read again (the session's own hints about its origin).
    d["raw"] = {"userIdentity": ev.raw.get("userIdentity")} if isinstance(ev.raw.get("userIdentity"), Mapping) else {}
    return d


def _event_from_json(d: Any) -> Event | None:
    if not isinstance(d, Mapping):
        return None
    try:
        fields: dict[str, Any] = {k: (tuple(v) if k in _TUPLE_FIELDS else v) for k, v in d.items()
                                  if k in Event._fields}
        raw = fields.pop("raw", None)
        return Event(**fields, raw=raw if isinstance(raw, Mapping) else {})
    except TypeError:  # a parked event from an older, different Event layout
        return None


def _now(ev: Event) -> float:
    # Event time, never the wall clock: replays of old logs must see the sessions of their day.
    return epoch_seconds(ev.time) or 0.0


def _is_service_linked(principal: str) -> bool:
    parts = principal.split(":", 5)
    return len(parts) == 6 and parts[0] == "arn" and parts[2] == "iam" and parts[5].startswith("role/aws-service-role/")


def _subject_text(subject: str | None) -> str:
    if subject is None:
        return SUBJECT_UNKNOWN
    return subject or SUBJECT_NONE


class ProvenanceDetector:
    name = "provenance"

    def __init__(self, policies: Sequence[DeployPolicy], catalog: Catalog, artifact_buckets: Sequence[str],
                 state: StateStore, *, hand_off: bool | None = None) -> None:
        self.state = state
        self.buckets = tuple(artifact_buckets)
        self._by_cloud: dict[str, tuple[DeployPolicy, ...]] = {
            c: tuple(p for p in policies if p.cloud == c) for c in ("aws", "gcp")
        }
        self._by_name = {p.name: p for p in policies}
        clouds = {p.cloud for p in policies}
        # Nothing is wanted for a cloud without policies, and S3 only when artifact buckets are named:
        # records no detector wants are never normalized, which is what keeps a scan fast.
        self._index: dict[tuple[str, str, str], CatalogEntry] = {
            k: e for k, e in catalog.index().items() if k[0] in clouds and (e.bucket is None or self.buckets)
        }
        self._entries = {e.id: e for e in catalog.entries}
        aws_entries = [a for p in self._by_cloud["aws"] for a in p.allow]
        self._aws_principals = tuple(dict.fromkeys(a.principal for a in aws_entries))
        self._pinned_providers = tuple(dict.fromkeys(v for a in aws_entries for v in a.oidc_providers))
        # A web-identity login into any role may start a chain into an allowlisted one. EKS pods log in
        # this way by the thousand: when every entry that names OIDC also pins its provider, only logins
        # from those providers are worth remembering.
        self._every_web_login = any(a.oidc_subjects and not a.oidc_providers for a in aws_entries)
        self._hand_off = _hand_off_possible(state) if hand_off is None else hand_off
        self._scope_cache: dict[tuple[str, str, str], tuple[DeployPolicy, ...]] = {}
        self._role_cache: dict[str, bool] = {}

    # --- the Detector protocol ---------------------------------------------------------------
    def wants(self, cloud: str, service: str, operation: str, ptype: str) -> bool:
        if cloud == "aws" and service == "sts.amazonaws.com" and operation in LOGINS:
            return bool(self._aws_principals)  # every login may open a session of an allowlisted role
        if ptype == "AWSService":  # AWS acting on its own; SCPs do not bind service principals either
            return False
        return (cloud, service, operation) in self._index

    def evaluate(self, ev: Event) -> Iterable[Finding]:
        if is_login(ev):
            if self._remember(ev):
                store_link(self.state, ev)
            return ()
        entry = self._index.get((ev.cloud, ev.service, ev.operation))
        if entry is None or not self._counts(ev, entry):
            return ()
        resource = entry.resource_of(ev, self.state)
        out: list[Finding] = []
        origin: Origin | None = None
        for pol in self._in_scope(ev.cloud, ev.account, resource):
            if origin is None:
                origin = self._origin(ev, _now(ev))
            verdict = judge(pol, ev.principal, ev.key_kind == "long_lived", origin.subject, origin)
            if self._hand_off and (verdict.kind == UNKNOWN or (verdict.kind != UNEXPECTED
                                                               and self._may_learn_origin(ev, origin))):
                # Decided in finish(), once every login of the scan has been seen.
                self._park(ev, pol, entry, resource)
                continue
            if verdict.allowed:
                continue
            extra: dict[str, Any] = {}
            if verdict.kind == UNKNOWN:  # only a --jobs worker without a shared store gets here
                extra = {"session_federated": bool(aws_federated_provider(ev)), "note": NO_SHARED_STATE}
            out.append(self._finding(ev, pol, entry, resource, verdict, origin, extra))
        return out

    def finish(self) -> Iterable[Finding]:
        out: list[Finding] = []
        for item in self._drain():
            ev = _event_from_json(item.get("event"))
            pol = self._by_name.get(str(item.get("policy")))
            entry = self._entries.get(str(item.get("entry")))
            if ev is None or pol is None or entry is None:  # the policy or catalog changed since it was parked
                continue
            origin = self._origin(ev, _now(ev))
            verdict = judge(pol, ev.principal, ev.key_kind == "long_lived", origin.subject, origin)
            if verdict.allowed:
                continue
            extra = {"session_federated": bool(item.get("federated"))} if origin.subject is None else {}
            out.append(self._finding(ev, pol, entry, str(item.get("resource", "")), verdict, origin, extra))
        return out

    # --- helpers ---------------------------------------------------------------------------
    def _in_scope(self, cloud: str, account: str, resource: str) -> tuple[DeployPolicy, ...]:
        # Deploys repeat the same few accounts and resources: remember the glob verdicts (bounded,
        # the keys are attacker-controlled text).
        key = (cloud, account, resource)
        hit = self._scope_cache.get(key)
        if hit is None:
            hit = tuple(p for p in self._by_cloud[cloud] if p.covers_account(account) and p.covers_resource(resource))
            if len(self._scope_cache) < 100_000:
                self._scope_cache[key] = hit
        return hit

    def _counts(self, ev: Event, entry: CatalogEntry) -> bool:
        if ev.cloud == "aws":
            # Service-linked roles act on what someone else configured (ECS autoscaling, replication);
            # SCPs do not restrict them either. Judged on the ARN's resource part: IAM paths may hold
            # ":", so a user or role of one's own could otherwise carry the marker and go unseen.
            if ev.principal_type == "AssumedRole" and _is_service_linked(ev.principal):
                return False
        else:
            # Google-managed service agents act for a call someone made (a function deploy rolls a Cloud
            # Run revision); that call is judged, the agent's follow-up is not a deploy of its own.
            if is_google_agent(ev.principal) or is_kubernetes_control_plane(ev.principal):
                return False
            op = ev.raw.get("operation")
            # A long-running operation logs a first entry, a last one and sometimes some between: it is
            # one deploy. Whichever entry is seen first claims the operation id in the state store, so it
            # counts once even when its `first` entry is missing from the logs or sits in another file
            # (another worker, another run with --state). In time order that is the `first` entry, which
            # carries the caller's IP, user agent and request.
            if isinstance(op, Mapping) and isinstance(op.get("id"), str) and op["id"]:
                key = f"gcp-operation:{op.get('producer', '')}:{op['id']}"
                if not self.state.put_if_absent(key, ev.id, _now(ev), OPERATION_TTL_SECONDS):
                    return False
        if entry.bucket is not None and not any_match(self.buckets, entry.bucket_of(ev)):
            return False
        return not entry.only_ignorable_params(ev)

    def _remember(self, ev: Event) -> bool:
        """Is this login's session worth a state write? Sessions of allowlisted roles, and first hops
        (web identity, SAML) that may chain into one."""
        role = role_of_login(ev)
        allowed = self._role_cache.get(role)
        if allowed is None:  # logins repeat the same roles: remember the glob verdict (bounded, attacker text)
            allowed = any_match(self._aws_principals, role, arn=True)
            if len(self._role_cache) < 100_000:
                self._role_cache[role] = allowed
        if allowed:
            return True
        if ev.operation == "AssumeRoleWithSAML":
            return True
        if ev.operation == "AssumeRoleWithWebIdentity":
            provider = ev.delegation[0] if ev.delegation else ""
            return self._every_web_login or any_match(self._pinned_providers, provider, arn=True)
        return False

    def _origin(self, ev: Event, now: float) -> Origin:
        """Who is behind the call (see origin.py); the subject on it is None when not known (yet)."""
        if ev.cloud == "gcp":
            return gcp_origin(ev)
        direct = aws_direct_origin(ev)
        if direct is not None:
            return direct
        link = find_link(self.state, ev.access_key_id, now)
        # CloudTrail writes `webIdFederationData: {}` for a session that did not come from web identity
        # (sts:AssumeRole, role chaining): without its login, the origin is unknown but there is no subject.
        return aws_session_hint(ev) if link is None else link_origin(self.state, link)

    @staticmethod
    def _may_learn_origin(ev: Event, origin: Origin) -> bool:
        """An AWS session whose login was not seen yet: a later file may show who is behind it."""
        return ev.cloud == "aws" and origin.kind == UNKNOWN_ORIGIN and ev.key_kind == "temporary"

    def _finding(self, ev: Event, pol: DeployPolicy, entry: CatalogEntry, resource: str, verdict: Verdict,
                 origin: Origin, extra: dict[str, Any]) -> Finding:
        return provenance_finding(ev, pol, entry, resource, verdict, _subject_text(origin.subject),
                                  {**origin.evidence(), **extra}, origin.kind)

    def _park(self, ev: Event, pol: DeployPolicy, entry: CatalogEntry, resource: str) -> None:
        item = {"event": _event_json(ev), "policy": pol.name, "entry": entry.id, "resource": resource,
                "federated": bool(aws_federated_provider(ev))}
        while True:  # claim a slot atomically: workers of one scan may share the store
            n = self.state.get(PENDING_NEXT, 0.0)
            slot = n if isinstance(n, int) else 0
            if self.state.compare_and_set(PENDING_NEXT, n, slot + 1, 0.0):
                break
        self.state.put(f"{PENDING_PREFIX}{slot}", item, 0.0)

    def _drain(self) -> Iterator[Mapping[str, Any]]:
        start = 0
        while True:
            n = self.state.get(PENDING_NEXT, 0.0)
            end = n if isinstance(n, int) else 0
            for i in range(start, end):
                key = f"{PENDING_PREFIX}{i}"
                item = self.state.get(key, 0.0)
                self.state.delete(key)
                if isinstance(item, Mapping):
                    yield item
            if end == 0 or self.state.compare_and_set(PENDING_NEXT, n, 0, 0.0):
                return
            start = end  # more were parked meanwhile: take those too


@lru_cache(maxsize=4)
def _catalog(path: Path) -> Catalog:
    return load_catalog(path)


def factory(config: Config, state: StateStore) -> ProvenanceDetector:
    """DETECTORS entry: policies from config (validated with file:line errors), the bundled catalog."""
    settings = provenance_settings(config)
    return ProvenanceDetector(settings.policies, _catalog(default_catalog_path()), settings.artifact_buckets, state)
