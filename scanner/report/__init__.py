"""The nightly least-privilege report: snapshot (+ usage) → checks → report.html / report.md / report.json."""
