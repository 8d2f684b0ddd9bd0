"""Settings of `auditwarden secrets`: `.auditwarden-secrets.yaml` at the repository root, else the
`secrets:` section of `auditwarden.yaml`, else defaults. Errors name the file and line.

    exclude_paths: [tests/fixtures/, '*.pem.example']   # repo-relative globs, gitignore style
    max_file_bytes: 2097152                             # larger text files are read in windows of this size
    max_scan_bytes: 268435456                           # larger files are skipped, and the summary names them
    window_overlap_bytes: 65536                         # each window starts with this much of the one before
    jobs: 0                                             # worker processes for big scans (0: one a core) …
    parallel_min_bytes: 4194304                         # … once this much text has been read
    decoding:                                           # base64 runs read decoded when the text holds one of
      base64_triggers: [AKIA, ASIA, service_account, PRIVATE KEY]   # … these words in base64
      base64_min_chars: 24
      printable_share: 0.95                             # of the decoded characters, for it to be text
    disabled_rules: [secrets.gcp.api_key]
    baseline: .auditwarden-baseline.json                # used when --baseline is not given
    detectors:                                          # per-detector threshold overrides
      secrets.generic.assignment: {entropy: 3.5, params: {long_entropy: 3.6}}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scanner.secrets import layers
from scanner.secrets.globs import matcher
from scanner.secrets.model import DetectorSpec
from scanner.yamlio import YamlError, load_file

FILE_NAME = ".auditwarden-secrets.yaml"
KEYS = ("exclude_paths", "max_file_bytes", "max_scan_bytes", "window_overlap_bytes", "decoding", "jobs",
        "parallel_min_bytes", "disabled_rules", "baseline", "detectors")
DECODING_KEYS = ("base64_triggers", "base64_min_chars", "printable_share")
DEFAULT_MAX_FILE_BYTES = 2 * 1024 * 1024
DEFAULT_MAX_SCAN_BYTES = 256 * 1024 * 1024
DEFAULT_WINDOW_OVERLAP = 64 * 1024
DEFAULT_PARALLEL_MIN_BYTES = 4 * 1024 * 1024
# Items shared out between the processes at a time (a fork per round and worker; memory holds a round's
# blobs when they come from git rather than from files).
ROUND_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class SecretsSettings:
    """The settings in force (defaults where the file is silent)."""

    source: str = "<defaults>"
    exclude_paths: tuple[str, ...] = ()
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    max_scan_bytes: int = DEFAULT_MAX_SCAN_BYTES
    window_overlap_bytes: int = DEFAULT_WINDOW_OVERLAP
    jobs: int = 0
    parallel_min_bytes: int = DEFAULT_PARALLEL_MIN_BYTES
    round_bytes: int = ROUND_BYTES
    disabled_rules: tuple[str, ...] = ()
    baseline: str | None = None
    detectors: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    base64_triggers: tuple[str, ...] = layers.DEFAULT_TRIGGERS
    base64_min_chars: int = layers.DEFAULT_MIN_RUN
    printable_share: float = layers.DEFAULT_PRINTABLE_SHARE

    def decoder(self) -> layers.Layers:
        return layers.Layers(self.base64_triggers, self.base64_min_chars, self.printable_share)

    def excluder(self) -> Callable[[str], bool]:
        return matcher(self.exclude_paths)

    def apply(self, specs: list[DetectorSpec]) -> list[DetectorSpec]:
        """Detector specs with this configuration's threshold overrides."""
        out = []
        for s in specs:
            o = self.detectors.get(s.id)
            if o:
                s = replace(s, entropy=float(o.get("entropy", s.entropy)),
                            params={**s.params, **dict(o.get("params", {}))})
            out.append(s)
        return out


