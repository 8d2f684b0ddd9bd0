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


def _actor(eid: str, ip: str, key: str = "AKIAIOSFODNN7EXAMPLE", time: str = "2024-07-31T13:00:00Z") -> Finding:
    return _f(time, eid).with_(evidence={"source_ip": ip, "access_key_id": key, "session_name": "s"})


def test_folding_keeps_every_actor_with_counts_and_caps_the_list() -> None:
    agg = Aggregator(max_distinct_values=2)
    for i, ip in enumerate(["198.51.100.1", "198.51.100.1", "198.51.100.1", "203.0.113.9", "203.0.113.9", "192.0.2.4"]):
        agg.add(_actor(f"e{i}", ip, key="ASIAEXAMPLE2" if i == 5 else "AKIAIOSFODNN7EXAMPLE"))
    [f] = agg.results()
    assert f.count == 6
    assert f.evidence["distinct"]["source_ip"] == [{"value": "198.51.100.1", "count": 3},
                                                   {"value": "203.0.113.9", "count": 2}]
    assert f.evidence["distinct_more"] == {"source_ip": 1}  # 192.0.2.4 is past the cap, not forgotten
    assert f.evidence["distinct"]["access_key_id"] == [{"value": "AKIAIOSFODNN7EXAMPLE", "count": 5},
                                                       {"value": "ASIAEXAMPLE2", "count": 1}]
    assert f.evidence["distinct"]["session_name"] == [{"value": "s", "count": 6}]


def test_a_redelivered_event_counts_once() -> None:
    agg = Aggregator()
    for eid in ("a", "b", "a", "a"):
        agg.add(_actor(eid, "198.51.100.1"))
    [f] = agg.results()
    assert (f.count, f.event_ids) == (2, ("a", "b"))
    assert f.evidence["distinct"]["source_ip"] == [{"value": "198.51.100.1", "count": 2}]
    single = Aggregator()
    single.extend([_actor("a", "198.51.100.1"), _actor("a", "198.51.100.1")])
    [g] = single.results()
    assert g.count == 1 and "distinct" not in g.evidence and not g.last_time


def test_worker_results_merge_with_their_actor_counts() -> None:
    """--jobs N: each worker folds its files, the parent folds the folded findings."""
    one, two, parent = Aggregator(), Aggregator(), Aggregator()
    one.extend([_actor("a", "198.51.100.1"), _actor("b", "198.51.100.1")])
    two.extend([_actor("c", "203.0.113.9"), _actor("b", "198.51.100.1")])  # b delivered to both workers
    parent.extend(one.results())
    parent.extend(two.results())
    [f] = parent.results()
    assert f.count == 3 and f.event_ids == ("a", "b", "c")
    ips = {d["value"]: d["count"] for d in f.evidence["distinct"]["source_ip"]}
    assert ips["203.0.113.9"] == 1 and "198.51.100.1" in ips


def test_redelivery_memory_is_bounded_per_group() -> None:
    agg = Aggregator(max_event_ids=2)
    agg.extend(_f("2024-07-31T13:00:00Z", f"e{i:03d}") for i in range(100))
    [group] = agg._groups.values()
    assert len(group.seen) == 20  # DEDUP_FACTOR x max_event_ids digests, not one per event
    agg.add(_f("2024-07-31T13:00:00Z", "e000"))  # remembered: a redelivery
    assert agg.results()[0].count == 100


def test_the_cap_after_a_merge_does_not_depend_on_which_worker_saw_what() -> None:
    """Capped per worker, a value common overall but rare in each worker would lose to a rarer one."""
    events = [_actor(f"e{i}", ip) for i, ip in enumerate(["203.0.113.7", "198.51.100.8", "203.0.113.7"])]
    whole = Aggregator(max_distinct_values=1)
    whole.extend(events)
    [expected] = whole.results()
    for split in (1, 2):
        one, two, parent = (Aggregator(max_distinct_values=1) for _ in range(3))
        one.extend(events[:split])
        two.extend(events[split:])
        parent.extend(one.results(for_merge=True))
        parent.extend(two.results(for_merge=True))
        [f] = parent.results()
        assert f.evidence["distinct"] == expected.evidence["distinct"] == {
            "source_ip": [{"value": "203.0.113.7", "count": 2}],
            "access_key_id": [{"value": "AKIAIOSFODNN7EXAMPLE", "count": 3}],
            "session_name": [{"value": "s", "count": 3}]}
        assert f.evidence["distinct_more"] == {"source_ip": 1}


def test_merged_worker_groups_equal_one_aggregator_whatever_the_split() -> None:
    """--jobs N hands each worker's groups to the parent: the result must be what one process folds,
    including whose evidence the finding shows when events share a time (or one event yields two)."""
    t = "2024-07-31T13:00:00Z"
    e2 = _actor("e2", "203.0.113.9", time=t)
    events = [_actor("e5", "198.51.100.1", time=t), e2, e2.with_(evidence={**e2.evidence, "role": "roles/owner"}),
              _actor("e7", "192.0.2.4", time="2024-07-31T13:20:00Z"), _actor("e1", "198.51.100.1", time=t)]
    whole, backwards = Aggregator(), Aggregator()
    whole.extend(events)
    backwards.extend(reversed(events))
    expected = whole.results()
    assert backwards.results() == expected
    assert expected[0].count == 4  # e2's two findings are one event
    for split in range(len(events) + 1):
        for order in (events, events[::-1]):
            if split == (2 if order is events else 3):
                continue  # e2's findings come from one event, so from one input: one worker has both
            one, two, parent = Aggregator(), Aggregator(), Aggregator()
            one.extend(order[:split])
            two.extend(order[split:])
            parent.merge(one)
            parent.merge(two)
            assert parent.results() == expected, (split, order is events)


def test_an_event_both_workers_saw_counts_once_after_the_merge() -> None:
    one, two, parent = Aggregator(), Aggregator(), Aggregator()
    one.extend([_actor("a", "198.51.100.1"), _actor("b", "198.51.100.1")])
    two.extend([_actor("c", "203.0.113.9"), _actor("b", "198.51.100.1")])
    parent.merge(one)
    parent.merge(two)
    [f] = parent.results()
    assert f.count == 3 and f.event_ids == ("a", "b", "c")
