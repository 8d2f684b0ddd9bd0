"""Dead-letter samples of records: short, JSON, and safe on nesting repr() cannot print."""

from __future__ import annotations

from typing import Any

import orjson

from scanner.sources.records import record_sample


def test_record_sample_is_the_start_of_the_record_as_json() -> None:
    sample = record_sample({"eventName": 42, "pad": "x" * 5000})
    assert sample.startswith('{"eventName":42,"pad":"xxx') and len(sample) == 300


def test_record_sample_of_nesting_too_deep_to_print_names_the_keys() -> None:
    deep: Any = orjson.loads(b"[" * 1000 + b"1" + b"]" * 1000)  # orjson reads it; repr() and dumps() cannot
    sample = record_sample({"eventName": 42, "requestParameters": {"p": deep}})
    assert sample == "{keys: eventName, requestParameters}"
    assert record_sample({"n": 2**70}) == "{keys: n}"
