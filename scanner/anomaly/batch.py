"""Score a stretch of audit logs against the stored baselines: the `anomaly` command, the nightly job and
the report's anomalies section all run this. Imports pandas/pyod (through scoring) only when called."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

from scanner.anomaly.features import Traits, traits
from scanner.anomaly.settings import AnomalySettings
from scanner.anomaly.store import Baselines
from scanner.model.event import Event
from scanner.model.finding import Finding
from scanner.ops.stats import RunStats
from scanner.sources.paths import InputReader, expand
from scanner.state.base import StateStore

Geo = Callable[[str], tuple[str, str]]


def log_traits(reader: InputReader, paths: Sequence[str], stats: RunStats, geo: Geo | None = None,
               since: float = -1.0, until: float = float("inf")) -> Iterator[tuple[Event, Traits]]:
    """Each event of the logs (files, folders, s3:// prefixes) in [since, until) with its traits."""
    from scanner.pipeline import iter_events

    for name in expand(list(paths), reader.s3):
        for ev in iter_events(reader, name, stats, lambda r: None):
            t = traits(ev, geo)
            if t is not None and since <= t.when < until:
                yield ev, t


def hour_findings(pairs: Iterable[tuple[Event, Traits]], baselines: Baselines,
                  settings: AnomalySettings) -> list[Finding]:
    """The principal-hours the scorers rank most unusual, within the per-day budget, each with its drivers."""
    from scanner.anomaly import scoring
    from scanner.anomaly.hourly import HourTable

    table = HourTable(baselines.get)
    for ev, t in pairs:
        table.add(ev, t)
    return scoring.findings(list(table.rows.values()), settings.scoring)


def score_window(reader: InputReader, state: StateStore, settings: AnomalySettings, paths: Sequence[str],
                 since: float, until: float, stats: RunStats) -> list[Finding] | None:
    """Findings for the logs' events in [since, until); None when the state holds no baselines to judge by."""
    from scanner.anomaly.geo import geo_lookup

    base = Baselines(state, settings.limits)
    if not base.principals(until):
        return None
    return hour_findings(log_traits(reader, paths, stats, geo_lookup(settings), since, until), base, settings)
