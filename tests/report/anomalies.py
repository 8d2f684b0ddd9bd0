"""A hijacked developer session on generated real-shaped CloudTrail (the bench generator's record builders):
ten routine days learned into a state file, then the day of the attack as the logs to report on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from scanner.cli import cli
from tests.anomaly.events import CONSOLE, DAY, DEV, HOUR, T0, Trail, developer_weeks, write_trail

DEVELOPER = "arn:aws:iam::111122223333:role/developer"
ATTACK_HOUR = "2026-09-17T13:00:00Z"
REPORT_AS_OF = "2026-09-18T00:00:00Z"  # with --days 1: the attack day is the window


@dataclass(frozen=True)
class Scenario:
    state: Path
    history: Path
    today: Path
    attack_ids: tuple[str, ...]


def hijacked_developer(tmp: Path) -> Scenario:
    history, today = Trail(1), Trail(2)
    developer_weeks(history, 10)
    developer_weeks(today, 1, start=T0 + 10 * DAY)
    atk = T0 + 10 * DAY + 13 * HOUR
    ids = tuple(today.aws(atk + i * 3, DEV, "secretsmanager.amazonaws.com", "GetSecretValue", ip="185.220.101.7",
                          agent=CONSOLE, params={"secretId": f"prod/app/{i}"}) for i in range(20))
    s = Scenario(tmp / "state.sqlite", write_trail(history, tmp / "history" / "history.json"),
                 write_trail(today, tmp / "today" / "111122223333_CloudTrail_us-east-1_20260917.json"), ids)
    res = CliRunner().invoke(cli, ["baseline", str(s.history), "--state", str(s.state)])
    assert res.exit_code == 0, res.output
    return s
