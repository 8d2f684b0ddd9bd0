"""The early checks (detect/early.py): what a rule rules out before a record is normalized must never
hide a record its full match (or a burst rule's match/then) accepts, and the scan must skip the rest."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import orjson
import pytest

from scanner.bursts.detector import BurstDetector
from scanner.bursts.rules import load_burst_rules
from scanner.detect.early import admits, always, early, top_paths
from scanner.detect.engine import RuleEngine
from scanner.detect.expr import VALUE_OPERATORS, compile_expr
from scanner.detect.rules import load_rules, parse_rule
from scanner.normalize import NormalizeError, normalize
from scanner.normalize.keys import quick_key
from scanner.pipeline import Scanner
from scanner.sources.limits import Limits
from scanner.sources.paths import InputReader
from scanner.sources.records import RawRecord
from scanner.state.memory import MemoryStore
from scanner.yamlio import load_text
from tests.conftest import AUDIT

RULES = load_rules()
BURSTS = load_burst_rules()


def _records() -> list[RawRecord]:
    """Every record of the bundled audit samples and of the rules' own cases (must fire and must not)."""
    reader = InputReader(Limits(selective_decoding=False))
    out = [i for p in sorted(AUDIT.rglob("*")) if p.is_file() for i in reader.items(str(p))
           if isinstance(i, RawRecord)]
    from scanner.sources.envelopes import unwrap

    for r in RULES:
        for c in r.tests:
            out.extend(i for i in unwrap(dict(c.record), "case", Limits()) if isinstance(i, RawRecord))
    return out


RECORDS = _records()


def _events() -> list[tuple[RawRecord, Any]]:
    out = []
    for rec in RECORDS:
        try:
            out.append((rec, normalize(rec)))
        except NormalizeError:
            continue
    return out


EVENTS = _events()


def test_every_record_a_rule_matches_passes_its_early_check() -> None:
    assert len(EVENTS) > 400
    refused = [(r.id, ev.id) for rec, ev in EVENTS for r in RULES
               if ev.cloud == r.cloud and r.match(ev) and not admits(r.early, quick_key(rec), rec.data)]
    assert refused == []


def test_every_record_a_burst_rule_counts_passes_its_gate() -> None:
    det = BurstDetector(BURSTS, MemoryStore())
    refused = []
    for rec, ev in EVENTS:
        key = quick_key(rec)
        if not det.wants(*key):
            continue
        gate = det.gate(*key)
        counted = any(b.cloud == ev.cloud and (b.match(ev) or (b.then is not None and b.then(ev))) for b in BURSTS
                      if (ev.service, ev.operation) in b.index or ("*", ev.operation) in b.index)
        if counted and gate is not None and not gate.check(rec.data):
            refused.append(ev.id)
    assert refused == []


def _rule(match: str) -> Any:
    text = f"""
id: t.rule
title: t
severity: high
category: tamper
description: d
remediation: r
cloud: aws
match:
{match}
tests:
  - {{name: x, expect: true, record: {{}}}}
"""
    return parse_rule(load_text(text, "t.yaml"), "t.yaml")


def test_parts_reading_other_event_fields_are_left_to_the_full_match() -> None:
    r = _rule("""  operation: RunInstances
  principal: {suffix: ":root"}""")
    assert r.early.key is not None and r.early.raw is None  # only `operation` is early
    # inside `any:` paths are the element's own; eq_field names a top-level one
    assert top_paths({"raw.items": {"any": {"principal": "x"}}}) == {"raw.items"}
    assert top_paths({"raw.a": {"eq_field": "principal"}}) == {"raw.a", "principal"}
    assert early({"raw.a": {"eq_field": "principal"}}).raw is None


def test_an_operator_not_known_to_read_only_its_value_is_left_to_the_full_match() -> None:
    # every operator the compiler accepts is either structural or classified as reading only its value
    structural = {"not", "any", "json", "keys", "eq_field", "ne_field", "trusted", "untrusted"}
    for op, arg in {"equals": "x", "in": ["x"], "glob": "x", "iglob": "x", "prefix": "x", "suffix": "x",
                    "contains": "x", "icontains": "x", "regex": "x", "gt": 1, "gte": 1, "lt": 1, "lte": 1,
                    "covers": 22, "exists": True, "cidr_world": True}.items():
        compile_expr({"raw.a": {op: arg}})
        assert op in VALUE_OPERATORS and op not in structural
        assert early({"raw.a": {op: arg}}).raw is not None
    # one the early split does not know (an operator added later that reads the event, say) is never
    # decided early: the split fails safe instead of treating it as a test of the value
    split = early({"operation": "RunInstances", "raw.a": {"same_account_as": "x"}})
    assert split.raw is None and split.key is not None
    # `keys` reads only the value (its keys): decided early, and an unknown operator inside it is not
    assert early({"raw.a": {"keys": {"iglob": "aws:*"}}}).raw is not None
    assert early({"raw.a": {"not": {"keys": {"same_account_as": "x"}}}}).raw is None


