"""Assumed-role and MFA-session credentials that renew themselves before they expire.

Role sessions go through the credential cache (:mod:`rolescope.auth.role_cache`: the AWS CLI's files,
named by everything that makes a session differ), and
:class:`botocore.credentials.DeferredRefreshableCredentials` renews them under a lock before they
expire, so long scans outlive one session. Two things are tuned here:

* the renewal windows fit the session length: botocore renews 15 minutes ahead, which for a 900 s
  session would mean a new AssumeRole before every call;
* the clock is injected, so the renewal logic is tested without waiting.

An MFA-backed session cannot renew without a new code: the second fetch raises :class:`MfaError`
naming the expiry instead of prompting in the middle of a scan.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.credentials import DeferredRefreshableCredentials

from rolescope.auth.botocore_adapter import credential_expiry, set_renewal_windows
from rolescope.auth.errors import MfaError
from rolescope.auth.role_cache import SessionKey, cached_session, store_session
from rolescope.auth.validate import DEFAULT_SESSION_NAME

Clock = Callable[[], datetime]
ClientCreator = Callable[..., Any]
Metadata = dict[str, Any]
DEFAULT_DURATION = 3600  # what AWS grants when DurationSeconds is not sent
MFA_SESSION_DURATION = 43200  # GetSessionToken's own default for IAM users


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class RoleSettings:
    """How to assume a role: the AssumeRole parameters rolescope sends.

    Attributes:
        session_name: ``RoleSessionName`` (shows in CloudTrail and in the assumed-role ARN).
        external_id: ``ExternalId``, when the role's trust policy asks for one.
        duration: ``DurationSeconds``; ``None`` lets AWS grant its default (1 h).
        mfa_serial: ``SerialNumber``; the ``TokenCode`` is asked for when the call is made.
    """

    session_name: str = DEFAULT_SESSION_NAME
    external_id: str | None = None
    duration: int | None = None
    mfa_serial: str | None = None

    def assume_role_args(self) -> dict[str, Any]:
        """The AssumeRole arguments besides ``RoleArn`` (and the MFA code)."""
        args: dict[str, Any] = {"RoleSessionName": self.session_name}
        if self.external_id is not None:
            args["ExternalId"] = self.external_id
        if self.duration is not None:
            args["DurationSeconds"] = self.duration
        if self.mfa_serial is not None:
            args["SerialNumber"] = self.mfa_serial
        return args


def renewal_windows(duration: int | None) -> tuple[int, int]:
    """Seconds before expiry to start renewing (advisory) and to insist on it (mandatory).

    botocore's 15 and 10 minutes for sessions of an hour or more; a third and a sixth of shorter ones.
    """
    seconds = duration or DEFAULT_DURATION
    return min(900, seconds // 3), min(600, seconds // 6)


class RenewingCredentials(DeferredRefreshableCredentials):  # type: ignore[misc]  # botocore is untyped
    """botocore's deferred refreshable credentials with windows fitted to the session and a clock.

    Args:
        fetch: returns botocore's credential metadata (``access_key``, ``secret_key``, ``token``,
            ``expiry_time``).
        method: names where the credentials came from.
        duration: the session length asked for, to fit the renewal windows.
        clock: the current time (UTC-aware).
    """

    def __init__(self, fetch: Callable[[], Metadata], method: str, duration: int | None = None,
                 clock: Clock = utc_now) -> None:
        super().__init__(refresh_using=fetch, method=method, time_fetcher=clock)
        set_renewal_windows(self, *renewal_windows(duration))

    @property
    def expiry(self) -> datetime | None:
        """When the current credentials expire (``None`` before the first fetch)."""
        return credential_expiry(self)

    def current(self) -> Any:
        """The credentials, fetched or renewed as needed (botocore's frozen credentials)."""
        return self.get_frozen_credentials()


def sts_client(client_creator: ClientCreator, credentials: Any) -> Any:
    """An STS client signing with ``credentials`` (fetched or renewed now, if they need to be)."""
    frozen = credentials.get_frozen_credentials()
    return client_creator("sts", aws_access_key_id=frozen.access_key, aws_secret_access_key=frozen.secret_key,
                          aws_session_token=frozen.token)


def metadata_of(issued: Mapping[str, Any]) -> Metadata:
    """botocore's credential metadata from the ``Credentials`` of an STS answer (fresh or cached)."""
    expiration = issued["Expiration"]
    return {
        "access_key": issued["AccessKeyId"],
        "secret_key": issued["SecretAccessKey"],
        "token": issued["SessionToken"],
        "expiry_time": expiration.isoformat() if isinstance(expiration, datetime) else str(expiration),
    }


class RoleFetcher:
    """Assumes a role, through the credential cache.

    A cached session with more than the renewal window left is used (botocore keeps 15 minutes; the
    window here fits the session); otherwise the role is assumed and the answer cached, under the
    :class:`~rolescope.auth.role_cache.SessionKey` of the caller, role, arguments and MFA device.

    Args:
        client_creator: ``(service, **kwargs) -> client`` for the STS client (botocore's interface).
        source_credentials: the credentials to call AssumeRole with.
        key: names the session; its ``arguments`` are sent with ``RoleArn``.
        cache: the credential cache.
        prompter: asks for the MFA code when ``SerialNumber`` is among the arguments.
        window: seconds before expiry a cached session is no longer used.
        clock: the current time.
    """

    def __init__(self, client_creator: ClientCreator, source_credentials: Any, key: SessionKey,
                 cache: MutableMapping[str, Any], prompter: Callable[[str], str], window: int,
                 clock: Clock = utc_now) -> None:
        self._client_creator = client_creator
        self._source = source_credentials
        self.key = key
        self._cache = cache
        self._prompter = prompter
        self._window = window
        self._clock = clock

    def cached(self) -> dict[str, Any] | None:
        """The cached session, when it is usable."""
        return cached_session(self._cache, self.key, self._clock(), self._window)

    def fetch_credentials(self) -> Metadata:
        """botocore's credential metadata, from the cache or a new AssumeRole call."""
        response = self.cached()
        if response is None:
            response = self._assume()
            store_session(self._cache, self.key, response)
        return metadata_of(response["Credentials"])

    def _assume(self) -> dict[str, Any]:
        arguments = {**self.key.arguments, "RoleArn": self.key.role_arn}
        serial = arguments.get("SerialNumber")
        if serial is not None:
            arguments["TokenCode"] = self._prompter(f"Enter MFA code for {serial}: ")
        response: dict[str, Any] = sts_client(self._client_creator, self._source).assume_role(**arguments)
        response.pop("ResponseMetadata", None)  # request ids and headers: nothing to keep
        return response


class FetchOnce:
    """Fetch MFA-backed credentials once; a second fetch (a renewal) would need a new code.

    Args:
        fetch: the fetch to guard.
        what: names the session in the error (``the MFA session``, ``role ARN``).
        expiry: reads the current expiry, for the error message.
    """

    def __init__(self, fetch: Callable[[], Metadata], what: str, expiry: Callable[[], datetime | None]) -> None:
        self._fetch = fetch
        self._what = what
        self._expiry = expiry
        self._lock = threading.Lock()
        self._done = False

    def __call__(self) -> Metadata:
        with self._lock:
            if self._done:
                expiry = self._expiry()
                when = f" at {expiry.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC" if expiry else ""
                raise MfaError(f"{self._what} expires{when} and cannot be renewed without a new MFA code; "
                               "run again (a longer -T/--session-duration, up to the role's MaxSessionDuration, "
                               "covers longer scans)")
            metadata = self._fetch()  # a failed fetch used no code: it may be tried again
            self._done = True
            return metadata


def role_credentials(client_creator: ClientCreator, source_credentials: Any, role_arn: str, settings: RoleSettings,
                     cache: MutableMapping[str, Any], prompter: Callable[[str], str], clock: Clock = utc_now, *,
                     caller: str, mfa_device: str | None = None) -> RenewingCredentials:
    """Credentials for ``role_arn``, assumed from ``source_credentials`` on first use and renewed before expiry.

    Args:
        client_creator: ``(service, **kwargs) -> client`` for the STS client (botocore's interface).
        source_credentials: botocore credentials to call AssumeRole with.
        role_arn: the role.
        settings: the AssumeRole parameters; with ``mfa_serial`` the session cannot be renewed.
        cache: the credential cache (the AWS CLI's in the CLI; any mapping in tests).
        prompter: asks for the MFA code.
        clock: the current time.
        caller: the access key id of the caller's own credentials, for the cache key.
        mfa_device: the device of the MFA session ``source_credentials`` are, if they are one.
    """
    fetcher = RoleFetcher(client_creator, source_credentials, session_key(role_arn, settings, caller, mfa_device),
                          cache, prompter, renewal_windows(settings.duration)[0], clock)
    holder: list[RenewingCredentials] = []
    fetch: Callable[[], Metadata] = fetcher.fetch_credentials
    if settings.mfa_serial is not None:
        fetch = FetchOnce(fetch, f"the MFA-backed session of {role_arn}", lambda: holder[0].expiry)
    credentials = RenewingCredentials(fetch, "assume-role", settings.duration, clock)
    holder.append(credentials)
    return credentials


def session_key(role_arn: str, settings: RoleSettings, caller: str, mfa_device: str | None = None) -> SessionKey:
    """The cache key of ``role_arn``'s session assumed by ``caller`` with ``settings``."""
    return SessionKey(caller, role_arn, settings.assume_role_args(), mfa_device or settings.mfa_serial)


def cached_role_session(cache: MutableMapping[str, Any], key: SessionKey, duration: int | None,
                        clock: Clock = utc_now) -> bool:
    """Whether ``cache`` holds the session ``key`` names with enough time left to be used."""
    return cached_session(cache, key, clock(), renewal_windows(duration)[0]) is not None


def mfa_session_credentials(client_creator: ClientCreator, source_credentials: Any, serial: str,
                            prompter: Callable[[str], str], duration: int = MFA_SESSION_DURATION,
                            clock: Clock = utc_now) -> RenewingCredentials:
    """An MFA-authenticated session (``sts:GetSessionToken``), fetched once, on first use.

    Roles assumed from it carry the MFA context (``aws:MultiFactorAuthPresent``), so one code serves
    every account of a run; those role sessions renew from it until it expires.
    """
    holder: list[RenewingCredentials] = []

    def fetch() -> Metadata:
        client = sts_client(client_creator, source_credentials)
        code = prompter(f"Enter MFA code for {serial}: ")
        response = client.get_session_token(SerialNumber=serial, TokenCode=code, DurationSeconds=duration)
        return metadata_of(response["Credentials"])

    guarded = FetchOnce(fetch, f"the MFA session of {serial}", lambda: holder[0].expiry)
    credentials = RenewingCredentials(guarded, "mfa-session", duration, clock)
    holder.append(credentials)
    return credentials


def credentials_expiry(credentials: Any) -> datetime | None:
    """When ``credentials`` expire: ``None`` for long-term keys.

    Works for rolescope's own credentials and for botocore's refreshable ones (profiles).
    """
    return credential_expiry(credentials)
