"""How a call ended, as detectors judge it: done, denied by authorization, or failed for another reason.

Only an authorization failure is a *denied* attempt (nothing happened, the principal lacks the right).
A call that failed otherwise (ValidationException, INVALID_ARGUMENT, a conflict, a throttle) got past
IAM: the principal holds the permission and a corrected retry will land, so it keeps full severity.
"""

from __future__ import annotations

from scanner.model.event import Event

#: Error codes (substrings, case-insensitive) that mean "not authorized": AWS AccessDenied(Exception),
#: UnauthorizedOperation, Client.UnauthorizedOperation, Forbidden; GCP PERMISSION_DENIED (7), UNAUTHENTICATED (16).
DENIED_CODES = ("AccessDenied", "Unauthorized", "Forbidden", "PERMISSION_DENIED", "UNAUTHENTICATED")


def is_denied(ev: Event) -> bool:
    code = ev.error_code.lower()
    return not ev.success and any(c.lower() in code for c in DENIED_CODES)


def attempt_word(ev: Event) -> str:
    """How a finding's title names an unsuccessful call."""
    return "denied attempt" if is_denied(ev) else "failed attempt"
