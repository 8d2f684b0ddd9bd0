"""CHECKS: rule id → check. Running them over a snapshot gives findings and PASS/FAIL counts per rule."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from scanner.model.finding import Finding
from scanner.report.checks import aws, gcp, hygiene
from scanner.report.checks.base import Check, Context

CHECKS: dict[str, Check] = {
    "privilege.aws.admin": Check("aws", "admin-equivalent identities (full IAM or * on *)", aws.admin),
    "privilege.aws.escalation": Check("aws", "known privilege-escalation paths", aws.escalation),
    "privilege.aws.wildcard": Check("aws", "service-wide or * actions on every resource in own policies",
                                    aws.wildcard),
    "privilege.aws.trust": Check("aws", "trust policies open to anyone or untrusted accounts", aws.trust),
    "privilege.aws.compute_admin": Check("aws", "compute-assumable roles that are admin", aws.compute_admin),
    "privilege.gcp.primitive_role": Check("gcp", "owner/editor held by service accounts", gcp.primitive),
    "privilege.gcp.default_compute_editor": Check("gcp", "default compute SA with a primitive role",
                                                  gcp.default_compute),
    "privilege.gcp.escalation": Check("gcp", "escalation permissions held at the project", gcp.escalation),
    "hygiene.aws.key_age": Check("aws", "access keys older than key_max_age_days", hygiene.aws_key_age),
    "hygiene.aws.key_unused": Check("aws", "access keys unused for key_unused_warn_days / key_unused_days",
                                    hygiene.aws_key_unused),
    "hygiene.aws.root_keys": Check("aws", "root access keys", hygiene.aws_root_keys),
    "hygiene.aws.console_no_mfa": Check("aws", "console access without MFA", hygiene.aws_console_mfa),
    "hygiene.gcp.user_managed_key": Check("gcp", "user-managed service-account keys", hygiene.gcp_user_keys),
    "hygiene.gcp.key_age": Check("gcp", "user-managed keys older than key_max_age_days", hygiene.gcp_key_age),
    "hygiene.gcp.key_unused": Check("gcp", "user-managed keys never used or unused for key_unused_days",
                                    hygiene.gcp_key_unused),
}


@dataclass
class CheckRun:
    findings: list[Finding] = field(default_factory=list)
    passed: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)


def run_checks(ctx: Context, into: CheckRun | None = None) -> CheckRun:
    run = into or CheckRun()
    for rule, check in CHECKS.items():
        if check.cloud != ctx.snapshot.cloud or rule in ctx.settings.disabled_rules:
            continue
        for p in ctx.snapshot.principals:
            got = check.fn(ctx, p)
            if got is None:
                continue
            if got:
                run.failed[rule] += 1
                run.findings.extend(got)
            else:
                run.passed[rule] += 1
    return run
