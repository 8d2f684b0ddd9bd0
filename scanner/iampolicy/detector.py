"""Remembers customer-managed policy documents so that attaching an administrator-equivalent one fires.

`AttachUserPolicy` names a policy ARN only; whether that grants everything was said earlier, in the
`CreatePolicy` / `CreatePolicyVersion` that wrote the document. The verdict per version, the default
version and the principals a policy is attached to are kept in the state store (across runs with
`--state`), so both orders of the classic escalation fire: create an admin policy then attach it, or
attach a harmless policy then make an admin version its default.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from scanner.config import Config, check_keys, number
from scanner.detect.findings import action_of, base_evidence, event_finding
from scanner.detect.outcome import attempt_word, is_denied
from scanner.iampolicy.document import judge, parse_document
from scanner.iampolicy.groups import AdminGroups, managed_admin_reason
from scanner.model.event import Event
from scanner.model.finding import Finding
from scanner.state.base import StateStore
from scanner.timeutil import epoch_seconds

NAME = "iam_policy"
KEYS = ("enabled", "remember_days")
IAM = "iam.amazonaws.com"
ATTACH = {"AttachUserPolicy": "userName", "AttachRolePolicy": "roleName", "AttachGroupPolicy": "groupName"}
#: what arms, disarms or joins a group (AttachGroupPolicy is in ATTACH)
GROUP_OPERATIONS = frozenset({"PutGroupPolicy", "DetachGroupPolicy", "DeleteGroupPolicy", "DeleteGroup",
                              "AddUserToGroup"})
OPERATIONS = frozenset({"CreatePolicy", "CreatePolicyVersion", "SetDefaultPolicyVersion", "DeletePolicy", *ATTACH,
                        *GROUP_OPERATIONS})
#: Policies outlive any log window: keep verdicts longer than a year of logs (`remember_days` overrides).
DEFAULT_REMEMBER_DAYS = 400
MAX_ATTACHMENTS = 50  # principals remembered per policy: enough to name them, bounded against floods

ATTACHED_RULE = "aws.iam.customer_admin_policy_attached"
MADE_ADMIN_RULE = "aws.iam.attached_policy_made_admin"
JOINED_RULE = "aws.iam.user_added_to_admin_group"
REMEDIATION = ("Detach the policy (or set its previous version as default) unless the grant was approved, and "
               "review what the grantee did since. Administrator access belongs to a break-glass role with "
               "MFA; restrict iam:Attach*Policy, iam:CreatePolicyVersion and iam:SetDefaultPolicyVersion by "
               "SCP or permission boundary.")


@dataclass(frozen=True, slots=True)
class IamPolicySettings:
    remember_days: int = DEFAULT_REMEMBER_DAYS


def iam_policy_settings(config: Config) -> IamPolicySettings:
    opts = config.detector_options(NAME)
    check_keys(opts, KEYS, config.source, f"detectors.{NAME}")
    days = number(opts, "remember_days", config.source, DEFAULT_REMEMBER_DAYS, 1, where=f"detectors.{NAME}")
    return IamPolicySettings(remember_days=int(days))


def _req(ev: Event) -> Mapping[str, Any]:
    v = ev.raw.get("requestParameters")
    return v if isinstance(v, Mapping) else {}


def _resp(ev: Event) -> Mapping[str, Any]:
    v = ev.raw.get("responseElements")
    return v if isinstance(v, Mapping) else {}


def _str(m: Mapping[str, Any], key: str) -> str:
    v = m.get(key)
    return v if isinstance(v, str) else ""


class IamPolicyDetector:
    name = NAME

    def __init__(self, state: StateStore, settings: IamPolicySettings) -> None:
        self.state = state
        self.ttl = settings.remember_days * 86400.0
        self.groups = AdminGroups(state, self.ttl)

    def wants(self, cloud: str, service: str, operation: str, ptype: str) -> bool:
        return cloud == "aws" and service == IAM and operation in OPERATIONS

    # -- state: one record per policy ARN -------------------------------------------------------
    def _load(self, arn: str, now: float) -> dict[str, Any]:
        v = self.state.get(f"{NAME}:{arn}", now)
        return dict(v) if isinstance(v, Mapping) else {}

    def _save(self, arn: str, rec: dict[str, Any], now: float) -> None:
        self.state.put(f"{NAME}:{arn}", rec, now, self.ttl)

    def evaluate(self, ev: Event) -> Iterable[Finding]:
        now = epoch_seconds(ev.time) or 0.0
        req = _req(ev)
        op = ev.operation
        if op in GROUP_OPERATIONS:
            return self._group(ev, req, now)
        if op in ATTACH:
            return self._attach(ev, _str(req, "policyArn"), ATTACH[op], now)
        if not ev.success:
            return ()  # a failed create or version change wrote nothing
        if op == "CreatePolicy":
            pol = _resp(ev).get("policy")
            arn = _str(pol, "arn") if isinstance(pol, Mapping) else ""
            version = (_str(pol, "defaultVersionId") if isinstance(pol, Mapping) else "") or "v1"
            if arn:
                self._save(arn, {"default": version, "versions": {version: self._verdict(req)},
                                 "attached": []}, now)
            return ()
        arn = _str(req, "policyArn")
        if not arn:
            return ()
        if op == "DeletePolicy":
            self.state.delete(f"{NAME}:{arn}")
            return ()
        rec = self._load(arn, now)
        versions = dict(rec.get("versions") or {})
        if op == "CreatePolicyVersion":
            pv = _resp(ev).get("policyVersion")
            version = _str(pv, "versionId") if isinstance(pv, Mapping) else ""
            version = version or f"unknown-{ev.id}"
            versions[version] = self._verdict(req)
            rec["versions"] = versions
            if req.get("setAsDefault") is True:
                rec["default"] = version
        else:  # SetDefaultPolicyVersion
            version = _str(req, "versionId")
            if version not in versions:
                return ()  # a version written before our logs: its document is unknown
            rec["default"] = version
        self._save(arn, rec, now)
        verdict = versions.get(rec.get("default", ""))
        attached = [a for a in rec.get("attached") or [] if isinstance(a, str)]
        if rec.get("default") != version:
            return ()  # the document in force did not change
        if not isinstance(verdict, Mapping):
            verdict = {}
        reason = str(verdict.get("reason") or "")
        # the groups it is attached to follow the document now in force: armed by an admin version,
        # disarmed by a harmless one
        for group in (a.removeprefix("group/") for a in attached if a.startswith("group/")):
            if reason:
                self.groups.grant(ev.account, group, arn, reason, now)
            else:
                self.groups.revoke(ev.account, group, arn, now)
        if reason and attached:
            return [self._finding(ev, MADE_ADMIN_RULE, "Policy attached to principals made administrator-equivalent",
                                  arn, verdict, {"attached_to": attached, "version": version})]
        return ()

    @staticmethod
    def _verdict(req: Mapping[str, Any]) -> dict[str, Any]:
        v = judge(parse_document(req.get("policyDocument")))
        return {"reason": v.reason, "statement": dict(v.statement) if v.statement is not None else None}

    def _attach(self, ev: Event, arn: str, who_key: str, now: float) -> Iterable[Finding]:
        if not arn:
            return ()
        rec = self._load(arn, now)
        if who_key == "groupName" and ev.success:
            self._arm_group(ev, arn, rec, now)
        if not rec:
            return ()  # not a policy we saw written (AWS-managed ones are the rule pack's)
        target = f"{who_key.removesuffix('Name')}/{_str(_req(ev), who_key)}"
        if ev.success:
            attached = [a for a in rec.get("attached") or [] if isinstance(a, str)]
            if target not in attached and len(attached) < MAX_ATTACHMENTS:
                rec["attached"] = [*attached, target]
                self._save(arn, rec, now)
        versions = rec.get("versions") or {}
        verdict = versions.get(rec.get("default", "")) if isinstance(versions, Mapping) else None
        if not isinstance(verdict, Mapping) or not verdict.get("reason"):
            return ()
        return [self._finding(ev, ATTACHED_RULE, "Administrator-equivalent customer-managed policy attached",
                              arn, verdict, {"attached_to": [target], "version": rec.get("default")})]

    def _arm_group(self, ev: Event, arn: str, rec: Mapping[str, Any], now: float) -> None:
        """Remember an administrator-equivalent policy attached to a group (AWS-managed or one we saw written)."""
        versions = rec.get("versions")
        verdict = versions.get(rec.get("default", "")) if isinstance(versions, Mapping) else None
        reason = managed_admin_reason(arn) or (str(verdict.get("reason") or "") if isinstance(verdict, Mapping) else "")
        if reason:
            self.groups.grant(ev.account, _str(_req(ev), "groupName"), arn, reason, now)

    def _group(self, ev: Event, req: Mapping[str, Any], now: float) -> Iterable[Finding]:
        group = _str(req, "groupName")
        if not group:
            return ()
        op = ev.operation
        if op == "AddUserToGroup":
            why = self.groups.why(ev.account, group, now)
            if not why:
                return ()
            resource = f"arn:aws:iam::{ev.account}:group/{group}"
            first = next(iter(why.values()))
            return [self._finding(ev, JOINED_RULE, "User added to a group that holds administrator access", resource,
                                  {"reason": first, "statement": None},
                                  {"user": _str(req, "userName"), "group": group, "why": why})]
        if not ev.success:
            return ()
        if op == "PutGroupPolicy":
            source = f"inline:{_str(req, 'policyName')}"
            verdict = self._verdict(req)
            if verdict["reason"]:
                self.groups.grant(ev.account, group, source, str(verdict["reason"]), now)
            else:  # an inline policy rewritten harmless no longer arms the group
                self.groups.revoke(ev.account, group, source, now)
        elif op == "DetachGroupPolicy":
            self.groups.revoke(ev.account, group, _str(req, "policyArn"), now)
        elif op == "DeleteGroupPolicy":
            self.groups.revoke(ev.account, group, f"inline:{_str(req, 'policyName')}", now)
        else:  # DeleteGroup
            self.groups.forget(ev.account, group)
        return ()

    def _finding(self, ev: Event, rule: str, title: str, arn: str, verdict: Mapping[str, Any],
                 extra: dict[str, Any]) -> Finding:
        severity = "high"
        if not ev.success:
            title = f"{title} ({attempt_word(ev)})"
            severity = "medium" if is_denied(ev) else severity
        evidence = base_evidence(ev)
        evidence.update({"policy_arn": arn, "why": verdict.get("reason"), "statement": verdict.get("statement"),
                         **extra})
        return event_finding(ev, rule, title, severity, "privilege", action_of(ev), arn, evidence, REMEDIATION)

    def finish(self) -> Iterable[Finding]:
        return ()


def factory(config: Config, state: StateStore) -> IamPolicyDetector:
    return IamPolicyDetector(state, iam_policy_settings(config))
