"""Building findings from events: action naming, resource choice, stable ids, redaction."""

from __future__ import annotations

from typing import Any

from scanner.detect.expr import MISSING
from scanner.detect.outcome import attempt_word, is_denied
from scanner.detect.rules import Rule
from scanner.model.event import Event
from scanner.model.finding import Finding, fingerprint
from scanner.normalize.aws_names import iam_prefix


def action_of(ev: Event) -> str:
    if ev.cloud == "aws":
        if ev.service.endswith(".amazonaws.com"):
            return f"{iam_prefix(ev.service)}:{ev.operation}"
        return f"{ev.service}:{ev.operation}"
    return ev.raw_operation  # the method as logged (a Policy Denied entry's operation names its log)


def _clip(v: Any) -> Any:
    """Evidence values are attacker text: keep them small and JSON-friendly."""
    if isinstance(v, str):
        return v[:500]
    if isinstance(v, (list, tuple)):
        return [_clip(x) for x in list(v)[:20]]
    if isinstance(v, dict):
        return {str(k)[:100]: _clip(x) for k, x in list(v.items())[:30]}
    if v is None or isinstance(v, (int, float, bool)):
        return v
    return str(v)[:500]


def base_evidence(ev: Event) -> dict[str, Any]:
    out: dict[str, Any] = {"principal_type": ev.principal_type}
    for k in ("session_name", "source_ip", "user_agent", "error_code", "oidc_subject", "key_kind", "region"):
        v = getattr(ev, k)
        if v:
            out[k] = _clip(v)
    if ev.access_key_id:
        out["access_key_id"] = ev.access_key_id  # key ids are identifiers, not secrets
    if ev.mfa is not None:
        out["mfa"] = ev.mfa
    if ev.delegation:
        out["delegation"] = list(ev.delegation)
    return out


def finding_for_rule(rule: Rule, ev: Event) -> Finding:
    evidence = base_evidence(ev)
    for name, get in rule.evidence:
        v = get(ev)
        if v is not None and v is not MISSING:
            evidence[name] = _clip(v)
    resource = ""
    if rule.resource is not None:
        r = rule.resource(ev)
        if isinstance(r, list):
            r = r[0] if r else ""
        resource = r if isinstance(r, str) else ""
    if not resource and ev.resources:
        resource = ev.resources[0]
    severity = rule.severity
    title = rule.title
    if not ev.success:
        # Only an authorization failure earns the lower `severity_denied`; any other error means the
        # principal holds the permission (see scanner.detect.outcome), so the finding keeps full severity.
        if is_denied(ev):
            severity = rule.severity_denied or severity
        title = f"{title} ({attempt_word(ev)})"
    return event_finding(ev, rule.id, title, severity, rule.category, action_of(ev), resource, evidence,
                         rule.remediation)


def event_finding(ev: Event, rule: str, title: str, severity: str, category: str, action: str, resource: str,
                  evidence: dict[str, Any], remediation: str) -> Finding:
    """A finding about one event; the aggregator later folds repeats and assigns the stable id."""
    return Finding(
        id=fingerprint(rule, ev.cloud, ev.account, ev.principal, action, resource, ev.id),
        rule=rule,
        title=title,
        severity=severity,
        category=category,
        cloud=ev.cloud,
        account=ev.account,
        principal=ev.principal,
        action=action,
        resource=resource,
        time=ev.time,
        event_ids=(ev.id,) if ev.id else (),
        evidence=evidence,
        remediation=remediation,
    )
