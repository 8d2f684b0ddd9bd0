"""Real GCP clients against local gRPC servers (DESIGN.md §3): IAM Admin and Resource Manager fakes.

The server side is built from the client library's own request/response message classes, so the
bytes on the wire are exactly what the real `google-cloud-iam` / `google-cloud-resource-manager`
clients send and expect. Clients get `transport=...GrpcTransport(channel=grpc.insecure_channel(addr))`
(never `api_endpoint` + anonymous credentials: that still tries TLS and hangs in retries).

    from tests.gcp_fake import gcp_iam, gcp_projects  # noqa: F401   (in a conftest.py)

`gcp_iam` yields a `FakeIam` with `.client` (a real IAMClient) and in-memory service accounts, keys
and roles; `fail_next(method, code, times)` injects errors (UNAVAILABLE, RESOURCE_EXHAUSTED …) so
retry paths run for real. `gcp_projects` does the same for project IAM policies.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from concurrent import futures
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc
import pytest

pytest.importorskip("google.cloud.iam_admin_v1", reason="the [gcp] extra is not installed")

from google.cloud import iam_admin_v1, resourcemanager_v3
from google.cloud.iam_admin_v1.services.iam.transports.grpc import IAMGrpcTransport
from google.cloud.resourcemanager_v3.services.projects.transports.grpc import ProjectsGrpcTransport
from google.iam.v1 import iam_policy_pb2, policy_pb2
from google.protobuf import empty_pb2

Handler = Callable[[Any], Any]


@dataclass(frozen=True)
class Rpc:
    request: type
    response: type
    fn: Handler
    stream: bool = False  # server streaming: fn returns an iterable of responses


def _decoder(cls: type) -> Callable[[bytes], Any]:
    return cls.deserialize if hasattr(cls, "deserialize") else cls.FromString  # type: ignore[attr-defined, no-any-return]


def _encoder(cls: type) -> Callable[[Any], bytes]:
    if hasattr(cls, "serialize"):
        return cls.serialize  # type: ignore[attr-defined, no-any-return]
    return lambda msg: msg.SerializeToString()  # type: ignore[no-any-return]


F = TypeVar("F", bound="GrpcFake")


class Abort(Exception):
    """Raised by a fake's handler to answer with a gRPC status (a failed precondition, a conflict)."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class GrpcFake:
    """One local server; subclasses declare `service` and `rpcs()`. Records every call it serves."""

    service = ""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: list[tuple[str, Any]] = []
        self._fail: dict[str, list[grpc.StatusCode]] = defaultdict(list)
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        def handler(rpc: Rpc) -> Any:
            return grpc.unary_stream_rpc_method_handler if rpc.stream else grpc.unary_unary_rpc_method_handler

        handlers = {name: handler(rpc)(
            self._wrap(name, rpc.fn), request_deserializer=_decoder(rpc.request),
            response_serializer=_encoder(rpc.response)) for name, rpc in self.rpcs().items()}
        self.server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(self.service, handlers),))
        port = self.server.add_insecure_port("127.0.0.1:0")
        self.address = f"127.0.0.1:{port}"
        self.server.start()

    def rpcs(self) -> Mapping[str, Rpc]:
        raise NotImplementedError

    def fail_next(self, method: str, code: grpc.StatusCode, times: int = 1) -> None:
        """The next `times` calls of `method` answer `code` (then it behaves again)."""
        with self.lock:
            self._fail[method].extend([code] * times)

    def called(self, method: str) -> list[Any]:
        return [req for name, req in self.calls if name == method]

    def _wrap(self, name: str, fn: Handler) -> Callable[[Any, grpc.ServicerContext], Any]:
        def handle(request: Any, context: grpc.ServicerContext) -> Any:
            with self.lock:
                self.calls.append((name, request))
                code = self._fail[name].pop(0) if self._fail[name] else None
            if code is not None:
                context.abort(code, f"injected {code.name}")
            try:
                return fn(request)
            except KeyError as e:
                context.abort(grpc.StatusCode.NOT_FOUND, f"not found: {e}")
            except Abort as e:
                context.abort(e.code, e.message)

        return handle

    def channel(self) -> grpc.Channel:
        return grpc.insecure_channel(self.address)

    def stop(self) -> None:
        self.server.stop(grace=None)


