"""One typed configuration object, loaded from a file, AUDITWARDEN_CONFIG (path, s3://, gs://, ssm:, a secret),
or defaults.

Every threshold lives here or in the section its owner validates, never as a literal in detection code.
This module knows only the core sections (detector switches, aggregation, limits, trusted parties,
response); a detector's own section (`deploy_policy`, `detectors.<name>.*` options, ...) is kept raw
here and validated by the detector package itself, assembled by the registry in `scanner.detectors`.
Errors name the file and line.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from scanner.sources.limits import Limits
from scanner.yamlio import LineDict, YamlError, load_text

#: Sections this module parses itself; every other top-level key belongs to an owner the registry names.
CORE_KEYS = ("detectors", "aggregation", "limits", "trusted", "response")
RESPONSE_MODES = ("off", "dry_run", "enforce")
AGGREGATION_KEYS = ("window_seconds", "max_event_ids", "max_distinct_values")
LIMIT_KEYS = ("max_decompressed_bytes", "max_line_bytes", "max_envelope_depth", "selective_decoding")
RESPONSE_KEYS = ("mode", "min_severity", "protected_principals", "max_actions_per_hour", "aws_role",
                 "disabled_actions", "max_attempts", "retry_seconds")


@dataclass(frozen=True, slots=True)
class ResponseConfig:
    """The gate in front of every revocation (scanner.respond): read at run time, never baked in."""

    mode: str = "dry_run"
    protected_principals: tuple[str, ...] = ()
    max_actions_per_hour: int = 5
    min_severity: str = "high"
    #: role to act through in another account; `{account}` is replaced by the key's account
    aws_role: str = ""
    disabled_actions: tuple[str, ...] = ()  # e.g. ["aws-role-sessions"]: that responder never acts
    max_attempts: int = 5  # per cloud call, throttling and 5xx included (botocore standard mode)
    retry_seconds: int = 30  # total retry budget per GCP call (google-api-core Retry timeout)


@dataclass(frozen=True, slots=True)
class Trusted:
    """Who is "us": sharing to these is expected, to anyone else it is a finding."""

    aws_organizations: tuple[str, ...] = ()  # o-xxxxxxxxxx
    aws_accounts: tuple[str, ...] = ()
    aws_organizational_units: tuple[str, ...] = ()  # ou-xxxx-xxxxxxxx
    gcp_workload_identity_pools: tuple[str, ...] = ()  # projects/N/locations/global/workloadIdentityPools/P
    gcp_domains: tuple[str, ...] = ()  # example.com: members user:/group:/domain: of these are ours
    gcp_projects: tuple[str, ...] = ()

    def aws_account_trusted(self, account: str, own: str = "") -> bool:
        return bool(account) and (account == own or account in self.aws_accounts)


def _empty_section() -> LineDict:
    d = LineDict()
    d.key_lines = {}
    return d


@dataclass(frozen=True, slots=True)
class Config:
    source: str = "<defaults>"
    detectors: Mapping[str, bool] = field(default_factory=dict)  # name → enabled
    aggregation_window_seconds: int = 3600
    max_event_ids: int = 100
    max_distinct_values: int = 20
    limits: Limits = field(default_factory=Limits)
    trusted: Trusted = field(default_factory=Trusted)
    response: ResponseConfig = field(default_factory=ResponseConfig)
    raw: Mapping[str, Any] = field(default_factory=dict)  # the whole document; sections keep their lines

    def detector_enabled(self, name: str, default: bool = True) -> bool:
        return self.detectors.get(name, default)

    def section(self, key: str) -> Any:
        """A top-level section as written (LineDict / list / scalar), or None when absent."""
        return self.raw.get(key)

    def line_of(self, key: str) -> int:
        return self.raw.line_of(key) if isinstance(self.raw, LineDict) else 0

    def detector_options(self, name: str) -> LineDict:
        """`detectors.<name>` as a mapping (empty when written as a bare true/false or absent)."""
        det = self.raw.get("detectors")
        node = det.get(name) if isinstance(det, Mapping) else None
        if isinstance(node, LineDict):
            return node
        out = _empty_section()
        out.line = det.line_of(name) if isinstance(det, LineDict) else 0
        return out


def line_of(doc: Mapping[str, Any], key: str) -> int:
    """The line `key` sits on in `doc` (0 for a mapping built in code)."""
    return doc.line_of(key) if isinstance(doc, LineDict) else 0


def number(doc: Mapping[str, Any], key: str, path: str, default: float | None, minimum: float,
           maximum: float | None = None, *, integer: bool = True, where: str = "") -> Any:
    """The number under `key` (`default` when absent; None makes it required), checked against its
    bounds; a YamlError at its line naming `where.key` otherwise. Every section's owner validates its
    thresholds through this one function, so a bool never passes for 1 and the messages read alike."""
    v = doc.get(key, default)
    ok = isinstance(v, int) if integer else isinstance(v, int | float)
    if not ok or isinstance(v, bool) or v < minimum or (maximum is not None and v > maximum):
        bound = f">= {minimum}" if maximum is None else f"from {minimum} to {maximum}"
        name = f"{where}.{key}" if where else key
        raise YamlError(path, line_of(doc, key), f"{name} must be a{'n integer' if integer else ' number'} {bound}")
    return v


def _int(doc: Mapping[str, Any], key: str, path: str, default: int, minimum: int = 1) -> int:
    return int(number(doc, key, path, default, minimum))


def _bool(doc: LineDict, key: str, path: str, default: bool) -> bool:
    v = doc.get(key, default)
    if not isinstance(v, bool):
        raise YamlError(path, doc.line_of(key), f"{key} must be true or false")
    return v


def strs(doc: Mapping[str, Any], key: str, path: str, what: str = "") -> tuple[str, ...]:
    """A list of strings under `key` (empty when absent); a YamlError at its line otherwise."""
    v = doc.get(key, [])
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise YamlError(path, line_of(doc, key), f"{what or key} must be a list of strings")
    return tuple(v)


def section(doc: Mapping[str, Any], key: str, path: str, what: str = "") -> LineDict:
    """The mapping under `key` (an empty one, at the key's line, when absent)."""
    v = doc.get(key)
    line = line_of(doc, key)
    if v is None:
        empty = _empty_section()
        empty.line = line
        return empty
    if not isinstance(v, LineDict):
        raise YamlError(path, line, f"{what or key} must be a mapping")
    return v


def check_keys(doc: LineDict, known: Collection[str], path: str, what: str) -> None:
    for key in doc:
        if key not in known:
            raise YamlError(path, doc.line_of(key), f"unknown key {key!r} in {what} (known: {', '.join(known)})")


def _trusted(doc: LineDict, path: str) -> Trusted:
    return parse_trusted(section(doc, "trusted", path), path)


def parse_trusted(t: LineDict, path: str, what: str = "trusted") -> Trusted:
    """A `trusted:` mapping (the config section, or a rule test case's own) with file:line errors."""
    fields = Trusted.__dataclass_fields__
    check_keys(t, tuple(fields), path, what)
    return Trusted(**{k: strs(t, k, path, f"{what}.{k}") for k in fields})


def parse_config(text: str, path: str, owned: Collection[str] | None = None) -> Config:
    """The core sections typed; the rest kept raw for their owners.

    `owned` lists the top-level keys other packages own (the registry passes them); a key neither core
    nor owned is refused with its line. None skips that check (callers that read one section only).
    """
    doc = load_text(text, path)
    if doc is None:
        return Config(source=path)
    if not isinstance(doc, LineDict):
        raise YamlError(path, 1, "the configuration is a mapping")
    if owned is not None:
        known = (*CORE_KEYS, *owned)
        for key in doc:
            if key not in known:
                raise YamlError(path, doc.line_of(key), f"unknown key {key!r} (known: {', '.join(known)})")
    detectors: dict[str, bool] = {}
    det = section(doc, "detectors", path)
    for name, spec in det.items():
        if isinstance(spec, bool):
            detectors[name] = spec
        elif isinstance(spec, Mapping) and isinstance(spec.get("enabled", True), bool):
            detectors[name] = spec.get("enabled", True)
        else:
            raise YamlError(path, det.line_of(name), f"detectors.{name} must be true/false or {{enabled: true|false}}")
    agg = section(doc, "aggregation", path)
    check_keys(agg, AGGREGATION_KEYS, path, "aggregation")
    lim = section(doc, "limits", path)
    check_keys(lim, LIMIT_KEYS, path, "limits")
    resp = section(doc, "response", path)
    check_keys(resp, RESPONSE_KEYS, path, "response")
    mode = resp.get("mode", "dry_run")
    if mode is False:  # YAML 1.1 reads a bare `mode: off` as false; that is what the user wrote
        mode = "off"
    if mode not in RESPONSE_MODES:
        raise YamlError(path, resp.line_of("mode"), f"response.mode must be one of {', '.join(RESPONSE_MODES)}")
    min_severity = resp.get("min_severity", "high")  # a severity name; checked by scanner.respond.settings
    if not isinstance(min_severity, str):
        raise YamlError(path, resp.line_of("min_severity"), "response.min_severity must be a severity name")
    aws_role = resp.get("aws_role", "")
    if not isinstance(aws_role, str) or (aws_role and not aws_role.startswith("arn:")):
        raise YamlError(path, resp.line_of("aws_role"), "response.aws_role must be a role ARN template "
                        "such as arn:aws:iam::{account}:role/auditwarden-responder")
    dflt = Limits()
    return Config(
        source=path,
        detectors=detectors,
        aggregation_window_seconds=_int(agg, "window_seconds", path, 3600),
        max_event_ids=_int(agg, "max_event_ids", path, 100),
        max_distinct_values=_int(agg, "max_distinct_values", path, 20),
        limits=Limits(
            max_decompressed_bytes=_int(lim, "max_decompressed_bytes", path, dflt.max_decompressed_bytes),
            max_line_bytes=_int(lim, "max_line_bytes", path, dflt.max_line_bytes),
            max_envelope_depth=_int(lim, "max_envelope_depth", path, dflt.max_envelope_depth),
            selective_decoding=_bool(lim, "selective_decoding", path, dflt.selective_decoding),
        ),
        trusted=_trusted(doc, path),
        response=ResponseConfig(
            mode=mode,
            protected_principals=strs(resp, "protected_principals", path),
            max_actions_per_hour=_int(resp, "max_actions_per_hour", path, 5, minimum=0),
            min_severity=min_severity,
            aws_role=aws_role,
            disabled_actions=strs(resp, "disabled_actions", path, "response.disabled_actions"),
            max_attempts=_int(resp, "max_attempts", path, 5),
            retry_seconds=_int(resp, "retry_seconds", path, 30),
        ),
        raw=doc,
    )


Factory = Callable[[], Any]


@dataclass(frozen=True, slots=True)
class ConfigClients:
    """Where configuration is fetched from, as client factories: defaults import their SDK lazily (only the
    scheme in use pays for it); tests pass clients pointed at local servers."""

    s3: Factory | None = None
    ssm: Factory | None = None
    secretsmanager: Factory | None = None  # AWS Secrets Manager
    gcs: Factory | None = None  # google.cloud.storage.Client
    secretmanager: Factory | None = None  # GCP Secret Manager: SecretManagerServiceClient


def _aws(service: Literal["s3", "ssm", "secretsmanager"]) -> Any:
    import boto3

    return boto3.client(service)


def _gcs_client() -> Any:
    from google.cloud import storage  # type: ignore[attr-defined]  # (no type information shipped)

    return storage.Client()


def _secretmanager_client() -> Any:
    from google.cloud import secretmanager

    return secretmanager.SecretManagerServiceClient()


def _fetch(location: str, clients: ConfigClients | None = None) -> str:
    """The configuration text at `location`: a path, s3://bucket/key, gs://bucket/object, ssm:NAME,
    secretsmanager:NAME-OR-ARN (AWS), or secretmanager:projects/P/secrets/S[/versions/V] (GCP)."""
    c = clients or ConfigClients()
    if location.startswith("s3://"):
        bucket, _, key = location[5:].partition("/")
        client = c.s3() if c.s3 else _aws("s3")
        body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
        return str(body.decode("utf-8"))
    if location.startswith("ssm:"):
        client = c.ssm() if c.ssm else _aws("ssm")
        resp = client.get_parameter(Name=location[4:], WithDecryption=True)
        return str(resp["Parameter"]["Value"])
    if location.startswith("secretsmanager:"):
        client = c.secretsmanager() if c.secretsmanager else _aws("secretsmanager")
        return str(client.get_secret_value(SecretId=location[len("secretsmanager:"):])["SecretString"])
    if location.startswith("gs://"):
        bucket, _, name = location[5:].partition("/")
        gcs = c.gcs() if c.gcs else _gcs_client()
        return str(gcs.bucket(bucket).blob(name).download_as_bytes().decode("utf-8"))
    if location.startswith("secretmanager:"):
        name = location[len("secretmanager:"):]
        if "/versions/" not in name:
            name += "/versions/latest"
        sm = c.secretmanager() if c.secretmanager else _secretmanager_client()
        return str(sm.access_secret_version(name=name).payload.data.decode("utf-8"))
    return Path(location).read_text(encoding="utf-8")


def config_location(location: str | None = None) -> str | None:
    """Explicit location, else $AUDITWARDEN_CONFIG, else ./auditwarden.yaml if present, else None."""
    loc = location or os.environ.get("AUDITWARDEN_CONFIG")
    if not loc and Path("auditwarden.yaml").is_file():
        loc = "auditwarden.yaml"
    return loc or None


def load_config(location: str | None = None, owned: Collection[str] | None = None,
                clients: ConfigClients | None = None) -> Config:
    """Read and parse the configuration (core sections only). `scanner.detectors.load_settings` is the
    entry point that also validates every owner's section; use it wherever detectors will run."""
    loc = config_location(location)
    if not loc:
        return Config()
    try:
        text = _fetch(loc, clients)
    except (OSError, UnicodeDecodeError) as e:
        raise YamlError(loc, 0, f"cannot read configuration: {e}") from None
    except Exception as e:  # botocore errors: the message is what the user needs
        raise YamlError(loc, 0, f"cannot fetch configuration: {e}") from None
    return parse_config(text, loc, owned)
