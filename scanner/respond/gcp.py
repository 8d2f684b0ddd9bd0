"""GCP responders: disable a service-account key, disable a service account (both re-enableable).

The IAM Admin client is injected (`google.cloud.iam_admin_v1.IAMClient`; tests pass one talking to a
local gRPC server). Calls retry UNAVAILABLE, RESOURCE_EXHAUSTED, INTERNAL and DEADLINE_EXCEEDED with
google-api-core's exponential backoff within `response.retry_seconds`; what still fails is a CloudError.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from scanner.config import ResponseConfig
from scanner.respond.model import CloudError, NotOurs, Request, Resolved

#: Backoff shape (the total budget is response.retry_seconds): first wait, growth, longest wait.
_INITIAL, _MULTIPLIER, _MAXIMUM = 0.1, 2.0, 5.0
_KEY = re.compile(r"projects/([^/]+)/serviceAccounts/([^/]+)/keys/([^/]+)")


def _retry(config: ResponseConfig) -> Any:
    from google.api_core import exceptions as gex
    from google.api_core.retry import Retry, if_exception_type

    return Retry(predicate=if_exception_type(gex.ServiceUnavailable, gex.TooManyRequests, gex.InternalServerError,
                                             gex.DeadlineExceeded),
                 initial=_INITIAL, multiplier=_MULTIPLIER, maximum=_MAXIMUM, timeout=float(config.retry_seconds))


def default_iam_client() -> Any:
    from google.cloud import iam_admin_v1

    return iam_admin_v1.IAMClient()


class _Gcp:
    def __init__(self, client: Any, config: ResponseConfig) -> None:
        self.client = client
        self.retry = _retry(config)

    def call(self, what: str, fn: Any, name: str) -> Any:
        from google.api_core import exceptions as gex

        try:
            return fn(request={"name": name}, retry=self.retry)
        except (gex.NotFound, gex.PermissionDenied) as e:
            raise NotOurs(f"{what} {name}: {type(e).__name__}") from None
        except gex.RetryError as e:
            cause = e.cause
            raise CloudError(f"{what} failed after retrying for the whole response.retry_seconds: "
                             f"{type(cause).__name__ if cause else 'RetryError'}: {cause or e}") from None
        except gex.GoogleAPICallError as e:
            raise CloudError(f"{what} failed: {type(e).__name__}: {e.message}") from None


class GcpKey(_Gcp):
    """DisableServiceAccountKey on a key the named service account really holds."""

    def resolve(self, req: Request) -> Resolved:
        if not _KEY.fullmatch(req.target):
            raise NotOurs(f"{req.target} is not a key name (projects/P/serviceAccounts/EMAIL/keys/ID)")
        key = self.call("GetServiceAccountKey", self.client.get_service_account_key, req.target)
        m = _KEY.fullmatch(key.name)
        project, email = (m.group(1), m.group(2)) if m else ("", "")
        return Resolved(project, email, bool(key.disabled), {"name": key.name})

    def apply(self, req: Request, r: Resolved) -> dict[str, Any]:
        self.call("DisableServiceAccountKey", self.client.disable_service_account_key, r.detail["name"])
        return {"name": r.detail["name"]}

    def undo(self, rec: Mapping[str, Any]) -> None:
        self.call("EnableServiceAccountKey", self.client.enable_service_account_key, rec["undo"]["name"])


class GcpServiceAccount(_Gcp):
    """DisableServiceAccount: every key and token of the account stops working until it is enabled."""

    def resolve(self, req: Request) -> Resolved:
        if "@" not in req.target or "/" in req.target:
            raise NotOurs(f"{req.target} is not a service-account e-mail")
        sa = self.call("GetServiceAccount", self.client.get_service_account,
                       f"projects/-/serviceAccounts/{req.target}")
        return Resolved(sa.project_id, sa.email, bool(sa.disabled), {"name": sa.name})

    def apply(self, req: Request, r: Resolved) -> dict[str, Any]:
        self.call("DisableServiceAccount", self.client.disable_service_account, r.detail["name"])
        return {"name": r.detail["name"]}

    def undo(self, rec: Mapping[str, Any]) -> None:
        self.call("EnableServiceAccount", self.client.enable_service_account, rec["undo"]["name"])
