"""One deploy event against one policy's allow list. Pure: no state, no clock.

An event is allowed when some allow entry whose principal glob matches is satisfied in full:
its `keyless` (no long-lived key) and its `oidc_subjects` (the federated subject matches one).
Otherwise the verdict names the most telling reason, in this order:
  subject_unknown   an entry would allow it if the session's subject were known (AWS: the issuing
                    AssumeRoleWithWebIdentity has not been seen yet) — decide later, never guess;
  oidc_subject_mismatch  the principal is right, the federated subject is not (a feature branch
                    assuming the deploy role);
  long_lived_key    the principal is right, but it used a key the entry forbids;
  unexpected_deployer    no entry's principal matches.
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.provenance.globs import any_match
from scanner.provenance.policy import AllowEntry, DeployPolicy

ALLOWED = "allowed"
UNEXPECTED = "unexpected_deployer"
MISMATCH = "oidc_subject_mismatch"
LONG_LIVED = "long_lived_key"
UNKNOWN = "subject_unknown"

#: When several entries match the principal, the reported reason is the first of these that occurred.
_PRIORITY = (UNKNOWN, MISMATCH, LONG_LIVED)


@dataclass(frozen=True, slots=True)
class Verdict:
    kind: str
    matched: tuple[AllowEntry, ...] = ()  # entries whose principal matched

    @property
    def allowed(self) -> bool:
        return self.kind == ALLOWED

    @property
    def expected_subjects(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s for a in self.matched for s in a.oidc_subjects))


def _entry_failure(entry: AllowEntry, long_lived_key: bool, subject: str | None) -> str | None:
    if entry.keyless and long_lived_key:
        return LONG_LIVED
    if entry.oidc_subjects:
        if subject is None:
            return UNKNOWN
        if not subject or not any_match(entry.oidc_subjects, subject):
            return MISMATCH
    return None


def judge(policy: DeployPolicy, principal: str, long_lived_key: bool, subject: str | None) -> Verdict:
    """`subject`: the federated subject; "" when the session has none; None when not known (yet)."""
    matched = tuple(a for a in policy.allow if a.matches_principal(principal, policy.cloud))
    if not matched:
        return Verdict(UNEXPECTED)
    failures = set()
    for entry in matched:
        why = _entry_failure(entry, long_lived_key, subject)
        if why is None:
            return Verdict(ALLOWED, matched)
        failures.add(why)
    return Verdict(next(k for k in _PRIORITY if k in failures), matched)


def needs_subject(policy: DeployPolicy, principal: str) -> bool:
    """Would knowing the subject change anything? (Only then is it worth a state lookup.)"""
    return any(a.oidc_subjects and a.matches_principal(principal, policy.cloud) for a in policy.allow)
