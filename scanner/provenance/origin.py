"""Who is really behind a call: the origin of a role session or an impersonation chain.

The acting principal of a deploy is often a role or a service account. What an allow entry cares
about is who started the chain that ended there: a cloud service (CodePipeline assuming its role,
Cloud Deploy's service agent), an OIDC identity (a GitHub workflow), a person, or another role.

  self     the identity acted with its own credentials: there is no chain
  service  a cloud service started the chain
  oidc     an OIDC / workload identity federation login (subject + provider)
  human    a person: an IAM user, root, a SAML or Identity Center login, a Google user
  role     another role or service account, whose own origin is not known
  unknown  the chain's start was not in the scanned logs
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from scanner.model.event import Event
from scanner.normalize.gcp import federated_subject

SELF, SERVICE, OIDC, HUMAN, ROLE, UNKNOWN = "self", "service", "oidc", "human", "role", "unknown"
KINDS = (SELF, SERVICE, OIDC, HUMAN, ROLE, UNKNOWN)

#: Google-managed service agents: Google acts for a call someone else made (a function deploy rolls a
#: Cloud Run revision, Cloud Deploy renders a release). That call is judged; these are not on their own.
_GOOGLE_AGENT = re.compile(
    r"service-\d+@gcp-sa-[a-z0-9-]+\.iam\.gserviceaccount\.com"
    r"|service-\d+@(?:gcf-admin-robot|serverless-robot-prod|container-engine-robot|compute-system|containerregistry"
    r"|gae-api-prod\.google\.com)\.iam\.gserviceaccount\.com"
    r"|\d+@(?:cloudbuild|cloudservices)\.gserviceaccount\.com"
)
_HUMAN_AWS_TYPES = frozenset({"IAMUser", "Root", "IdentityCenterUser", "FederatedUser", "SAMLUser"})


def is_google_agent(email: str) -> bool:
    return _GOOGLE_AGENT.fullmatch(email) is not None


def is_kubernetes_control_plane(principal: str) -> bool:
    """GKE's own controllers: a Deployment's controller creates its ReplicaSets, those their Pods.
    The change a person or CI made to the Deployment is the deploy; these follow from it. (Workload
    service accounts in other namespaces, Argo CD's for one, are judged like any principal.)"""
    return principal in ("system:kube-controller-manager", "system:kube-scheduler") or principal.startswith(
        ("system:serviceaccount:kube-system:", "system:node:"))


def is_sso_role(arn: str) -> bool:
    """IAM Identity Center permission sets are roles named AWSReservedSSO_<set>_<suffix>: a person."""
    return "/AWSReservedSSO_" in arn or ":role/AWSReservedSSO_" in arn


@dataclass(frozen=True, slots=True)
class Origin:
    kind: str
    principal: str = ""  # who started the chain: user / role ARN, SAML or OIDC subject, service, e-mail
    #: the federated subject: set for oidc; "" when the chain has none; None when it may have one not yet known
    subject: str | None = ""
    provider: str = ""  # OIDC / SAML provider (AWS federatedProvider ARN, GCP workload identity pool)
    session: str = ""  # the origin's own session (assumed-role ARN, SSO session name)
    source_identity: str = ""
    chain: tuple[str, ...] = ()  # roles / service accounts passed through, origin first
    issuing: Mapping[str, str] = field(default_factory=dict)  # event_id, issued, role of the issuing login

    def names(self) -> tuple[str, ...]:
        """What `via` globs are matched against."""
        return tuple(n for n in (self.principal, self.session) if n)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "principal": self.principal, "subject": self.subject, "provider": self.provider,
                "session": self.session, "source_identity": self.source_identity, "chain": list(self.chain)}

    def evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {"origin_kind": self.kind}
        for key, value in (("origin", self.principal), ("origin_session", self.session),
                           ("origin_provider", self.provider), ("source_identity", self.source_identity)):
            if value:
                out[key] = value[:500]
        if self.chain:
            out["origin_chain"] = [c[:500] for c in self.chain[:10]]
        if self.issuing:
            out["issuing_event"] = dict(self.issuing)
        return out

    def through(self, role: str, issuing: Mapping[str, str] | None = None) -> Origin:
        """This origin, carried one hop further (a session assuming `role` keeps where it came from)."""
        return replace(self, chain=(*self.chain, role) if role else self.chain,
                       issuing=issuing if issuing is not None else self.issuing)


def origin_from_json(d: Any) -> Origin | None:
    if not isinstance(d, Mapping) or d.get("kind") not in KINDS:
        return None
    subject = d.get("subject")
    chain = d.get("chain")
    return Origin(str(d["kind"]), str(d.get("principal") or ""), subject if isinstance(subject, str) else None,
                  str(d.get("provider") or ""), str(d.get("session") or ""), str(d.get("source_identity") or ""),
                  tuple(str(c) for c in chain) if isinstance(chain, list) else ())


def _map(v: Any) -> Mapping[str, Any]:
    return v if isinstance(v, Mapping) else {}


def _str(m: Mapping[str, Any], key: str) -> str:
    v = m.get(key)
    return v if isinstance(v, str) else ""


# --- AWS -----------------------------------------------------------------------------------------
def aws_federated_provider(ev: Event) -> str:
    """The OIDC provider userIdentity names for a session opened by web identity ("" when none / absent)."""
    ctx = _map(_map(ev.raw.get("userIdentity")).get("sessionContext"))
    return _str(_map(ctx.get("webIdFederationData")), "federatedProvider")


def aws_source_identity(ev: Event) -> str:
    ctx = _map(_map(ev.raw.get("userIdentity")).get("sessionContext"))
    return _str(ctx, "sourceIdentity") or _str(_map(ev.raw.get("requestParameters")), "sourceIdentity")


