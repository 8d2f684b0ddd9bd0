"""Match expressions over Events, compiled once into closures.

Grammar (YAML):
    expr      := mapping of  path → condition        (every entry must hold)
               | {all: [expr, ...]} | {any: [expr, ...]} | {not: expr}   (as keys of the mapping)
    path      := at the top: an Event field (`operation`, `principal_type`, `success`, ...) or
                 `raw.<dotted.path>`; inside `any`/`json` (see below): a dotted path into that object.
                 A path that crosses a list collects every element's value. `a|b|c` is the first
                 of those paths that holds a value (e.g. a finding's resource: user, role or group).
    condition := scalar                 equality (same type: "22" is not 22, true is not 1)
               | [scalar, ...]          equality with any of them
               | {op: arg, ...}         every op must hold

Operators:
    equals: scalar|[scalars]   in: [scalars]          same as the plain forms above
    glob / iglob: pattern(s)   fnmatch, whole string (iglob ignores case)
    prefix / suffix / contains / icontains: string(s)
    regex: pattern(s)          re.search
    gt / gte / lt / lte: number          numbers, and strings that parse as numbers
    covers: number|[numbers]   the value is a number or an "a-b" range (ports: 22, "22", "20-30")
                               that includes any of the numbers
    exists: true|false         present and not empty ("" , [] and {} count as absent)
    not: condition             the condition does not hold (so it holds for an absent value)
    any: expr                  some element of the list (an object) satisfies expr, whose paths
                               are relative to that element; `all/any/not` work inside
    json: expr                 the value is a JSON document in a string (IAM policy documents are);
                               parse it and evaluate expr against the decoded object
    eq_field / ne_field: path  equal / not equal to another top-level path of the same event
                               (absent and "" are equal to each other)
    cidr_world: true|false     the value is a CIDR covering a whole address family, compared as a
                               network: any /0 (`0.0.0.0/00`, `10.0.0.0/0`, `0::0/0`), `::ffff:0:0/96`
    trusted / untrusted: kind  the value belongs (does not belong) to the configured `trusted:` parties;
                               kind says what the value is: aws_account (an ID or an ARN holding one;
                               the event's own account counts as trusted), aws_organization,
                               aws_organizational_unit, gcp_member (IAM members: principal(Set)://
                               pools, user/group/domain of trusted domains, service accounts of trusted
                               projects; people and foreign service accounts are not judged while
                               gcp_domains / gcp_projects are empty), gcp_project (a resource name
                               `projects/P/…`: P is the event's project or in gcp_projects; not judged
                               while gcp_projects is empty). A value that is not of that kind,
                               or not judged, satisfies neither.

A list-valued path satisfies a condition when any of its values does, `ne_field` included ("some
value differs"). `exists`, `not`, `any` and `json` look at the value as a whole.
"""

from __future__ import annotations

import fnmatch
import operator
import re
from bisect import bisect_left
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote

import orjson

from scanner.config import Trusted
from scanner.detect.cidr import is_world
from scanner.detect.trust import TRUST_KINDS
from scanner.model.event import EVENT_FIELDS, Event

Pred = Callable[[Event], bool]
Getter = Callable[[Event], Any]
ValuePred = Callable[[Any, Event], bool]
#: A compiled expression: (the object paths are resolved against, the event) → bool.
ScopedPred = Callable[[Any, Event], bool]
#: Resolves a path against the current object: the Event at the top, a list element inside `any`.
Resolver = Callable[[str, str], Callable[[Any], Any]]

_MISSING = object()
MISSING = _MISSING  # what a getter returns for an absent path

#: A `json` document larger than this is not parsed (IAM caps inline policies at 10 KiB).
JSON_MAX_CHARS = 256 * 1024

