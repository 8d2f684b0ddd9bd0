"""What a rule can decide before a record is normalized: from its quick key, or from the key and the raw record.

A rule's `match` is a conjunction; some of its parts read only the fields of the quick key (cloud,
service, operation, principal_type) and some read only those and `raw.<path>`. Those parts are
necessary conditions of the whole match, so a record that fails them for every rule interested in it
cannot yield a finding and need not be normalized and judged (about half of the cost of a record a
rule is interested in). Key-only parts are decided once per key; raw parts once per record, on the
parsed record, before the Event is built.

Only parts whose every path is one of those fields qualify: a part that reads any other Event field is
left to the full match. `trusted`/`untrusted` read the event's account; early, such a condition is
weakened to what it implies (the value is a string), and a part using one under a `not` is left out. Safety
therefore rests on one invariant, which `rules test` and the tests check: the key fields the quick key
reads are the ones the Event carries (the scan already routes records by that key).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scanner.config import Trusted
from scanner.detect.expr import VALUE_OPERATORS, Pred, compile_expr
from scanner.model.event import Event

#: Event fields the quick key carries: decidable before normalization.
KEY_FIELDS = frozenset({"cloud", "service", "operation", "principal_type"})

#: Raw paths below the record's top level, e.g. ("requestParameters", "instanceType").
Paths = tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Early:
    """The parts of one expression decidable early; None where there are none (nothing to check)."""

    key: Pred | None = None  # reads only the quick key's fields
    raw: Pred | None = None  # reads those and raw.<path>, and at least one raw path
    raw_paths: Paths | None = None  # the raw paths `raw` reads; None when it reads the whole record

    def key_holds(self, blank: Event) -> bool:
        """Whether the key-only parts hold for the key of `blank` (a probe() with no raw record)."""
        return self.key is None or self.key(blank)


@dataclass(frozen=True, slots=True)
class Gate:
    """A check of one raw record (the parsed JSON object the Event would hold as `raw`), and the raw
    paths it reads (None: the whole record), so a decoder may read only those (sources/projection.py).
    The check is pure: its verdict depends only on those paths' values (the scan remembers it by them)."""

    check: Callable[[Mapping[str, Any]], bool]
    paths: Paths | None


class _Opaque(Exception):
    """The expression reads the event other than through its paths (e.g. `trusted`)."""


def _paths(key: Any) -> list[str]:
    return [p.strip() for p in str(key).split("|")]


def _walk_cond(cond: Any, out: set[str]) -> None:
    if not isinstance(cond, Mapping):
        return
    for op, arg in cond.items():
        if op in ("not", "keys"):  # a condition on the value itself (its keys are values too)
            _walk_cond(arg, out)
        elif op in ("any", "json"):
            _walk_expr(arg, out, top=False)
        elif op in ("eq_field", "ne_field"):
            out.update(_paths(arg))
        elif op not in VALUE_OPERATORS:  # `trusted`/`untrusted`, or one this module does not know
            raise _Opaque(op)


def _walk_expr(expr: Any, out: set[str], top: bool) -> None:
    if not isinstance(expr, Mapping):
        return
    for key, val in expr.items():
        if key in ("all", "any"):
            for sub in val if isinstance(val, list) else []:
                _walk_expr(sub, out, top)
        elif key == "not":
            _walk_expr(val, out, top)
        else:
            if top:  # inside `any:`/`json:` of a condition, paths are relative to an element
                out.update(_paths(key))
            _walk_cond(val, out)


def top_paths(expr: Any) -> set[str] | None:
    """The top-level paths an expression reads (Event fields, `raw.<path>`); None when it also reads
    the event in a way paths do not show."""
    out: set[str] = set()
    try:
        _walk_expr(expr, out, top=True)
    except _Opaque:
        return None
    return out


_TRUST_OPS = ("trusted", "untrusted")


def _weaken_cond(cond: Any, positive: bool) -> Any:
    if not isinstance(cond, Mapping):
        return cond
    out: dict[str, Any] = {}
    for op, arg in cond.items():
        if op == "not":
            out[op] = _weaken_cond(arg, not positive)
        elif op == "keys":
            out[op] = _weaken_cond(arg, positive)
        elif op in ("any", "json"):
            out[op] = weaken(arg, positive)
        elif op in _TRUST_OPS:
            if not positive:
                raise _Opaque(op)
            # holds only for a string value: "some value is a string" is what is left of it early
            out.setdefault("prefix", "")
        else:
            out[op] = arg
    return out


def weaken(expr: Any, positive: bool = True) -> Any:
    """The expression with each `trusted`/`untrusted` condition (which reads the event's account)
    replaced by "the value is a string", which it implies: a necessary condition of the original.
    Under a `not` that would not be so; raises _Opaque there."""
    if not isinstance(expr, Mapping):
        return expr
    out: dict[str, Any] = {}
    for key, val in expr.items():
        if key in ("all", "any"):
            out[key] = [weaken(sub, positive) for sub in val] if isinstance(val, list) else val
        elif key == "not":
            out[key] = weaken(val, not positive)
        else:
            out[key] = _weaken_cond(val, positive)
    return out


