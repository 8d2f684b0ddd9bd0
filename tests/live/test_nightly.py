"""The nightly hook runs whatever job modules are importable and names what is missing."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from typing import Any

import pytest

from scanner.config import Config
from scanner.live.nightly import NightlyFailed, run_jobs
from scanner.state.memory import MemoryStore


@pytest.fixture
def job_modules() -> Iterator[None]:
    ok = types.ModuleType("aw_test_job_ok")
    ok.run_nightly = lambda config, state, now: {"principals": 3, "now": now}  # type: ignore[attr-defined]
    bad = types.ModuleType("aw_test_job_bad")

    def boom(config: Any, state: Any, now: float) -> None:
        raise RuntimeError("IAM inventory unreachable")

    bad.run_nightly = boom  # type: ignore[attr-defined]
    sys.modules.update({"aw_test_job_ok": ok, "aw_test_job_bad": bad, "aw_test_job_none": types.ModuleType("x")})
    yield
    for m in ("aw_test_job_ok", "aw_test_job_bad", "aw_test_job_none"):
        sys.modules.pop(m, None)


def test_importable_jobs_run_and_missing_ones_are_named(job_modules: None) -> None:
    out = run_jobs(Config(), MemoryStore(), 5.0, {"report": "aw_test_job_ok", "anomaly": "aw_test_job_absent",
                                                  "other": "aw_test_job_none"})
    assert out["report"] == {"status": "ok", "principals": 3, "now": 5.0}
    assert out["anomaly"]["status"] == "unavailable" and "nightly artifact" in out["anomaly"]["detail"]
    assert out["other"] == {"status": "unavailable", "detail": "aw_test_job_none has no run_nightly entry point"}


def test_a_failing_job_fails_the_invocation_after_the_others_ran(job_modules: None) -> None:
    with pytest.raises(NightlyFailed, match=r"report.*IAM inventory unreachable.*'anomaly': \{'status': 'ok'"):
        run_jobs(Config(), MemoryStore(), 5.0, {"report": "aw_test_job_bad", "anomaly": "aw_test_job_ok"})


def test_findings_a_job_returns_go_to_emit_and_a_refusing_sink_fails_that_job(job_modules: None) -> None:
    from scanner.model.finding import Finding
    from scanner.sinks.base import SinkError

    f = Finding(id="f" * 32, rule="anomaly.principal_hour", title="t", severity="medium", category="anomaly",
                cloud="aws", account="1", principal="p", action="a", resource="", time="2026-09-17T13:00:00Z")
    found = types.ModuleType("aw_test_job_found")
    found.run_nightly = lambda config, state, now: {"findings": [f], "events": 7}  # type: ignore[attr-defined]
    sys.modules["aw_test_job_found"] = found
    try:
        got: list[Any] = []
        out = run_jobs(Config(), MemoryStore(), 5.0, {"anomaly": "aw_test_job_found"},
                       emit=lambda fs: got.extend(fs) or len(fs))
        assert got == [f] and out["anomaly"] == {"status": "ok", "findings": 1, "delivered": 1, "events": 7}

        def refuse(fs: Any) -> int:
            raise SinkError("sns: throttled")

        with pytest.raises(NightlyFailed, match=r"anomaly.*SinkError: sns: throttled"):
            run_jobs(Config(), MemoryStore(), 5.0, {"anomaly": "aw_test_job_found"}, emit=refuse)
    finally:
        sys.modules.pop("aw_test_job_found", None)
