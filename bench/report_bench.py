"""`auditwarden report` next to Cloudsplaining's `scan`, same inputs, same run: wall time and peak memory.

    .venv/bin/python bench/report_bench.py [--json OUT]

Inputs: Cloudsplaining's own example export (shared/data/iam, copied in tests/fixtures/iam) and a
generated large account (1,000 roles, 300 customer policies, 200 users; seeded, so every run is the
same account). Cloudsplaining runs from its own virtualenv (bench/.venv-cloudsplaining, created here
with pip when missing). Each tool is a fresh process as a user would start it; peak memory is the
child's max RSS (wait4). Budget (issue 7): at least 5x faster than Cloudsplaining, report.html < 2 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "tests" / "fixtures" / "iam" / "cloudsplaining__test_files_example-authz-details.json"
CS_VENV = ROOT / "bench" / ".venv-cloudsplaining"
ACCOUNT = "123456789012"
BUDGET_SPEEDUP = 5.0
BUDGET_HTML = 2 * 1024 * 1024

#: realistic action vocabulary for generated policies: specific, wildcarded, and a few escalation-prone
ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:*", "s3:Get*", "dynamodb:GetItem", "dynamodb:PutItem",
           "dynamodb:Query", "dynamodb:*", "sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sns:Publish",
           "logs:CreateLogStream", "logs:PutLogEvents", "kms:Decrypt", "kms:Encrypt", "ec2:Describe*",
           "ec2:RunInstances",
           "lambda:InvokeFunction", "lambda:UpdateFunctionCode", "lambda:CreateFunction", "iam:PassRole",
           "iam:GetRole", "iam:List*", "iam:CreatePolicyVersion", "iam:AttachRolePolicy", "iam:CreateAccessKey",
           "secretsmanager:GetSecretValue", "ssm:GetParameter", "ssm:SendCommand", "ecr:GetAuthorizationToken",
           "ecr:BatchGetImage", "ecr:PutImage", "cloudwatch:PutMetricData", "glue:UpdateDevEndpoint", "sts:AssumeRole",
           "cloudformation:CreateStack", "codebuild:StartBuild", "athena:StartQueryExecution", "states:StartExecution"]


def _doc(rng: random.Random) -> dict[str, Any]:
    stmts: list[dict[str, Any]] = []
    for _ in range(rng.randint(1, 4)):
        res: Any = "*" if rng.random() < 0.6 else [f"arn:aws:s3:::bucket-{rng.randint(1, 50)}/*"]
        stmt: dict[str, Any] = {"Effect": "Allow", "Action": rng.sample(ACTIONS, rng.randint(2, 9)), "Resource": res}
        if rng.random() < 0.1:
            stmt["Condition"] = {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}
        stmts.append(stmt)
    if rng.random() < 0.15:
        stmts.append({"Effect": "Deny", "Action": ["iam:*"], "Resource": "*"})
    return {"Version": "2012-10-17", "Statement": stmts}


def generate_large(path: Path, roles: int = 1000, policies: int = 300, users: int = 200, seed: int = 7) -> None:
    rng = random.Random(seed)
    example = json.loads(EXAMPLE.read_text())
    aws_managed = [p for p in example["Policies"] if p["Arn"].startswith("arn:aws:iam::aws:")]
    pols = []
    for i in range(policies):
        pols.append({"PolicyName": f"app-policy-{i:03d}", "PolicyId": f"ANPA{i:016d}",
                     "Arn": f"arn:aws:iam::{ACCOUNT}:policy/app-policy-{i:03d}", "Path": "/", "DefaultVersionId": "v1",
                     "AttachmentCount": 1, "PermissionsBoundaryUsageCount": 0, "IsAttachable": True,
                     "CreateDate": "2024-01-01 00:00:00+00:00", "UpdateDate": "2024-01-01 00:00:00+00:00",
                     "PolicyVersionList": [{"Document": _doc(rng), "VersionId": "v1", "IsDefaultVersion": True,
                                            "CreateDate": "2024-01-01 00:00:00+00:00"}]})
    all_pols = pols + aws_managed

    def attached(n: int) -> list[dict[str, str]]:
        return [{"PolicyName": p["PolicyName"], "PolicyArn": p["Arn"]} for p in rng.sample(all_pols, n)]

    services = ["ec2.amazonaws.com", "lambda.amazonaws.com", "ecs-tasks.amazonaws.com", "glue.amazonaws.com"]
    role_list = []
    for i in range(roles):
        principal: dict[str, Any] = {"Service": rng.choice(services)} if rng.random() < 0.85 else \
            {"AWS": f"arn:aws:iam::{rng.choice([ACCOUNT, '999988887777'])}:root"}
        role_list.append({
            "Path": "/", "RoleName": f"role-{i:04d}", "RoleId": f"AROA{i:016d}",
            "Arn": f"arn:aws:iam::{ACCOUNT}:role/role-{i:04d}", "CreateDate": "2024-01-01 00:00:00+00:00",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]},
            "InstanceProfileList": [], "Tags": [{"Key": "team", "Value": f"team-{i % 17}"}], "RoleLastUsed": {},
            "RolePolicyList": ([{"PolicyName": f"inline-{i}", "PolicyDocument": _doc(rng)}]
                               if rng.random() < 0.5 else []),
            "AttachedManagedPolicies": attached(rng.randint(1, 4))})
    groups = [{"Path": "/", "GroupName": f"group-{g}", "GroupId": f"AGPA{g:016d}",
               "Arn": f"arn:aws:iam::{ACCOUNT}:group/group-{g}", "CreateDate": "2024-01-01 00:00:00+00:00",
               "GroupPolicyList": [], "AttachedManagedPolicies": attached(2)} for g in range(10)]
    user_list = [{"Path": "/", "UserName": f"user-{u:03d}", "UserId": f"AIDA{u:016d}",
                  "Arn": f"arn:aws:iam::{ACCOUNT}:user/user-{u:03d}", "CreateDate": "2024-01-01 00:00:00+00:00",
                  "GroupList": [f"group-{rng.randrange(10)}"], "Tags": [], "UserPolicyList": [],
                  "AttachedManagedPolicies": attached(rng.randint(0, 2))} for u in range(users)]
    path.write_text(json.dumps({"UserDetailList": user_list, "GroupDetailList": groups, "RoleDetailList": role_list,
                                "Policies": all_pols}))


def ensure_cloudsplaining() -> Path:
    exe = CS_VENV / "bin" / "cloudsplaining"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(CS_VENV)], check=True)
        subprocess.run([str(CS_VENV / "bin" / "pip"), "install", "-q", "cloudsplaining"], check=True)
    return exe


def measure(cmd: list[str]) -> dict[str, Any]:
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    return {"seconds": round(seconds, 2), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_mb": round(usage.ru_maxrss / 1024, 1),
            "exit": os.waitstatus_to_exitcode(status), "stderr_tail": err[-300:]}


def _size(folder: Path, pattern: str) -> int:
    return sum(p.stat().st_size for p in folder.rglob(pattern))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", help="write the figures here too")
    args = ap.parse_args()
    cs = ensure_cloudsplaining()
    aw = [sys.executable, "-m", "scanner"]
    results: dict[str, Any] = {}
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        large = Path(tmp) / "large-authz.json"
        generate_large(large)
        for name, src in (("cloudsplaining example", EXAMPLE), ("large (1000 roles, 300 policies, 200 users)", large)):
            out_a, out_c = Path(tmp) / f"aw-{len(results)}", Path(tmp) / f"cs-{len(results)}"
            out_c.mkdir()  # Cloudsplaining does not create its output folder
            a = measure([*aw, "report", "--aws-authz", str(src), "--out", str(out_a)])
            c = measure([str(cs), "scan", "--input-file", str(src), "--output", str(out_c), "--skip-open-report"])
            a["html_bytes"] = _size(out_a, "report.html")
            c["html_bytes"] = _size(out_c, "*.html")
            written = a["exit"] in (0, 1)
            a["findings"] = len(json.loads((out_a / "report.json").read_text())["findings"]) if written else 0
            speedup = c["seconds"] / a["seconds"] if a["seconds"] else 0.0
            cpu_speedup = c["cpu_seconds"] / a["cpu_seconds"] if a["cpu_seconds"] else 0.0
            results[name] = {"input_bytes": src.stat().st_size, "auditwarden": a, "cloudsplaining": c,
                             "speedup_wall": round(speedup, 1), "speedup_cpu": round(cpu_speedup, 1)}
            good = written and c["exit"] == 0 and speedup >= BUDGET_SPEEDUP and a["html_bytes"] < BUDGET_HTML
            ok &= good
            print(f"{name}: auditwarden {a['seconds']} s wall / {a['cpu_seconds']} s CPU, {a['peak_mb']} MB peak, "
                  f"html {a['html_bytes'] / 1e6:.2f} MB, {a['findings']} findings | "
                  f"cloudsplaining {c['seconds']} s wall"
                  f" / {c['cpu_seconds']} s CPU, {c['peak_mb']} MB peak, html {c['html_bytes'] / 1e6:.2f} MB"
                  f" (exit {c['exit']}) | {speedup:.1f}x faster wall, {cpu_speedup:.1f}x CPU "
                  f"[{'ok' if good else 'OVER BUDGET'}: >= {BUDGET_SPEEDUP:.0f}x wall, html < 2 MB]", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