def test_trust_conditions_are_weakened_to_a_string_value_and_never_under_not() -> None:
    key = ("aws", "s3.amazonaws.com", "PutBucketPolicy", "IAMUser")
    r = _rule("""  operation: PutBucketPolicy
  raw.requestParameters.accountId: {untrusted: aws_account}""")
    # the account lists are not known early; that some value is a string is
    assert admits(r.early, key, {"requestParameters": {"accountId": "999988887777"}})
    assert admits(r.early, key, {"requestParameters": {"accountId": ["111122223333", "999988887777"]}})
    assert not admits(r.early, key, {"requestParameters": {"bucketName": "b"}})
    assert not admits(r.early, key, {"requestParameters": {"accountId": 999988887777}})
    negated = _rule("""  operation: PutBucketPolicy
  not: {raw.requestParameters.accountId: {trusted: aws_account}}""")
    assert negated.early.raw is None


def test_key_parts_are_decided_per_key() -> None:
    r = _rule("""  operation: ConsoleLogin
  principal_type: Root""")
    engine = RuleEngine([r])
    assert engine.candidates("aws", "signin.amazonaws.com", "ConsoleLogin", "Root") == (r,)
    assert engine.candidates("aws", "signin.amazonaws.com", "ConsoleLogin", "IAMUser") == ()


def _trail(tmp: Path, records: list[dict[str, Any]], name: str = "x") -> Path:
    p = tmp / f"111122223333_CloudTrail_us-east-1_{name}.json.gz"
    p.write_bytes(gzip.compress(orjson.dumps({"Records": records})))
    return p


def _run_instances(itype: str, n: int) -> dict[str, Any]:
    return {"eventVersion": "1.09", "eventID": f"id-{itype}-{n}", "eventTime": "2024-07-01T00:00:00Z",
            "eventSource": "ec2.amazonaws.com", "eventName": "RunInstances", "awsRegion": "us-east-1",
            "recipientAccountId": "111122223333", "sourceIPAddress": "203.0.113.9",
            "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/ci",
                             "accountId": "111122223333", "accessKeyId": "AKIAEXAMPLEEXAMPLE01"},
            "requestParameters": {"instanceType": itype,
                                  "instancesSet": {"items": [{"imageId": "ami-1", "maxCount": 1}]}},
            "responseElements": None}


@pytest.mark.parametrize("selective", [True, False])
def test_scan_skips_records_no_rule_can_match_and_keeps_every_finding(tmp_path: Path, selective: bool) -> None:
    rule = next(r for r in RULES if r.id == "aws.ec2.unusual_instance_launched")
    path = _trail(tmp_path, [_run_instances("t3.micro", i) for i in range(20)]
                  + [_run_instances("p4d.24xlarge", 1), _run_instances("P5.48XLARGE", 2)])
    batch = Scanner(InputReader(Limits(selective_decoding=selective)), [RuleEngine([rule])]).scan(
        [str(path)], lambda r: None)
    assert batch.stats.records == 22
    assert batch.stats.events == 2  # the twenty ordinary launches were never normalized
    assert sorted(e for f in batch.findings.results() for e in f.event_ids) == ["id-P5.48XLARGE-2",
                                                                               "id-p4d.24xlarge-1"]


