"""Expand the PATH arguments users give (files, directories, s3:// prefixes) into inputs, and open them.

Inputs are plain strings so they can be handed to worker processes; each process makes its own
clients (a boto3 client is not fork-safe).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scanner.sources.fastpath import WantKey
from scanner.sources.limits import Limits
from scanner.sources.reader import read_items
from scanner.sources.records import Item, Rejected, Skipped

#: Notifications inside an S3 object that name further objects are followed this many times, no more
#: (an archive of SQS messages naming CloudTrail objects is one hop; an object naming itself, a loop).
MAX_NOTIFICATION_HOPS = 2


class InputError(ValueError):
    """A PATH argument that cannot be read at all (missing file, bad URL)."""


def _is_digest_key(name: str) -> bool:
    # CloudTrail writes digests under .../CloudTrail-Digest/...; they hold hashes, not events.
    return "CloudTrail-Digest" in name or name.endswith("_CloudTrail-Digest.json.gz")


def expand(paths: list[str], s3_client_factory: Any = None) -> Iterator[str]:
    """Yield one input per file / object, in a stable order."""
    for p in paths:
        if p.startswith("s3://"):
            yield from _expand_s3(p, s3_client_factory)
        elif p.startswith("gs://"):
            raise InputError(f"{p}: gs:// input is not supported yet; copy the objects locally")
        elif p == "-":
            yield p
        else:
            path = Path(p)
            if path.is_dir():
                for root, dirs, files in os.walk(path):
                    dirs.sort()
                    for f in sorted(files):
                        yield str(Path(root) / f)
            elif path.is_file():
                yield str(path)
            else:
                raise InputError(f"{p}: no such file or directory")


def split_s3(url: str) -> tuple[str, str]:
    rest = url[len("s3://") :]
    bucket, _, prefix = rest.partition("/")
    if not bucket:
        raise InputError(f"{url}: no bucket in s3 URL")
    return bucket, prefix


def _expand_s3(url: str, factory: Any) -> Iterator[str]:
    bucket, prefix = split_s3(url)
    client = (factory or default_s3_client)()
    paginator = client.get_paginator("list_objects_v2")
    try:
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                yield f"s3://{bucket}/{obj['Key']}"
    except Exception as e:  # botocore raises many shapes; the user needs the message, not the class
        raise InputError(f"{url}: cannot list: {e}") from e


def default_s3_client() -> Any:
    import boto3  # imported here: module-level clients are forbidden, and boto3 import is slow

    # boto3 honours AWS_ENDPOINT_URL(_S3), which is how tests point it at moto's server.
    return boto3.client("s3")


class InputReader:
    """Opens inputs and decodes them; holds the lazily created S3 client of this process."""

    def __init__(self, limits: Limits, s3_client_factory: Any = None) -> None:
        self.limits = limits
        self._factory = s3_client_factory or default_s3_client
        self._s3: Any = None

    def s3(self) -> Any:
        if self._s3 is None:
            self._s3 = self._factory()
        return self._s3

    def items(self, name: str, want: WantKey | None = None) -> Iterator[Item]:
        """Everything one input holds. `want` (quick key → bool) lets plain records nobody wants be
        yielded as UNWANTED without a full parse (selective decoding)."""
        if _is_digest_key(name):
            yield Skipped(name, "cloudtrail_digest")
            return
        if name.startswith("s3://"):
            bucket, key = split_s3(name)
            yield from self._read_s3(bucket, key, 0, want)
            return
        def follow(b: str, k: str, _origin: str) -> Iterator[Item]:
            return self._read_s3(b, k, 0, want)

        if name == "-":
            import sys

            yield from read_items(sys.stdin.buffer, "<stdin>", self.limits, follow, want)
            return
        try:
            fh = open(name, "rb")  # noqa: SIM115 - closed in finally; generator lifetime
        except OSError as e:
            yield Rejected(name, "read_error", e.strerror or str(e))
            return
        try:
            yield from read_items(fh, name, self.limits, follow, want)
        finally:
            fh.close()

    def read_s3_object(self, bucket: str, key: str, origin: str = "") -> Iterator[Item]:
        """Read one object a notification or a PATH names (an ObjectReader)."""
        return self._read_s3(bucket, key, 0)

    def _read_s3(self, bucket: str, key: str, hops: int, want: WantKey | None = None) -> Iterator[Item]:
        url = f"s3://{bucket}/{key}"
        if _is_digest_key(key):
            yield Skipped(url, "cloudtrail_digest")
            return
        if hops > MAX_NOTIFICATION_HOPS:
            # An object whose notifications name objects with notifications...: a loop, or abuse.
            yield Rejected(url, "notification_loop", f"more than {MAX_NOTIFICATION_HOPS} notification hops")
            return
        try:
            body = self.s3().get_object(Bucket=bucket, Key=key)["Body"]
        except Exception as e:  # botocore ClientError, endpoint errors: reported, never a traceback
            yield Rejected(url, "read_error", str(e))
            return

        def follow(b: str, k: str, _origin: str) -> Iterator[Item]:
            return self._read_s3(b, k, hops + 1, want)

        try:
            yield from read_items(body, url, self.limits, follow, want)
        finally:
            body.close()
