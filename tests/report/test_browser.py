"""report.html in a real browser: headless Chromium renders it; the screenshot is not blank and the DOM
after scripts ran shows the summary figures. Skips only when no Chromium is installed (`.ci/run`
installs Debian's `chromium` on CI machines)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from scanner.report.render import write_report
from tests.report.helpers import allow, authz, doc, report, role, snapshot, user

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-extensions",
         "--disable-default-apps", "--hide-scrollbars")


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("Chromium is not installed (apt-get install -y chromium; .ci/run does this on CI)")


def _run(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([binary, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True,
                          timeout=120, check=False)


def test_report_renders_in_chromium(tmp_path: Path) -> None:
    binary = _chromium()
    rep = report(snapshot(authz(users=[user("admin", managed=["arn:aws:iam::aws:policy/AdministratorAccess"]),
                                       user("dev", {"p": doc(allow("iam:CreatePolicyVersion"))})],
                                roles=[role("r", {"p": doc(allow("s3:GetObject"))})])))
    html = write_report(rep, tmp_path / "out")["html"]
    shot = tmp_path / "shot.png"
    proc = _run(binary, tmp_path / "profile1", "--window-size=1280,900", f"--screenshot={shot}", html.as_uri())
    assert shot.exists(), proc.stderr[-2000:]

    from PIL import Image

    img = Image.open(shot).convert("RGB")
    colors = img.getcolors(maxcolors=1 << 20) or []
    assert len(colors) > 20, "blank screenshot"
    # the critical count is drawn in its colour (#7f1d1d) at the top of the page
    top = img.crop((0, 0, img.width, 300))
    assert any(abs(r - 0x7F) < 40 and g < 0x50 and b < 0x50 for _, (r, g, b) in (top.getcolors(1 << 20) or []))

    dom = _run(binary, tmp_path / "profile2", "--dump-dom", html.as_uri()).stdout
    crit = sum(1 for f in rep.findings if f.severity == "critical")
    high = sum(1 for f in rep.findings if f.severity == "high")
    assert f'id="n-critical">{crit}<' in dom and f'id="n-high">{high}<' in dom
    assert 'data-js="ready"' in dom  # our script ran: the page's CSP admits it by hash (and nothing else)
    assert crit == 1 and high >= 1


def test_anomalies_section_renders_in_chromium(tmp_path: Path) -> None:
    """Scored on generated logs (a hijacked developer session), then drawn: the section, its row and drivers."""
    from dataclasses import replace
    from datetime import datetime

    from scanner.detectors import load_settings
    from scanner.report.inputs import anomaly_findings
    from scanner.state.sqlite import SqliteStore
    from tests.report.anomalies import ATTACK_HOUR, REPORT_AS_OF, hijacked_developer

    binary = _chromium()
    s = hijacked_developer(tmp_path)
    store = SqliteStore(str(s.state))
    try:
        found = anomaly_findings(load_settings(None), store, [str(s.today)], 1, datetime.fromisoformat(REPORT_AS_OF))
    finally:
        store.close()
    assert found is not None and len(found) == 1
    rep = replace(report(snapshot(authz(users=[user("dev", {"p": doc(allow("s3:GetObject"))})]))),
                  anomalies=tuple(found))
    html = write_report(rep, tmp_path / "out")["html"]
    shot = tmp_path / "shot.png"
    proc = _run(binary, tmp_path / "profile1", "--window-size=1280,2400", f"--screenshot={shot}", html.as_uri())
    assert shot.exists(), proc.stderr[-2000:]
    from PIL import Image

    assert len(Image.open(shot).convert("RGB").getcolors(maxcolors=1 << 20) or []) > 20, "blank screenshot"
    dom = _run(binary, tmp_path / "profile2", "--dump-dom", html.as_uri()).stdout
    section = dom.split('id="anomalies"', 1)[1].split("<h2", 1)[0]
    assert "1 unusual principal-hours" in section and section.count('class="anomaly"') == 1
    assert ATTACK_HOUR in section and "role/developer" in section
    drivers = found[0].evidence["drivers"]
    assert isinstance(drivers, list) and drivers
    assert all(f"{d['feature']} = {d['value']}" in section for d in drivers)
    assert 'data-js="ready"' in dom
