"""Raw record → Event. One mapper per cloud; field tables where possible."""

from __future__ import annotations

from scanner.model.event import Event
from scanner.normalize.aws import normalize_cloudtrail, normalize_eventbridge
from scanner.normalize.errors import NormalizeError
from scanner.normalize.gcp import normalize_logentry
from scanner.sources.records import CLOUDTRAIL, EVENTBRIDGE, GCP_LOGENTRY, RawRecord

#: kind → mapper. A visible dict, not a registration decorator.
NORMALIZERS = {
    CLOUDTRAIL: normalize_cloudtrail,
    EVENTBRIDGE: normalize_eventbridge,
    GCP_LOGENTRY: normalize_logentry,
}


def normalize(record: RawRecord) -> Event:
    """Raises NormalizeError (with a reason) on a record of the right shape but wrong content."""
    return NORMALIZERS[record.kind](record.data)


__all__ = ["NORMALIZERS", "NormalizeError", "normalize"]