def aws_known_not_federated(ev: Event) -> bool:
    """Does userIdentity say outright that the session did not come from web identity (`{}`, not absent)?"""
    ctx = _map(_map(ev.raw.get("userIdentity")).get("sessionContext"))
    data = ctx.get("webIdFederationData")
    return isinstance(data, Mapping) and not data


def aws_session_hint(ev: Event) -> Origin:
    """The origin of a role session as far as its own userIdentity tells (no issuing login known)."""
    provider = aws_federated_provider(ev)
    source = aws_source_identity(ev)
    if provider:
        return Origin(OIDC, "", None, provider, source_identity=source)
    if is_sso_role(ev.principal):
        return Origin(HUMAN, ev.principal, "", session=ev.session_name, source_identity=source)
    return Origin(UNKNOWN, "", "" if aws_known_not_federated(ev) else None, source_identity=source)


def aws_caller_origin(ev: Event) -> Origin:
    """The origin of whoever made an STS login call, before following a calling session's own link."""
    params = _map(ev.raw.get("requestParameters"))
    resp = _map(ev.raw.get("responseElements"))
    source = _str(params, "sourceIdentity") or aws_source_identity(ev)
    if ev.operation == "AssumeRoleWithWebIdentity":
        subject = _str(resp, "subjectFromWebIdentityToken") or ev.oidc_subject
        provider = _str(resp, "provider") or (ev.delegation[0] if ev.delegation else "")
        return Origin(OIDC, subject, subject, provider, source_identity=source)
    if ev.operation == "AssumeRoleWithSAML":
        subject = _str(resp, "subject") or ev.principal
        return Origin(HUMAN, subject, "", _str(params, "principalArn") or _str(resp, "issuer"), source_identity=source)
    if ev.principal_type == "AWSService":
        return Origin(SERVICE, ev.principal, "")
    if ev.principal_type in _HUMAN_AWS_TYPES:
        return Origin(HUMAN, ev.principal, "", session=ev.session_name, source_identity=source)
    if ev.principal_type == "AssumedRole":
        hint = aws_session_hint(ev)
        if hint.kind == OIDC:  # a web-identity session assuming on: its subject comes from its own login
            return replace(hint, principal=ev.principal, source_identity=source)
        if hint.kind == HUMAN:
            return replace(hint, source_identity=source)
        session = _str(_map(ev.raw.get("userIdentity")), "arn")
        return Origin(ROLE, ev.principal, "", session=session, source_identity=source)
    return Origin(ROLE, ev.principal, "", source_identity=source)  # another account's principal, ...


def aws_direct_origin(ev: Event) -> Origin | None:
    """Origin of a call that needs no session link; None when the session's link must be looked up."""
    if ev.principal_type == "WebIdentityUser":  # the federated identity acting itself: no chain
        return Origin(SELF, ev.oidc_subject, ev.oidc_subject, ev.delegation[0] if ev.delegation else "")
    if ev.principal_type == "AssumedRole":
        return None if ev.key_kind == "temporary" else aws_session_hint(ev)
    return Origin(SELF, ev.principal, "")


# --- GCP -----------------------------------------------------------------------------------------
def gcp_pool(principal_uri: str) -> str:
    """projects/N/locations/global/workloadIdentityPools/P from a principal:// or principalSet:// URI;
    PROJECT.svc.id.goog for GKE workload identity."""
    if principal_uri.startswith("serviceAccount:") and ".svc.id.goog[" in principal_uri:
        return principal_uri[len("serviceAccount:"):].split("[", 1)[0]
    for prefix in ("principal://iam.googleapis.com/", "principalSet://iam.googleapis.com/"):
        if principal_uri.startswith(prefix):
            rest = principal_uri[len(prefix):]
            for marker in ("/subject/", "/subjects/", "/group/", "/attribute.", "/*"):
                rest = rest.split(marker, 1)[0]
            return rest
    return ""


def _gcp_hop(hop: Mapping[str, Any]) -> tuple[str, str]:
    """(e-mail, principalSubject) of one serviceAccountDelegationInfo entry."""
    return _str(_map(hop.get("firstPartyPrincipal")), "principalEmail"), _str(hop, "principalSubject")


def gcp_origin(ev: Event) -> Origin:
    """The first principal of the impersonation chain (serviceAccountDelegationInfo), else the caller."""
    auth = _map(_map(ev.raw.get("protoPayload")).get("authenticationInfo"))
    hops = [h for h in auth.get("serviceAccountDelegationInfo") or () if isinstance(h, Mapping)]
    if not hops:
        if ev.principal_type == "federated":  # direct resource access by the federated identity: no chain
            return Origin(SELF, ev.principal, ev.oidc_subject, gcp_pool(ev.principal))
        return Origin(SELF, ev.principal, "")
    email, uri = _gcp_hop(hops[0])
    chain = tuple(e or s for e, s in (_gcp_hop(h) for h in hops[1:]) if e or s)
    subject = federated_subject(uri)
    if subject:
        return Origin(OIDC, uri, subject, gcp_pool(uri), chain=chain)
    who = email or uri.removeprefix("user:").removeprefix("serviceAccount:")
    if not who:  # a third party's claims only: someone, not something we can name
        return Origin(HUMAN, ev.delegation[0] if ev.delegation else "", "", chain=chain)
    if is_google_agent(who):
        return Origin(SERVICE, who, "", chain=chain)
    if who.endswith(".gserviceaccount.com"):
        return Origin(ROLE, who, "", chain=chain)
    return Origin(HUMAN, who, "", chain=chain)
