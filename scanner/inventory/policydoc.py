"""AWS policy documents as exports really hold them: a mapping, a JSON string, or URL-encoded JSON.

`parse_document` returns typed statements or raises `PolicyError` saying what is wrong; callers record
the problem against the file and policy name and carry on with the rest of the account.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from typing import Any

import orjson

from scanner.inventory.model import Condition, Statement


class PolicyError(ValueError):
    pass


def _strs(value: Any, what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise PolicyError(f"{what} must be a string or a list of strings")


def decode_document(doc: Any) -> Mapping[str, Any]:
    """The document as a mapping, from a mapping, a JSON string or URL-encoded JSON; PolicyError otherwise."""
    if isinstance(doc, Mapping):
        return doc
    if not isinstance(doc, str):
        raise PolicyError(f"policy document is a {type(doc).__name__}, not a JSON object")
    text = doc.strip()
    if text.startswith("%7B") or text.startswith("%7b"):
        text = urllib.parse.unquote(text)  # the IAM API's own encoding of documents
    try:
        parsed = orjson.loads(text)
    except orjson.JSONDecodeError as e:
        raise PolicyError(f"policy document is not valid JSON ({e})") from None
    if not isinstance(parsed, Mapping):
        raise PolicyError("policy document is not a JSON object")
    return parsed


def _conditions(node: Any) -> tuple[Condition, ...]:
    if node is None:
        return ()
    if not isinstance(node, Mapping):
        raise PolicyError("Condition must be an object")
    out: list[Condition] = []
    for op, clause in node.items():
        if not isinstance(clause, Mapping):
            raise PolicyError(f"Condition operator {op} must map keys to values")
        for key, values in clause.items():
            vals = values if isinstance(values, list) else [values]
            out.append((str(op), str(key), tuple(str(v).lower() if isinstance(v, bool) else str(v) for v in vals)))
    return tuple(out)


def _principals(node: Any) -> tuple[tuple[str, str], ...]:
    if node is None:
        return ()
    if node == "*":
        return (("*", "*"),)
    if not isinstance(node, Mapping):
        raise PolicyError("Principal must be \"*\" or an object")
    return tuple((str(kind), v) for kind, vals in node.items() for v in _strs(vals, f"Principal.{kind}"))


def statement(raw: Any) -> Statement:
    if not isinstance(raw, Mapping):
        raise PolicyError("a Statement entry is not an object")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f"Effect must be Allow or Deny, not {effect!r}")
    if ("Action" in raw) == ("NotAction" in raw) and "Principal" not in raw and "NotPrincipal" not in raw:
        raise PolicyError("a statement needs exactly one of Action / NotAction")
    actions = _strs(raw["Action"], "Action") if "Action" in raw else ()
    not_actions = _strs(raw["NotAction"], "NotAction") if "NotAction" in raw else None
    resources = _strs(raw["Resource"], "Resource") if "Resource" in raw else ("*",)
    not_resources = _strs(raw["NotResource"], "NotResource") if "NotResource" in raw else None
    if not_resources is not None and "Resource" not in raw:
        resources = ()
    sid = raw.get("Sid", "")
    return Statement(effect, actions, not_actions, resources, not_resources, _conditions(raw.get("Condition")),
                     _principals(raw.get("Principal")), sid if isinstance(sid, str) else str(sid))


def parse_document(doc: Any) -> tuple[Statement, ...]:
    data = decode_document(doc)
    stmts = data.get("Statement")
    if stmts is None:
        raise PolicyError("policy document has no Statement")
    if isinstance(stmts, Mapping):
        stmts = [stmts]
    if not isinstance(stmts, list):
        raise PolicyError("Statement must be an object or a list")
    return tuple(statement(s) for s in stmts)