def test_a_check_that_refuses_nothing_is_skipped_and_taken_up_again_when_records_change(tmp_path: Path) -> None:
    """A key whose records all pass its check pays for the check on top of the full match: the scan stops
    judging most of them. When its records start being refusable, the sampled checks notice and the key
    is checked again; no record a rule matches is lost either way."""
    from scanner import pipeline

    rule = next(r for r in RULES if r.id == "aws.ec2.unusual_instance_launched")
    path = _trail(tmp_path, [_run_instances("p4d.24xlarge", i) for i in range(200)]
                  + [_run_instances("t3.micro", i) for i in range(3000)] + [_run_instances("p5.48xlarge", 1)])
    scanner = Scanner(InputReader(Limits(selective_decoding=False)), [RuleEngine([rule])])
    batch = scanner.scan([str(path)], lambda r: None)
    assert batch.stats.records == 3201
    assert sum(f.count for f in batch.findings.results()) == 201
    route = scanner._route(("aws", "ec2.amazonaws.com", "RunInstances", "IAMUser"))
    # the 200 launches that all passed opened the key; sampled ordinary launches closed it again
    assert not route.open and route.passed + route.refused < 3201
    unchecked = batch.stats.events - 201
    assert 0 < unchecked <= (200 // pipeline.REFUSALS_WORTH_IT + 1) * pipeline.GATE_SAMPLE


def test_a_gate_on_the_decoded_paths_agrees_with_the_gate_on_the_whole_record() -> None:
    """The scan may judge a record on its bytes, decoding only the paths the gates read
    (sources/projection.py); that must decide as the parsed record would, or defer to it (None)."""
    from scanner.config import Config
    from scanner.detectors import build_detectors
    from scanner.sources.projection import Projector

    scanner = Scanner(InputReader(Limits()), build_detectors(Config(), MemoryStore()))
    judged = 0
    for rec in RECORDS:
        try:
            route = scanner._route(quick_key(rec))
        except NormalizeError:
            continue
        if route.gates is None or route.project is None:
            continue
        projected = route.project(orjson.dumps(rec.data))
        assert projected is not None, rec.origin
        assert any(g.check(projected) for g in route.gates) == any(g.check(rec.data) for g in route.gates)
        judged += 1
    assert judged > 100
    project = Projector((("requestParameters", "instanceType"), ("items", "name")))
    # a shape the projection does not expect is left to the full parse, never guessed at
    assert project(b'{"requestParameters": "p4d.24xlarge"}') is None
    assert project(b'{"items": [1, {"name": "x"}]}') is None
    # duplicate keys: the last one counts, as in the full parse
    dup = b'{"requestParameters": {"instanceType": "t3.micro", "instanceType": "p4d.24xlarge"}}'
    assert project(dup) == {"requestParameters": {"instanceType": "p4d.24xlarge"}} == {
        "requestParameters": orjson.loads(dup)["requestParameters"]}


def test_records_judged_on_their_bytes_keep_every_finding(tmp_path: Path) -> None:
    # a first object of ordinary launches teaches the scan that such records are mostly refused; in the
    # next it judges them on their bytes, and the rare one must still be found
    rule = next(r for r in RULES if r.id == "aws.ec2.unusual_instance_launched")
    first = _trail(tmp_path, [_run_instances("t3.micro", i) for i in range(50)], "a")
    second = _trail(tmp_path, [_run_instances("t3.micro", i) for i in range(50, 250)]
                    + [_run_instances("p4d.24xlarge", 1)], "b")
    scanner = Scanner(InputReader(Limits()), [RuleEngine([rule])])
    batch = scanner.scan([str(first), str(second)], lambda r: None)
    assert batch.stats.records == 251 and batch.stats.events == 1
    assert [e for f in batch.findings.results() for e in f.event_ids] == ["id-p4d.24xlarge-1"]


def test_no_gate_where_every_event_moves_a_learn_rules_clock() -> None:
    # `scope: detector` learn rules read how long this cloud's logs have been watched, and every event
    # the burst detector evaluates may move that clock back: none of that cloud's records may be skipped
    det = BurstDetector(BURSTS, MemoryStore())
    watched = {r.cloud for r in BURSTS if r.learn is not None and r.learn.scope == "detector"}
    for rule in BURSTS:
        for service, operation in rule.index:
            gate = det.gate(rule.cloud, service, operation, "")
            if rule.cloud in watched:
                assert gate is None, rule.id


def test_projected_paths_as_bytes_are_equal_only_for_equal_values() -> None:
    """The scan remembers a gate's verdict by the bytes of the paths it reads; two records may share
    a verdict only when those paths hold the same values (a type counts: 1, 1.0, "1" and true differ)."""
    from scanner.sources.projection import Projector

    project = Projector((("requestParameters", "instanceType"),))
    seen = set()
    for value in (b'"p4d.24xlarge"', b'"P4D.24xlarge"', b"1", b"1.0", b'"1"', b"true", b"null", b"[]", b"{}"):
        got = project.keyed(b'{"eventName": "RunInstances", "requestParameters": {"instanceType": %s}}' % value)
        assert got is not None
        assert got[0] not in seen, value
        seen.add(got[0])
        assert project.plain(got[1]) == {"requestParameters": {"instanceType": orjson.loads(value)}}
    other = project.keyed(b'{"eventName": "StartInstances", "x": 1, "requestParameters": {"instanceType": "1"}}')
    assert other is not None and other[0] in seen  # what the paths do not reach plays no part


def test_what_is_left_beyond_the_key_decides_as_the_whole_match_for_every_candidate() -> None:
    """The engine evaluates only the parts of a candidate's match its key does not decide: on every
    sample and rule case, for every rule that is a candidate of the event's key, that equals `match`."""
    engine = RuleEngine(RULES)
    judged = fired = 0
    for _, ev in EVENTS:
        for r in engine.candidates(ev.cloud, ev.service, ev.operation, ev.principal_type):
            assert r.holds_beyond_key(ev) == r.match(ev), (r.id, ev.id)
            judged += 1
            fired += r.match(ev)
    assert judged > 500 and 0 < fired < judged
    assert sum(r.beyond_key is always for r in RULES) > 5  # e.g. StopLogging: the key alone decides


def test_a_trust_condition_is_never_taken_as_decided_by_the_key() -> None:
    rule = parse_rule(load_text(
        "id: t.r\ntitle: t\nseverity: high\ncategory: tamper\ncloud: aws\ndescription: d\nremediation: r\n"
        "match:\n  operation: PutBucketPolicy\n  principal_type: {untrusted: aws_account}\n"
        "tests:\n  - {name: c, expect: false, record: {eventSource: s3.amazonaws.com, eventName: X}}\n", "t.yaml"),
        "t.yaml")
    assert rule.beyond_key is not None and rule.beyond_key is not always


def test_a_burst_rule_judged_beyond_its_key_counts_and_fires_as_its_whole_match_and_then() -> None:
    """The burst detector evaluates only what a key leaves of each candidate's `match` and `then`;
    on every sample and case event that must say what the whole expressions say."""
    det = BurstDetector(BURSTS, MemoryStore())
    judged = 0
    for _, ev in EVENTS:
        judges = {j.rule.id: j for j in det._judged(ev.cloud, ev.service, ev.operation, ev.principal_type)}
        for b in det._candidates(ev.cloud, ev.service, ev.operation):
            j = judges.get(b.id)
            counts = j is not None and j.counts is not None and j.counts(ev)
            then = j is not None and j.then is not None and j.then(ev)
            assert counts == bool(b.match(ev)), (b.id, ev.id)
            assert then == (b.then is not None and bool(b.then(ev))), (b.id, ev.id)
            judged += 1
    assert judged > 50


def _token_mint(auth: Any, metadata: Any = None, code: int = 0) -> dict[str, Any]:
    """A GCP GenerateAccessToken entry (the shape of the bundled sample) with this authenticationInfo."""
    payload: dict[str, Any] = {
        "@type": "type.googleapis.com/google.cloud.audit.AuditLog", "status": {"code": code} if code else {},
        "authenticationInfo": auth, "serviceName": "iamcredentials.googleapis.com",
        "methodName": "GenerateAccessToken", "resourceName": "projects/-/serviceAccounts/1035661712",
        "request": {"name": "projects/-/serviceAccounts/deployer@acme-prod.iam.gserviceaccount.com"}}
    if metadata is not None:
        payload["metadata"] = metadata
    return {"protoPayload": payload, "insertId": "tok-1", "timestamp": "2024-07-22T01:37:19Z",
            "logName": "projects/acme-prod/logs/cloudaudit.googleapis.com%2Fdata_access",
            "resource": {"type": "service_account", "labels": {
                "project_id": "acme-prod", "email_id": "deployer@acme-prod.iam.gserviceaccount.com"}}}


#: authenticationInfo / metadata shapes: who the mapper names, and ones it refuses or reads as text
_PRINCIPAL_SHAPES: list[tuple[Any, Any]] = [
    ({}, None),  # a denied call logs no caller (the bundled sample): principal ""
    ({"principalEmail": "dev@acme.example"}, None),
    ({"principalEmail": "ci@acme-tools.iam.gserviceaccount.com"}, None),
    ({"principalSubject": "user:dev@acme.example"}, None),
    ({"principalSubject": "principal://iam.googleapis.com/locations/global/workforcePools/p/subject/x"},
     {"mapped_principal": "dev@partner.example"}),
    ({}, {"mapped_principal": "dev@partner.example"}),
    ({}, [{"mapped_principal": "dev@partner.example"}]),  # metadata not an object: no mapped principal
    ({"principalEmail": ""}, {"mapped_principal": 7}),
    ({"principalEmail": 5}, None),  # a number is read as its text
    ({"principalEmail": True}, None),
    ([{"principalEmail": "dev@acme.example"}], None),  # refused by the mapper: the check must pass it
    ("dev@acme.example", None),
]


def test_the_principal_a_gcp_check_computes_is_the_events() -> None:
    """principal_of (what early checks read) is the mapper's own code: on every GCP sample and case, and
    on odd shapes, it is the Event's principal, or None where the mapper refuses the record."""
    from scanner.normalize.gcp import principal_of

    records = [rec.data for rec in RECORDS if rec.kind == "gcp_logentry"]
    records += [_token_mint(auth, meta) for auth, meta in _PRINCIPAL_SHAPES]
    compared = 0
    for data in records:
        got = principal_of(data)
        try:
            ev = normalize(RawRecord("gcp_logentry", data, "t"))
        except NormalizeError:
            assert got is None
            continue
        if data.get("protoPayload"):
            assert got == ev.principal, data
            compared += 1
        else:
            assert got is None
    assert compared > 100


def _gcp_rule(match: str) -> Any:
    text = ("id: t.gcp\ntitle: t\nseverity: high\ncategory: tamper\ncloud: gcp\ndescription: d\nremediation: r\n"
            f"match:\n{match}\ntests:\n  - {{name: x, expect: false, record: {{}}}}\n")
    return parse_rule(load_text(text, "t.yaml"), "t.yaml")


def test_a_condition_on_a_gcp_principal_is_decided_on_the_raw_record() -> None:
    """A person minting a service account's token (a rule on `principal`): a record without such a
    caller is refused before it is normalized; every record the full match accepts passes, whatever
    the shape of authenticationInfo."""
    rule = next(r for r in RULES if r.id == "gcp.iam.sa_credentials_minted_by_person")
    assert rule.early.raw is not None and rule.early.raw_paths is not None
    assert ("protoPayload", "authenticationInfo", "principalEmail") in rule.early.raw_paths
    for auth, meta in _PRINCIPAL_SHAPES:
        data = _token_mint(auth, meta)
        rec = RawRecord("gcp_logentry", data, "t")
        try:
            key = quick_key(rec)
        except NormalizeError:
            continue  # refused (and dead-lettered) before any check
        try:
            matches = rule.match(normalize(rec))
        except NormalizeError:
            assert admits(rule.early, key, data)  # the scan must see it to dead-letter it
            continue
        assert admits(rule.early, key, data) == matches, (auth, meta)
    # a condition the empty principal meets cannot rule anything out; an AWS principal is not derived
    assert _gcp_rule("  operation: GenerateAccessToken\n  principal: {not: {glob: '*@*'}}").early.raw is not None
    assert admits(_gcp_rule("  operation: GenerateAccessToken\n  principal: {not: {glob: '*@*'}}").early,
                  ("gcp", "iamcredentials.googleapis.com", "GenerateAccessToken", ""), _token_mint({}))
    assert _rule("  operation: RunInstances\n  principal: {suffix: ':root'}").early.raw is None
    # a part reading the principal and another event field is left to the full match
    assert _gcp_rule("  operation: X\n  principal: {eq_field: source_ip}").early.raw is None


def test_a_first_seen_rule_skips_records_without_a_value_to_learn() -> None:
    """gcp.bursts.sa_new_caller learns who mints a service account's tokens: a refused call with no caller
    logged is neither learned nor judged, so the scan need not normalize it; one with a caller is."""
    det = BurstDetector(BURSTS, MemoryStore())
    engine = RuleEngine(RULES)
    key = ("gcp", "iamcredentials.googleapis.com", "GenerateAccessToken", "")
    bgate, rgate = det.gate(*key), engine.gate(*key)
    assert bgate is not None and rgate is not None
    denied_anonymous = _token_mint({}, code=7)
    assert not bgate.check(denied_anonymous) and not rgate.check(denied_anonymous)
    by_subject = _token_mint({"principalSubject": "serviceAccount:ci@acme-tools.iam.gserviceaccount.com"})
    assert bgate.check(by_subject)
    ev = normalize(RawRecord("gcp_logentry", by_subject, "t"))
    rule = next(b for b in BURSTS if b.id == "gcp.bursts.sa_new_caller")
    assert rule.match(ev) and ev.principal  # it is counted: the gate must have let it through


def test_principal_checks_on_the_decoded_paths_agree_with_the_whole_record() -> None:
    from scanner.config import Config
    from scanner.detectors import build_detectors

    scanner = Scanner(InputReader(Limits()), build_detectors(Config(), MemoryStore()))
    route = scanner._route(("gcp", "iamcredentials.googleapis.com", "GenerateAccessToken", ""))
    assert route.gates is not None and route.project is not None
    for auth, meta in _PRINCIPAL_SHAPES:
        data = _token_mint(auth, meta)
        projected = route.project(orjson.dumps(data))
        whole = any(g.check(data) for g in route.gates)
        assert projected is None or any(g.check(projected) for g in route.gates) == whole, (auth, meta)
