"""The Lambda door, warm and in process: per-event latency for EventBridge events and for a trail
object of 1,000 records delivered through SQS (read from moto's S3 server on 127.0.0.1), the CPU cost
of importing the handler, and the size of the zip `make package` built.

    .venv/bin/python bench/lambda_bench.py [--events 2000]

Budget: p99 < 50 ms per EventBridge event.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from workload import _variants, sample_records  # noqa: E402

from scanner.handlers.aws_lambda import handle  # noqa: E402
from scanner.live.runtime import Options, Runtime  # noqa: E402

BUDGET_P99_MS = 50.0


class _Ctx:
    aws_request_id = "bench"


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


def eventbridge(n: int) -> tuple[float, float, int]:
    aws, _ = sample_records()
    rng = random.Random(11)
    events = [{"version": "0", "id": rec["eventID"], "detail-type": "AWS API Call via CloudTrail",
               "source": "aws." + str(rec.get("eventSource", "x")).split(".")[0],
               "account": rec.get("recipientAccountId", "111122223333"), "time": rec["eventTime"],
               "region": rec.get("awsRegion", "us-east-1"), "resources": [], "detail": rec}
              for rec in _variants(aws, n, rng, "aws")]
    rt = Runtime(Options(function="bench"))
    lat = []
    findings = 0
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink):
        for ev in events[:50]:  # warm-up: detectors built, caches filled, as in a warm container
            with contextlib.suppress(Exception):
                handle(ev, _Ctx(), rt)
        for ev in events:
            t0 = time.perf_counter()
            with contextlib.suppress(Exception):  # a sample the pack dead-letters still costs its time
                out = handle(ev, _Ctx(), rt)
                findings += out.get("findings", 0)
            lat.append((time.perf_counter() - t0) * 1000)
    return _pct(lat, 50), _pct(lat, 99), findings


def s3_via_sqs(records: int) -> tuple[float, float]:
    """(ms per record, ms per invocation): one SQS message naming one trail object of `records` records."""
    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access-log line per S3 call otherwise

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    os.environ.update({"AWS_ENDPOINT_URL": f"http://{host}:{port}", "AWS_ACCESS_KEY_ID": "bench",
                       "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1",
                       "AWS_EC2_METADATA_DISABLED": "true"})
    try:
        aws, _ = sample_records()
        body = gzip.compress(orjson.dumps({"Records": list(_variants(aws, records, random.Random(5), "aws"))}))
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="trail")
        times = []
        rt = Runtime(Options(function="bench"))
        with contextlib.redirect_stdout(io.StringIO()):
            for i in range(6):
                key = f"AWSLogs/111122223333/CloudTrail/us-east-1/2024/07/31/obj{i}.json.gz"
                s3.put_object(Bucket="trail", Key=key, Body=body)
                note = {"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
                                     "eventTime": "2024-07-31T13:10:00Z",
                                     "s3": {"bucket": {"name": "trail"}, "object": {"key": key}}}]}
                event = {"Records": [{"messageId": f"m{i}", "body": orjson.dumps(note).decode(),
                                      "eventSource": "aws:sqs", "attributes": {}}]}
                t0 = time.perf_counter()
                out = handle(event, _Ctx(), rt)
                times.append((time.perf_counter() - t0) * 1000)
                assert out == {"batchItemFailures": []}, out
        warm = times[1:]  # the first builds the S3 client
        per_invocation = statistics.median(warm)
        return per_invocation / records, per_invocation
    finally:
        server.stop()


def import_cpu_ms() -> float:
    def cpu(code: str) -> float:
        b = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
        a = resource.getrusage(resource.RUSAGE_CHILDREN)
        return (a.ru_utime - b.ru_utime) + (a.ru_stime - b.ru_stime)

    bare = min(cpu("pass") for _ in range(3))
    return 1000 * (min(cpu("import scanner.handlers.aws_lambda") for _ in range(3)) - bare)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=2000)
    ap.add_argument("--records", type=int, default=1000)
    args = ap.parse_args()
    p50, p99, findings = eventbridge(args.events)
    print(f"EventBridge events, warm, in process: {args.events} events, p50 {p50:.2f} ms, p99 {p99:.2f} ms "
          f"(budget p99 < {BUDGET_P99_MS:.0f} ms), {findings} findings")
    per_rec, per_inv = s3_via_sqs(args.records)
    print(f"SQS → S3 trail object of {args.records} records: {per_inv:.0f} ms per invocation, "
          f"{per_rec:.3f} ms per record (median of 5 warm)")
    print(f"handler import: {import_cpu_ms():.0f} ms CPU over a bare interpreter (budget 300 ms)")
    z = ROOT / "dist" / "auditwarden-lambda.zip"
    print(f"zip: {z.stat().st_size / 1e6:.2f} MB (budget 15 MB)" if z.is_file() else "zip: not built (make package)")
    return 0 if p99 < BUDGET_P99_MS else 1


if __name__ == "__main__":
    sys.exit(main())
