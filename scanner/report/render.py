"""report.html / report.md / report.json from a Report, with jinja2 templates from `reports/`.

HTML: autoescape on and no `|safe` anywhere, so attacker-controlled text (role descriptions, tags,
session names, user agents) is inert. Markdown: every `{{ }}` value passes through `md_escape`
(`finalize`), which strips control characters and backslash-escapes Markdown and HTML syntax.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Any

import orjson

from scanner.model.finding import SEVERITY_RANK
from scanner.report import charts
from scanner.report.build import Report, anchor

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#!|~])")


def template_dir() -> Path:
    here = Path(__file__).resolve().parent.parent
    checkout = here.parent / "reports"
    return checkout if checkout.is_dir() else here / "_reports"


def strip_control(value: Any) -> Any:
    from markupsafe import Markup

    if isinstance(value, Markup):  # our own script file, never data
        return value
    return _CONTROL.sub("", value) if isinstance(value, str) else value


def md_escape(value: Any) -> str:
    if value is None:
        return ""
    text = _CONTROL.sub("", str(value)).replace("\r", " ").replace("\n", " ")
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # no raw HTML reaches a renderer
    return _MD_SPECIAL.sub(r"\\\1", text)


def _env(markdown: bool) -> Any:
    import jinja2

    from scanner.usercache import cache_dir

    where = cache_dir()
    bytecode = jinja2.FileSystemBytecodeCache(str(where)) if where else None
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(template_dir())), bytecode_cache=bytecode,
                              autoescape=not markdown, finalize=md_escape if markdown else strip_control,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def _context(report: Report, data: dict[str, Any]) -> dict[str, Any]:
    findings = data["findings"]
    sev = {s: sum(1 for f in findings if f["severity"] == s) for s in ("critical", "high", "medium", "low")}
    new = set(report.changes.new) if report.changes else set()
    rows = _rows(findings, new)
    row_of = {fid: row["row"] for row in rows for fid in row["ids"]}
    identities = [{**i, "rows": list(dict.fromkeys(row_of[f] for f in i["findings"] if f in row_of))}
                  for i in data["identities"]]  # report.json's own dicts stay as built
    escalate = sorted({f["principal"] for f in findings if f["rule"] in (
        "privilege.aws.escalation", "privilege.aws.admin", "privilege.gcp.escalation", "privilege.gcp.primitive_role")})
    stale = [f for f in findings if f["rule"].startswith("hygiene.") and "key" in f["rule"]]
    return {
        "r": data, "sev": sev, "findings": findings, "rows": rows, "identities": identities,
        "new_findings": [f for f in findings if f["id"] in new],
        "escalators": len(escalate), "stale_keys": len(stale),
        "principals": sum(a["principals"] for a in data["accounts"]),
        "risk_chart": charts.risk_by_account(data["accounts"]),
        "unused_chart": charts.unused_share(data["identities"]),
        "age_chart": charts.key_ages(data["identities"]),
        "sev_colors": charts.SEV_COLORS, "changes": data.get("changes"),
        "rank": SEVERITY_RANK, "anomalies": _anomalies(data.get("anomalies")),
        **_script(),
    }


def _anomalies(found: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    """One row per unusual principal-hour: who, when, how unusual, and the features that drove it."""
    if found is None:
        return None
    return [{"principal": f["principal"], "account": f["account"], "cloud": f["cloud"], "time": f["time"],
             "rule": f["rule"], "severity": f["severity"], "score": f["evidence"].get("score"),
             "events": f["evidence"].get("events"), "drivers": f["evidence"].get("drivers", []),
             "new_operations": f["evidence"].get("new_operations", []), "event_ids": f["event_ids"][:5]}
            for f in found]


def _script() -> dict[str, Any]:
    """Our own script (a file in reports/, never data): inlined, and the only one the page's CSP allows."""
    from markupsafe import Markup

    js = (template_dir() / "report.js").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(js.encode()).digest()).decode()
    return {"script": Markup(js), "script_hash": f"sha256-{digest}"}


def _rows(findings: list[dict[str, Any]], new: set[str]) -> list[dict[str, Any]]:
    """One table row per identity and rule: twenty escalation paths of one role are one row listing them."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for f in findings:
        key = (f["principal"], f["rule"])
        row = rows.get(key)
        ev = f["evidence"]
        policies = ev.get("policies") or ([ev["policy"]] if ev.get("policy") else [])
        if row is None:
            row = rows[key] = {"row": "f-" + f["id"][:16], "rule": f["rule"], "severity": f["severity"],
                               "principal": f["principal"], "anchor": anchor(f["principal"]), "titles": [],
                               "paths": [], "policies": [], "ids": [], "is_new": False}
        row["ids"].append(f["id"])
        row["titles"].append(f["title"])
        row["is_new"] = row["is_new"] or f["id"] in new
        if ev.get("path"):
            row["paths"].append(ev["path"])
        row["policies"].extend(p for p in policies if p not in row["policies"])
    for row in rows.values():
        n = len(row["ids"])
        row["title"] = row["titles"][0] if n == 1 else (
            f"{n} escalation paths: {', '.join(row['paths'])}" if row["paths"] else "; ".join(row["titles"]))
        row["policy_text"] = ", ".join(row["policies"])
        del row["titles"]
    return list(rows.values())


def _render(ctx: dict[str, Any], markdown: bool) -> bytes:
    name = "report.md.j2" if markdown else "report.html.j2"
    return str(_env(markdown).get_template(name).render(**ctx)).encode()


def render_files(report: Report) -> dict[str, bytes]:
    """file name → contents of report.json, report.md and report.html."""
    data = report.to_json()
    ctx = _context(report, data)
    return {"report.json": orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS),
            "report.md": _render(ctx, True), "report.html": _render(ctx, False)}


def write_report(report: Report, out: Path) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, body in render_files(report).items():
        path = paths[name.removeprefix("report.")] = out / name
        path.write_bytes(body)
    return paths
