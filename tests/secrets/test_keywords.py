"""The keyword prefilter: a detector is skipped only when none of its keywords occurs in the text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from scanner.secrets.keywords import KeywordIndex
from scanner.secrets.pack import load_pack

KEYWORDS = ("aws", "secret_access_key", "xoxe", "xoxe-", "akia", "private key", "1//0")


def test_overlapping_and_nested_keywords_are_all_reported() -> None:
    idx = KeywordIndex(KEYWORDS)
    # One name holds two keywords; one keyword is the prefix of another.
    assert idx.present("export aws_secret_access_key=…") == {"aws", "secret_access_key"}
    assert idx.present("token: xoxe-1-abc") == {"xoxe", "xoxe-"}
    assert idx.present("nothing to see") == frozenset()


def test_keywords_after_non_ascii_text_are_found() -> None:
    idx = KeywordIndex(KEYWORDS)
    assert idx.present("clé = «»—ü 1//0abc\n-----begin private key-----") == {"1//0", "private key"}


@given(st.text(alphabet="awsxoe-_1/0 akiéprvtcy", max_size=60))
def test_agrees_with_plain_substring_search(text: str) -> None:
    idx = KeywordIndex(KEYWORDS)
    assert idx.present(text) == {k for k in KEYWORDS if k in text}


def test_the_packs_keywords_each_found_in_a_text_holding_only_it() -> None:
    keywords = {k for spec in load_pack() for k in spec.keywords}
    idx = KeywordIndex(keywords)
    for k in keywords:
        assert k in idx.present(f"x = '{k}'\n")
