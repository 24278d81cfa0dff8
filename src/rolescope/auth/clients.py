"""How rolescope's AWS clients behave: standard retries, a user agent, and counted calls."""

from __future__ import annotations

import os
import threading
from collections import Counter
from typing import Any

from rolescope import __version__
from rolescope.auth.botocore_adapter import on_each_attempt, on_each_operation

# Enough attempts to ride out IAM's throttling on big accounts.
MAX_ATTEMPTS = 10
# 'standard': a throttled call is retried after an exponential, jittered back-off, and the calls after it
# go at once. Not 'adaptive': its token bucket is per client, and each account has a young client that
# makes a handful of calls; once throttled, such a client measures a send rate near zero and is held to
# botocore's floor of 0.5 requests/s for every call it still makes (2 s each). On 60 accounts 50 ms
# away with 10 % of the requests throttled, that made a scan take 10-16 s instead of 6-9 s
# (bench/live.py). AWS_RETRY_MODE still chooses, as for the AWS CLI.
RETRY_MODE = "standard"
RETRY_MODES = ("standard", "adaptive", "legacy")

# Partition -> a region whose endpoints serve it (IAM and Organizations are global per partition).
PARTITION_REGIONS = {"aws": "us-east-1", "aws-cn": "cn-north-1", "aws-us-gov": "us-gov-west-1"}


def client_config(max_attempts: int | None = None) -> Any:
    """The botocore ``Config`` of every client rolescope creates.

    Args:
        max_attempts: attempts per call; default ``AWS_MAX_ATTEMPTS`` when set, else :data:`MAX_ATTEMPTS`.

    Returns:
        The config: retries in ``AWS_RETRY_MODE`` when it names a mode, else :data:`RETRY_MODE`.
    """
    from botocore.config import Config  # imported when a client is made, not with the CLI

    if max_attempts is None:
        configured = os.environ.get("AWS_MAX_ATTEMPTS", "")
        max_attempts = int(configured) if configured.isdigit() and int(configured) > 0 else MAX_ATTEMPTS
    mode = os.environ.get("AWS_RETRY_MODE", "").strip().lower()
    return Config(
        retries={"mode": mode if mode in RETRY_MODES else RETRY_MODE, "max_attempts": max_attempts},
        user_agent_extra=f"rolescope/{__version__}",
    )


def partition_of_region(region: str) -> str:
    """The partition a region belongs to."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def region_for(partition: str, configured: str | None) -> str:
    """The region to send calls for ``partition`` to: the configured one when it is in that partition."""
    if configured and partition_of_region(configured) == partition:
        return configured
    return PARTITION_REGIONS.get(partition, configured or "us-east-1")


class CallCounter:
    """Counts the API calls made through the clients it is attached to, and the HTTP attempts.

    ``calls`` counts operations (a paginated call counts once per page); ``attempts`` counts
    requests sent, so ``retries`` is what throttling and transient errors cost. Thread-safe.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.operations: Counter[str] = Counter()
        self.attempts = 0

    def attach(self, client: Any) -> Any:
        """Count ``client``'s calls from now on; returns the client."""
        on_each_operation(client, self._count_operation)
        on_each_attempt(client, self._count_attempt)
        return client

    def _count_operation(self, name: str) -> None:
        with self._lock:
            self.operations[name] += 1

    def _count_attempt(self) -> None:
        with self._lock:
            self.attempts += 1

    @property
    def calls(self) -> int:
        return sum(self.operations.values())

    @property
    def retries(self) -> int:
        return max(0, self.attempts - self.calls)
