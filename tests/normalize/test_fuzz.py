"""Property: any record gives an Event (whose OCSF form is valid) or a NormalizeError, nothing else.

And the quick key the scan decides on never disagrees with the Event it stands for.
"""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import given
from hypothesis import strategies as st

from scanner.model.event import Event
from scanner.normalize import NORMALIZERS, NormalizeError, normalize
from scanner.normalize.keys import quick_key
from scanner.normalize.ocsf import to_ocsf
from scanner.sources.records import RawRecord
from tests.normalize.corpus import corpus_records
from tests.normalize.ocsf_schema import ocsf_schema
from tests.sources.mutations import FUZZ, json_objects, mutated

_TUPLES = {"notes", "permissions", "delegation", "resources"}
_OPTIONAL_BOOLS = {"mfa", "read_only"}


def _records() -> list[RawRecord]:
    return list(corpus_records())


mutated_records = st.sampled_from(_records()).flatmap(
    # decoders only ever yield objects as records: keep mutations that leave an object
    lambda r: mutated(dict(r.data)).filter(lambda d: isinstance(d, dict)).map(lambda d: RawRecord(r.kind, d, r.origin))
)
random_records = st.builds(RawRecord, st.sampled_from(sorted(NORMALIZERS)), json_objects, st.just("fuzz"))


def _event_is_well_typed(ev: Event) -> None:
    for name, value in ev._asdict().items():
        if name in _TUPLES:
            assert isinstance(value, tuple) and all(isinstance(v, str) for v in value), (name, value)
        elif name in _OPTIONAL_BOOLS:
            assert value is None or isinstance(value, bool), (name, value)
        elif name != "raw":
            assert isinstance(value, str), (name, value)


def _check(rec: RawRecord) -> None:
    try:
        key: Any = quick_key(rec)
    except NormalizeError as e:
        key = e
    try:
        ev = normalize(rec)
    except NormalizeError as e:
        assert e.reason and e.detail
        return
    # a record the quick key refuses must not normalize either: it would be waved through unseen
    assert not isinstance(key, NormalizeError), (key, rec.data)
    assert key == (ev.cloud, ev.service, ev.operation, ev.principal_type)
    _event_is_well_typed(ev)
    ocsf = to_ocsf(ev, include_raw=True)
    assert ocsf_schema().validate(ocsf) == []
    orjson.dumps(ocsf)


@FUZZ
@given(mutated_records)
def test_mutated_real_records_normalize_or_raise_normalize_error(rec: RawRecord) -> None:
    _check(rec)


@FUZZ
@given(random_records)
def test_random_records_normalize_or_raise_normalize_error(rec: RawRecord) -> None:
    _check(rec)


def test_eventbridge_quick_key_reads_fields_as_the_mapper_does() -> None:
    # found by the fuzzer: a non-string source was "" in the quick key but "False" in the Event
    _check(RawRecord("eventbridge", {"source": False}, "fuzz"))
    _check(RawRecord("eventbridge", {"source": "aws.health", "detail": {"eventTypeCode": 7}}, "fuzz"))
    _check(RawRecord("eventbridge", {"source": "aws.health", "detail": "x"}, "fuzz"))
