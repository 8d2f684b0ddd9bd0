"""One deploy event against one policy's allow list. Pure: no state, no clock.

An event is allowed when some allow entry whose principal glob matches is satisfied in full:
its `keyless` (no long-lived key), its origin (who is behind the session: see origin.py) and its
`oidc_subjects` / `oidc_provider` (the federated subject and its issuer match). An entry admits an
origin that is a cloud service, the identity itself, or the OIDC identity the entry names; a person,
another role or an OIDC identity the entry does not name must match the entry's `via` globs.
Otherwise the verdict names the most telling reason, in this order:
  subject_unknown   an entry would allow it if the session's subject were known (AWS: the issuing
                    AssumeRoleWithWebIdentity has not been seen yet) — decide later, never guess;
  unexpected_origin the principal is right, but a person or another role is behind it (someone
                    assumed the pipeline role, impersonated the deploy service account);
  oidc_subject_mismatch  the principal is right, the federated subject (or its provider) is not
                    (a feature branch assuming the deploy role, a subject minted by another issuer);
  long_lived_key    the principal is right, but it used a key the entry forbids;
  unexpected_deployer    no entry's principal matches.
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.provenance.globs import any_match
from scanner.provenance.origin import HUMAN, OIDC, ROLE, Origin
from scanner.provenance.origin import UNKNOWN as UNKNOWN_ORIGIN
from scanner.provenance.policy import AllowEntry, DeployPolicy

ALLOWED = "allowed"
UNEXPECTED = "unexpected_deployer"
MISMATCH = "oidc_subject_mismatch"
LONG_LIVED = "long_lived_key"
UNKNOWN = "subject_unknown"
ORIGIN = "unexpected_origin"

#: When several entries match the principal, the reported reason is the first of these that occurred.
_PRIORITY = (UNKNOWN, ORIGIN, MISMATCH, LONG_LIVED)


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

    @property
    def expected_providers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p for a in self.matched for p in a.oidc_providers))

    @property
    def expected_via(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v for a in self.matched for v in a.via))


def _entry_failure(entry: AllowEntry, long_lived_key: bool, subject: str | None, origin: Origin,
                   arn: bool) -> str | None:
    if entry.keyless and long_lived_key:
        return LONG_LIVED
    if entry.via and any(any_match(entry.via, n, arn=arn and n.startswith("arn:")) for n in origin.names()):
        return None  # an origin the entry allows explicitly
    if origin.kind in (HUMAN, ROLE) or (origin.kind == OIDC and not entry.names_oidc):
        return ORIGIN
    if entry.names_oidc:
        if subject is None:
            return UNKNOWN
        if not subject or (entry.oidc_subjects and not any_match(entry.oidc_subjects, subject)):
            return MISMATCH
        if entry.oidc_providers and not (origin.provider and any_match(entry.oidc_providers, origin.provider,
                                                                       arn=arn)):
            return MISMATCH
    return None


def judge(policy: DeployPolicy, principal: str, long_lived_key: bool, subject: str | None,
          origin: Origin | None = None) -> Verdict:
    """`subject`: the federated subject; "" when the session has none; None when not known (yet).
    `origin`: who is behind the session; None = not known, nothing to hold against it."""
    matched = tuple(a for a in policy.allow if a.matches_principal(principal, policy.cloud))
    if not matched:
        return Verdict(UNEXPECTED)
    if origin is None:
        origin = Origin(UNKNOWN_ORIGIN, "", subject)
    failures = set()
    for entry in matched:
        why = _entry_failure(entry, long_lived_key, subject, origin, policy.cloud == "aws")
        if why is None:
            return Verdict(ALLOWED, matched)
        failures.add(why)
    return Verdict(next(k for k in _PRIORITY if k in failures), matched)


def needs_subject(policy: DeployPolicy, principal: str) -> bool:
    """Would knowing the subject change anything? (Only then is it worth a state lookup.)"""
    return any(a.names_oidc and a.matches_principal(principal, policy.cloud) for a in policy.allow)
