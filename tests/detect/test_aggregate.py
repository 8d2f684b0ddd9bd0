"""Aggregation: a thousand repeats are one finding; different resources or windows are not."""

from __future__ import annotations

from scanner.detect.aggregate import Aggregator
from scanner.model.finding import Finding


def _f(time: str, eid: str, resource: str = "trail-a", severity: str = "high") -> Finding:
    return Finding(id=eid, rule="aws.cloudtrail.logging_stopped", title="t", severity=severity, category="tamper",
                   cloud="aws", account="111122223333", principal="arn:aws:iam::111122223333:user/eve",
                   action="cloudtrail:StopLogging", resource=resource, time=time, event_ids=(eid,))


def test_repeats_in_window_fold_into_one_with_count_and_capped_ids() -> None:
    agg = Aggregator(window_seconds=3600, max_event_ids=10)
    for i in range(1000):
        agg.add(_f(f"2024-07-31T13:{i % 60:02d}:{i % 60:02d}Z", f"e{i:04d}"))
    [one] = agg.results()
    assert one.count == 1000
    assert len(one.event_ids) == 10
    assert one.time == "2024-07-31T13:00:00Z"
    assert one.last_time == "2024-07-31T13:59:59Z"


def test_different_resource_or_window_stay_separate() -> None:
    agg = Aggregator(window_seconds=3600)
    agg.add(_f("2024-07-31T13:00:00Z", "a"))
    agg.add(_f("2024-07-31T13:10:00Z", "b", resource="trail-b"))
    agg.add(_f("2024-07-31T14:00:01Z", "c"))
    assert len(agg.results()) == 3


def test_denied_attempts_do_not_hide_inside_successes() -> None:
    agg = Aggregator()
    agg.add(_f("2024-07-31T13:00:00Z", "a", severity="high"))
    agg.add(_f("2024-07-31T13:00:05Z", "b", severity="medium"))
    assert sorted(f.severity for f in agg.results()) == ["high", "medium"]


def test_ids_are_stable_whatever_the_input_order() -> None:
    events = [_f(f"2024-07-31T13:0{i}:00Z", f"e{i}") for i in range(5)]
    a, b = Aggregator(), Aggregator()
    a.extend(events)
    b.extend(reversed(events))
    assert [f.id for f in a.results()] == [f.id for f in b.results()]
    assert a.results()[0].event_ids == ("e0", "e1", "e2", "e3", "e4")
