"""AWS responders: deactivate a user's access key, end a role's sessions, quarantine a user.

Every client comes from an `AwsAccess` the caller builds (tests point it at a local moto server), with
botocore's standard retry mode: throttling and 5xx are retried with backoff up to
`response.max_attempts`, and what still fails is reported as a CloudError. A key of another account
(its account decoded offline from the key ID) is handled through the role `response.aws_role` names
in that account; without it, the key is not ours to touch.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from scanner.config import ResponseConfig
from scanner.respond.model import CloudError, NotOurs, Refused, Request, Resolved
from scanner.secrets.aws import account_from_key_id

#: The inline policy name and shape the IAM console's "Revoke active sessions" writes.
REVOKE_POLICY = "AWSRevokeOlderSessions"
QUARANTINE_POLICY = "AuditwardenQuarantine"
AWS_QUARANTINE_PREFIX = ":policy/AWSCompromisedKeyQuarantine"
QUARANTINE_RULE = "aws.iam.compromised_key_quarantine"
#: Error codes meaning "no such credential here" rather than "try again".
_ABSENT = ("NoSuchEntity", "NoSuchEntityException", "NotFoundException")


def _code(e: Exception) -> str:
    resp = getattr(e, "response", None)
    return str(resp.get("Error", {}).get("Code", "")) if isinstance(resp, Mapping) else ""


def _failure(what: str, e: Exception) -> CloudError:
    attempts = getattr(e, "response", {}).get("ResponseMetadata", {}).get("RetryAttempts") \
        if isinstance(getattr(e, "response", None), Mapping) else None
    tries = f" after {attempts + 1} attempts" if isinstance(attempts, int) else ""
    return CloudError(f"{what} failed{tries}: {_code(e) or type(e).__name__}: {e}")


def revoke_sessions_document(before: datetime) -> dict[str, Any]:
    stamp = before.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{before.microsecond // 1000:03d}Z"
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Action": ["*"], "Resource": ["*"],
        "Condition": {"DateLessThan": {"aws:TokenIssueTime": stamp}}}]}


QUARANTINE_DOCUMENT: dict[str, Any] = {"Version": "2012-10-17", "Statement": [{
    "Sid": "AuditwardenQuarantine", "Effect": "Deny", "Action": "*", "Resource": "*"}]}


class AwsAccess:
    """boto3 clients per account: the session's own account directly, others through `aws_role`."""

    def __init__(self, config: ResponseConfig, session: Any = None) -> None:
        import boto3
        from botocore.config import Config as BotoConfig

        self.config = config
        self.session: Any = session or boto3.Session()
        self.boto_config = BotoConfig(retries={"mode": "standard", "total_max_attempts": config.max_attempts})
        self._clients: dict[tuple[str, str], Any] = {}
        self._identity: dict[str, str] | None = None

    def identity(self) -> dict[str, str]:
        if self._identity is None:
            try:
                ident = self.session.client("sts", config=self.boto_config).get_caller_identity()
            except Exception as e:
                raise _failure("sts:GetCallerIdentity", e) from None
            creds = self.session.get_credentials()
            self._identity = {"account": ident["Account"], "arn": ident["Arn"],
                              "key": creds.access_key if creds else ""}
        return self._identity

    def client(self, service: str, account: str) -> Any:
        hit = self._clients.get((service, account))
        if hit is not None:
            return hit
        session: Any = self.session if account == self.identity()["account"] else self._assume(account)
        made = session.client(service, config=self.boto_config)
        self._clients[(service, account)] = made
        return made

    def iam(self, account: str) -> Any:
        return self.client("iam", account)

    def _assume(self, account: str) -> Any:
        import boto3

        if not self.config.aws_role:
            raise NotOurs(f"account {account} is not the responder's own and response.aws_role is not set")
        role = self.config.aws_role.replace("{account}", account)
        try:
            creds = self.session.client("sts", config=self.boto_config).assume_role(
                RoleArn=role, RoleSessionName="auditwarden-responder")["Credentials"]
        except Exception as e:
            if _code(e) == "AccessDenied":
                raise NotOurs(f"cannot assume {role}: AccessDenied") from None
            raise _failure(f"sts:AssumeRole {role}", e) from None
        return boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                             aws_session_token=creds["SessionToken"], region_name=self.session.region_name)


