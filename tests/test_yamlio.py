"""YAML loading: merge keys let one rule test vary a single field of another's record."""

from __future__ import annotations

import pytest

from scanner.yamlio import YamlError, load_text

DOC = """\
base: &b
  eventName: PutBucketPolicy
  eventID: one
case:
  <<: *b
  eventID: two
"""


def test_a_key_written_after_a_merge_overrides_the_merged_value() -> None:
    doc = load_text(DOC, "t.yaml")
    assert doc["case"] == {"eventName": "PutBucketPolicy", "eventID": "two"}
    assert doc["case"].line_of("eventID") == 6


def test_a_key_written_twice_is_still_refused_with_its_line() -> None:
    with pytest.raises(YamlError, match=r"t.yaml:7: .*duplicate key 'eventID'"):
        load_text(DOC + "  eventID: three\n", "t.yaml")
