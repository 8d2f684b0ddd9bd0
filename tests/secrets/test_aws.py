"""AWS: key IDs paired with their secret, the account decoded offline, and what stays quiet."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.secrets.aws import account_from_key_id
from scanner.secrets.model import Blob
from scanner.secrets.pack import load_pack
from scanner.secrets.registry import ENGINES
from scanner.secrets.scan import LocatedHit, SecretScanner
from tests.secrets.conftest import Fake

SCANNER = SecretScanner(load_pack(), dict(ENGINES))
WINDOW = int(next(s for s in SCANNER.specs if s.id == "secrets.aws.access_key").params["pair_window_lines"])


def hits(text: str) -> list[LocatedHit]:
    return list(SCANNER.scan(Blob("f.txt", text)).hits)


def test_account_decoding_matches_the_published_example() -> None:
    # The worked example of Aidan Steele's and Tal Be'ery's write-ups: this key ID belongs to 609629065308.
    assert account_from_key_id("ASIA" + "Y34FZKBOKMUTVV7A") == "609629065308"


@pytest.mark.parametrize("account", [1, 123456789012, 999999999999, 418827363510])
def test_account_round_trips_through_new_generation_key_ids(fake: Fake, account: int) -> None:
    assert account_from_key_id(fake.aws_key_id(account)) == f"{account:012d}"


def test_old_generation_key_ids_carry_no_account() -> None:
    assert account_from_key_id("AKIA" + "IOSFODNN7EXAMPLE") is None  # 'I' < 'Q': pre-2019 format
    assert account_from_key_id("AKIA" + "JAAAAAAAAAAAAAAA") is None


def test_a_key_pair_is_one_critical_finding_with_account_and_key(fake: Fake) -> None:
    kid, sec = fake.aws_key_id(210987654321), fake.aws_secret()
    [h] = hits(f"[prod]\naws_access_key_id = {kid}\nregion = eu-west-1\naws_secret_access_key = {sec}\n")
    assert h.hit.rule == "secrets.aws.access_key" and h.hit.severity == "critical" and h.line == 2
    assert h.hit.secret == sec and h.hit.account == "210987654321" and h.hit.resource == kid
    assert h.hit.evidence["revocation"] == {"kind": "aws-key", "access_key_id": kid, "account_id": "210987654321"}


def test_a_csv_export_pairs_without_names(fake: Fake) -> None:
    kid, sec = fake.aws_key_id(), fake.aws_secret()
    [h] = hits(f"Access key ID,Secret access key\n{kid},{sec}\n")
    assert h.hit.evidence["paired"] is True


def test_pairing_has_a_window(fake: Fake) -> None:
    kid, sec = fake.aws_key_id(), fake.aws_secret()
    near = hits(f"{kid}\n" + "x = 1\n" * (WINDOW - 1) + f"{sec}\n")
    assert [h.hit.evidence["paired"] for h in near] == [True]
    far = hits(f"{kid}\n" + "x = 1\n" * (WINDOW + 5) + f"{sec}\n")
    # Beyond the window the key ID stands alone (medium) and an unnamed 40-char string says nothing.
    assert [(h.hit.evidence["paired"], h.hit.severity) for h in far] == [(False, "medium")]


def test_a_named_secret_alone_is_reported(fake: Fake) -> None:
    [h] = hits(f'AWS_SECRET_ACCESS_KEY: "{fake.aws_secret()}"\n')
    assert h.hit.severity == "high" and "no key ID" in h.hit.title


def test_two_pairs_pair_with_their_own_secrets(fake: Fake) -> None:
    k1, s1, k2, s2 = fake.aws_key_id(111111111111), fake.aws_secret(), fake.aws_key_id(222222222222), fake.aws_secret()
    found = hits(f"[a]\nid = {k1}\nsecret = {s1}\n[b]\nid = {k2}\nsecret = {s2}\n")
    assert sorted((h.hit.resource, h.hit.secret) for h in found) == sorted([(k1, s1), (k2, s2)])


def test_a_temporary_key_pair_and_its_session_token(fake: Fake) -> None:
    kid, sec, tok = fake.aws_key_id(prefix="AS" + "IA"), fake.aws_secret(), fake.session_token()
    found = {h.hit.rule: h for h in hits(f"id={kid}\nsecret={sec}\ntoken={tok}\n")}
    assert found["secrets.aws.access_key"].hit.severity == "high"  # temporary
    assert found["secrets.aws.access_key"].hit.evidence["key_type"] == "temporary (STS)"
    assert found["secrets.aws.session_token"].line == 3


@pytest.mark.parametrize("text", [
    "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    '"principalId": "AROA' + 'RZPUZDIKDAE5WSYC:ci", "userId": "AIDA' + 'RZPUZDIKI62CPE4N"',
    '"accessKeyId": "ASIA' + 'RZPUZDIKDAE5WSYC"',  # a temporary key ID alone: every CloudTrail sample has one
    "AKIA" + "XXXXXXXXXXXXXXXX",
    "AKIA" + "RZPUZDIKI62CPE4NX",  # 21 characters: not a key ID
    "aws_secret_access_key = ${AWS_SECRET_ACCESS_KEY}",
    "aws_secret_access_key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}",
    "commit 466917a84da73b9e6ab1d0e449ed5a51d1991b42 by AWS automation",
])
def test_quiet_on_what_is_not_an_aws_credential(text: str) -> None:
    assert hits(text) == []


def test_a_named_secret_is_reported_once_when_its_line_names_it_twice(fake: Fake) -> None:
    sec = fake.aws_secret()
    found = hits(f'{{"aws_secret_access_key": "{sec}", "note": "aws secret"}}\n')
    assert [h.hit.secret for h in found] == [sec]


_NAME_PARTS = ["secret", "SECRET", "access", "Access", "key", "KEY", "aws", "AWS", "amazon", "Amazon", "_", "-",
               ".", " ", "\"", "'", "x", "token", "id", "=", ":", "é"]


@settings(max_examples=400, derandomize=True, deadline=None)
@given(st.lists(st.sampled_from(_NAME_PARTS), max_size=12).map("".join))
def test_the_fast_lower_case_name_patterns_agree_with_the_case_insensitive_one(text: str) -> None:
    """SECRET_NAMES_LOWER is SECRET_NAME split for speed; a drift would silence or add findings."""
    from scanner.secrets.aws import SECRET_NAME, SECRET_NAMES_LOWER

    assert any(rx.search(text.lower()) for rx in SECRET_NAMES_LOWER) == bool(SECRET_NAME.search(text))
