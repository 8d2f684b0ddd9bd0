"""report.html / report.md / report.json from a Report, with jinja2 templates from `reports/`.

HTML: autoescape on and no `|safe` anywhere, so attacker-controlled text (role descriptions, tags,
session names, user agents) is inert. Markdown: every `{{ }}` value passes through `md_escape`
(`finalize`), which strips control characters and backslash-escapes Markdown and HTML syntax.
"""

from __future__ import annotations

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
    return _CONTROL.sub("", value) if isinstance(value, str) else value


def md_escape(value: Any) -> str:
    if value is None:
        return ""
    text = _CONTROL.sub("", str(value)).replace("\r", " ").replace("\n", " ")
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # no raw HTML reaches a renderer
    return _MD_SPECIAL.sub(r"\\\1", text)


def _env(markdown: bool) -> Any:
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(template_dir())),
                              autoescape=not markdown, finalize=md_escape if markdown else strip_control,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def _context(report: Report) -> dict[str, Any]:
    data = report.to_json()
    findings = data["findings"]
    sev = {s: sum(1 for f in findings if f["severity"] == s) for s in ("critical", "high", "medium", "low")}
    new = set(report.changes.new) if report.changes else set()
    for f in findings:
        f["anchor"] = anchor(f["principal"])
        f["is_new"] = f["id"] in new
        f["policy_text"] = ", ".join(f["evidence"].get("policies") or
                                     ([f["evidence"]["policy"]] if f["evidence"].get("policy") else []))
    escalate = sorted({f["principal"] for f in findings if f["rule"] in (
        "privilege.aws.escalation", "privilege.aws.admin", "privilege.gcp.escalation", "privilege.gcp.primitive_role")})
    stale = [f for f in findings if f["rule"].startswith("hygiene.") and "key" in f["rule"]]
    return {
        "r": data, "sev": sev, "findings": findings, "identities": data["identities"],
        "escalators": len(escalate), "stale_keys": len(stale),
        "principals": sum(a["principals"] for a in data["accounts"]),
        "risk_chart": charts.risk_by_account(data["accounts"]),
        "unused_chart": charts.unused_share(data["identities"]),
        "age_chart": charts.key_ages(data["identities"]),
        "sev_colors": charts.SEV_COLORS, "changes": data.get("changes"),
        "rank": SEVERITY_RANK,
    }


def render_html(report: Report) -> str:
    return str(_env(False).get_template("report.html.j2").render(**_context(report)))


def render_md(report: Report) -> str:
    return str(_env(True).get_template("report.md.j2").render(**_context(report)))


def write_report(report: Report, out: Path) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = {"html": out / "report.html", "md": out / "report.md", "json": out / "report.json"}
    paths["json"].write_bytes(orjson.dumps(report.to_json(), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
    paths["md"].write_text(render_md(report), encoding="utf-8")
    paths["html"].write_text(render_html(report), encoding="utf-8")
    return paths
