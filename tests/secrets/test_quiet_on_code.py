"""Code is not a credential: identifiers, expressions and field paths assigned to secret-named names stay
quiet (each line here is shaped after what boto3, botocore and requests hold), while literals still fire."""

from __future__ import annotations

import pytest

from scanner.secrets.model import Blob
from scanner.secrets.pack import load_pack
from scanner.secrets.registry import ENGINES
from scanner.secrets.scan import SecretScanner
from tests.secrets.conftest import Fake

SCANNER = SecretScanner(load_pack(), dict(ENGINES))
F = Fake(23)


def rules(text: str, path: str = "f.py") -> list[str]:
    return [h.hit.rule for h in SCANNER.scan(Blob(path, text)).hits]


@pytest.mark.parametrize("text", [
    "            input_token = [input_token]",
    "        if token == state.previous:",
    "            if token == primary_result_key:",
    "    if password == expected_password_value:",
    "        token.children = [child for child in children]",
    "        token.children = node.children",
    "    'ec2_credential_refresh_window': _DEFAULT_ADVISORY_REFRESH_TIMEOUT,",
    "    ACCESS_KEY = 'AWSAccessKeyId'",
    "    SECRET_KEY = 'SecretAccessKey'",
    '      "output_token": "DistributionList.NextMarker",',
    '      "output_token": "EngineDefaults.Marker",',
    '      "output_token": "Jobs[-1].JobId",',
    '      "output_token": "StreamDescription.Shards[-1].ShardId",',
    '      "input_token": "ExclusiveStartShardId",',
    '      "result_key": "Credentials.SecretAccessKey",',
    '        "ClientRequestToken": "1d2129a1-3d38-460a-9756-e5b91fddb951",',
    '        "LifecycleActionToken": "bcd2f1b8-9a78-44d3-8a7a-4dd07d7cf635",',
    '        "ChangeToken": "abcd12f2-46da-4fdb-b8d5-fbd4c466928f",',
    '        "ClientToken": "cachedvol112233",',
    '        "LocalConsolePassword": "PassWordMustBeAtLeast6Chars."',
    '        "Password": "SomeKindOfPassword123!@#",',
])
def test_code_and_field_paths_stay_quiet(text: str) -> None:
    assert rules(text) == []


def test_sdk_documentation_examples_stay_quiet() -> None:
    # botocore's examples-1.json files are the API reference's worked examples (sample passwords, tokens).
    text = '{"input": {"NewPassword": "]35d/{pB9Fo9wJ", "OldPassword": "3s0K_;xh4~8XXI"}}'  # auditwarden:allow
    assert rules(text, "botocore/data/iam/2010-05-08/examples-1.json") == []
    assert rules(text, "config/iam-users.json") == ["secrets.generic.assignment"] * 2


@pytest.mark.parametrize("text", [
    f'token = "{F.s(24)}9"',
    f"PASSWORD = '{F.s(10)}#4x'",
    f'api_token = "{F.s(8, "0123456789abcdef")}-1f09-405b-80d0-3131bfd6272d"',  # a UUID an API issued
    f"if password == '{F.s(12)}!9':",  # a hard-coded comparison is a hard-coded password
    f"AUTH_TOKEN={F.s(30)}",
    f'  "output": {{"password": "{F.s(14)}#2"}}',
])
def test_literals_still_fire(text: str) -> None:
    assert rules(text) == ["secrets.generic.assignment"]


def test_this_projects_own_detector_pack_stays_quiet_when_scanned() -> None:
    # Its must-fire cases are published examples: in a scanned tree (a vendored copy, a site-packages
    # install) they are documentation, not leaks; the same text elsewhere still fires.
    from scanner.secrets.pack import default_pack_dir

    for f in sorted(default_pack_dir().glob("*.yaml")):
        text = f.read_text()
        assert rules(text, f"vendor/auditwarden/rules/secrets/{f.name}") == [], f.name
    aws_case = next(s for s in SCANNER.specs if s.id == "secrets.aws.access_key").cases[0].text
    assert aws_case.startswith("[default]")
    assert rules(aws_case.replace("XVoi", "XVoj"), "creds") == ["secrets.aws.access_key"]  # another secret
