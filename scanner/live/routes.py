"""EventBridge routes generated from the rule pack and the deploy catalog: what the Lambda must receive.

`python -m scanner.live.routes > terraform/aws/routes.tf.json` writes one event pattern per event
source as Terraform JSON (`local.generated_event_patterns`); terraform/aws makes a rule of each. A
test checks the committed file against the pack, so a new rule or catalog entry cannot silently go
unrouted.

Patterns match `detail.eventSource` and `detail.eventName`; Lambda's versioned names
(`UpdateFunctionCode20150331v2`) by prefix. Rules indexed by principal type only (root activity)
route on `detail.userIdentity.type`. Native EventBridge sources (AWS Health) route on `source`.
Burst rules (rules/bursts) are routed like rules; those that watch an operation in any service
(AccessDenied bursts over enumeration calls) route on `detail.eventName` alone.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

#: CloudTrail records as EventBridge delivers them: API calls, console sign-ins, and events AWS services
#: record themselves (IAM Identity Center's CredentialVerification, an MFA answer, is one).
CLOUDTRAIL_DETAIL_TYPES = ("AWS API Call via CloudTrail", "AWS Console Sign In via CloudTrail",
                           "AWS Service Event via CloudTrail")
#: Read-only management events (the sts logins that link sessions to their OIDC subject) reach
#: EventBridge only from rules in this state.
ALL_MANAGEMENT_EVENTS = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
#: How read-only calls are named (CloudTrail marks them readOnly): a route that names one needs the state
#: above, or EventBridge never delivers it (GetSecretValue bursts, GetPasswordData, SES quota checks).
#: The state only lets such events through; the pattern still admits the names it lists, nothing more.
READ_ONLY_PREFIXES = ("Get", "List", "Describe", "Head", "Lookup", "Search", "BatchGet", "Check")
#: Session origins the provenance detector links (issuing logins): routed whenever provenance runs.
SESSION_LOGINS = ("AssumeRoleWithWebIdentity", "AssumeRole", "AssumeRoleWithSAML")
#: Services whose CloudTrail event names carry an API-version suffix.
VERSIONED_NAMES = frozenset({"lambda.amazonaws.com"})
#: A rule index entry that names an operation in whichever service.
ANY_SOURCE = "*"


def _route_name(service: str) -> str:
    return service.removesuffix(".amazonaws.com").replace(".", "-")


def wanted(rules: Iterable[Any], catalog: Any, detector_ops: Mapping[str, Iterable[str]] | None = None,
           ) -> tuple[dict[str, set[str]], set[str], set[str]]:
    """({eventSource: operations}, principal types routed regardless of operation, native sources);
    `detector_ops` adds what Python detectors read beside the rules ({eventSource: operations})."""
    ops: dict[str, set[str]] = defaultdict(set)
    ptypes: set[str] = set()
    native: set[str] = set()
    for r in rules:
        if r.cloud != "aws":
            continue
        if not r.index:
            ptypes.update(r.principal_types)
        for service, op in r.index:
            if service.endswith(".amazonaws.com") or service == ANY_SOURCE:
                ops[service].add(op)
            else:
                native.add(service)
    for e in catalog.entries:
        if e.cloud == "aws":
            ops[e.service].update(e.operations)
    for service, names in (detector_ops or {}).items():
        ops[service].update(names)
    ops["sts.amazonaws.com"].update(SESSION_LOGINS)
    return ops, ptypes, native


def patterns(rules: Iterable[Any], catalog: Any, detector_ops: Mapping[str, Iterable[str]] | None = None,
             ) -> dict[str, dict[str, Any]]:
    """route name → {"pattern": event pattern JSON, "state": rule state}."""
    ops, ptypes, native = wanted(rules, catalog, detector_ops)
    out: dict[str, dict[str, Any]] = {}
    for service in sorted(ops):
        names: list[Any] = sorted(ops[service])
        if service in VERSIONED_NAMES:
            names = [{"prefix": n} for n in names]
        detail: dict[str, Any] = {"eventName": names}
        if service != ANY_SOURCE:
            detail["eventSource"] = [service]
        pat = {"detail-type": list(CLOUDTRAIL_DETAIL_TYPES), "detail": detail}
        # sts logins and any-source operations (the List*/Describe* enumeration calls) are read-only too
        reads = service in ("sts.amazonaws.com", ANY_SOURCE) or any(
            op.startswith(READ_ONLY_PREFIXES) for op in ops[service])
        state = ALL_MANAGEMENT_EVENTS if reads else "ENABLED"
        name = "any-source" if service == ANY_SOURCE else _route_name(service)
        out[name] = {"pattern": json.dumps(pat, sort_keys=True), "state": state}
    if ptypes:
        pat = {"detail-type": list(CLOUDTRAIL_DETAIL_TYPES), "detail": {"userIdentity": {"type": sorted(ptypes)}}}
        out["principal-types"] = {"pattern": json.dumps(pat, sort_keys=True), "state": ALL_MANAGEMENT_EVENTS}
    for source in sorted(native):
        out[source.replace(".", "-")] = {"pattern": json.dumps({"source": [source]}), "state": "ENABLED"}
    return out


def terraform_json() -> str:
    from scanner.bursts.rules import load_burst_rules
    from scanner.detect.rules import load_rules
    from scanner.iampolicy.detector import IAM, OPERATIONS
    from scanner.provenance.catalog import load_catalog

    doc = {
        "//": "GENERATED by `python -m scanner.live.routes` from rules/aws, rules/bursts/aws and "
              "rules/catalogs/deploy.yaml; do not edit (make routes).",
        # the iam_policy detector reads IAM calls no rule names (CreatePolicy, AddUserToGroup, DetachGroupPolicy)
        "locals": {"generated_event_patterns": patterns([*load_rules(), *load_burst_rules()], load_catalog(),
                                                        {IAM: OPERATIONS})},
    }
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def main() -> None:
    sys.stdout.write(terraform_json())


if __name__ == "__main__":
    main()
