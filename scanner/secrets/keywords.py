"""Which of many keywords a text holds, in one pass.

Every detector names the keywords without which it cannot fire; asking `k in text` for each costs
one pass over the text per keyword (some fifty here). An Aho-Corasick automaton answers for all of
them in one pass. ahocorasick-rs (the Rust `aho-corasick` crate, which skips ahead with SIMD
prefilters) does that pass about six times faster than pyahocorasick's byte-at-a-time automaton on
the bench's source tree (14 ms against 93 ms for 8 MB). Without the wheel the plain searches give
the same answer.
"""

from __future__ import annotations

from collections.abc import Iterable

try:
    import ahocorasick_rs
except ImportError:  # pragma: no cover - the dependency is declared; this keeps a broken install working
    ahocorasick_rs = None  # type: ignore[assignment]


class KeywordIndex:
    def __init__(self, keywords: Iterable[str]) -> None:
        self.keywords = tuple(sorted({k for k in keywords if k}))
        self._automaton: ahocorasick_rs.AhoCorasick | None = None
        if ahocorasick_rs is not None and self.keywords:
            self._automaton = ahocorasick_rs.AhoCorasick(self.keywords)

    def present(self, text: str) -> frozenset[str]:
        """The keywords that occur in `text` (compare lower-cased keywords with lower-cased text)."""
        if self._automaton is None:
            return frozenset(k for k in self.keywords if k in text)
        # Overlapping: `aws_secret_access_key` holds both `aws` and `secret_access_key`.
        return frozenset(self._automaton.find_matches_as_strings(text, overlapping=True))
