"""The deploy catalog (rules/catalogs/deploy.yaml) as immutable typed entries.

An entry names the audit events of one family (an ECR push, a Cloud Run deploy, a CodePipeline
change), its tag, how to name the resource it touches and, for export, the IAM actions or
permissions behind it. The file format is described at the top of the YAML itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.detect.expr import ExprError, Getter, getter
from scanner.model.event import Event
from scanner.normalize.aws_names import iam_prefix
from scanner.provenance.resources import RESOLVERS
from scanner.state.base import StateStore
from scanner.yamlio import LineDict, YamlError, load_file

TAGS = ("artifact_push", "deploy", "cd_tamper")
ENTRY_KEYS = ("id", "cloud", "service", "operations", "tag", "resource", "actions", "iam_resources",
              "permissions", "deny_supported", "bucket", "ignore_if_only_params", "resolve", "scp", "note")
CATALOG_FILE = "catalogs/deploy.yaml"

ResourceOf = Callable[[Event], str | None]

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def _text(v: Any) -> str | None:
    """A usable string from a getter's result (first of a list), else None."""
    if isinstance(v, list):
        v = next((x for x in v if isinstance(x, str) and x), None)
    return v if isinstance(v, str) and v else None


def _field(path: str, where: str) -> ResourceOf:
    get = getter(path, where)
    return lambda ev: _text(get(ev))


def _alternative(spec: str, where: str) -> tuple[tuple[Getter | str, ...], bool]:
    """`a|b|'lit'[:name]` → (alternatives, keep-last-segment)."""
    name_only = spec.endswith(":name")
    if name_only:
        spec = spec[: -len(":name")]
    alts: list[Getter | str] = []
    for alt in spec.split("|"):
        alt = alt.strip()
        if len(alt) >= 2 and alt[0] == alt[-1] == "'":
            alts.append(alt[1:-1])
        else:
            alts.append(getter(alt, where))
    return tuple(alts), name_only


def _template(template: str, where: str) -> ResourceOf:
    pieces: list[str | tuple[tuple[Getter | str, ...], bool]] = []
    pos = 0
    for m in _PLACEHOLDER.finditer(template):
        pieces.append(template[pos : m.start()])
        pieces.append(_alternative(m.group(1), where))
        pos = m.end()
    pieces.append(template[pos:])

    def resolve(ev: Event) -> str | None:
        out: list[str] = []
        for piece in pieces:
            if isinstance(piece, str):
                out.append(piece)
                continue
            alts, name_only = piece
            value: str | None = None
            for alt in alts:
                value = alt if isinstance(alt, str) else _text(alt(ev))
                if value is not None:
                    break
            if value is None:
                return None
            if name_only:
                value = value.rsplit("/", 1)[-1]
            elif value.startswith("arn:") and template.startswith("arn:"):
                return value  # the request named the resource by its full ARN already
            out.append(value)
        return "".join(out)

    return resolve


def _resource_spec(spec: str, where: str) -> ResourceOf:
    return _template(spec, where) if "{" in spec else _field(spec, where)


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    id: str
    cloud: str
    service: str
    operations: tuple[str, ...]
    tag: str
    resource_specs: tuple[ResourceOf, ...]
    actions: tuple[str, ...] = ()  # aws: IAM actions for the SCP
    #: aws: (action, ARN globs of the resource types IAM checks it against), in `actions` order;
    #: no globs = the action has no resource-level permissions (only `Resource: "*"` applies).
    iam_resources: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: the ARN templates of `resource` as globs ({...} → *): the shapes of what detection judges
    resource_shapes: tuple[str, ...] = ()
    permissions: tuple[str, ...] = ()  # gcp: v1 permission names
    deny_supported: bool = False
    bucket: Getter | None = None
    ignore_if_only_params: frozenset[str] = frozenset()
    source: str = ""
    resolver: str = ""  # a name in resources.RESOLVERS: canonicalizes what the specs found
    scp: bool = True  # aws: whether `policy export --aws-scp` denies these actions

    def resource_of(self, ev: Event, state: StateStore) -> str:
        """The resource as policies name it; "" when it cannot be told (judged in scope: fail closed).

        Never the record's first `resources[]` entry: that may be another resource (a role, a
        cluster) whose name would take the deploy out of a scoped policy's sight.
        """
        found = next((r for r in (spec(ev) for spec in self.resource_specs) if r), "")
        return RESOLVERS[self.resolver](found, ev, state) if self.resolver else found

    def bucket_of(self, ev: Event) -> str:
        if self.bucket is None:
            return ""
        return _text(self.bucket(ev)) or ""

    def iam_resources_of(self, action: str) -> tuple[str, ...]:
        return dict(self.iam_resources)[action]

    def only_ignorable_params(self, ev: Event) -> bool:
        if not self.ignore_if_only_params:
            return False
        params = ev.raw.get("requestParameters")
        return isinstance(params, Mapping) and bool(params) and set(params) <= self.ignore_if_only_params


@dataclass(frozen=True, slots=True)
class Catalog:
    entries: tuple[CatalogEntry, ...]
    source: str

    def index(self) -> dict[tuple[str, str, str], CatalogEntry]:
        """(cloud, service, operation) → entry."""
        return {(e.cloud, e.service, op): e for e in self.entries for op in e.operations}


def _strs(node: Mapping[str, Any], key: str, path: str, line: int, required: bool = False) -> tuple[str, ...]:
    v = node.get(key, [])
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or not all(isinstance(x, str) and x for x in v) or (required and not v):
        raise YamlError(path, node.line_of(key) if isinstance(node, LineDict) else line,
                        f"{key} must be a {'non-empty ' if required else ''}list of strings")
    return tuple(v)


