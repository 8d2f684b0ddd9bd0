"""Match expressions: every operator, each with a case that holds and one that does not, plus the
errors a rule author gets for a bad expression."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.detect.expr import JSON_MAX_CHARS, MISSING, ExprError, compile_expr, getter
from scanner.model.event import Event

BASE: dict[str, Any] = {
    "cloud": "aws", "id": "e1", "time": "2024-05-02T08:14:09Z", "account": "111122223333",
    "region": "us-east-1", "service": "iam.amazonaws.com", "operation": "CreateAccessKey",
    "raw_operation": "CreateAccessKey", "permissions": ("iam:CreateAccessKey",),
    "principal": "arn:aws:iam::111122223333:user/alice", "principal_type": "IAMUser",
    "session_name": "", "access_key_id": "AKIAIOSFODNN7EXAMPLE", "key_kind": "long_lived",
    "mfa": False, "oidc_subject": "", "delegation": (), "source_ip": "203.0.113.7",
    "user_agent": "aws-cli/2.15.30", "error_code": "", "error_message": "", "resources": (),
    "log_kind": "management", "read_only": False,
}

RAW: dict[str, Any] = {
    "userIdentity": {"userName": "alice", "type": "IAMUser"},
    "requestParameters": {
        "userName": "bob",
        "fromPort": 20, "toPort": 25, "portText": "3389", "portRange": "8000-8100",
        "count": "12", "flag": True, "one": 1, "empty": "", "emptyList": [], "emptyMap": {},
        "items": [
            {"group": "all", "cidr": "0.0.0.0/0", "port": 22},
            {"userId": "444455556666", "cidr": "10.0.0.0/8", "port": 443},
        ],
        "values": ["111122223333", "444455556666"],
        "own": ["111122223333"],
        "policyDocument": '{"Statement": [{"Effect": "Allow", "Action": ["s3:*", "iam:*"]}]}',
        "encodedPolicy": "%7B%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22*%22%7D%7D",
        "policyObject": {"Statement": {"Effect": "Deny", "Action": "*"}},
        "notJson": "{not json",
    },
}


def ev(raw: dict[str, Any] | None = None, **fields: Any) -> Event:
    return Event(**{**BASE, **fields, "raw": RAW if raw is None else raw})


def holds(expr: Any, event: Event | None = None) -> bool:
    return compile_expr(expr)(event or ev())


P = "raw.requestParameters"


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        # plain equality, typed
        ({"operation": "CreateAccessKey"}, True),
        ({"operation": "DeleteAccessKey"}, False),
        ({f"{P}.flag": True}, True),
        ({f"{P}.one": True}, False),  # 1 is not true
        ({f"{P}.flag": 1}, False),
        ({f"{P}.portText": 3389}, False),  # "3389" is not 3389
        ({"mfa": False}, True),
        # list = any of
        ({"operation": ["DeleteAccessKey", "CreateAccessKey"]}, True),
        ({"operation": ["DeleteAccessKey", "UpdateAccessKey"]}, False),
        ({f"{P}.one": [True, "1"]}, False),
        # equals / in
        ({"principal_type": {"equals": "IAMUser"}}, True),
        ({"principal_type": {"equals": "Root"}}, False),
        ({"principal_type": {"in": ["Root", "IAMUser"]}}, True),
        ({"principal_type": {"in": ["Root"]}}, False),
        # a list-valued path holds when one of its values does
        ({f"{P}.items.group": "all"}, True),
        ({f"{P}.items.cidr": "0.0.0.0/0"}, True),
        ({f"{P}.items.cidr": "::/0"}, False),
        ({"permissions": "iam:CreateAccessKey"}, True),
        # string operators
        ({"principal": {"glob": "arn:aws:iam::*:user/*"}}, True),
        ({"principal": {"glob": "arn:aws:iam::*:role/*"}}, False),
        ({"principal": {"glob": "ARN:AWS:IAM::*"}}, False),
        ({"principal": {"iglob": "ARN:AWS:IAM::*:USER/ALICE"}}, True),
        ({"principal": {"iglob": "ARN:AWS:IAM::*:USER/BOB"}}, False),
        ({"user_agent": {"prefix": ["boto3", "aws-cli/"]}}, True),
        ({"user_agent": {"prefix": "boto3"}}, False),
        ({"principal": {"suffix": "/alice"}}, True),
        ({"principal": {"suffix": "/bob"}}, False),
        ({"user_agent": {"contains": "cli"}}, True),
        ({"user_agent": {"contains": "CLI"}}, False),
        ({"user_agent": {"icontains": "CLI"}}, True),
        ({"user_agent": {"icontains": "terraform"}}, False),
        ({"source_ip": {"regex": r"^203\.0\.113\.\d+$"}}, True),
        ({"source_ip": {"regex": r"^10\."}}, False),
        ({f"{P}.one": {"prefix": "1"}}, False),  # string operators never match non-strings
        # numbers (strings that parse as numbers count)
        ({f"{P}.fromPort": {"lte": 22}}, True),
        ({f"{P}.fromPort": {"lt": 20}}, False),
        ({f"{P}.toPort": {"gte": 25}}, True),
        ({f"{P}.toPort": {"gt": 25}}, False),
        ({f"{P}.count": {"gt": 10}}, True),
        ({f"{P}.count": {"gt": 12}}, False),
        ({f"{P}.userName": {"gt": 0}}, False),
        ({f"{P}.flag": {"gte": 0}}, False),  # booleans are not numbers
        ({f"{P}.fromPort": {"gte": 0, "lte": 22}}, True),  # every op in a condition must hold
        ({f"{P}.fromPort": {"gte": 21, "lte": 22}}, False),
        # covers: a port or an "a-b" range that includes one of the numbers
        ({f"{P}.portText": {"covers": 3389}}, True),
        ({f"{P}.portRange": {"covers": [22, 3389]}}, False),
        ({f"{P}.portRange": {"covers": [8080]}}, True),
        ({f"{P}.portRange": {"covers": [7999, 8101]}}, False),  # listed ports on both sides of the range
        ({f"{P}.portRange": {"covers": [9000, 8100, 22]}}, True),  # its last port, from an unsorted list
        ({f"{P}.portRange": {"covers": [8000]}}, True),
        ({f"{P}.items.port": {"covers": [22]}}, True),
        ({f"{P}.items.port": {"covers": [3389]}}, False),
        ({f"{P}.userName": {"covers": [22]}}, False),
        # keys: an object's keys tested as values (IAM condition keys are case-insensitive)
        ({f"{P}.policyObject.Statement": {"keys": {"iglob": ["effect", "action"]}}}, True),
        ({f"{P}.policyObject": {"keys": {"iglob": "STATEMENT"}}}, True),
        ({f"{P}.policyObject.Statement": {"keys": {"iglob": "aws:sourceowner"}}}, False),
        ({f"{P}.items": {"keys": "userId"}}, True),  # a list of objects: any element's keys
        ({f"{P}.userName": {"keys": {"glob": "*"}}}, False),  # a string has no keys
        # exists: empty strings, lists and maps are absent
        ({f"{P}.userName": {"exists": True}}, True),
        ({f"{P}.nope": {"exists": True}}, False),
        ({f"{P}.nope": {"exists": False}}, True),
        ({f"{P}.empty": {"exists": False}}, True),
        ({f"{P}.emptyList": {"exists": True}}, False),
        ({f"{P}.emptyMap": {"exists": True}}, False),
        ({f"{P}.items": {"exists": True}}, True),
        # not (of a condition); it holds for an absent value
        ({"principal_type": {"not": "Root"}}, True),
        ({"principal_type": {"not": ["Root", "IAMUser"]}}, False),
        ({f"{P}.nope": {"not": "x"}}, True),
        ({f"{P}.items.group": {"not": "all"}}, False),  # some element is "all"
        # any: some element satisfies a sub-expression, with logic inside
        ({f"{P}.items": {"any": {"group": "all", "cidr": "0.0.0.0/0"}}}, True),
        ({f"{P}.items": {"any": {"userId": {"exists": True}, "cidr": "0.0.0.0/0"}}}, False),
        ({f"{P}.items": {"any": {"any": [{"port": 22}, {"port": 3389}], "cidr": "10.0.0.0/8"}}}, False),
        ({f"{P}.items": {"any": {"any": [{"port": 443}, {"port": 3389}], "cidr": "10.0.0.0/8"}}}, True),
        ({f"{P}.items": {"any": {"not": {"group": "all"}}}}, True),
        ({f"{P}.items": {"any": {"all": [{"group": "all"}, {"port": 443}]}}}, False),
        ({f"{P}.userName": {"any": {"x": 1}}}, False),  # not a list of objects
        # json: a JSON document in a string (or already an object), URL-encoded too
        ({f"{P}.policyDocument": {"json": {"Statement": {"any": {"Effect": "Allow", "Action": "iam:*"}}}}}, True),
        ({f"{P}.policyDocument": {"json": {"Statement": {"any": {"Effect": "Allow", "Action": "*"}}}}}, False),
        ({f"{P}.encodedPolicy": {"json": {"Statement": {"any": {"Action": "*"}}}}}, True),
        ({f"{P}.policyObject": {"json": {"Statement": {"any": {"Effect": "Allow"}}}}}, False),
        ({f"{P}.policyObject": {"json": {"Statement.Effect": "Deny"}}}, True),
        ({f"{P}.notJson": {"json": {"Statement": {"exists": False}}}}, False),
        ({f"{P}.nope": {"json": {"Statement": {"exists": False}}}}, False),
        # eq_field / ne_field, element-wise on lists
        ({f"{P}.userName": {"ne_field": "raw.userIdentity.userName"}}, True),
        ({f"{P}.userName": {"eq_field": "raw.userIdentity.userName"}}, False),
        ({"raw.userIdentity.userName": {"eq_field": "raw.userIdentity.userName"}}, True),
        ({f"{P}.nope": {"eq_field": f"{P}.empty"}}, True),  # absent == ""
        ({f"{P}.values": {"ne_field": "account"}}, True),  # one value is another account
        ({f"{P}.own": {"ne_field": "account"}}, False),
        ({f"{P}.own": {"eq_field": "account"}}, True),
        ({f"{P}.items": {"any": {"userId": {"ne_field": "account"}, "port": 443}}}, True),
        # paths with alternatives: the first that holds a value
        ({f"{P}.nope|{P}.userName": "bob"}, True),
        ({f"{P}.empty|{P}.nope": {"exists": True}}, False),
        ({f"{P}.items": {"any": {"nope|group": "all"}}}, True),
        # success is a field too
        ({"success": True}, True),
        ({"success": False}, False),
        # logic at the top
        ({"all": [{"operation": "CreateAccessKey"}, {"principal_type": "IAMUser"}]}, True),
        ({"all": [{"operation": "CreateAccessKey"}, {"principal_type": "Root"}]}, False),
        ({"any": [{"operation": "Nope"}, {"principal_type": "IAMUser"}]}, True),
        ({"any": [{"operation": "Nope"}, {"principal_type": "Root"}]}, False),
        ({"not": {"principal_type": "Root"}}, True),
        ({"not": {"principal_type": "IAMUser"}}, False),
        ({"operation": "CreateAccessKey", "not": {"raw.requestParameters.userName": "bob"}}, False),
    ],
)
def test_operator(expr: Any, expected: bool) -> None:
    assert holds(expr) is expected


def test_denied_event_is_not_success() -> None:
    denied = ev(error_code="AccessDenied")
    assert holds({"success": False}, denied) and not holds({"success": True}, denied)


def test_json_documents_beyond_the_size_cap_are_not_parsed() -> None:
    big = '{"Statement": [{"Effect": "Allow", "Action": "*"}], "pad": "' + "x" * JSON_MAX_CHARS + '"}'
    raw = {"requestParameters": {"policyDocument": big}}
    assert not holds({f"{P}.policyDocument": {"json": {"Statement": {"any": {"Action": "*"}}}}}, ev(raw))
    small = {"requestParameters": {"policyDocument": '{"Statement": [{"Effect": "Allow", "Action": "*"}]}'}}
    assert holds({f"{P}.policyDocument": {"json": {"Statement": {"any": {"Action": "*"}}}}}, ev(small))


def test_deeply_nested_json_is_refused_not_crashed() -> None:
    deep = '{"a":' * 5000 + "1" + "}" * 5000
    raw = {"requestParameters": {"policyDocument": deep}}
    assert not holds({f"{P}.policyDocument": {"json": {"a": {"exists": True}}}}, ev(raw))


def test_getter_returns_missing_and_alternatives() -> None:
    assert getter(f"{P}.nope", "t")(ev()) is MISSING
    assert getter(f"{P}.nope|{P}.userName", "t")(ev()) == "bob"
    assert getter("account|principal", "t")(ev()) == "111122223333"
    assert getter(f"{P}.items.group", "t")(ev()) == ["all"]


@pytest.mark.parametrize(
    ("expr", "where", "message"),
    [
        ({}, "match", "non-empty mapping"),
        ([], "match", "non-empty mapping"),
        ({"nosuchfield": 1}, "match.nosuchfield", "unknown field 'nosuchfield'"),
        ({"raw.": 1}, "match.raw.", "bad path"),
        ({"raw.a..b": 1}, "match.raw.a..b", "bad path"),
        ({"operation": {"glub": 1}}, "match.operation.glub", "unknown operator 'glub'"),
        ({"operation": {}}, "match.operation", "empty condition"),
        ({"operation": [{"a": 1}]}, "match.operation", "scalars only"),
        ({"operation": {"in": [["x"]]}}, "match.operation.in", "scalars only"),
        ({"operation": {"glob": 3}}, "match.operation.glob", "string or a list of strings"),
        ({"operation": {"prefix": []}}, "match.operation.prefix", "string or a list of strings"),
        ({"operation": {"regex": "("}}, "match.operation.regex", "bad regex"),
        ({"operation": {"gt": "3"}}, "match.operation.gt", "takes a number"),
        ({"operation": {"lte": True}}, "match.operation.lte", "takes a number"),
        ({"operation": {"covers": "22"}}, "match.operation.covers", "integer or a list of integers"),
        ({"operation": {"covers": [22.5]}}, "match.operation.covers", "integer or a list of integers"),
        ({"operation": {"exists": "yes"}}, "match.operation.exists", "true or false"),
        ({"operation": {"ne_field": 3}}, "match.operation.ne_field", "top-level path"),
        ({"operation": {"eq_field": "bogus"}}, "match.operation.eq_field", "unknown field 'bogus'"),
        ({"raw.x": {"any": {}}}, "match.raw.x.any", "non-empty mapping"),
        ({"raw.x": {"any": {"a..b": 1}}}, "match.raw.x.any.a..b", "bad path"),
        ({"raw.x": {"json": {"a": {"nope": 1}}}}, "match.raw.x.json.a.nope", "unknown operator"),
        ({"any": []}, "match.any", "non-empty list"),
        ({"all": {"operation": "x"}}, "match.all", "non-empty list"),
        ({"not": {}}, "match.not", "non-empty mapping"),
        ({"any": [{"operation": "x"}, {"nope": 1}]}, "match.any[1].nope", "unknown field"),
    ],
)
def test_bad_expressions_say_where(expr: Any, where: str, message: str) -> None:
    with pytest.raises(ExprError) as e:
        compile_expr(expr)
    assert e.value.where == where
    assert message in str(e.value)


def test_a_condition_compiled_once_is_reused_but_a_bad_one_is_refused_every_time() -> None:
    """Compiled conditions are shared by their JSON; what JSON would write like a valid condition (a
    YAML date like its string) must still be refused with where it is."""
    import datetime

    from scanner.yamlio import load_text

    good = compile_expr({"raw.x": "2024-01-01"})
    assert good(ev(raw={"x": "2024-01-01"})) and not good(ev(raw={"x": "2024-01-02"}))
    doc = load_text("match:\n  raw.x: 2024-01-01\n", "r.yaml")
    assert isinstance(doc["match"]["raw.x"], datetime.date)
    for _ in range(2):
        with pytest.raises(ExprError, match=r"match\.raw\.x"):
            compile_expr(doc["match"])
    again = compile_expr({"raw.y": {"iglob": ["P4D.*"]}})
    assert again(ev(raw={"y": "p4d.24xlarge"})) and compile_expr({"raw.y": {"iglob": ["P4D.*"]}})(
        ev(raw={"y": "p4d.24xlarge"}))
