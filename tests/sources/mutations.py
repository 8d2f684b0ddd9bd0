"""Hypothesis strategies for hostile input: random JSON spoken in the vocabulary of audit envelopes,
and real samples with their types changed, keys deleted and junk inserted."""

from __future__ import annotations

import base64
import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.conftest import AUDIT, FIXTURES

# No deadline and no speed health checks: CI runs on two shared cores, where a slow example is the
# machine, not the code. derandomize keeps a CI failure reproducible from its log.
FUZZ = settings(max_examples=150, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

#: Keys and values the decoders and normalizers branch on, so random documents reach deep paths.
KEYS = [
    "Records", "eventSource", "eventName", "eventVersion", "eventID", "eventTime", "s3", "bucket", "object", "key",
    "name", "body", "messageId", "awslogs", "data", "messageType", "logEvents", "message", "detail", "detail-type",
    "source", "Type", "Message", "CloudTrailEvent", "Events", "EventSource", "Sns", "Messages", "Body", "s3Bucket",
    "s3ObjectKey", "Event", "digestS3Object", "protoPayload", "logName", "insertId", "timestamp", "specversion",
    "type", "event", "@type", "entries", "userIdentity", "sessionContext", "sessionIssuer", "arn", "accessKeyId",
    "invokedBy", "authenticationInfo", "principalEmail", "principalSubject", "serviceAccountDelegationInfo",
    "firstPartyPrincipal", "thirdPartyPrincipal", "thirdPartyClaims", "serviceAccountKeyName", "status", "code",
    "authorizationInfo", "permission", "requestMetadata", "callerIp", "resource", "labels", "resources", "ARN",
    "requestParameters", "additionalEventData", "MFAUsed", "readOnly", "errorCode", "metadata", "mapped_principal",
]
STRINGS = [
    "aws:sqs", "aws:s3", "aws:sns", "Notification", "SubscriptionConfirmation", "ObjectCreated:Put", "CONTROL_MESSAGE",
    "DATA_MESSAGE", "type.googleapis.com/google.pubsub.v1.PubsubMessage", "google.cloud.audit.log.v1.written",
    "Object Created", "aws.s3", "AssumedRole", "IAMUser", "Root", "AWSService", "WebIdentityUser", "AKIAEXAMPLE",
    "ASIAEXAMPLE", "UpdateFunctionCode20150331v2", "monitoring.amazonaws.com", "s3.amazonaws.com",
    "projects/p/logs/cloudaudit.googleapis.com%2Factivity", "principal://iam.googleapis.com/x/subject/repo:a/b",
    "serviceAccount:p.svc.id.goog[ns/ksa]", "7", "1.0", "", "CloudTrail-Digest", "s3:TestEvent",
    base64.b64encode(b'{"protoPayload": {}, "insertId": "x"}').decode(), base64.b64encode(b"not json").decode(),
]

scalars = (
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12) | st.sampled_from(STRINGS)
)
keys = st.sampled_from(KEYS) | st.text(max_size=8)
json_values = st.recursive(
    scalars, lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=5),
    max_leaves=25,
)
json_objects = st.dictionaries(keys, json_values, max_size=6)


def _json_docs(root: Path) -> Iterator[Any]:
    for p in sorted(root.rglob("*.json")):
        try:
            yield orjson.loads(p.read_bytes())
        except orjson.JSONDecodeError:  # NDJSON: every line is a document
            for line in p.read_bytes().splitlines():
                if line.strip():
                    yield orjson.loads(line)


def _docs() -> list[Any]:
    docs = list(_json_docs(AUDIT / "formats")) + list(_json_docs(FIXTURES / "local" / "ingest"))
    docs += list(_json_docs(AUDIT / "aws" / "custodian" / "cwe"))[:12]
    docs += list(_json_docs(AUDIT / "gcp" / "security-analytics"))[:8]
    for jsonl in sorted(AUDIT.rglob("*.jsonl")):
        docs += [orjson.loads(ln) for ln in jsonl.read_bytes().splitlines()[:4] if ln.strip()]
    return docs


REAL_DOCS = _docs()


def _slots(doc: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a document a mutation can hit: (path to the container..., key or index)."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield (*path, k)
            yield from _slots(v, (*path, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield (*path, i)
            yield from _slots(v, (*path, i))


def _container(doc: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        doc = doc[step]
    return doc


@st.composite
def mutated(draw: st.DrawFn, doc: Any) -> Any:
    """A deep copy of `doc` with 1..6 random mutations: retype, delete, insert junk, stringify."""
    doc = copy.deepcopy(doc)
    for _ in range(draw(st.integers(1, 6))):
        slots = list(_slots(doc))
        if not slots:
            return draw(json_values)
        path = draw(st.sampled_from(slots))
        parent, last = _container(doc, path), path[-1]
        op = draw(st.sampled_from(["retype", "delete", "junk", "stringify", "wrap"]))
        if op == "retype":
            parent[last] = draw(json_values)
        elif op == "delete":
            del parent[last]
        elif op == "junk" and isinstance(parent, dict):
            parent[draw(keys)] = draw(json_values)
        elif op == "stringify":  # an object where a JSON string was expected, and the reverse
            try:
                parent[last] = orjson.dumps(parent[last]).decode()
            except orjson.JSONEncodeError:
                parent[last] = None
        elif op == "wrap":
            parent[last] = [parent[last]]
    return doc


real_mutated = st.sampled_from(REAL_DOCS).flatmap(mutated)