def _parse_entry(node: Any, path: str, line: int) -> CatalogEntry:
    if not isinstance(node, LineDict):
        raise YamlError(path, line, "a catalog entry is a mapping")
    at = node.line
    for key in node:
        if key not in ENTRY_KEYS:
            raise YamlError(path, node.line_of(key), f"unknown key {key!r} (known: {', '.join(ENTRY_KEYS)})")
    for key in ("id", "cloud", "service", "tag"):
        if not isinstance(node.get(key), str) or not node[key]:
            raise YamlError(path, node.line_of(key), f"{key} is required (a string)")
    if node["cloud"] not in ("aws", "gcp"):
        raise YamlError(path, node.line_of("cloud"), "cloud must be aws or gcp")
    if node["tag"] not in TAGS:
        raise YamlError(path, node.line_of("tag"), f"tag must be one of {', '.join(TAGS)}")
    ops = _strs(node, "operations", path, at, required=True)
    specs = _strs(node, "resource", path, at, required=True)
    try:
        resource = tuple(_resource_spec(s, f"{node['id']}.resource") for s in specs)
        bucket = getter(node["bucket"], f"{node['id']}.bucket") if "bucket" in node else None
    except ExprError as e:
        raise YamlError(path, node.line_of("resource"), str(e)) from None
    actions = _strs(node, "actions", path, at)
    if node["cloud"] == "aws" and not actions:
        prefix = iam_prefix(node["service"])
        actions = tuple(f"{prefix}:{op}" for op in ops)
    iam_resources = _iam_resources(node, actions, path) if node["cloud"] == "aws" else ()
    resolver = node.get("resolve", "")
    if resolver and resolver not in RESOLVERS:
        raise YamlError(path, node.line_of("resolve"), f"resolve must be one of {', '.join(RESOLVERS)}")
    scp = node.get("scp", True)
    if not isinstance(scp, bool):
        raise YamlError(path, node.line_of("scp"), "scp must be true or false")
    deny = node.get("deny_supported", False)
    if not isinstance(deny, bool):
        raise YamlError(path, node.line_of("deny_supported"), "deny_supported must be true or false")
    return CatalogEntry(
        id=node["id"],
        cloud=node["cloud"],
        service=node["service"],
        operations=ops,
        tag=node["tag"],
        resource_specs=resource,
        actions=actions,
        iam_resources=iam_resources,
        resource_shapes=tuple(_PLACEHOLDER.sub("*", s) for s in specs if s.startswith("arn:")),
        permissions=_strs(node, "permissions", path, at),
        deny_supported=deny,
        bucket=bucket,
        ignore_if_only_params=frozenset(_strs(node, "ignore_if_only_params", path, at)),
        source=f"{path}:{at}",
        resolver=resolver,
        scp=scp,
    )


def _iam_resources(node: LineDict, actions: tuple[str, ...], path: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """`iam_resources`: exactly the entry's actions, each with a list of ARN globs (maybe empty)."""
    spec = node.get("iam_resources")
    at = node.line_of("iam_resources") if "iam_resources" in node else node.line
    if not isinstance(spec, Mapping):
        raise YamlError(path, at, "iam_resources is required for aws entries: a mapping of each IAM action to "
                        "the ARN formats it authorizes against ([] when it has no resource-level permissions)")
    missing = [a for a in actions if a not in spec]
    extra = [a for a in spec if a not in actions]
    if missing or extra:
        raise YamlError(path, at, "iam_resources must list exactly the entry's actions"
                        + (f"; missing {', '.join(missing)}" if missing else "")
                        + (f"; not an action of this entry: {', '.join(map(str, extra))}" if extra else ""))
    out: list[tuple[str, tuple[str, ...]]] = []
    for action in actions:
        arns = spec[action]
        where = spec.line_of(action) if isinstance(spec, LineDict) else at
        if not isinstance(arns, list) or not all(isinstance(a, str) and a.startswith("arn:")
                                                 and len(a.split(":", 5)) == 6 for a in arns):
            raise YamlError(path, where, f"iam_resources {action}: a list of ARN formats (arn:partition:service:"
                            "region:account:resource, * for placeholders), or [] for none")
        out.append((action, tuple(arns)))
    return tuple(out)


def parse_catalog(doc: Any, path: str) -> Catalog:
    if not isinstance(doc, LineDict) or not isinstance(doc.get("entries"), list):
        raise YamlError(path, 1, "the deploy catalog is a mapping with an `entries` list")
    entries = tuple(_parse_entry(e, path, doc.line_of("entries")) for e in doc["entries"])
    seen: dict[tuple[str, str, str], str] = {}
    for e in entries:
        for op in e.operations:
            key = (e.cloud, e.service, op)
            if key in seen:
                raise YamlError(path, int(e.source.rsplit(":", 1)[1]),
                                f"{e.cloud} {e.service} {op} is already listed by {seen[key]}")
            seen[key] = e.id
    return Catalog(entries, path)


def default_catalog_path() -> Path:
    from scanner.detect.rules import default_rules_dir

    return default_rules_dir() / CATALOG_FILE


def load_catalog(path: Path | None = None) -> Catalog:
    p = path or default_catalog_path()
    return parse_catalog(load_file(p), str(p))


__all__ = ["TAGS", "Catalog", "CatalogEntry", "load_catalog", "parse_catalog"]
