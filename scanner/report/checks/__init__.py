"""Static checks over one snapshot: each a small unit with a rule id, reporting PASS or FAIL per principal.

A check returns None when it does not apply to the principal (or the input says nothing about what it
judges, e.g. MFA without a credential report), [] for PASS, and findings for FAIL. The registry is the
visible dict `CHECKS`; `report.disabled_rules` switches any off.
"""