def _call(what: str, fn: Any, **kwargs: Any) -> Any:
    try:
        return fn(**kwargs)
    except Exception as e:
        if _code(e) in _ABSENT:
            raise NotOurs(f"{what}: {_code(e)}") from None
        raise _failure(what, e) from None


def _absent_ok(what: str, fn: Any, **kwargs: Any) -> Any | None:
    """The call's answer, or None when the thing does not exist."""
    try:
        return _call(what, fn, **kwargs)
    except NotOurs:
        return None


class AwsKey:
    """UpdateAccessKey Status=Inactive on the user that owns the key (never DeleteAccessKey: undo works)."""

    def __init__(self, access: AwsAccess) -> None:
        self.access = access

    def resolve(self, req: Request) -> Resolved:
        key = req.target
        own = self.access.identity()
        if key == own["key"]:
            raise Refused("this is the key the responder itself runs with")
        account = account_from_key_id(key) or own["account"]
        iam = self.access.iam(account)
        owner = _call("iam:GetAccessKeyLastUsed", iam.get_access_key_last_used, AccessKeyId=key).get("UserName")
        if not owner or owner == "root":
            raise NotOurs(f"{key} belongs to no IAM user in account {account}")
        user = _call("iam:GetUser", iam.get_user, UserName=owner)["User"]
        keys = _call("iam:ListAccessKeys", iam.list_access_keys, UserName=owner)["AccessKeyMetadata"]
        mine = [k for k in keys if k["AccessKeyId"] == key]
        if not mine:  # the last-used lookup named a user that does not hold this key here
            raise NotOurs(f"{key} is not a key of {user['Arn']}")
        return Resolved(account, user["Arn"], mine[0]["Status"] == "Inactive", {"user": owner})

    def apply(self, req: Request, r: Resolved) -> dict[str, Any]:
        _call("iam:UpdateAccessKey", self.access.iam(r.account).update_access_key,
              UserName=r.detail["user"], AccessKeyId=req.target, Status="Inactive")
        return {"user": r.detail["user"]}

    def undo(self, rec: Mapping[str, Any]) -> None:
        _call("iam:UpdateAccessKey", self.access.iam(rec["account"]).update_access_key,
              UserName=rec["undo"]["user"], AccessKeyId=rec["target"], Status="Active")


def _role_parts(arn: str) -> tuple[str, str]:
    parts = arn.split(":", 5)
    if len(parts) != 6 or not parts[5].startswith("role/"):
        raise NotOurs(f"{arn} is not an IAM role ARN")
    return parts[4], parts[5].rsplit("/", 1)[-1]