class FakeIam(GrpcFake):
    """google.iam.admin.v1.IAM: service accounts, their keys, and predefined roles, in memory."""

    service = "google.iam.admin.v1.IAM"

    def __init__(self) -> None:
        self.accounts: dict[str, iam_admin_v1.ServiceAccount] = {}  # email → SA
        self.keys: dict[str, iam_admin_v1.ServiceAccountKey] = {}  # full key name → key
        self.roles: dict[str, iam_admin_v1.Role] = {}  # roles/x → role
        super().__init__()
        self.client = iam_admin_v1.IAMClient(transport=IAMGrpcTransport(channel=self.channel()))

    # --- seeding -------------------------------------------------------------------------
    def add_account(self, project: str, account_id: str, *, disabled: bool = False,
                    display_name: str = "", description: str = "") -> iam_admin_v1.ServiceAccount:
        email = f"{account_id}@{project}.iam.gserviceaccount.com"
        sa = iam_admin_v1.ServiceAccount(
            name=f"projects/{project}/serviceAccounts/{email}", project_id=project, email=email,
            unique_id=str(100000000000000000000 + len(self.accounts)), display_name=display_name,
            description=description, disabled=disabled)
        self.accounts[email] = sa
        return sa

    def add_key(self, email: str, key_id: str, *, user_managed: bool = True, disabled: bool = False,
                valid_after: str = "2026-01-01T00:00:00Z") -> iam_admin_v1.ServiceAccountKey:
        sa = self.accounts[email]
        key = iam_admin_v1.ServiceAccountKey(
            name=f"projects/{sa.project_id}/serviceAccounts/{email}/keys/{key_id}",
            key_type=(iam_admin_v1.ListServiceAccountKeysRequest.KeyType.USER_MANAGED if user_managed
                      else iam_admin_v1.ListServiceAccountKeysRequest.KeyType.SYSTEM_MANAGED),
            disabled=disabled, valid_after_time=valid_after, valid_before_time="9999-12-31T23:59:59Z",
            key_algorithm=iam_admin_v1.ServiceAccountKeyAlgorithm.KEY_ALG_RSA_2048)
        self.keys[key.name] = key
        return key

    def add_role(self, name: str, permissions: list[str], title: str = "") -> iam_admin_v1.Role:
        role = iam_admin_v1.Role(name=name, title=title or name, included_permissions=permissions)
        self.roles[name] = role
        return role

    # --- lookups that accept `projects/-/serviceAccounts/EMAIL` and unique ids, like the API -----
    def _account(self, name: str) -> iam_admin_v1.ServiceAccount:
        ident = name.rsplit("/", 1)[-1]
        for sa in self.accounts.values():
            if ident in (sa.email, sa.unique_id):
                return sa
        raise KeyError(name)

    def _key(self, name: str) -> iam_admin_v1.ServiceAccountKey:
        parent, _, key_id = name.partition("/keys/")
        sa = self._account(parent)
        return self.keys[f"projects/{sa.project_id}/serviceAccounts/{sa.email}/keys/{key_id}"]

    def rpcs(self) -> Mapping[str, Rpc]:
        m = iam_admin_v1

        def list_accounts(req: Any) -> Any:
            project = req.name.split("/")[1]
            return m.ListServiceAccountsResponse(
                accounts=[sa for sa in self.accounts.values() if project in ("-", sa.project_id)])

        def list_keys(req: Any) -> Any:
            sa = self._account(req.name)
            prefix = f"projects/{sa.project_id}/serviceAccounts/{sa.email}/keys/"
            types = set(req.key_types)
            return m.ListServiceAccountKeysResponse(
                keys=[k for n, k in self.keys.items() if n.startswith(prefix) and (not types or k.key_type in types)])

        def set_key(disabled: bool) -> Handler:
            def fn(req: Any) -> Any:
                self._key(req.name).disabled = disabled
                return empty_pb2.Empty()
            return fn

        def set_account(disabled: bool) -> Handler:
            def fn(req: Any) -> Any:
                self._account(req.name).disabled = disabled
                return empty_pb2.Empty()
            return fn

        def list_roles(req: Any) -> Any:
            return m.ListRolesResponse(roles=list(self.roles.values()))

        return {
            "ListServiceAccounts": Rpc(m.ListServiceAccountsRequest, m.ListServiceAccountsResponse, list_accounts),
            "GetServiceAccount": Rpc(m.GetServiceAccountRequest, m.ServiceAccount, lambda r: self._account(r.name)),
            "ListServiceAccountKeys": Rpc(m.ListServiceAccountKeysRequest, m.ListServiceAccountKeysResponse,
                                          list_keys),
            "GetServiceAccountKey": Rpc(m.GetServiceAccountKeyRequest, m.ServiceAccountKey,
                                        lambda r: self._key(r.name)),
            "DisableServiceAccountKey": Rpc(m.DisableServiceAccountKeyRequest, empty_pb2.Empty, set_key(True)),
            "EnableServiceAccountKey": Rpc(m.EnableServiceAccountKeyRequest, empty_pb2.Empty, set_key(False)),
            "DisableServiceAccount": Rpc(m.DisableServiceAccountRequest, empty_pb2.Empty, set_account(True)),
            "EnableServiceAccount": Rpc(m.EnableServiceAccountRequest, empty_pb2.Empty, set_account(False)),
            "GetRole": Rpc(m.GetRoleRequest, m.Role, lambda r: self.roles[r.name]),
            "ListRoles": Rpc(m.ListRolesRequest, m.ListRolesResponse, list_roles),
        }


class FakeProjects(GrpcFake):
    """google.cloud.resourcemanager.v3.Projects: project IAM policies, in memory."""

    service = "google.cloud.resourcemanager.v3.Projects"

    def __init__(self) -> None:
        self.policies: dict[str, policy_pb2.Policy] = {}  # "projects/P" → policy
        super().__init__()
        self.client = resourcemanager_v3.ProjectsClient(transport=ProjectsGrpcTransport(channel=self.channel()))

    def set_policy(self, project: str, bindings: Mapping[str, list[str]]) -> None:
        self.policies[f"projects/{project}"] = policy_pb2.Policy(
            version=1, etag=b"BwX", bindings=[policy_pb2.Binding(role=r, members=ms) for r, ms in bindings.items()])

    def rpcs(self) -> Mapping[str, Rpc]:
        return {"GetIamPolicy": Rpc(iam_policy_pb2.GetIamPolicyRequest, policy_pb2.Policy,
                                    lambda r: self.policies[r.resource])}


def serving(fake: F) -> Iterator[F]:
    """A fixture's body: yield the started fake, stop its server afterwards (`yield from serving(...)`)."""
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def gcp_iam() -> Iterator[FakeIam]:
    yield from serving(FakeIam())


@pytest.fixture
def gcp_projects() -> Iterator[FakeProjects]:
    yield from serving(FakeProjects())
