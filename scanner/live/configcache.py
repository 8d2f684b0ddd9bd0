"""The configuration, re-read after a short TTL: flipping a switch in SSM / S3 / GCS / a secret takes
effect within `ttl` seconds on warm functions, with no redeploy.

A re-read that fails keeps the last good configuration (the error is reported in the invocation log):
an outage of the config store must not stop detection. A first read that fails raises — running with
defaults when the operator configured something else would be silently wrong.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from scanner.config import Config, ConfigClients
from scanner.yamlio import YamlError

Loader = Callable[[str | None, ConfigClients | None], Config]


def _load(location: str | None, clients: ConfigClients | None) -> Config:
    from scanner.detectors import load_settings

    return load_settings(location, clients)


class ConfigCache:
    def __init__(self, location: str | None, ttl_seconds: float, clients: ConfigClients | None = None,
                 loader: Loader = _load, clock: Callable[[], float] = time.monotonic) -> None:
        self.location = location
        self.ttl = ttl_seconds
        self._clients = clients
        self._loader = loader
        self._clock = clock
        self._config: Config | None = None
        self._read_at = 0.0
        self.last_error = ""

    def get(self) -> Config:
        now = self._clock()
        if self._config is not None and now - self._read_at < self.ttl:
            return self._config
        if not self.location:
            self._config = self._config or Config()
            self._read_at = now
            return self._config
        try:
            self._config = self._loader(self.location, self._clients)
            self.last_error = ""
        except YamlError as e:
            if self._config is None:
                raise
            self.last_error = f"config re-read failed, keeping the previous one: {e}"
        self._read_at = now
        return self._config
