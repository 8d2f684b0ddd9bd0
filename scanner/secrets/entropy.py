"""Shannon entropy: the cheap measure of how random a candidate value looks."""

from __future__ import annotations

import math
from collections import Counter


def shannon(text: str) -> float:
    """Bits per character (0 for the empty string). A 40-char random base64 string scores ~4.7."""
    n = len(text)
    if n == 0:
        return 0.0
    return -sum((c / n) * math.log2(c / n) for c in Counter(text).values())


def char_classes(text: str) -> int:
    """How many of lower, upper, digit, other appear: real secrets mix them, words do not."""
    lower = upper = digit = other = 0
    for ch in text:
        if ch.islower():
            lower = 1
        elif ch.isupper():
            upper = 1
        elif ch.isdigit():
            digit = 1
        else:
            other = 1
    return lower + upper + digit + other