def _conjuncts(expr: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    for key, val in expr.items():
        if key == "all" and isinstance(val, list):
            for sub in val:
                if isinstance(sub, Mapping):
                    yield from _conjuncts(sub)
        else:
            yield {key: val}


def _is_raw(path: str) -> bool:
    return path == "raw" or path.startswith("raw.")


@dataclass(frozen=True, slots=True)
class Derived:
    """An Event field its cloud's mapper computes from a few raw paths alone, by a function it also
    uses to build the Event (so the two cannot differ), returning None where the paths do not decide it."""

    of: Callable[[Mapping[str, Any]], Any]
    paths: Paths


def _derived() -> dict[str, dict[str, Derived]]:
    from scanner.normalize.gcp import PRINCIPAL_PATHS, principal_of

    return {"gcp": {"principal": Derived(principal_of, PRINCIPAL_PATHS)}}


#: cloud → Event field → how it is derived from the raw record: a condition on such a field alone is
#: decided early by computing the field (a GCP principal from authenticationInfo / mapped_principal).
DERIVED: dict[str, dict[str, Derived]] = _derived()


def _derived_check(field: str, how: Derived, part: dict[str, Any]) -> Pred:
    """A condition on a derived field, judged on a probe: the field computed from the raw record
    (a record it cannot be computed for passes)."""
    test = compile_expr(part, "match")

    def check(ev: Event) -> bool:
        value = how.of(ev.raw)
        return value is None or test(ev._replace(**{field: value}))

    return check


def early(expr: Any, cloud: str | None = None) -> Early:
    """Split an (already validated) expression into its early-decidable parts. With the rule's cloud,
    conditions on a field DERIVED from raw paths in that cloud are early parts too."""
    if not isinstance(expr, Mapping):
        return Early()
    key_parts: list[dict[str, Any]] = []
    raw_parts: list[dict[str, Any]] = []
    derived: list[Pred] = []
    raw_paths: set[tuple[str, ...]] | None = set()
    derivable = DERIVED.get(cloud or "", {})
    for whole in _conjuncts(expr):
        try:
            part = weaken(whole)
        except _Opaque:
            continue
        paths = top_paths(part)
        if not paths:
            continue
        fields = [p for p in paths if p in derivable]
        if len(fields) == 1 and paths - {fields[0]} <= KEY_FIELDS:  # one derived field (and the key)
            field = fields[0]
            how = derivable[field]
            derived.append(_derived_check(field, how, part))
            if raw_paths is not None:
                raw_paths.update(how.paths)
            continue
        if not all(p in KEY_FIELDS or _is_raw(p) for p in paths):
            continue
        if any(_is_raw(p) for p in paths):
            raw_parts.append(part)
            if "raw" in paths:
                raw_paths = None
            elif raw_paths is not None:
                raw_paths.update(tuple(p[4:].split(".")) for p in paths if _is_raw(p))
        else:
            key_parts.append(part)

    def compiled(parts: list[dict[str, Any]]) -> Pred | None:
        if not parts:
            return None
        return compile_expr(parts[0] if len(parts) == 1 else {"all": parts}, "match")

    raw = compiled(raw_parts)
    checks = ([raw] if raw is not None else []) + derived
    if len(checks) > 1:
        raw = _all_checks(tuple(checks))
    elif checks:
        raw = checks[0]
    return Early(compiled(key_parts), raw, tuple(sorted(raw_paths)) if raw_paths is not None and checks else None)


def _all_checks(checks: tuple[Pred, ...]) -> Pred:
    return lambda ev: all(check(ev) for check in checks)


def beyond_key(expr: Any) -> Any:
    """The conjuncts of an expression that its quick key does not decide (each reads some other field,
    or uses `trusted`/`untrusted`): {} when the key decides them all. For an event of a key whose
    key-only conjuncts hold (the rules engine keeps only such candidates), the expression holds exactly
    when these do, so they are all that is left to evaluate."""
    if not isinstance(expr, Mapping):
        return expr
    parts = list(_conjuncts(expr))
    rest = [p for p in parts if not (paths := top_paths(p)) or not paths <= KEY_FIELDS]
    if len(rest) == len(parts):
        return expr
    if not rest:
        return {}
    return rest[0] if len(rest) == 1 else {"all": rest}


def always(ev: Event) -> bool:
    """What is left of an expression its key decides alone."""
    return True


def rest_of(expr: Any, where: str, trusted: Trusted | None = None) -> Pred | None:
    """beyond_key() compiled: `always` when the key decides it all, None when it decides no part."""
    rest = beyond_key(expr)
    if rest is expr:
        return None
    return compile_expr(rest, where, trusted) if rest else always


def probe(cloud: str, service: str, operation: str, ptype: str, raw: Mapping[str, Any]) -> Event:
    """An Event holding only what is known before normalization; early parts read nothing else."""
    return Event(cloud, "", "", "", "", service, operation, operation, (), "", ptype, "", "", "", None, "", (), "",
                 "", "", "", (), "", None, raw)


def gate_of(key: tuple[str, str, str, str], parts: Sequence[Early]) -> Gate:
    """One record check for a key: some part's raw check holds (each part must have one)."""
    checks = tuple(p.raw for p in parts if p.raw is not None)
    assert len(checks) == len(parts), "every part needs a raw check"
    paths = None if any(p.raw_paths is None for p in parts) else tuple(
        sorted({path for p in parts for path in p.raw_paths or ()}))

    if len(checks) == 1:  # the common case, without a generator per record
        only = checks[0]
        return Gate(lambda raw: only(probe(*key, raw)), paths)

    def admit(raw: Mapping[str, Any]) -> bool:
        ev = probe(*key, raw)
        return any(check(ev) for check in checks)

    return Gate(admit, paths)


NO_RAW: Mapping[str, Any] = {}
#: an expression with nothing decidable early
NOTHING_EARLY = Early()


def admits(part: Early, key: tuple[str, str, str, str], raw: Mapping[str, Any]) -> bool:
    """Whether a record with this quick key and raw object passes the early parts (both, where present)."""
    if not part.key_holds(probe(*key, NO_RAW)):
        return False
    return part.raw is None or part.raw(probe(*key, raw))
