"""Provenance findings: rule ids, severities, titles and the evidence a responder needs."""

from __future__ import annotations

from typing import Any

from scanner.detect.findings import action_of, base_evidence, event_finding
from scanner.detect.outcome import attempt_word, is_denied
from scanner.model.event import Event
from scanner.model.finding import Finding
from scanner.provenance.catalog import CatalogEntry
from scanner.provenance.judge import LONG_LIVED, MISMATCH, ORIGIN, UNEXPECTED, UNKNOWN, Verdict
from scanner.provenance.origin import HUMAN, is_sso_role
from scanner.provenance.policy import DeployPolicy

RULE_IDS = {
    UNEXPECTED: "provenance.unexpected_deployer",
    MISMATCH: "provenance.oidc_subject_mismatch",
    LONG_LIVED: "provenance.long_lived_key",
    UNKNOWN: "provenance.subject_unknown",
    ORIGIN: "provenance.unexpected_origin",
}

_WHAT = {"artifact_push": "Artifact push", "deploy": "Deploy", "cd_tamper": "CI/CD system change"}
_WHY = {
    UNEXPECTED: "by a principal the deploy policy does not allow",
    MISMATCH: "by an allowed principal from an unexpected OIDC subject",
    LONG_LIVED: "with a long-lived key where the deploy policy requires keyless",
    UNKNOWN: "by an allowed principal whose OIDC subject could not be established",
    ORIGIN: "by an allowed principal on behalf of someone the deploy policy does not allow",
}
REMEDIATION = {
    UNEXPECTED: "Confirm with the principal's owner whether this push or deploy was intended; if not, roll it "
                "back and revoke the credentials used. Deploys belong to the CI/CD principals in the policy: "
                "enforce it with `auditwarden policy export --aws-scp` / `--gcp-deny`.",
    MISMATCH: "The deploy role was assumed from a repository, branch or environment the policy does not allow. "
              "Tighten the role's trust policy (token.actions.githubusercontent.com:sub) or the workload identity "
              "provider's attribute condition to the allowed subjects, and review what was deployed.",
    LONG_LIVED: "Move this principal to keyless federation (OIDC / workload identity federation), then delete "
                "the long-lived key (`auditwarden revoke`).",
    ORIGIN: "Someone assumed the deploy role or impersonated the deploy service account (evidence: origin). "
            "Confirm with them whether this was intended; if not, roll it back, revoke the role's sessions and "
            "narrow its trust policy (or the service account's token creators). If this path is intended, "
            "name the origin in the allow entry's `via`.",
    UNKNOWN: "The session's issuing AssumeRoleWithWebIdentity event was not in the scanned logs. Scan the "
             "logs from the session's start (keep links across runs with --state FILE) or confirm the "
             "deploy with the pipeline's run history.",
}

#: Lower for an attempt that failed: someone tried, nothing changed. Critical and high drop two steps, so a
#: failed attempt ranks below every landed violation (the lowest of which, subject_unknown, is medium).
_ATTEMPT_SEVERITY = {"critical": "medium", "high": "low", "medium": "low", "low": "low", "info": "info"}

#: Principal types behind which a person sits (AWS) — or an SSO permission set's role.
_HUMAN_TYPES = frozenset({"IAMUser", "Root", "SAMLUser", "IdentityCenterUser", "FederatedUser", "user"})


def is_human(ev: Event) -> bool:
    if ev.principal_type in _HUMAN_TYPES:
        return True
    return ev.principal_type == "AssumedRole" and is_sso_role(ev.principal)


def key_type(ev: Event) -> str:
    if ev.cloud == "aws":
        return {"long_lived": "long-lived access key (AKIA)", "temporary": "temporary session key (ASIA)"}.get(
            ev.key_kind, "none recorded")
    if ev.key_kind == "long_lived":
        return "user-managed service account key"
    return "short-lived credentials (no user-managed key)"


def severity_for(kind: str, ev: Event, origin_kind: str = "") -> str:
    if kind == UNEXPECTED:
        base = "critical" if is_human(ev) else "high"
    elif kind == ORIGIN:
        base = "critical" if origin_kind == HUMAN else "high"
    elif kind == UNKNOWN:
        base = "medium"
    else:
        base = "high"
    # Only an authorization failure lowers it: a call that failed for another reason (ValidationException,
    # INVALID_ARGUMENT, a conflict) got past IAM, so the principal holds deploy rights all the same.
    return _ATTEMPT_SEVERITY[base] if is_denied(ev) else base


def _clip(v: str) -> str:
    return v[:500]


def provenance_finding(ev: Event, policy: DeployPolicy, entry: CatalogEntry, resource: str, verdict: Verdict,
                       subject_text: str, extra: dict[str, Any] | None = None, origin_kind: str = "") -> Finding:
    kind = verdict.kind
    rule = RULE_IDS[kind]
    action = action_of(ev)
    title = f"{_WHAT[entry.tag]} {_WHY[kind]}"
    if not ev.success:
        title = f"{title} ({attempt_word(ev)})"
    evidence: dict[str, Any] = base_evidence(ev)
    evidence.update({
        "policy": policy.name,
        "policy_source": policy.source,
        "tag": entry.tag,
        "catalog_entry": entry.id,
        "principal": _clip(ev.principal),
        "subject": _clip(subject_text),
        "key_type": key_type(ev),
        "resource": _clip(resource),
        "expected_principals": list(policy.principals),
    })
    if verdict.expected_subjects:
        evidence["expected_subjects"] = list(verdict.expected_subjects)
    if verdict.expected_providers:
        evidence["expected_providers"] = list(verdict.expected_providers)
    if verdict.expected_via:
        evidence["expected_via"] = list(verdict.expected_via)
    if any(a.keyless for a in verdict.matched):
        evidence["keyless_required"] = True
    if not ev.success:
        evidence["outcome"] = attempt_word(ev)
    if extra:
        evidence.update(extra)
    return event_finding(ev, rule, title, severity_for(kind, ev, origin_kind), "provenance", action, resource, evidence,
                         REMEDIATION[kind])
