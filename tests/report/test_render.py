"""report.html / .md / .json: the contract, night-to-night changes, and attacker text made inert."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

from scanner.report.render import write_report
from scanner.report.usage import Usage, UsageRow
from tests.report.helpers import ACCOUNT, allow, authz, doc, report, role, snapshot, user

PAYLOADS = ('</td><script>alert("x")</script>', '<img src=x onerror=alert(1)>', '"><svg onload=alert(1)>',
            "javascript:alert(document.cookie)", "[click](javascript:alert(1))", "<a href='javascript:alert(1)'>x</a>",
            "\x1b]8;;javascript:alert(1)\x07link\x1b]8;;\x07")


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


def _hostile_report(tmp_path: Path) -> dict[str, Path]:
    text = " ".join(PAYLOADS)
    r = role("web", {"p": doc(allow(["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction", "s3:*"]))},
             description=text, tags=[{"Key": p[:60], "Value": p} for p in PAYLOADS])
    target = role("target", {"a": doc(allow("*"))})
    arn = f"arn:aws:iam::{ACCOUNT}:role/web"
    usage = Usage(30, [UsageRow("aws", ACCOUNT, arn, "s3.amazonaws.com", "GetObject", "", 3, "2026-11-01T00:00:00Z",
                                "2026-11-02T00:00:00Z", user_agent=p, session_name=p) for p in PAYLOADS])
    rep = report(snapshot(authz(roles=[r, target])), usage=usage)
    return write_report(rep, tmp_path / "out")


def test_no_payload_survives_in_html(tmp_path: Path) -> None:
    html = _hostile_report(tmp_path)["html"].read_text()
    parser = _Tags()
    parser.feed(html)
    assert len([t for t, _ in parser.tags if t == "script"]) == 1  # ours, at the end
    assert not any("alert" in s for s in parser.scripts)
    for tag, attrs in parser.tags:
        assert tag not in ("img", "iframe", "object", "embed"), tag
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            assert not (value or "").strip().lower().startswith("javascript:"), (tag, name, value)
    assert "\x1b" not in html and "\x07" not in html
    assert "&lt;script&gt;" in html  # shown as text, not dropped


def test_no_payload_survives_in_markdown(tmp_path: Path) -> None:
    md = _hostile_report(tmp_path)["md"].read_text()
    assert "<script" not in md and "<img" not in md and "<svg" not in md and "<a " not in md
    assert "](javascript:" not in md
    assert "\x1b" not in md and "\x07" not in md
    width = None
    for line in md.splitlines():  # no cell breaks out of its table: every row has its header's pipe count
        if not line.startswith("|"):
            width = None
            continue
        pipes = line.count("|") - line.count("\\|")
        width = width or pipes
        assert pipes == width, line


def test_json_follows_the_finding_contract(tmp_path: Path) -> None:
    data = json.loads(_hostile_report(tmp_path)["json"].read_text())
    assert set(data) >= {"generated_at", "accounts", "findings", "identities"}
    keys = {"id", "rule", "title", "severity", "category", "cloud", "account", "principal", "action", "resource",
            "time", "event_ids", "location", "evidence", "remediation", "response"}
    for f in data["findings"]:
        assert keys <= set(f)
    web = next(i for i in data["identities"] if i["name"] == "web")
    assert set(web["findings"]) == {f["id"] for f in data["findings"] if f["principal"].endswith("role/web")}
    assert web["usage"]["used_permissions"] == ["s3:GetObject"]
    assert web["usage"]["suggestion"]["policy"]["Statement"][0]["Action"] == ["s3:GetObject"]


def test_previous_marks_new_and_fixed_and_ids_are_stable(tmp_path: Path) -> None:
    first = report(snapshot(authz(users=[user("a", {"p": doc(allow("iam:CreatePolicyVersion"))}),
                                         user("b", {"p": doc(allow("iam:PutUserPolicy"))})])))
    old = write_report(first, tmp_path / "night1")
    previous = json.loads(old["json"].read_text())
    second = report(snapshot(authz(users=[user("a", {"p": doc(allow("iam:CreatePolicyVersion"))}),
                                          user("c", {"p": doc(allow("iam:AttachUserPolicy"))})])), previous=previous)
    assert second.changes is not None
    kept = {f.id for f in first.findings} & {f.id for f in second.findings}
    assert kept  # user a's finding has the same id both nights
    assert [f.principal.rsplit("/", 1)[1] for f in second.findings if f.id in second.changes.new] == ["c"]
    assert [f["principal"].rsplit("/", 1)[1] for f in second.changes.fixed] == ["b"]
    paths = write_report(second, tmp_path / "night2")
    assert "fixed: " in paths["md"].read_text() and "new</span>" in paths["html"].read_text()
    assert json.loads(paths["json"].read_text())["changes"]["fixed"][0]["principal"].endswith("user/b")