_STR_OPS = ("glob", "iglob", "prefix", "suffix", "contains", "icontains", "regex")
_NUM_OPS = {"gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le}
#: Condition operators whose verdict depends on the tested value alone (not on the event, the
#: configuration or other fields): what detect/early.py may decide before an event is built. An
#: operator missing here is treated there as reading the event, so a new one fails safe.
VALUE_OPERATORS = frozenset({"equals", "in", *_STR_OPS, *_NUM_OPS, "covers", "exists", "cidr_world"})


class ExprError(ValueError):
    """Bad expression; `where` says where inside the expression (e.g. `match.any[1].raw.x`)."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where


def _dig(value: Any, parts: tuple[str, ...]) -> Any:
    # the common case first: objects all the way down (no list crossed), without the general loop's
    # bookkeeping; anything else is walked again by the general loop below
    v = value
    for part in parts:
        if type(v) is not dict:
            return _dig_any(value, parts)
        v = v.get(part, _MISSING)
        if v is _MISSING:
            return _MISSING
    return v


def _dig_any(value: Any, parts: tuple[str, ...]) -> Any:
    for i, part in enumerate(parts):
        if isinstance(value, dict):
            value = value.get(part, _MISSING)
            if value is _MISSING:
                return _MISSING
        elif isinstance(value, list):
            rest = parts[i:]
            out: list[Any] = []
            for item in value:
                v = _dig(item, rest)
                if v is _MISSING:
                    continue
                if isinstance(v, list):
                    out.extend(v)
                else:
                    out.append(v)
            return out if out else _MISSING
        else:
            return _MISSING
    return value


def _split(path: str, where: str) -> tuple[str, ...]:
    parts = tuple(path.split("."))
    if not path or not all(parts):
        raise ExprError(where, f"bad path {path!r}")
    return parts


def _first_present(getters: list[Callable[[Any], Any]]) -> Callable[[Any], Any]:
    def get(obj: Any) -> Any:
        for g in getters:
            v = g(obj)
            if _present(v):
                return v
        return _MISSING

    return get


def getter(path: str, where: str) -> Getter:
    """A top-level path (Event field or `raw.<path>`) as a function of the event."""
    if "|" in path:
        return _first_present([getter(p.strip(), where) for p in path.split("|")])
    if path.startswith("raw."):
        parts = _split(path[4:], where)
        return lambda ev: _dig(ev.raw, parts)
    if path == "raw":
        return lambda ev: ev.raw
    if path not in EVENT_FIELDS:
        raise ExprError(where, f"unknown field {path!r} (Event fields: {', '.join(sorted(EVENT_FIELDS))})")
    if path == "success":
        return lambda ev: ev.success
    return operator.attrgetter(path)


def _element_getter(path: str, where: str) -> Callable[[Any], Any]:
    if "|" in path:
        return _first_present([_element_getter(p.strip(), where) for p in path.split("|")])
    parts = _split(path, where)
    return lambda obj: _dig(obj, parts)


def _values(v: Any) -> list[Any]:
    if v is _MISSING or v is None:
        return []
    if isinstance(v, (list, tuple)):
        return list(v)
    return [v]


def _present(v: Any) -> bool:
    if v is _MISSING or v is None or v == "":
        return False
    if isinstance(v, (list, tuple, dict)):
        return len(v) > 0
    return True


def _scalar_pred(test: Callable[[Any], bool]) -> ValuePred:
    def pred(v: Any, ev: Event) -> bool:
        if isinstance(v, (list, tuple)):
            return any(test(x) for x in v)
        return v is not _MISSING and test(v)

    return pred


def _as_list(arg: Any) -> list[Any]:
    return list(arg) if isinstance(arg, list) else [arg]


def _typed(x: Any) -> tuple[type, Any]:
    # YAML `1` must not match a JSON `true` (True == 1 in Python): compare type and value.
    return (type(x), x)


def _equality(cond: Any, where: str) -> ValuePred:
    choices = _as_list(cond)
    if not all(c is None or isinstance(c, (str, int, float, bool)) for c in choices):
        raise ExprError(where, "equality takes scalars only (use `any:` for alternatives)")
    if len(choices) == 1:
        only = choices[0]
        kind = type(only)
        # the same type and value (what _typed compares), without a tuple per value
        return _scalar_pred(lambda x: type(x) is kind and x == only)
    wanted = {_typed(c) for c in choices}
    return _scalar_pred(lambda x: not isinstance(x, (dict, list)) and _typed(x) in wanted)


def _str_op(op: str, arg: Any, where: str) -> ValuePred:
    pats = _as_list(arg)
    if not pats or not all(isinstance(p, str) for p in pats):
        raise ExprError(where, f"{op} takes a string or a list of strings")
    if op in ("glob", "iglob"):
        flags = re.S | (re.I if op == "iglob" else 0)
        rx = re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in pats), flags)
        return _scalar_pred(lambda x: isinstance(x, str) and rx.match(x) is not None)
    if op == "prefix":
        tp = tuple(pats)
        return _scalar_pred(lambda x: isinstance(x, str) and x.startswith(tp))
    if op == "suffix":
        ts = tuple(pats)
        return _scalar_pred(lambda x: isinstance(x, str) and x.endswith(ts))
    if op == "contains":
        return _scalar_pred(lambda x: isinstance(x, str) and any(p in x for p in pats))
    if op == "icontains":
        low = [p.lower() for p in pats]
        return _scalar_pred(lambda x: isinstance(x, str) and any(p in x.lower() for p in low))
    try:
        rx2 = re.compile("|".join(f"(?:{p})" for p in pats))
    except re.error as e:
        raise ExprError(where, f"bad regex: {e}") from None
    return _scalar_pred(lambda x: isinstance(x, str) and rx2.search(x) is not None)


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _num_op(op: str, arg: Any, where: str) -> ValuePred:
    if not _is_number(arg):
        raise ExprError(where, f"{op} takes a number")
    cmp = _NUM_OPS[op]

    def test(x: Any) -> bool:
        if isinstance(x, str):
            try:
                x = float(x)
            except ValueError:
                return False
        return _is_number(x) and bool(cmp(x, arg))

    return _scalar_pred(test)


def _span(x: Any) -> tuple[int, int] | None:
    """A port-like value as an inclusive range: 22 → (22, 22), "20-30" → (20, 30); else None."""
    if isinstance(x, bool):
        return None
    if isinstance(x, int):
        return (x, x)
    if isinstance(x, str):
        lo, sep, hi = x.strip().partition("-")
        try:
            a = int(lo)
            b = int(hi) if sep else a
        except ValueError:
            return None
        return (a, b) if a <= b else None
    return None


def _covers_op(arg: Any, where: str) -> ValuePred:
    nums = _as_list(arg)
    if not nums or not all(isinstance(n, int) and not isinstance(n, bool) for n in nums):
        raise ExprError(where, "covers takes an integer or a list of integers")

    ordered = sorted(set(nums))

    def test(x: Any) -> bool:
        # the smallest listed port not below the span's start, if any, decides (a firewall rule lists
        # several ports and ranges, each judged against a dozen risky ports)
        s = _span(x)
        if s is None:
            return False
        i = bisect_left(ordered, s[0])
        return i < len(ordered) and ordered[i] <= s[1]

    return _scalar_pred(test)


def _decode_json(x: Any) -> Any:
    """A JSON document held in a string (possibly URL-encoded, as some CloudTrail fields are)."""
    if isinstance(x, dict):
        return x
    if not isinstance(x, str) or len(x) > JSON_MAX_CHARS:
        return _MISSING
    text = x.strip()
    if text.startswith("%7B") or text.startswith("%7b"):
        text = unquote(text)
    try:
        return orjson.loads(text)  # orjson bounds nesting depth itself
    except orjson.JSONDecodeError:
        return _MISSING


def _json_op(arg: Any, where: str, trusted: Trusted) -> ValuePred:
    sub = _compile(arg, where, _element_getter, trusted)

    def pred(v: Any, ev: Event) -> bool:
        for item in _values(v) if isinstance(v, (list, tuple)) else [v]:
            doc = _decode_json(item)
            if isinstance(doc, dict) and sub(doc, ev):
                return True
        return False

    return pred


def _keys_op(arg: Any, where: str, trusted: Trusted) -> ValuePred:
    # An object's keys as values: IAM condition keys are case-insensitive (`AWS:SourceOwner` in SNS's
    # default topic policy is `aws:sourceowner`), which a path cannot say and `iglob` on the keys can.
    sub = _condition(arg, where, trusted)

    return lambda v, ev: any(isinstance(x, dict) and any(sub(k, ev) for k in x) for x in _values(v))


def _any_op(arg: Any, where: str, trusted: Trusted) -> ValuePred:
    sub = _compile(arg, where, _element_getter, trusted)
    return lambda v, ev: any(isinstance(x, dict) and sub(x, ev) for x in _values(v))


def _field_op(op: str, arg: Any, where: str) -> ValuePred:
    if not isinstance(arg, str):
        raise ExprError(where, f"{op} takes a top-level path")
    other = getter(arg, where)
    same = op == "eq_field"

    def pred(v: Any, ev: Event) -> bool:
        o = _norm(other(ev))
        vals = list(v) if isinstance(v, (list, tuple)) and v else [v]
        return any((_norm(x) == o) == same for x in vals)

    return pred


def _norm(v: Any) -> Any:
    return None if v is _MISSING or v is None or v == "" else v


#: Compiled conditions by their JSON and trusted lists: a pack states the same conditions many times
#: (and a rule's match is compiled again in parts: detect/early.py), and compiling one (globs, regexes)
#: costs a scan's start-up more than most rules cost it afterwards. A compiled condition is pure.
_COMPILED: dict[tuple[bytes, Trusted], ValuePred] = {}
#: bound on _COMPILED (rule files are data a user may add to)
COMPILED_CONDITIONS = 20_000
#: what a YAML document may hold that JSON would write like something else (a date like its string)
_AS_JSON = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _condition(cond: Any, where: str, trusted: Trusted) -> ValuePred:
    try:
        key = (orjson.dumps(cond, option=_AS_JSON), trusted)
    except TypeError:  # not plain JSON: compiled (and refused, naming where) every time
        return _compile_condition(cond, where, trusted)
    hit = _COMPILED.get(key)
    if hit is None:
        hit = _compile_condition(cond, where, trusted)  # a bad condition raises here, every time
        if len(_COMPILED) < COMPILED_CONDITIONS:
            _COMPILED[key] = hit
    return hit


def _compile_condition(cond: Any, where: str, trusted: Trusted) -> ValuePred:
    if not isinstance(cond, Mapping):
        return _equality(cond, where)
    preds: list[ValuePred] = []
    for op, arg in cond.items():
        w = f"{where}.{op}"
        if op in ("equals", "in"):
            preds.append(_equality(arg, w))
        elif op in _STR_OPS:
            preds.append(_str_op(op, arg, w))
        elif op in _NUM_OPS:
            preds.append(_num_op(op, arg, w))
        elif op == "covers":
            preds.append(_covers_op(arg, w))
        elif op == "exists":
            if not isinstance(arg, bool):
                raise ExprError(w, "exists takes true or false")
            preds.append(_exists_op(arg))
        elif op == "not":
            preds.append(_negate(_condition(arg, w, trusted)))
        elif op == "any":
            preds.append(_any_op(arg, w, trusted))
        elif op == "json":
            preds.append(_json_op(arg, w, trusted))
        elif op == "keys":
            preds.append(_keys_op(arg, w, trusted))
        elif op == "cidr_world":
            if not isinstance(arg, bool):
                raise ExprError(w, "cidr_world takes true or false")
            preds.append(_cidr_world_op(arg))
        elif op in ("trusted", "untrusted"):
            preds.append(_trust_op(op, arg, w, trusted))
        elif op in ("eq_field", "ne_field"):
            preds.append(_field_op(op, arg, w))
        else:
            raise ExprError(w, f"unknown operator {op!r}")
    if not preds:
        raise ExprError(where, "empty condition")
    if len(preds) == 1:
        return preds[0]
    return _all_of(preds)


def _cidr_world_op(want: bool) -> ValuePred:
    world = _scalar_pred(lambda x: isinstance(x, str) and is_world(x))
    return world if want else _negate(world)


def _trust_op(op: str, kind: Any, where: str, trusted: Trusted) -> ValuePred:
    test = TRUST_KINDS.get(kind) if isinstance(kind, str) else None
    if test is None:
        raise ExprError(where, f"{op} takes one of {', '.join(TRUST_KINDS)}")
    want = op == "trusted"

    def pred(v: Any, ev: Event) -> bool:
        # Per value, like every scalar operator: one untrusted account among several is enough.
        for x in v if isinstance(v, (list, tuple)) else [v]:
            if isinstance(x, str) and test(x, ev, trusted) is want:
                return True
        return False

    return pred


def _exists_op(want: bool) -> ValuePred:
    return lambda v, ev: _present(v) == want


def _negate(p: Callable[[Any, Event], bool]) -> Callable[[Any, Event], bool]:
    return lambda x, ev: not p(x, ev)


def _fold(subs: list[ScopedPred], every: bool) -> ScopedPred:
    """All (every=True) or any of the predicates, in order, stopping at the first that decides. A plain
    loop: all()/any() over a generator cost a generator frame per call, on every event."""
    if len(subs) == 2:
        a, b = subs
        if every:
            return lambda obj, ev: a(obj, ev) and b(obj, ev)
        return lambda obj, ev: a(obj, ev) or b(obj, ev)
    preds = tuple(subs)
    decides = not every  # all: the first False decides; any: the first True

    def fold(obj: Any, ev: Event) -> bool:
        for p in preds:
            if bool(p(obj, ev)) is decides:
                return decides
        return every

    return fold


def _all_of(subs: list[ScopedPred]) -> ScopedPred:
    return _fold(subs, True)


def _any_of(subs: list[ScopedPred]) -> ScopedPred:
    return _fold(subs, False)


def _test_path(get: Callable[[Any], Any], cond: ValuePred) -> ScopedPred:
    return lambda obj, ev: cond(get(obj), ev)


def _compile(expr: Any, where: str, resolve: Resolver, trusted: Trusted) -> ScopedPred:
    if not isinstance(expr, Mapping) or not expr:
        raise ExprError(where, "an expression is a non-empty mapping")
    preds: list[ScopedPred] = []
    for key, val in expr.items():
        w = f"{where}.{key}"
        if key in ("all", "any"):
            if not isinstance(val, list) or not val:
                raise ExprError(w, f"`{key}` takes a non-empty list of expressions")
            subs = [_compile(e, f"{w}[{i}]", resolve, trusted) for i, e in enumerate(val)]
            preds.append(_all_of(subs) if key == "all" else _any_of(subs))
        elif key == "not":
            preds.append(_negate(_compile(val, w, resolve, trusted)))
        else:
            preds.append(_test_path(resolve(str(key), w), _condition(val, w, trusted)))
    return preds[0] if len(preds) == 1 else _all_of(preds)


def compile_expr(expr: Any, where: str = "match", trusted: Trusted | None = None) -> Pred:
    """Compile a rule's `match` into a predicate over Events; ExprError names the bad spot.

    `trusted` feeds the `trusted`/`untrusted` operators (none configured: only the event's own account).
    """
    scoped = _compile(expr, where, getter, trusted or Trusted())
    return lambda ev: scoped(ev, ev)
