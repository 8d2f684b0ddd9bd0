"""Is an IAM policy document administrator-equivalent? A pure function over the parsed JSON.

A statement counts when it allows, on every resource, either every action or one of the actions with
which a principal grants itself everything else (attach or write a policy, rewrite a policy version).
The spellings attackers use to get past string rules are covered: `"*"`, `"*:*"`, `"iam:*"`,
`"IAM:Attach*"` (action names are case-insensitive), `?` wildcards, `NotAction` allows (everything
except a short list), `NotResource`, and a single statement or action given as an object or string
instead of a list. A Condition does not clear a statement: conditions are trivially satisfiable
(`aws:SourceIp` of the attacker's own address), so they are shown, not trusted.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scanner.inventory.policydoc import PolicyError, decode_document

#: Actions with which a principal that holds them on "*" can make itself administrator. These are
#: facts about IAM, not thresholds: each one writes or attaches a policy to a principal it can use.
ESCALATION_ACTIONS = (
    "iam:AttachUserPolicy", "iam:AttachRolePolicy", "iam:AttachGroupPolicy",
    "iam:PutUserPolicy", "iam:PutRolePolicy", "iam:PutGroupPolicy",
    "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:AddUserToGroup",
    "iam:UpdateAssumeRolePolicy",
)
#: Actions of unrelated services: a pattern matching all of them (and the escalation ones) grants everything.
_ALL_PROBES = ("s3:GetObject", "ec2:RunInstances", "kms:Decrypt", "organizations:LeaveOrganization",
               "lambda:InvokeFunction", "sts:AssumeRole")
MAX_DOCUMENT_CHARS = 128 * 1024  # managed policies are capped at 6 KiB; anything far larger is not IAM's


@dataclass(frozen=True, slots=True)
class Verdict:
    reason: str  # "" when not admin-equivalent
    statement: Mapping[str, Any] | None = None  # the statement that makes it so (evidence)

    @property
    def admin(self) -> bool:
        return bool(self.reason)


NOT_ADMIN = Verdict("")


def parse_document(value: Any) -> Mapping[str, Any] | None:
    """A policy document as CloudTrail records it: a JSON string (sometimes URL-encoded) or an object."""
    if isinstance(value, str) and len(value) > MAX_DOCUMENT_CHARS:
        return None
    try:
        return decode_document(value)
    except PolicyError:
        return None


def _strings(v: Any) -> list[str]:
    if isinstance(v, str):
        return [v]
    if isinstance(v, list):
        return [x for x in v if isinstance(x, str)]
    return []


def _compile(patterns: list[str]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{fnmatch.translate(p.strip())})" for p in patterns), re.I | re.S)


#: A Resource pattern matching any of these reaches the principals an escalation writes to ("*", "arn:*",
#: "arn:aws:iam::*:role/*", ...); one naming a single role or a bucket does not.
_PRINCIPAL_PROBES = ("arn:aws:iam::000000000000:user/probe", "arn:aws:iam::000000000000:role/probe",
                     "arn:aws:iam::000000000000:group/probe")


def _every_resource(st: Mapping[str, Any]) -> bool:
    if "NotResource" in st:
        return True  # everything but a few ARNs: as broad as "*" for escalation
    res = _compile(_strings(st.get("Resource")))
    return res is not None and any(res.match(p) for p in _PRINCIPAL_PROBES)


def _statements(doc: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    st = doc.get("Statement")
    if isinstance(st, Mapping):
        return [st]
    if isinstance(st, list):
        return [s for s in st if isinstance(s, Mapping)]
    return []


def judge_statement(st: Mapping[str, Any]) -> str:
    """Why this statement is administrator-equivalent, or ""."""
    if not isinstance(st.get("Effect"), str) or st["Effect"].strip().lower() != "allow" or not _every_resource(st):
        return ""
    if "NotAction" in st:
        excluded = _compile(_strings(st.get("NotAction")))
        if excluded is None:
            return "NotAction allow with an empty exclusion list: every action on every resource"
        # PowerUserAccess (NotAction iam:*, organizations:*, account:*) leaves no escalation: not admin.
        escalation = [a for a in ESCALATION_ACTIONS if not excluded.match(a)]
        return f"NotAction allow on every resource leaves {', '.join(escalation)}" if escalation else ""
    allowed = _compile(_strings(st.get("Action")))
    if allowed is None:
        return ""
    if all(allowed.match(a) for a in (*_ALL_PROBES, *ESCALATION_ACTIONS)):
        return "allows every action on every resource"
    escalation = [a for a in ESCALATION_ACTIONS if allowed.match(a)]
    if escalation:
        return f"allows {', '.join(escalation)} on every resource (a grant to itself of anything)"
    return ""


def judge(doc: Mapping[str, Any] | None) -> Verdict:
    if doc is None:
        return NOT_ADMIN
    for st in _statements(doc):
        reason = judge_statement(st)
        if reason:
            return Verdict(reason, st)
    return NOT_ADMIN
