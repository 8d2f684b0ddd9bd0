"""Burst and first-seen detection: rules that need a count over time or a memory.

Threshold rules are YAML data in `rules/bursts/` (a match expression in the rule engine's grammar,
what to group by, what to count, a threshold and a window, and test sequences of their own); the
counting lives in the state store so that concurrent Lambda / Cloud Function invocations and
successive runs share it; `--jobs N` workers only observe and the parent counts (detector.py).
Thresholds and windows can be overridden per rule from `detectors.bursts` in the configuration.
"""
