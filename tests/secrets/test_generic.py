"""Secret-named assignments across formats, and the decoys that must stay quiet."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanner.secrets.model import Blob
from scanner.secrets.pack import load_pack
from scanner.secrets.registry import ENGINES
from scanner.secrets.scan import SecretScanner
from tests.secrets.conftest import Fake

SCANNER = SecretScanner(load_pack(), dict(ENGINES))
F = Fake(11)
V = F.s(20) + "9"  # a random literal
W = F.s(14, "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!#%")


def rules(text: str, path: str = "f") -> list[str]:
    return [h.hit.rule for h in SCANNER.scan(Blob(path, text)).hits]


@pytest.mark.parametrize("text", [
    f"DB_PASSWORD={W}",                                    # .env
    f"export PGPASSWORD='{W}'",                            # shell
    f"password = {W}",                                     # INI
    f'  "client_secret": "{V}",',                          # JSON
    f"spring.datasource.password: {W}",                    # Spring properties / YAML
    f'master_password = "{W}"',                            # Terraform
    f'SECRET_KEY = "{V}"',                                 # Django
    f"apiKey := \"{V}\"",                                  # Go
    f"<password>{W}</password>",                           # Maven settings.xml
    f"//registry.npmjs.org/:_authToken=npm_{F.s(36)}",     # .npmrc
    f'headers = {{"Authorization": "Bearer {V}"}}',        # a bearer header
    f'os.getenv("API_TOKEN", "{V}")',                      # a default value
])
def test_secret_named_literals_are_found(text: str) -> None:
    assert rules(text) == ["secrets.generic.assignment"]


@pytest.mark.parametrize("text", [
    "password = os.environ['DB_PASSWORD']",
    "password: ${DB_PASSWORD}",
    "password: '%(DB_PASSWORD)s'",
    "DB_PASSWORD: ${{ secrets.DB_PASSWORD }}",
    "password = var.db_password",
    "password = random_password.db.result",
    "secret_string = aws_secretsmanager_secret_version.api.secret_string",
    'token: "{{ vault_token }}"',
    "api_key: !vault |",
    "password = getpass.getpass()",
    "password = password",
    "token = gitlabToken",
    "secret = user_secret",
    "password: changeme",
    'password = "<your password here>"',
    'token = "****************"',
    "password = [REDACTED]",
    'api_token = "xoxp-1234567890"',                                 # a malformed vendor token: an example
    'secret_arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/api-AbCdEf"',
    'kms_key_id = "555ea4a3-d53a-4412-9c66-3a7cb667b0d6"',           # a UUID naming a key, not a key
    'request_id = "8a1f3c52-3a0e-4b8e-9d6f-2f7d7d1c9b10"',
    'token_url = "https://oauth2.googleapis.com/token"',
    'secret_name = "prod/db/credentials"',
    'authDomain: "acme-web-4711.firebaseapp.com",',
    'public_key = "9Cnzj4p4WGeKLs1Pt8QuKUpRKfFLfRYC9AIKjbJTWit"',
    'csrf-token=Mj2qykJO5rELyHgezQ69nzUX0i3OH67V7+V4eUrLfpuyOuxmiW9rhROG/Whikle15syazJOkrjJa3U2AbhIvUw==',
    'password_hash = "$2b$12$KIXQJQ1Y8Wq9aYk3Vf0b8uJQ9u1yYc2bQe0mZz0bYdQ3sM8rJx1yG"',
    'for var in ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):',
    'version: "3.8"',
])
def test_decoys_stay_quiet(text: str) -> None:
    assert rules(text) == []


def test_lockfile_integrity_hashes_are_not_scanned_as_assignments() -> None:
    line = f'"integrity": "sha512-{F.s(86)}==", "token": "{V}"'
    assert rules(line, "web/package-lock.json") == []
    assert rules(line, "web/data.json") == ["secrets.generic.assignment"]


def test_a_vendor_token_in_an_assignment_is_reported_once_by_its_own_detector() -> None:
    assert rules(f'GITHUB_TOKEN="{F.github()}"') == ["secrets.github.token"]


def test_a_password_in_a_url() -> None:
    assert rules(f"DATABASE_URL=postgres://app:{W}@db.internal:5432/app") == ["secrets.generic.url_credentials"]
    assert rules("DATABASE_URL=postgres://user:password@localhost/app") == []


@given(st.text(alphabet="pastokenkeyrdwcuh_.-=:\"' \t\nAé{[(", max_size=80))
def test_the_name_of_an_assignment_ends_where_its_candidate_run_does(text: str) -> None:
    """The detector takes a name's end from its candidate match in ASCII text (no second match) and
    looks it up otherwise: both must name the same assignments as reading names character by character."""
    from scanner.secrets.assignment import _NAME_RUN, AssignmentDetector

    det = next(d for s, d, _ in SCANNER._detectors if isinstance(d, AssignmentDetector))
    low = text.lower()
    if text.isascii():
        for rx in det.candidates:
            for m in rx.finditer(low):
                assert m.end("tail") == _NAME_RUN.match(text, m.start()).end()  # type: ignore[union-attr]


def test_a_name_with_a_letter_beyond_ascii_is_read_as_before() -> None:
    # Names are ASCII: `é` ends the name `db_password`, and what follows it is no operator. (Taking the
    # end of the candidate's `\w` run instead would read `db_passwordé = …` as an assignment.)
    assert rules(f'db_passwordé = "{W}"') == []
    assert rules(f'db_password = "{W}"  # é') == ["secrets.generic.assignment"]
