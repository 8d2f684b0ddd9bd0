"""Secrets under a layer of encoding: base64 (Kubernetes Secret `data:`, CI variables) for any JSON
layout of a GCP key and for AWS key pairs, and JSON-escaped slashes (`\\/`, as PHP's json_encode and
some Java serialisers write them). Each is reported where the encoded text sits."""

from __future__ import annotations

import base64
import json
import textwrap
from pathlib import Path

import pytest

from scanner.secrets.model import Blob
from scanner.secrets.pack import load_pack
from scanner.secrets.registry import ENGINES
from scanner.secrets.scan import LocatedHit, SecretScanner
from tests.secrets.conftest import Fake, cli_run

SCANNER = SecretScanner(load_pack(), dict(ENGINES))


def hits(text: str) -> list[LocatedHit]:
    return list(SCANNER.scan(Blob("f.yaml", text)).hits)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


LAYOUTS = {
    "json.dumps default": lambda sa: json.dumps(sa),
    "compact": lambda sa: json.dumps(sa, separators=(",", ":")),
    "sorted keys": lambda sa: json.dumps(sa, sort_keys=True, indent=2),
    "sorted compact": lambda sa: json.dumps(sa, sort_keys=True, separators=(",", ":")),
    "CRLF": lambda sa: json.dumps(sa, indent=2).replace("\n", "\r\n"),
    "tabs": lambda sa: json.dumps(sa, indent="\t"),
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_a_gcp_key_in_a_kubernetes_secret_in_any_json_layout(fake: Fake, layout: str) -> None:
    sa = fake.gcp_sa()
    text = f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: gcp\ndata:\n  key.json: {b64(LAYOUTS[layout](sa))}\n"
    [h] = hits(text)
    assert h.hit.rule == "secrets.gcp.service_account_key" and h.line == 6
    assert h.hit.evidence["client_email"] == sa["client_email"] and h.hit.evidence["encoding"] == "base64"


def test_a_gcp_key_base64_wrapped_at_76_columns_in_a_ci_variable(fake: Fake) -> None:
    sa = fake.gcp_sa()
    wrapped = textwrap.indent("\n".join(textwrap.wrap(b64(json.dumps(sa, sort_keys=True)), 76)), "    ")
    text = f"variables:\n  GOOGLE_CREDENTIALS_B64: |\n{wrapped}\nafter: 1\n"
    [h] = hits(text)
    assert h.hit.rule == "secrets.gcp.service_account_key" and h.line == 3
    assert hits(text + "\n" + "x: 1\n")[0].line == 3  # line numbers after the block are not shifted


def test_an_aws_key_pair_base64_encoded_in_a_kubernetes_secret(fake: Fake) -> None:
    kid, sec = fake.aws_key_id(210987654321), fake.aws_secret()
    text = (f"apiVersion: v1\nkind: Secret\ntype: Opaque\ndata:\n  AWS_ACCESS_KEY_ID: {b64(kid)}\n"
            f"  AWS_SECRET_ACCESS_KEY: {b64(sec)}\n")
    [h] = hits(text)
    assert h.hit.rule == "secrets.aws.access_key" and h.hit.evidence["paired"] is True
    assert h.hit.secret == sec and h.hit.account == "210987654321" and h.line == 5
    assert h.part_lines == (5, 6) and h.hit.evidence["encoding"] == "base64"


def test_a_base64_encoded_credentials_file(fake: Fake) -> None:
    kid, sec = fake.aws_key_id(), fake.aws_secret()
    creds = f"[default]\naws_access_key_id = {kid}\naws_secret_access_key = {sec}\n"
    [h] = hits(f"AWS_CREDENTIALS_FILE={b64(creds)}\n")
    assert h.hit.rule == "secrets.aws.access_key" and h.hit.evidence["paired"] is True and h.hit.secret == sec


def test_json_escaped_slashes_in_an_aws_secret(fake: Fake) -> None:
    kid = fake.aws_key_id()
    sec = fake.aws_secret()[:20] + "/" + fake.aws_secret()[:18] + "/"  # 40 characters with slashes
    text = json.dumps({"key": kid, "secret": sec}).replace("/", "\\/")
    [h] = hits(text)
    assert h.hit.evidence["paired"] is True and h.hit.secret == sec


def test_json_escaped_slashes_in_a_gcp_key(fake: Fake) -> None:
    sa = fake.gcp_sa()
    assert "/" in sa["private_key"]
    [h] = hits(json.dumps(sa, indent=2).replace("/", "\\/"))
    assert h.hit.rule == "secrets.gcp.service_account_key" and h.line == 5


def test_base64_that_is_not_a_secret_stays_quiet(fake: Fake) -> None:
    text = (f"data:\n  config.json: {b64(json.dumps({'type': 'service_account', 'project_id': 'x'}))}\n"
            f"  readme: {b64('AKIA is the prefix of access key IDs; see the docs.')}\n"
            f"  logo.png: {base64.b64encode(fake.rng.randbytes(300)).decode()}\n")
    assert hits(text) == []


def test_the_decoding_triggers_are_configuration(plain_dir: Path, fake: Fake) -> None:
    text = f"data:\n  AWS_ACCESS_KEY_ID: {b64(fake.aws_key_id())}\n  AWS_SECRET_ACCESS_KEY: {b64(fake.aws_secret())}\n"
    (plain_dir / "secret.yaml").write_text(text)

    def rules() -> list[str]:
        return sorted(json.loads(line)["rule"] for line in cli_run(".", "--format", "jsonl")[1].splitlines())

    assert rules() == ["secrets.aws.access_key"]
    (plain_dir / ".auditwarden-secrets.yaml").write_text("decoding:\n  base64_triggers: [service_account]\n")
    assert rules() == ["secrets.generic.assignment"]  # the encoded secret, as a random value, and no pair
    (plain_dir / ".auditwarden-secrets.yaml").write_text("decoding:\n  base64_min_chars: 2\n")
    code, _, err = cli_run(".")
    assert code == 2 and ".auditwarden-secrets.yaml:2" in err and "base64_min_chars" in err


def test_unprintable_class_is_the_complement_of_printable_text() -> None:
    """The decoded-text check counts control characters and non-BMP ones; its class is written out
    (cheap to compile), so it must agree with the complement of tab, newlines, ASCII and the BMP."""
    import re

    from scanner.secrets.layers import _UNPRINTABLE

    every = "".join(map(chr, range(0x110000)))
    printable = re.compile(r"[^\t\r\n\x20-\x7e\u00a0-\uffff]")
    assert _UNPRINTABLE.findall(every) == printable.findall(every)
