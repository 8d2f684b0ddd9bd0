"""Country and ASN of an address, from MaxMind-format (.mmdb) files — only when configured.

auditwarden ships no table: GeoLite2 and its kin have licences of their own. `pip install
auditwarden[geoip]` brings the reader (`maxminddb`); `anomaly.geoip.country` / `.asn` name the files.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from scanner.anomaly.settings import AnomalySettings

Lookup = Callable[[str], tuple[str, str]]


class GeoError(ValueError):
    pass


def _open(path: str) -> Any:
    try:
        import maxminddb
    except ImportError:
        raise GeoError("anomaly.geoip is configured but the maxminddb package is not installed "
                       "(pip install 'auditwarden[geoip]')") from None
    try:
        return maxminddb.open_database(path)
    except (OSError, ValueError) as e:
        raise GeoError(f"anomaly.geoip: cannot read {path}: {e}") from None


def _country(rec: Any) -> str:
    if not isinstance(rec, dict):
        return ""
    node = rec.get("country") or rec.get("registered_country") or {}
    code = node.get("iso_code", "") if isinstance(node, dict) else ""
    return str(code)[:8]


def _asn(rec: Any) -> str:
    if not isinstance(rec, dict):
        return ""
    num = rec.get("autonomous_system_number")
    return f"AS{num}" if isinstance(num, int) else ""


def geo_lookup(settings: AnomalySettings) -> Lookup | None:
    """None when no table is configured; GeoError when one is configured but unusable."""
    if not settings.geoip_country and not settings.geoip_asn:
        return None
    country_db = _open(settings.geoip_country) if settings.geoip_country else None
    asn_db = _open(settings.geoip_asn) if settings.geoip_asn else None

    @lru_cache(maxsize=65_536)
    def lookup(ip: str) -> tuple[str, str]:
        try:
            c = _country(country_db.get(ip)) if country_db is not None else ""
            a = _asn(asn_db.get(ip)) if asn_db is not None else ""
        except ValueError:  # not an address the table can look up
            return "", ""
        return c, a

    return lookup
