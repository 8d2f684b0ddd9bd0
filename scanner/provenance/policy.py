"""`deploy_policy`: who may push artifacts and deploy (DESIGN.md §4), validated at load.

Config keeps the section raw (its mappings remember their lines); this module turns it into
immutable typed policies and names the file and line of the first problem.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scanner.provenance.globs import any_match, arns_meet, globs_meet
from scanner.yamlio import LineDict, YamlError

CLOUDS = ("aws", "gcp")
POLICY_KEYS = ("name", "cloud", "accounts", "projects", "resources", "allow", "description")
ALLOW_KEYS = ("principal", "oidc_provider", "oidc_subjects", "via", "keyless", "description")
#: The scope key each cloud uses; the other one is a mistake worth naming.
SCOPE_KEY = {"aws": "accounts", "gcp": "projects"}


@dataclass(frozen=True, slots=True)
class AllowEntry:
    principal: str  # glob on the stable principal (ArnLike for AWS)
    oidc_subjects: tuple[str, ...] = ()  # globs; empty = no federated subject required
    keyless: bool = False  # a long-lived key (AKIA…, serviceAccountKeyName) breaks the entry
    line: int = 0
    #: globs on the identity provider an OIDC origin must come from (AWS federatedProvider ARN,
    #: GCP workload identity pool); empty = any provider (validation warns when subjects are set)
    oidc_providers: tuple[str, ...] = ()
    #: globs on origins (who assumed / impersonated) allowed besides the entry's own identity
    via: tuple[str, ...] = ()

    def matches_principal(self, principal: str, cloud: str) -> bool:
        return any_match((self.principal,), principal, arn=cloud == "aws")

    @property
    def names_oidc(self) -> bool:
        """Does the entry name an OIDC identity (subjects or a provider)?"""
        return bool(self.oidc_subjects or self.oidc_providers)


@dataclass(frozen=True, slots=True)
class DeployPolicy:
    name: str
    cloud: str
    scopes: tuple[str, ...] = ()  # account ids (aws) / project ids (gcp), globs; empty = all
    resources: tuple[str, ...] = ()  # resource globs; empty = every resource
    allow: tuple[AllowEntry, ...] = ()
    source: str = ""  # file:line of the policy

    def covers_account(self, account: str) -> bool:
        return not self.scopes or any_match(self.scopes, account)

    def covers_resource(self, resource: str) -> bool:
        # A resource we could not name stays in scope: the safe side of an unknown is to judge it.
        if not self.resources or not resource:
            return True
        if "*" in resource:  # a part we could not tell (a stack's id): in scope if some name could match
            meet = arns_meet if self.cloud == "aws" else globs_meet
            return any(meet(g, resource) for g in self.resources)
        return any_match(self.resources, resource, arn=self.cloud == "aws")

    @property
    def principals(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a.principal for a in self.allow))


def _line(node: Any, key: str, default: int) -> int:
    return node.line_of(key) if isinstance(node, LineDict) else default


def _globs(node: Mapping[str, Any], key: str, path: str, line: int, what: str) -> tuple[str, ...]:
    v = node.get(key, [])
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
        raise YamlError(path, _line(node, key, line), f"{what}.{key} must be a list of non-empty strings (globs)")
    return tuple(x.strip() for x in v)


def _check_keys(node: Mapping[str, Any], known: tuple[str, ...], path: str, line: int, what: str) -> None:
    for key in node:
        if key not in known:
            raise YamlError(path, _line(node, key, line), f"{what}: unknown key {key!r} (known: {', '.join(known)})")


def _aws_principal_ok(p: str) -> bool:
    # aws:PrincipalArn is matched with ArnLike, which needs all six ARN parts (or a lone "*").
    return p == "*" or (p.startswith("arn:") and len(p.split(":", 5)) == 6)


def _parse_allow(node: Any, cloud: str, path: str, line: int, what: str) -> AllowEntry:
    if not isinstance(node, Mapping):
        raise YamlError(path, line, f"{what} must be a mapping with a principal")
    at = node.line if isinstance(node, LineDict) else line
    _check_keys(node, ALLOW_KEYS, path, at, what)
    principal = node.get("principal")
    if not isinstance(principal, str) or not principal.strip():
        raise YamlError(path, at, f"{what}.principal is required (a glob on the principal)")
    principal = principal.strip()
    if cloud == "aws" and not _aws_principal_ok(principal):
        raise YamlError(path, _line(node, "principal", at),
                        f"{what}.principal {principal!r} must be an ARN glob such as "
                        "arn:aws:iam::111122223333:role/gha-deploy (matched like ArnLike on aws:PrincipalArn)")
    keyless = node.get("keyless", False)
    if not isinstance(keyless, bool):
        raise YamlError(path, _line(node, "keyless", at), f"{what}.keyless must be true or false")
    providers = tuple(_provider(p, cloud) for p in _globs(node, "oidc_provider", path, at, what))
    if cloud == "aws" and not all(p == "*" or (p.startswith("arn:") and len(p.split(":", 5)) == 6) for p in providers):
        raise YamlError(path, _line(node, "oidc_provider", at),
                        f"{what}.oidc_provider must be an identity provider ARN glob such as "
                        "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com")
    return AllowEntry(principal, _globs(node, "oidc_subjects", path, at, what), keyless, at, providers,
                      _globs(node, "via", path, at, what))


def _provider(text: str, cloud: str) -> str:
    """GCP logs name the workload identity pool, not its provider: keep the pool part of what is written."""
    if cloud != "gcp":
        return text
    for prefix in ("principalSet://iam.googleapis.com/", "principal://iam.googleapis.com/", "//iam.googleapis.com/"):
        text = text.removeprefix(prefix)
    return text.split("/providers/", 1)[0]


def policy_warnings(policies: Sequence[DeployPolicy]) -> list[str]:
    """What validation says without refusing the file: subjects are unique only within one issuer."""
    out: list[str] = []
    for pol in policies:
        path = pol.source.rsplit(":", 1)[0]
        for entry in pol.allow:
            if entry.oidc_subjects and not entry.oidc_providers:
                out.append(f"{path}:{entry.line}: deploy_policy {pol.name!r}: oidc_subjects without oidc_provider "
                           "match a subject minted by any identity provider the role or pool trusts; name the "
                           "provider (AWS federatedProvider ARN, GCP workload identity pool)")
    return out


def _parse_one(node: Any, path: str, line: int, index: int) -> DeployPolicy:
    what = f"deploy_policy[{index}]"
    if not isinstance(node, Mapping):
        raise YamlError(path, line, f"{what} must be a mapping (name, cloud, allow, ...)")
    at = node.line if isinstance(node, LineDict) else line
    _check_keys(node, POLICY_KEYS, path, at, what)
    name = node.get("name")
    if not isinstance(name, str) or not name.strip():
        raise YamlError(path, _line(node, "name", at), f"{what}.name is required (a non-empty string)")
    what = f"deploy_policy {name.strip()!r}"
    cloud = node.get("cloud")
    if cloud not in CLOUDS:
        raise YamlError(path, _line(node, "cloud", at), f"{what}: cloud must be one of {', '.join(CLOUDS)}")
    wrong = SCOPE_KEY["gcp" if cloud == "aws" else "aws"]
    if wrong in node:
        raise YamlError(path, _line(node, wrong, at), f"{what}: {wrong} is for {'gcp' if cloud == 'aws' else 'aws'}"
                        f" policies; a {cloud} policy is scoped with {SCOPE_KEY[cloud]}")
    scopes = _globs(node, SCOPE_KEY[cloud], path, at, what)
    resources = _globs(node, "resources", path, at, what)
    if "allow" not in node:
        raise YamlError(path, at, f"{what}: allow is required (a list; empty means nobody may deploy)")
    allow_raw = node["allow"]
    if not isinstance(allow_raw, list):
        raise YamlError(path, _line(node, "allow", at), f"{what}.allow must be a list of entries")
    allow = tuple(
        _parse_allow(a, cloud, path, _line(node, "allow", at), f"{what}.allow[{i}]") for i, a in enumerate(allow_raw)
    )
    return DeployPolicy(name.strip(), cloud, scopes, resources, allow, f"{path}:{at}")


def parse_policies(raw: Sequence[Any], path: str, line: int = 0) -> tuple[DeployPolicy, ...]:
    """The typed policies; raises YamlError naming the file and line of the first problem."""
    out: list[DeployPolicy] = []
    seen: dict[str, str] = {}
    for i, node in enumerate(raw):
        pol = _parse_one(node, path, line, i)
        if pol.name in seen:
            raise YamlError(path, int(pol.source.rsplit(":", 1)[1]),
                            f"deploy_policy name {pol.name!r} is used twice (first at {seen[pol.name]})")
        seen[pol.name] = pol.source
        out.append(pol)
    return tuple(out)
