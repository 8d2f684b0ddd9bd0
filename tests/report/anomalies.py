"""A hijacked developer session on generated real-shaped CloudTrail (the bench generator's record builders):
ten routine days learned into a state file, then the day of the attack as the logs to report on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import orjson
from click.testing import CliRunner

from scanner.cli import cli
from tests.anomaly.events import DAY, DEV, HOUR, T0, Trail

CONSOLE = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 Version/17.3 Safari/605.1.15"
DEVELOPER = "arn:aws:iam::111122223333:role/developer"
ATTACK_HOUR = "2026-09-17T13:00:00Z"
REPORT_AS_OF = "2026-09-18T00:00:00Z"  # with --days 1: the attack day is the window


@dataclass(frozen=True)
class Scenario:
    state: Path
    history: Path
    today: Path
    attack_ids: tuple[str, ...]


def _weeks(trail: Trail, days: int, start: float = T0) -> None:
    trail.routine(days, start=start)
    for d in range(days):
        for h in (9, 11, 14, 16):
            t = start + d * DAY + h * HOUR
            trail.aws(t, DEV, "ec2.amazonaws.com", "DescribeInstances", ip="198.51.100.20", agent=CONSOLE)
            trail.aws(t + 30, DEV, "logs.amazonaws.com", "FilterLogEvents", ip="198.51.100.20", agent=CONSOLE)


def _write(trail: Trail, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps({"Records": [r for _, r in trail.records()]}))
    return path


def hijacked_developer(tmp: Path) -> Scenario:
    history, today = Trail(1), Trail(2)
    _weeks(history, 10)
    _weeks(today, 1, start=T0 + 10 * DAY)
    atk = T0 + 10 * DAY + 13 * HOUR
    ids = tuple(today.aws(atk + i * 3, DEV, "secretsmanager.amazonaws.com", "GetSecretValue", ip="185.220.101.7",
                          agent=CONSOLE, params={"secretId": f"prod/app/{i}"}) for i in range(20))
    s = Scenario(tmp / "state.sqlite", _write(history, tmp / "history" / "history.json"),
                 _write(today, tmp / "today" / "111122223333_CloudTrail_us-east-1_20260917.json"), ids)
    res = CliRunner().invoke(cli, ["baseline", str(s.history), "--state", str(s.state)])
    assert res.exit_code == 0, res.output
    return s
