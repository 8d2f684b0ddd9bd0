"""Who is "us": the configured `trusted:` lists as predicates over values found in audit records.

Rules reference them through the `trusted:` / `untrusted:` operators (scanner.detect.expr) with a kind
naming what the value is. The lists come from the core configuration (`Config.trusted`), bound when the
engine is built, so a rule file never hard-codes an account and the engine needs no detector package.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from scanner.config import Trusted
from scanner.model.event import Event

#: value, event, trusted lists → True (ours) / False (someone else's) / None (not a value of this kind).
TrustTest = Callable[[str, Event, Trusted], "bool | None"]

_ACCOUNT = re.compile(r"[0-9]{12}")
_ORG_ID = re.compile(r"\bo-[a-z0-9]{10,32}\b")
_OU_ID = re.compile(r"\bou-[a-z0-9]{4,32}-[a-z0-9]{8,32}\b")
# principal:// and principalSet:// members name the pool they come from; that pool is what is trusted.
_POOL = re.compile(r"^principal(?:Set)?://iam\.googleapis\.com/((?:projects/[^/]+/)?locations/[^/]+/"
                   r"(?:workloadIdentityPools|workforcePools)/[^/]+)(?:/|$)")


def _aws_account(value: str, ev: Event, t: Trusted) -> bool | None:
    """An account ID, alone or as an ARN's account field (`arn:aws:iam::123456789012:root`).

    Only that field: a KMS key ARN's UUID may end in twelve digits of its own.
    """
    text = value.strip()
    if text.startswith("arn:"):
        parts = text.split(":", 5)
        text = parts[4] if len(parts) > 4 else ""
    if _ACCOUNT.fullmatch(text) is None:
        return None
    return t.aws_account_trusted(text, ev.account if ev.cloud == "aws" else "")


def _aws_organization(value: str, ev: Event, t: Trusted) -> bool | None:
    """`arn:aws:organizations::MGMT:organization/o-…` or a bare `o-…` id."""
    m = _ORG_ID.search(value)
    return None if m is None else m.group(0) in t.aws_organizations


def _aws_organizational_unit(value: str, ev: Event, t: Trusted) -> bool | None:
    """`arn:aws:organizations::MGMT:ou/o-…/ou-…`: trusted when the OU is listed or sits in a trusted org."""
    m = _OU_ID.search(value)
    if m is None:
        return None
    org = _ORG_ID.search(value)
    return m.group(0) in t.aws_organizational_units or (org is not None and org.group(0) in t.aws_organizations)


#: Google-owned projects whose service accounts are service agents of older services
#: (`service-PROJECT_NUMBER@compute-system.iam.gserviceaccount.com`, …). Nobody else can create
#: accounts in them, so listing them trusts no outsider.
_AGENT_PROJECTS = frozenset({"compute-system", "container-engine-robot", "gs-project-accounts",
                             "serverless-robot-prod", "gcf-admin-robot", "dataflow-service-producer-prod"})


def _gcp_member(value: str, ev: Event, t: Trusted) -> bool | None:
    """An IAM member: federated pools, accounts of trusted domains and service accounts of trusted projects."""
    if value.startswith(("principal://", "principalSet://")):  # the regex only where it can match
        m = _POOL.match(value)
        return None if m is None else m.group(1) in t.gcp_workload_identity_pools
    kind, sep, ident = value.partition(":")
    if not sep:
        return None
    kind = kind.removeprefix("deleted:")
    ident = ident.split("?", 1)[0]  # deleted members carry ?uid=…
    if kind in ("user", "group", "domain"):
        if not t.gcp_domains:
            return None  # nobody said which domains are ours: not judged (a rule would flag every person)
        domain = ident.rsplit("@", 1)[-1].lower()
        return domain in {d.lower() for d in t.gcp_domains}
    if kind == "serviceAccount":
        local, _, domain = ident.lower().rpartition("@")
        project = domain.split(".", 1)[0]
        if domain in _DEFAULT_ACCOUNT_DOMAINS:
            return _default_account(local, domain, ev, t)
        # Google-managed service agents (…@gcp-sa-x.iam…, …@cloud-ml.google.com) act for a project of
        # ours by construction; only a user-managed account's project says whose it is.
        if (not domain.endswith(".iam.gserviceaccount.com") or project.startswith("gcp-sa-")
                or project in _AGENT_PROJECTS):
            return True
        return _our_project(project, ev, t)
    return None


#: Default service accounts a project gets, named after its ID (App Engine) or its number (Compute
#: Engine's `N-compute@developer…`, the legacy Cloud Build `N@cloudbuild…`): unlike service agents they
#: are the project's own accounts, so another project's (an attacker's) is not ours.
_DEFAULT_ACCOUNT_DOMAINS = frozenset({"appspot.gserviceaccount.com", "developer.gserviceaccount.com",
                                      "cloudbuild.gserviceaccount.com"})


def _our_project(project: str, ev: Event, t: Trusted) -> bool | None:
    """A (lower-cased) project ID: the event's own, or listed in gcp_projects; None while none is listed."""
    if project == (ev.account.lower() if ev.cloud == "gcp" else ""):
        return True
    return project in {p.lower() for p in t.gcp_projects} if t.gcp_projects else None


def _default_account(local: str, domain: str, ev: Event, t: Trusted) -> bool | None:
    if domain == "appspot.gserviceaccount.com":
        return _our_project(local, ev, t)
    number = local.removesuffix("-compute")
    # A log names a project by ID, so a number is judged only against numbers listed in gcp_projects;
    # with none listed it counts as ours (judging it would flag every project's own default account).
    numbers = {p for p in t.gcp_projects if p.isdigit()}
    return number in numbers if numbers else True


_PROJECT = re.compile(r"(?:^|/)projects/([^/]+)(?:/|$)")


def _gcp_project(value: str, ev: Event, t: Trusted) -> bool | None:
    """A resource name holding `projects/P/…` (a CMEK key, a disk): P is the event's project or listed.

    Judged only once `gcp_projects` is configured: keys kept in a central security project are
    common, and nobody has said which projects those are.
    """
    m = _PROJECT.search(value.strip())
    if m is None:
        return None
    return _our_project(m.group(1).lower(), ev, t)


#: kind name (as written in a rule) → test.
TRUST_KINDS: dict[str, TrustTest] = {
    "aws_account": _aws_account,
    "aws_organization": _aws_organization,
    "aws_organizational_unit": _aws_organizational_unit,
    "gcp_member": _gcp_member,
    "gcp_project": _gcp_project,
}
