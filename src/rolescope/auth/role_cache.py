"""Role sessions in the credential cache: what names an entry, and reading and writing entries.

Entries have the AWS CLI's form (the ``AssumeRole`` answer, written by botocore's ``JSONFileCache``)
and names built the AWS CLI's way (botocore's ``AssumeRoleCredentialFetcher``: the SHA-1 of the
arguments as sorted JSON). botocore's arguments are only the ``AssumeRole`` parameters, so a session
assumed by one caller would be handed to another, and one assumed without MFA to a request through an
MFA session (whose ``AssumeRole`` carries no ``SerialNumber``). rolescope's names add what the call
leaves out: who assumes the role, and the MFA device the session is authenticated with, however the
code was given. A session assumed with MFA therefore serves any later request with that device (on
``AssumeRole`` or through an MFA session alike); a session without MFA never serves a request for MFA.

Profiles' own roles are cached by botocore under its names, shared with the AWS CLI.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

Clock = Callable[[], datetime]
Response = dict[str, Any]
# Argument names AssumeRole does not have, so no parameter is ever mistaken for them.
_CALLER, _MFA_DEVICE = "rolescope:Caller", "rolescope:MfaDevice"


def parse_expiry(text: str) -> datetime:
    """An ``Expiration`` in any form botocore writes or reads: ISO 8601 from STS, or the cache's
    ``2026-01-05T10:00:00UTC`` (botocore's JSONFileCache format, shared with the AWS CLI)."""
    from botocore.utils import parse_timestamp

    moment: datetime = parse_timestamp(text.strip())
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def cache_name(arguments: Mapping[str, Any]) -> str:
    """The AWS CLI's name for the entry of these arguments: the SHA-1 of them as sorted JSON."""
    text = json.dumps(dict(arguments), sort_keys=True)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()  # a file name, as botocore's: not a secret


@dataclass(frozen=True, slots=True)
class SessionKey:
    """Everything that makes one role session differ from another.

    Attributes:
        caller: who assumes the role: the access key id of the caller's own credentials (not of the
            MFA session opened from them, which is new every run).
        role_arn: the role.
        arguments: the other ``AssumeRole`` parameters (session name, external id, duration, and the
            device when the code goes on the call itself).
        mfa_device: the MFA device the session is authenticated with, directly or through an MFA
            session; ``None`` without MFA.
    """

    caller: str
    role_arn: str
    arguments: Mapping[str, Any] = field(default_factory=dict)
    mfa_device: str | None = None

    @property
    def name(self) -> str:
        """The cache entry's name."""
        # The device, however the code was given (on AssumeRole or to an MFA session): one name.
        named = {k: v for k, v in self.arguments.items() if k != "SerialNumber"}
        named.update({"RoleArn": self.role_arn, _CALLER: self.caller})
        device = self.mfa_device or self.arguments.get("SerialNumber")
        if device is not None:
            named[_MFA_DEVICE] = device
        return cache_name(named)


def _expiry_of(response: Any) -> datetime | None:
    """The expiry of a cached ``AssumeRole`` answer, or ``None`` when the entry is not one (files are
    untrusted: anything else is a miss, and is overwritten)."""
    try:
        issued = response["Credentials"]
        for key in ("AccessKeyId", "SecretAccessKey", "SessionToken"):
            if not isinstance(issued[key], str):
                return None
        expiration = issued["Expiration"]
        end = expiration if isinstance(expiration, datetime) else parse_expiry(str(expiration))
    except (KeyError, TypeError, ValueError, OverflowError):
        return None
    return end if end.tzinfo is not None else end.replace(tzinfo=UTC)


def cached_session(cache: MutableMapping[str, Any], key: SessionKey, now: datetime, window: int) -> Response | None:
    """The cached answer for ``key`` when it has more than ``window`` seconds left, else ``None``."""
    try:
        response = cache[key.name]
    except (KeyError, OSError, ValueError):  # absent, unreadable or not JSON
        return None
    end = _expiry_of(response)
    if end is None or (end - now).total_seconds() < window:
        return None
    return dict(response)


def store_session(cache: MutableMapping[str, Any], key: SessionKey, response: Response) -> None:
    """Keep ``response`` under ``key`` (0600: botocore's JSONFileCache writes through ``mkstemp``)."""
    cache[key.name] = response