def _parse_time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _policy_doc(answer: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if answer is None:
        return None
    doc = answer["PolicyDocument"]
    return dict(json.loads(doc)) if isinstance(doc, str) else dict(doc)


class AwsRoleSessions:
    """The console's "Revoke active sessions": an inline deny-all for tokens issued before a moment."""

    def __init__(self, access: AwsAccess, now: Any) -> None:
        self.access = access
        self.now = now  # () -> datetime, injected so tests and the ledger agree on "now"

    def resolve(self, req: Request) -> Resolved:
        account, name = _role_parts(req.target)
        iam = self.access.iam(account)
        role = _call("iam:GetRole", iam.get_role, RoleName=name)["Role"]
        current = _policy_doc(_absent_ok("iam:GetRolePolicy", iam.get_role_policy, RoleName=name,
                                         PolicyName=REVOKE_POLICY))
        done = False
        wanted = _parse_time(req.not_before) if req.not_before else None
        if current and wanted:  # an earlier revocation already covers sessions issued before the finding
            stamp = _stamp_of(current)
            done = stamp is not None and stamp >= wanted
        return Resolved(account, role["Arn"], done, {"role": name, "previous": current})

    def apply(self, req: Request, r: Resolved) -> dict[str, Any]:
        doc = revoke_sessions_document(self.now())
        _call("iam:PutRolePolicy", self.access.iam(r.account).put_role_policy, RoleName=r.detail["role"],
              PolicyName=REVOKE_POLICY, PolicyDocument=json.dumps(doc))
        return {"role": r.detail["role"], "previous": r.detail["previous"], "written": doc}

    def undo(self, rec: Mapping[str, Any]) -> None:
        iam = self.access.iam(rec["account"])
        u = rec["undo"]
        current = _policy_doc(_absent_ok("iam:GetRolePolicy", iam.get_role_policy, RoleName=u["role"],
                                         PolicyName=REVOKE_POLICY))
        if current != u["written"]:
            raise Refused(f"{REVOKE_POLICY} on {u['role']} changed since auditwarden wrote it; left as it is")
        if u["previous"]:
            _call("iam:PutRolePolicy", iam.put_role_policy, RoleName=u["role"], PolicyName=REVOKE_POLICY,
                  PolicyDocument=json.dumps(u["previous"]))
        else:
            _call("iam:DeleteRolePolicy", iam.delete_role_policy, RoleName=u["role"], PolicyName=REVOKE_POLICY)


def _stamp_of(doc: Mapping[str, Any]) -> datetime | None:
    for st in doc.get("Statement", []):
        cond = st.get("Condition", {}) if isinstance(st, dict) else {}
        when = cond.get("DateLessThan", {}).get("aws:TokenIssueTime")
        if isinstance(when, str):
            return _parse_time(when)
    return None


class AwsUserQuarantine:
    """An inline deny-all policy on the user: every key and console session of theirs stops working."""

    def __init__(self, access: AwsAccess) -> None:
        self.access = access

    def resolve(self, req: Request) -> Resolved:
        parts = req.target.split(":", 5)
        if len(parts) != 6 or not parts[5].startswith("user/"):
            raise NotOurs(f"{req.target} is not an IAM user ARN")
        account, name = parts[4], parts[5].rsplit("/", 1)[-1]
        iam = self.access.iam(account)
        user = _call("iam:GetUser", iam.get_user, UserName=name)["User"]
        if req.rule == QUARANTINE_RULE:
            # The user name came from request text: act only if AWS's quarantine policy really is on the user.
            attached = _call("iam:ListAttachedUserPolicies", iam.list_attached_user_policies,
                             UserName=name)["AttachedPolicies"]
            if not any(AWS_QUARANTINE_PREFIX in p["PolicyArn"] for p in attached):
                raise NotOurs(f"no AWSCompromisedKeyQuarantine policy is attached to {user['Arn']}")
        present = _absent_ok("iam:GetUserPolicy", iam.get_user_policy, UserName=name, PolicyName=QUARANTINE_POLICY)
        return Resolved(account, user["Arn"], present is not None, {"user": name})

    def apply(self, req: Request, r: Resolved) -> dict[str, Any]:
        _call("iam:PutUserPolicy", self.access.iam(r.account).put_user_policy, UserName=r.detail["user"],
              PolicyName=QUARANTINE_POLICY, PolicyDocument=json.dumps(QUARANTINE_DOCUMENT))
        return {"user": r.detail["user"]}

    def undo(self, rec: Mapping[str, Any]) -> None:
        _call("iam:DeleteUserPolicy", self.access.iam(rec["account"]).delete_user_policy,
              UserName=rec["undo"]["user"], PolicyName=QUARANTINE_POLICY)
