"""CloudTrail record (and non-CloudTrail EventBridge event) → Event."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.model.event import Event
from scanner.normalize.aws_names import RESOURCE_KEYS, permissions_for, strip_version_suffix
from scanner.normalize.errors import NormalizeError, scalar_text
from scanner.normalize.ids import synthetic_id

_EMPTY: Mapping[str, Any] = {}

_LOG_KINDS = {"Management": "management", "Data": "data", "Insight": "insight", "NetworkActivity": "network"}


def _str(d: Mapping[str, Any], key: str) -> str:
    return scalar_text(d.get(key), key)


def _map(d: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    v = d.get(key)
    if v is None:
        return _EMPTY
    if isinstance(v, dict):
        return v
    raise NormalizeError("wrong_type", f"{key} is a {type(v).__name__}, expected an object")


def key_kind(access_key_id: str) -> str:
    if access_key_id.startswith("AKIA"):
        return "long_lived"
    if access_key_id.startswith("ASIA"):
        return "temporary"
    return ""


def _principal(ui: Mapping[str, Any]) -> tuple[str, str, str, str, tuple[str, ...]]:
    """(principal, type, session name, oidc subject, delegation) from userIdentity."""
    utype = _str(ui, "type")
    arn = _str(ui, "arn")
    ctx = _map(ui, "sessionContext")
    issuer = _map(ctx, "sessionIssuer")
    issuer_arn = _str(issuer, "arn")
    if utype == "AssumedRole":
        # The session name is chosen by the caller: never part of the stable principal.
        session = arn.rsplit("/", 1)[-1] if arn.count("/") >= 2 else ""
        return issuer_arn or arn, utype, session, "", ()
    if utype == "IAMUser" or utype == "Root":
        return arn or _str(ui, "principalId"), utype, "", "", ()
    if utype == "AWSService":
        return _str(ui, "invokedBy") or _str(ui, "principalId"), utype, "", "", ()
    if utype == "WebIdentityUser":
        subject = _str(ui, "userName") or _str(ui, "principalId")
        return subject, utype, "", subject, (_str(ui, "identityProvider"),)
    if utype == "FederatedUser":
        session = arn.rsplit("/", 1)[-1] if "/" in arn else ""
        return issuer_arn or arn, utype, session, "", ()
    if utype == "SAMLUser":
        return _str(ui, "userName") or _str(ui, "principalId"), utype, "", "", (_str(ui, "identityProvider"),)
    if utype == "IdentityCenterUser":
        obo = _map(ui, "onBehalfOf")
        return _str(obo, "userId") or _str(ui, "principalId"), utype, "", "", ()
    if utype == "AWSAccount":
        return _str(ui, "accountId") or _str(ui, "principalId"), utype, "", "", ()
    return arn or _str(ui, "principalId") or _str(ui, "invokedBy"), utype, "", "", ()


def _mfa(rec: Mapping[str, Any], ui: Mapping[str, Any]) -> bool | None:
    attrs = _map(_map(ui, "sessionContext"), "attributes")
    flag = attrs.get("mfaAuthenticated")
    extra = rec.get("additionalEventData")
    if isinstance(extra, dict) and "MFAUsed" in extra:
        return extra.get("MFAUsed") == "Yes"
    if flag is None:
        return None
    return flag is True or flag == "true"


_RESOURCE_RANK: dict[str, int] = {k: i for i, k in enumerate(RESOURCE_KEYS)}


def _resources(rec: Mapping[str, Any]) -> tuple[str, ...]:
    """resources[] ARNs first, then what well-known request parameters name; each once."""
    out: dict[str, None] = {}  # an ordered set
    res = rec.get("resources")
    if isinstance(res, list):
        for r in res:
            if isinstance(r, dict):
                a = r.get("ARN") or r.get("arn")
                if isinstance(a, str) and a:
                    out[a] = None
    params = rec.get("requestParameters")
    if isinstance(params, dict):
        skip: set[str] = set()
        bucket = params.get("bucketName")
        if isinstance(bucket, str) and bucket and rec.get("eventSource") == "s3.amazonaws.com":
            # S3 names buckets and objects by ARN in resources[]; a bare key means nothing alone
            key = params.get("key")
            if isinstance(key, str) and key:
                out[f"arn:aws:s3:::{bucket}/{key}"] = None
            out[f"arn:aws:s3:::{bucket}"] = None
            skip = {"bucketName", "key"}
        # requestParameters hold a handful of keys: intersect, then order by preference
        for k in sorted(params.keys() & _RESOURCE_RANK.keys(), key=_RESOURCE_RANK.__getitem__):
            v = params[k]
            if k not in skip and isinstance(v, str) and v:
                out[v] = None
    return tuple(out)


def _soft(rec: Mapping[str, Any], key: str, notes: list[str]) -> str:
    """An ancillary field (region, source IP, user agent, error message, category): it describes a call
    but does not decide who did what or whether it worked, so a wrong-typed one is dropped with a note
    (counted in the run summary) and the record is still judged."""
    v = rec.get(key)
    if v is None or isinstance(v, str):
        return v or ""
    if isinstance(v, (int, float, bool)):
        return str(v)
    notes.append(f"aws:{key}:wrong_type")
    return ""


def normalize_cloudtrail(rec: Mapping[str, Any]) -> Event:
    source = rec.get("eventSource")
    name = rec.get("eventName")
    etime = rec.get("eventTime")
    if not isinstance(source, str) or not isinstance(name, str):
        raise NormalizeError("wrong_type", "eventSource and eventName must be strings")
    if etime is None:
        etime = ""
    elif not isinstance(etime, str):
        raise NormalizeError("wrong_type", "eventTime must be a string")
    ui = _map(rec, "userIdentity")
    principal, ptype, session, subject, delegation = _principal(ui)
    akid = _str(ui, "accessKeyId")
    op = strip_version_suffix(name)
    ro = rec.get("readOnly")
    notes: list[str] = []
    return Event(
        "aws",
        _str(rec, "eventID") or synthetic_id(rec),
        etime,
        _str(rec, "recipientAccountId") or _str(ui, "accountId"),
        _soft(rec, "awsRegion", notes),
        source,
        op,
        name,
        permissions_for(source, op),
        principal,
        ptype,
        session,
        akid,
        key_kind(akid),
        _mfa(rec, ui),
        subject,
        delegation,
        _soft(rec, "sourceIPAddress", notes),
        _soft(rec, "userAgent", notes),
        _str(rec, "errorCode"),
        _soft(rec, "errorMessage", notes),
        _resources(rec),
        _LOG_KINDS.get(_soft(rec, "eventCategory", notes), "management"),
        ro if isinstance(ro, bool) else (ro == "true" if isinstance(ro, str) else None),
        rec,
        tuple(notes),
    )


def normalize_eventbridge(env: Mapping[str, Any]) -> Event:
    """EventBridge events that are not CloudTrail calls: AWS Health, GuardDuty, Security Hub, Config..."""
    detail = _map(env, "detail")
    source = _str(env, "source")
    dtype = _str(env, "detail-type")
    if not source:
        raise NormalizeError("wrong_type", "EventBridge event without a source")
    op = _str(detail, "eventTypeCode") or dtype
    res = env.get("resources")
    resources = tuple(r for r in res if isinstance(r, str)) if isinstance(res, list) else ()
    return Event(
        "aws",
        _str(env, "id"),
        _str(env, "time"),
        _str(env, "account"),
        _str(env, "region"),
        source,
        op,
        dtype,
        (),
        source,
        "AWSService",
        "",
        "",
        "",
        None,
        "",
        (),
        "",
        "",
        "",
        "",
        resources,
        "event",
        None,
        env,
    )
