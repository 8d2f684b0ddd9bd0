"""A local Firestore (google.firestore.v1.Firestore over gRPC) for the real google-cloud-firestore client.

The client reaches it the way it reaches Google's emulator: FIRESTORE_EMULATOR_HOST=127.0.0.1:PORT
(plaintext gRPC, emulator credentials). It serves what scanner/state/firestore.py uses —
BatchGetDocuments, Commit with preconditions (exists / update_time), RunQuery with one field
filter — and answers like Firestore: ALREADY_EXISTS, NOT_FOUND, FAILED_PRECONDITION.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from typing import Any

import grpc
import pytest

pytest.importorskip("google.cloud.firestore", reason="the [gcp] extra is not installed")

from google.cloud.firestore_v1 import types as fs
from google.protobuf import timestamp_pb2

from tests.gcp_fake import Abort, GrpcFake, Rpc


class FakeFirestore(GrpcFake):
    service = "google.firestore.v1.Firestore"

    def __init__(self) -> None:
        self.docs: dict[str, Any] = {}  # full name → Document (raw protobuf)
        self._tick = 0
        self._commit_lock = threading.Lock()
        super().__init__()

    def _now(self) -> timestamp_pb2.Timestamp:
        self._tick += 1
        return timestamp_pb2.Timestamp(seconds=1_800_000_000 + self._tick // 1_000_000,
                                       nanos=(self._tick % 1_000_000) * 1000)

    def rpcs(self) -> Mapping[str, Rpc]:
        def batch_get(req: Any) -> Iterator[Any]:
            raw = fs.BatchGetDocumentsRequest.pb(req)
            read = self._now()
            for name in raw.documents:
                out = fs.BatchGetDocumentsResponse.pb()()
                out.read_time.CopyFrom(read)
                if name in self.docs:
                    out.found.CopyFrom(self.docs[name])
                else:
                    out.missing = name
                yield fs.BatchGetDocumentsResponse.wrap(out)

        def commit(req: Any) -> Any:
            raw = fs.CommitRequest.pb(req)
            with self._commit_lock:  # a commit is atomic: every precondition checked before any write
                for w in raw.writes:
                    name = w.delete or w.update.name
                    self._check(w, name)
                when = self._now()
                results = []
                for w in raw.writes:
                    if w.delete:
                        self.docs.pop(w.delete, None)
                    else:
                        self._apply(w, when)
                    r = fs.WriteResult.pb()()
                    r.update_time.CopyFrom(when)
                    results.append(r)
                out = fs.CommitResponse.pb()(write_results=results)
                out.commit_time.CopyFrom(when)
            return fs.CommitResponse.wrap(out)

        def run_query(req: Any) -> Iterator[Any]:
            raw = fs.RunQueryRequest.pb(req)
            q = raw.structured_query
            f = q.where.field_filter
            if f.op != f.Operator.LESS_THAN_OR_EQUAL:
                raise Abort(grpc.StatusCode.UNIMPLEMENTED, "the fake filters with <= only")
            prefix = f"{raw.parent}/{q.from_[0].collection_id}/"
            limit = f.value.double_value or float(f.value.integer_value)
            for name, doc in sorted(self.docs.items()):
                v = doc.fields.get(f.field.field_path)
                if name.startswith(prefix) and v is not None and v.WhichOneof("value_type") == "double_value" \
                        and v.double_value <= limit:
                    out = fs.RunQueryResponse.pb()()
                    out.document.CopyFrom(doc)
                    yield fs.RunQueryResponse.wrap(out)

        return {
            "BatchGetDocuments": Rpc(fs.BatchGetDocumentsRequest, fs.BatchGetDocumentsResponse, batch_get, stream=True),
            "Commit": Rpc(fs.CommitRequest, fs.CommitResponse, commit),
            "RunQuery": Rpc(fs.RunQueryRequest, fs.RunQueryResponse, run_query, stream=True),
        }

    def _check(self, w: Any, name: str) -> None:
        if not w.HasField("current_document"):
            return
        pre = w.current_document
        have = self.docs.get(name)
        if pre.HasField("exists"):
            if pre.exists and have is None:
                raise Abort(grpc.StatusCode.NOT_FOUND, f"no document {name}")
            if not pre.exists and have is not None:
                raise Abort(grpc.StatusCode.ALREADY_EXISTS, f"document {name} exists")
        if pre.HasField("update_time") and (have is None or have.update_time != pre.update_time):
            raise Abort(grpc.StatusCode.FAILED_PRECONDITION, f"document {name} changed since it was read")

    def _apply(self, w: Any, when: timestamp_pb2.Timestamp) -> None:
        name = w.update.name
        doc = self.docs.get(name)
        if doc is None or not w.HasField("update_mask"):
            new = fs.Document.pb()(name=name)
            new.create_time.CopyFrom(doc.create_time if doc is not None else when)
            if w.HasField("update_mask"):
                for path in w.update_mask.field_paths:
                    if path in w.update.fields:
                        new.fields[path].CopyFrom(w.update.fields[path])
            else:
                for k, v in w.update.fields.items():
                    new.fields[k].CopyFrom(v)
            doc = new
        else:
            for path in w.update_mask.field_paths:
                if path in w.update.fields:
                    doc.fields[path].CopyFrom(w.update.fields[path])
                else:
                    doc.fields.pop(path, None)
        doc.update_time.CopyFrom(when)
        self.docs[name] = doc


@pytest.fixture
def firestore_client(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A real google.cloud.firestore.Client talking to the fake."""
    from google.cloud import firestore

    fake = FakeFirestore()
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", fake.address)
    try:
        yield firestore.Client(project="acme-sec")
    finally:
        fake.stop()
