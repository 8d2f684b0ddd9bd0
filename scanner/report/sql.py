"""The usage aggregation as one SQL query, for when the logs live in Athena or BigQuery.

Both queries return the relation `scanner.report.usage.COLUMNS`; save the result as CSV or JSON and
pass it with `--usage FILE`: the report code that runs on embedded aggregation runs on it unchanged.
AWS rows keep the API call (the report maps it to IAM actions with the normalizer's table, quirks and
all); GCP rows carry each `authorizationInfo` permission.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

_IDENT = re.compile(r"^[A-Za-z0-9_.\-`*]+$")


def _ident(name: str, what: str) -> str:
    if not _IDENT.match(name):
        raise ValueError(f"{what} {name!r}: letters, digits, _ . - * only")
    return name


def _until(until: datetime | None, dialect: str) -> str:
    if until is None:
        return "current_timestamp" if dialect == "athena" else "CURRENT_TIMESTAMP()"
    stamp = until.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    return f"TIMESTAMP '{stamp} UTC'"


def athena(table: str = "cloudtrail_logs", days: int = 90, until: datetime | None = None) -> str:
    """Over the CloudTrail table AWS documents for Athena (useridentity struct, eventtime as ISO text)."""
    t = _ident(table, "table")
    end = _until(until, "athena")
    return f"""-- auditwarden usage: CloudTrail in Athena, last {int(days)} days, successful calls
SELECT 'aws' AS cloud,
       COALESCE(recipientaccountid, useridentity.accountid) AS account,
       CASE WHEN useridentity.type = 'AssumedRole' THEN useridentity.sessioncontext.sessionissuer.arn
            ELSE useridentity.arn END AS principal,
       eventsource AS service,
       regexp_extract(eventname, '^([A-Za-z]+?)([0-9]{{8}}(v[0-9]+)?)?$', 1) AS operation,
       '' AS permission,
       COUNT(*) AS calls,
       MIN(eventtime) AS first_seen,
       MAX(eventtime) AS last_seen,
       MAX(COALESCE(useragent, '')) AS user_agent,
       MAX(CASE WHEN useridentity.type = 'AssumedRole' THEN element_at(split(useridentity.arn, '/'), -1)
                ELSE '' END) AS session_name
FROM {t}
WHERE errorcode IS NULL
  AND from_iso8601_timestamp(eventtime) >= {end} - INTERVAL '{int(days)}' DAY
  AND from_iso8601_timestamp(eventtime) <= {end}
GROUP BY 1, 2, 3, 4, 5, 6
ORDER BY 1, 2, 3, 4, 5, 6
"""


def bigquery(dataset: str = "my-project.audit_logs", days: int = 90, until: datetime | None = None) -> str:
    """Over a log-sink dataset (tables cloudaudit_googleapis_com_activity / _data_access, wildcard)."""
    d = _ident(dataset, "dataset")
    end = _until(until, "bigquery")
    return f"""-- auditwarden usage: Cloud Audit Logs sink in BigQuery, last {int(days)} days, successful calls
SELECT 'gcp' AS cloud,
       t.resource.labels.project_id AS account,
       COALESCE(t.protopayload_auditlog.authenticationInfo.principalEmail,
                t.protopayload_auditlog.authenticationInfo.principalSubject) AS principal,
       t.protopayload_auditlog.serviceName AS service,
       '' AS operation,
       a.permission AS permission,
       COUNT(*) AS calls,
       FORMAT_TIMESTAMP('%Y-%m-%dT%H:%M:%SZ', MIN(t.timestamp)) AS first_seen,
       FORMAT_TIMESTAMP('%Y-%m-%dT%H:%M:%SZ', MAX(t.timestamp)) AS last_seen,
       MAX(COALESCE(t.protopayload_auditlog.requestMetadata.callerSuppliedUserAgent, '')) AS user_agent,
       '' AS session_name
FROM `{d}.cloudaudit_googleapis_com_*` AS t,
     UNNEST(t.protopayload_auditlog.authorizationInfo) AS a
WHERE COALESCE(t.protopayload_auditlog.status.code, 0) = 0
  AND a.granted
  AND t.timestamp >= TIMESTAMP_SUB({end}, INTERVAL {int(days)} DAY)
  AND t.timestamp <= {end}
GROUP BY 1, 2, 3, 4, 5, 6
ORDER BY 1, 2, 3, 4, 5, 6
"""


DIALECTS = {"athena": athena, "bigquery": bigquery}
