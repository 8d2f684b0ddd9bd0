"""Resolve a deploy's resource to one canonical name before its scope is judged.

An API that accepts a resource several ways (a Lambda function by name, partial ARN or full ARN,
with or without a qualifier; a CloudFormation change set by ARN instead of its stack) must not let
the spelling decide whether a scoped policy sees the call. A resolver turns what the catalog's
`resource` specs found into the name the policy globs are written against — or into "" when it
cannot, and "" is judged in scope of every policy of the account (fail closed).

Resolvers are named by a catalog entry's `resolve` key; RESOLVERS is the registry.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from scanner.model.event import Event
from scanner.state.base import StateStore
from scanner.timeutil import epoch_seconds

Resolver = Callable[[str, Event, StateStore], str]

CHANGE_SET_PREFIX = "provenance:changeset:"
#: How long CreateChangeSet's stack is remembered: change sets wait for review, sometimes for days.
CHANGE_SET_TTL_SECONDS = 30 * 24 * 3600

_ACCOUNT = re.compile(r"\d{12}")
_FUNCTION = re.compile(r"[A-Za-z0-9_-]{1,140}")
_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d")
_STACK_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,254}")


def _map(v: Any) -> Mapping[str, Any]:
    return v if isinstance(v, Mapping) else {}


def lambda_function(value: str, ev: Event, state: StateStore) -> str:
    """arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME — without a version or alias qualifier.

    `value` is what the catalog template made of `functionName`: a full ARN passes through as is,
    anything else was appended after `...:function:` — a name, `NAME:QUALIFIER`, or a partial ARN
    `ACCOUNT:function:NAME[:QUALIFIER]`.
    """
    parts = value.split(":", 6)
    if len(parts) != 7 or parts[0] != "arn" or parts[2] != "lambda" or parts[5] != "function":
        return ""
    _, partition, _, region, account, _, rest = parts
    embedded_account, sep, tail = rest.partition(":function:")
    if sep:  # a partial ARN inside the template: its account is the one that counts
        account, rest = embedded_account, tail
    name = rest.split(":", 1)[0]
    if not (_ACCOUNT.fullmatch(account) and _REGION.fullmatch(region) and _FUNCTION.fullmatch(name)):
        return ""
    return f"arn:{partition}:lambda:{region}:{account}:function:{name}"


def remember_change_set(ev: Event, state: StateStore) -> None:
    """CreateChangeSet's response ties the change set's ARN to its stack: ExecuteChangeSet may name only the former."""
    resp = _map(ev.raw.get("responseElements"))
    change_set, stack = resp.get("id"), resp.get("stackId")
    now = epoch_seconds(ev.time)
    if ev.success and isinstance(change_set, str) and isinstance(stack, str) and change_set and stack and now:
        state.put(CHANGE_SET_PREFIX + change_set, stack, now, CHANGE_SET_TTL_SECONDS)


def cloudformation_stack(value: str, ev: Event, state: StateStore) -> str:
    """arn:PARTITION:cloudformation:REGION:ACCOUNT:stack/NAME/ID — the shape IAM authorizes against.

    A stack named without its id gets `*` for it (policy globs are then matched for overlap); a change
    set named by ARN resolves to the stack CreateChangeSet recorded.
    """
    if ev.operation == "CreateChangeSet":
        remember_change_set(ev, state)
    if not value:
        change_set = _map(ev.raw.get("requestParameters")).get("changeSetName")
        if isinstance(change_set, str) and change_set.startswith("arn:"):
            stack = state.get(CHANGE_SET_PREFIX + change_set, epoch_seconds(ev.time) or 0.0)
            value = stack if isinstance(stack, str) else ""
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "cloudformation" or not parts[5].startswith("stack/"):
        return ""
    name, _, stack_id = parts[5][len("stack/"):].partition("/")
    if not (_STACK_NAME.fullmatch(name) and _ACCOUNT.fullmatch(parts[4])):
        return ""
    return f"{':'.join(parts[:5])}:stack/{name}/{stack_id or '*'}"


#: name (a catalog entry's `resolve`) → resolver
RESOLVERS: dict[str, Resolver] = {
    "lambda_function": lambda_function,
    "cloudformation_stack": cloudformation_stack,
}
