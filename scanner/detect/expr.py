"""Match expressions over Events, compiled once into closures.

Grammar (YAML):
    expr      := mapping of  field-path → condition   (all entries must hold)
               | {all: [expr, ...]} | {any: [expr, ...]} | {not: expr}   (as keys of the mapping)
    field     := an Event field (`operation`, `principal_type`, `success`, ...) or `raw.<dotted.path>`;
                 a path that crosses a list collects every element's value
    condition := scalar                 equality
               | [scalar, ...]          equality with any
               | {op: arg, ...}         all ops must hold; ops below

A list-valued field satisfies a condition when any of its values does (except `exists`, `empty`).
"""

from __future__ import annotations

import fnmatch
import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

from scanner.model.event import EVENT_FIELDS, Event

Pred = Callable[[Event], bool]
Getter = Callable[[Event], Any]
ValuePred = Callable[[Any, Event], bool]

_MISSING = object()
MISSING = _MISSING  # what a getter returns for an absent path


class ExprError(ValueError):
    """Bad expression; `path` says where inside the expression (e.g. `match.any[1].raw.x`)."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where


def _dig(value: Any, parts: tuple[str, ...]) -> Any:
    for i, part in enumerate(parts):
        if isinstance(value, Mapping):
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


def getter(path: str, where: str) -> Getter:
    if path.startswith("raw."):
        parts = tuple(path[4:].split("."))
        if not all(parts):
            raise ExprError(where, f"bad path {path!r}")
        return lambda ev: _dig(ev.raw, parts)
    if path == "raw":
        return lambda ev: ev.raw
    if path not in EVENT_FIELDS:
        raise ExprError(where, f"unknown field {path!r} (Event fields: {', '.join(sorted(EVENT_FIELDS))})")
    if path == "success":
        return lambda ev: ev.success
    return operator.attrgetter(path)  # type: ignore[return-value]


def _values(v: Any) -> list[Any]:
    if v is _MISSING or v is None:
        return []
    if isinstance(v, (list, tuple)):
        return list(v)
    return [v]


def _scalar_pred(test: Callable[[Any], bool]) -> ValuePred:
    def pred(v: Any, ev: Event) -> bool:
        if isinstance(v, (list, tuple)):
            return any(test(x) for x in v)
        return v is not _MISSING and test(v)

    return pred


def _as_list(arg: Any) -> list[Any]:
    return list(arg) if isinstance(arg, list) else [arg]


def _str_ops(op: str, arg: Any, where: str) -> ValuePred:
    pats = _as_list(arg)
    if not all(isinstance(p, str) for p in pats):
        raise ExprError(where, f"{op} takes a string or a list of strings")
    if op == "glob":
        rx = re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in pats), re.S)
        return _scalar_pred(lambda x: isinstance(x, str) and rx.match(x) is not None)
    if op == "iglob":
        rx = re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in pats), re.S | re.I)
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
    # regex
    try:
        rx2 = re.compile("|".join(f"(?:{p})" for p in pats))
    except re.error as e:
        raise ExprError(where, f"bad regex: {e}") from None
    return _scalar_pred(lambda x: isinstance(x, str) and rx2.search(x) is not None)


def _num_op(op: str, arg: Any, where: str) -> ValuePred:
    if not isinstance(arg, (int, float)) or isinstance(arg, bool):
        raise ExprError(where, f"{op} takes a number")
    cmp = {"gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le}[op]

    def test(x: Any) -> bool:
        if isinstance(x, str):
            try:
                x = float(x)
            except ValueError:
                return False
        return isinstance(x, (int, float)) and not isinstance(x, bool) and cmp(x, arg)

    return _scalar_pred(test)


def _condition(cond: Any, where: str) -> ValuePred:
    if isinstance(cond, list):
        if not all(not isinstance(c, (dict, list)) for c in cond):
            raise ExprError(where, "a list condition holds scalars only (use `any:` for alternatives)")
        choices = set(cond)
        return _scalar_pred(lambda x: not isinstance(x, (dict, list)) and x in choices)
    if not isinstance(cond, Mapping):
        return _scalar_pred(lambda x: x == cond and type(x) is type(cond))
    preds: list[ValuePred] = []
    for op, arg in cond.items():
        w = f"{where}.{op}"
        if op == "equals":
            preds.append(_condition(arg, w))
        elif op == "in":
            preds.append(_condition(_as_list(arg), w))
        elif op in ("glob", "iglob", "prefix", "suffix", "contains", "icontains", "regex"):
            preds.append(_str_ops(op, arg, w))
        elif op in ("gt", "gte", "lt", "lte"):
            preds.append(_num_op(op, arg, w))
        elif op == "exists":
            want = bool(arg)
            preds.append(lambda v, ev, want=want: (len(_values(v)) > 0 and v != "") == want)
        elif op == "not":
            inner = _condition(arg, w)
            preds.append(lambda v, ev, inner=inner: not inner(v, ev))
        elif op == "any":  # some element (an object) of a list satisfies a sub-expression
            sub = _compile_on_mapping(arg, w)
            preds.append(lambda v, ev, sub=sub: any(isinstance(x, Mapping) and sub(x, ev) for x in _values(v)))
        elif op in ("eq_field", "ne_field"):
            other = getter(str(arg), w)
            same = op == "eq_field"
            preds.append(lambda v, ev, other=other, same=same: (_norm(v) == _norm(other(ev))) == same)
        else:
            raise ExprError(w, f"unknown operator {op!r}")
    if not preds:
        raise ExprError(where, "empty condition")
    if len(preds) == 1:
        return preds[0]
    return lambda v, ev: all(p(v, ev) for p in preds)


def _norm(v: Any) -> Any:
    return None if v is _MISSING or v == "" else v


def _compile_on_mapping(expr: Any, where: str) -> Callable[[Mapping[str, Any], Event], bool]:
    """Sub-expression evaluated against one list element (plain mapping, paths without `raw.`)."""
    if not isinstance(expr, Mapping) or not expr:
        raise ExprError(where, "`any` takes a non-empty mapping of path → condition")
    checks: list[tuple[tuple[str, ...], ValuePred]] = []
    for path, cond in expr.items():
        checks.append((tuple(str(path).split(".")), _condition(cond, f"{where}.{path}")))
    return lambda m, ev: all(p(_dig(m, parts), ev) for parts, p in checks)


def compile_expr(expr: Any, where: str = "match") -> Pred:
    if not isinstance(expr, Mapping) or not expr:
        raise ExprError(where, "an expression is a non-empty mapping")
    preds: list[Pred] = []
    for key, val in expr.items():
        w = f"{where}.{key}"
        if key in ("all", "any"):
            if not isinstance(val, list) or not val:
                raise ExprError(w, f"`{key}` takes a non-empty list of expressions")
            subs = [compile_expr(e, f"{w}[{i}]") for i, e in enumerate(val)]
            if key == "all":
                preds.append(lambda ev, subs=subs: all(s(ev) for s in subs))
            else:
                preds.append(lambda ev, subs=subs: any(s(ev) for s in subs))
        elif key == "not":
            inner = compile_expr(val, w)
            preds.append(lambda ev, inner=inner: not inner(ev))
        else:
            get = getter(str(key), w)
            cond = _condition(val, w)
            preds.append(lambda ev, get=get, cond=cond: cond(get(ev), ev))
    if len(preds) == 1:
        return preds[0]
    return lambda ev: all(p(ev) for p in preds)