def parse_settings(doc: Any, path: str, base: Path | None = None) -> SecretsSettings:
    if doc is None:
        return SecretsSettings(source=path)
    # Here, not at the top: scanner.config defines the audit-log configuration's models, which a
    # scan without a settings file (the pre-commit hook's usual case) need not build.
    from scanner.config import _int, strs
    from scanner.config import line_of as _line

    if not isinstance(doc, Mapping):
        raise YamlError(path, 1, "secret-scanning settings are a mapping")
    for k in doc:
        if k not in KEYS:
            raise YamlError(path, _line(doc, k), f"unknown key {k!r} (known: {', '.join(KEYS)})")

    size = _int(doc, "max_file_bytes", path, DEFAULT_MAX_FILE_BYTES, 1)
    scan = _int(doc, "max_scan_bytes", path, max(size, DEFAULT_MAX_SCAN_BYTES), size)
    overlap = _int(doc, "window_overlap_bytes", path, min(DEFAULT_WINDOW_OVERLAP, size // 2), 0)
    jobs = _int(doc, "jobs", path, 0, 0)
    parallel_min = _int(doc, "parallel_min_bytes", path, DEFAULT_PARALLEL_MIN_BYTES, 0)
    if overlap >= size:
        raise YamlError(path, _line(doc, "window_overlap_bytes"), "window_overlap_bytes must be below max_file_bytes")
    baseline = doc.get("baseline")
    if baseline is not None and not isinstance(baseline, str):
        raise YamlError(path, _line(doc, "baseline"), "baseline must be a path")
    if baseline and base is not None and not Path(baseline).is_absolute():
        baseline = str(base / baseline)
    dec = doc.get("decoding", {})
    if not isinstance(dec, Mapping) or set(dec) - set(DECODING_KEYS):
        raise YamlError(path, _line(doc, "decoding"), f"decoding takes {', '.join(DECODING_KEYS)}")
    triggers = dec.get("base64_triggers", list(layers.DEFAULT_TRIGGERS))
    if not isinstance(triggers, list) or not all(isinstance(t, str) and t for t in triggers):
        raise YamlError(path, _line(dec, "base64_triggers"), "decoding.base64_triggers must be a list of words")
    min_run = dec.get("base64_min_chars", layers.DEFAULT_MIN_RUN)
    if not isinstance(min_run, int) or isinstance(min_run, bool) or min_run < 4:
        raise YamlError(path, _line(dec, "base64_min_chars"), "decoding.base64_min_chars must be an integer >= 4")
    share = dec.get("printable_share", layers.DEFAULT_PRINTABLE_SHARE)
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share <= 1:
        raise YamlError(path, _line(dec, "printable_share"), "decoding.printable_share must be in (0, 1]")
    dets = doc.get("detectors", {})
    if not isinstance(dets, Mapping):
        raise YamlError(path, _line(doc, "detectors"), "detectors must map detector ids to overrides")
    for rid, o in dets.items():
        ok = isinstance(o, Mapping) and set(o) <= {"entropy", "params"} and isinstance(o.get("params", {}), Mapping)
        if not ok or isinstance(o.get("entropy", 0), bool) or not isinstance(o.get("entropy", 0), int | float):
            raise YamlError(path, _line(dets, rid), f"detectors.{rid} takes `entropy` (number) and `params` (mapping)")
    return SecretsSettings(source=path, exclude_paths=strs(doc, "exclude_paths", path), max_file_bytes=size,
                           max_scan_bytes=scan, window_overlap_bytes=overlap, jobs=jobs,
                           parallel_min_bytes=parallel_min, base64_triggers=tuple(triggers), base64_min_chars=min_run,
                           printable_share=float(share),
                           disabled_rules=strs(doc, "disabled_rules", path), baseline=baseline, detectors=dets)


def load_settings(explicit: str | None, root: Path | None) -> SecretsSettings:
    """`--config FILE` (a secrets file, or an auditwarden.yaml with a `secrets:` section), else the
    repository's (or the current directory's) .auditwarden-secrets.yaml, else its auditwarden.yaml."""
    base = root or Path(".")
    if explicit:
        doc = load_file(explicit)
        if isinstance(doc, Mapping) and "secrets" in doc and not set(doc) & set(KEYS):
            return parse_settings(doc["secrets"], explicit, Path(explicit).parent)
        return parse_settings(doc, explicit, Path(explicit).parent)
    own = base / FILE_NAME
    if own.is_file():
        return parse_settings(load_file(own), str(own), base)
    shared = base / "auditwarden.yaml"
    if shared.is_file():
        from scanner.config import load_config

        return parse_settings(load_config(str(shared)).section("secrets"), str(shared), base)
    return SecretsSettings()
