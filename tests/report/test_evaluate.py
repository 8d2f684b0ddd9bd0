"""AWS effective permissions: what IAM would allow, decided from the snapshot alone."""

from __future__ import annotations

from scanner.inventory.policydoc import parse_document
from scanner.report.evaluate import Evaluator, never_true
from tests.report.helpers import NOW, allow, authz, deny, doc, index, managed, role, snapshot


def _effective(**inline: dict) -> tuple[object, Evaluator]:
    snap = snapshot(authz(roles=[role("r", inline)]))
    ev = Evaluator(index(), NOW)
    return ev.evaluate(snap.principals[0]), ev


def _can(eff: object, action: str) -> bool:
    return index().has(eff.allowed, action)  # type: ignore[attr-defined]


def test_explicit_deny_beats_allow_from_another_policy() -> None:
    eff, _ = _effective(grant=doc(allow("iam:*")), guard=doc(deny("iam:PassRole")))
    assert _can(eff, "iam:CreateUser") and not _can(eff, "iam:PassRole")


def test_conditional_deny_is_not_assumed_to_apply() -> None:
    # a Deny only when MFA is absent may not hold: the grant must still be reported
    eff, _ = _effective(grant=doc(allow("iam:PassRole")), guard=doc(deny(
        "iam:PassRole", Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}})))
    assert _can(eff, "iam:PassRole")


def test_not_action_allows_everything_else() -> None:
    eff, _ = _effective(p=doc({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}))
    assert _can(eff, "lambda:UpdateFunctionCode") and _can(eff, "ec2:RunInstances")
    assert not _can(eff, "iam:AttachRolePolicy")


def test_deny_with_not_action_leaves_only_the_exceptions() -> None:
    eff, _ = _effective(p=doc(allow("*")), guard=doc({"Effect": "Deny", "NotAction": "s3:*", "Resource": "*"}))
    assert _can(eff, "s3:GetObject") and not _can(eff, "iam:PassRole")


def test_wildcards_expand_against_the_action_database() -> None:
    eff, _ = _effective(p=doc(allow(["iam:Put*", "lambda:Update*Code"])))
    assert _can(eff, "iam:PutRolePolicy") and _can(eff, "iam:PutUserPolicy")
    assert _can(eff, "lambda:UpdateFunctionCode") and not _can(eff, "iam:AttachRolePolicy")


def test_permission_boundary_caps_identity_policies() -> None:
    bound = managed("Boundary", doc(allow(["s3:*", "iam:Get*"])))
    snap = snapshot(authz(roles=[role("r", {"p": doc(allow("*"))}, boundary=bound["Arn"])], policies=[bound]))
    eff = Evaluator(index(), NOW).evaluate(snap.principals[0])
    assert _can(eff, "s3:PutObject") and _can(eff, "iam:GetRole")
    assert not _can(eff, "iam:AttachRolePolicy") and not _can(eff, "lambda:CreateFunction")


def test_conditions_that_can_never_hold_grant_nothing() -> None:
    expired = {"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}
    contradiction = {"StringEquals": {"aws:RequestedRegion": "eu-west-1"},
                     "StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}
    eff, _ = _effective(a=doc(allow("iam:PassRole", Condition=expired)),
                        b=doc(allow("iam:CreateUser", Condition=contradiction)),
                        c=doc(allow("iam:AttachRolePolicy", Condition={"StringEquals": {"aws:username": []}})))
    assert eff.allowed == 0  # type: ignore[attr-defined]
    assert len(eff.notes) == 3  # type: ignore[attr-defined]
    live = parse_document(doc(allow("iam:PassRole", Condition={"DateLessThan": {"aws:CurrentTime": "2099-01-01"}})))
    assert never_true(live[0], NOW) is None


def test_not_resource_star_matches_nothing() -> None:
    eff, _ = _effective(p=doc({"Effect": "Allow", "Action": "iam:*", "NotResource": "*"}))
    assert eff.allowed == 0  # type: ignore[attr-defined]


def test_unknown_actions_are_collected() -> None:
    _effective(p=doc(allow(["iam:PassRolee", "s3:GetObject"])))
    assert "iam:PassRolee" in index().unknown


def test_policy_documents_as_exports_hold_them() -> None:
    import json
    import urllib.parse

    text = json.dumps(doc(allow("s3:GetObject")))
    assert parse_document(text)[0].actions == ("s3:GetObject",)
    assert parse_document(urllib.parse.quote(text))[0].actions == ("s3:GetObject",)
    single = parse_document({"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}})
    assert single[0].actions == ("s3:*",)
