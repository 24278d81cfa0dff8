"""Assumed-role and MFA-session credentials that renew themselves before they expire.

Built on botocore: :class:`botocore.credentials.AssumeRoleCredentialFetcher` makes the AssumeRole call
and reads and writes the AWS CLI's cache (its file names hash the sorted AssumeRole arguments, so the
CLI and rolescope find each other's entries), and
:class:`botocore.credentials.DeferredRefreshableCredentials` renews the credentials under a lock
before they expire, so long scans outlive one session. Two things are tuned here:

* the renewal windows fit the session length: botocore renews 15 minutes ahead, which for a 900 s
  session would mean a new AssumeRole before every call;
* the clock is injected, so the renewal logic is tested without waiting.

An MFA-backed session cannot renew without a new code: the second fetch raises :class:`MfaError`
naming the expiry instead of prompting in the middle of a scan.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.credentials import AssumeRoleCredentialFetcher, DeferredRefreshableCredentials

from rolescope.auth.errors import MfaError
from rolescope.auth.validate import DEFAULT_SESSION_NAME

Clock = Callable[[], datetime]
ClientCreator = Callable[..., Any]
Metadata = dict[str, Any]
DEFAULT_DURATION = 3600  # what AWS grants when DurationSeconds is not sent
MFA_SESSION_DURATION = 43200  # GetSessionToken's own default for IAM users


def utc_now() -> datetime:
    return datetime.now(UTC)


def parse_expiry(text: str) -> datetime:
    """An ``Expiration`` in any form botocore writes or reads: ISO 8601 from STS, or the cache's
    ``2026-01-05T10:00:00UTC`` (botocore's JSONFileCache format, shared with the AWS CLI)."""
    from botocore.utils import parse_timestamp

    moment: datetime = parse_timestamp(text.strip())
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


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
        self._advisory_refresh_timeout, self._mandatory_refresh_timeout = renewal_windows(duration)

    @property
    def expiry(self) -> datetime | None:
        """When the current credentials expire (``None`` before the first fetch)."""
        expiry: datetime | None = self._expiry_time
        return expiry

    def current(self) -> Any:
        """The credentials, fetched or renewed as needed (botocore's frozen credentials)."""
        return self.get_frozen_credentials()


class RoleFetcher(AssumeRoleCredentialFetcher):  # type: ignore[misc]  # botocore is untyped
    """botocore's AssumeRole fetcher with an injected clock and an expiry window fitted to the session.

    Cached credentials with less than the window left are fetched anew, as botocore does with 15
    minutes; the cache key is botocore's (the AWS CLI's), computed from the AssumeRole arguments.
    """

    def __init__(self, client_creator: ClientCreator, source_credentials: Any, role_arn: str,
                 settings: RoleSettings, cache: MutableMapping[str, Any], prompter: Callable[[str], str],
                 clock: Clock = utc_now) -> None:
        self._clock = clock
        advisory, _ = renewal_windows(settings.duration)
        super().__init__(client_creator, source_credentials, role_arn, extra_args=settings.assume_role_args(),
                         mfa_prompter=prompter, cache=cache, expiry_window_seconds=advisory)

    def _is_expired(self, credentials: dict[str, Any]) -> bool:
        expiration = credentials["Credentials"]["Expiration"]
        end = expiration if isinstance(expiration, datetime) else parse_expiry(str(expiration))
        return bool((end - self._clock()).total_seconds() < self._expiry_window_seconds)

    @property
    def cache_key(self) -> str:
        """The cache entry's name: the AWS CLI's for the same AssumeRole arguments."""
        return str(self._cache_key)


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
                     cache: MutableMapping[str, Any], prompter: Callable[[str], str],
                     clock: Clock = utc_now) -> RenewingCredentials:
    """Credentials for ``role_arn``, assumed from ``source_credentials`` on first use and renewed before expiry.

    Args:
        client_creator: ``(service, **kwargs) -> client`` for the STS client (botocore's interface).
        source_credentials: botocore credentials to call AssumeRole with.
        role_arn: the role.
        settings: the AssumeRole parameters; with ``mfa_serial`` the session cannot be renewed.
        cache: the credential cache (the AWS CLI's in the CLI; any mapping in tests).
        prompter: asks for the MFA code.
        clock: the current time.
    """
    fetcher = RoleFetcher(client_creator, source_credentials, role_arn, settings, cache, prompter, clock)
    holder: list[RenewingCredentials] = []
    fetch: Callable[[], Metadata] = fetcher.fetch_credentials
    if settings.mfa_serial is not None:
        fetch = FetchOnce(fetch, f"the MFA-backed session of {role_arn}", lambda: holder[0].expiry)
    credentials = RenewingCredentials(fetch, "assume-role", settings.duration, clock)
    holder.append(credentials)
    return credentials


def mfa_session_credentials(client_creator: ClientCreator, source_credentials: Any, serial: str,
                            prompter: Callable[[str], str], duration: int = MFA_SESSION_DURATION,
                            clock: Clock = utc_now) -> RenewingCredentials:
    """An MFA-authenticated session (``sts:GetSessionToken``), fetched once, on first use.

    Roles assumed from it carry the MFA context (``aws:MultiFactorAuthPresent``), so one code serves
    every account of a run; those role sessions renew from it until it expires.
    """
    holder: list[RenewingCredentials] = []

    def fetch() -> Metadata:
        frozen = source_credentials.get_frozen_credentials()
        client = client_creator("sts", aws_access_key_id=frozen.access_key, aws_secret_access_key=frozen.secret_key,
                                aws_session_token=frozen.token)
        code = prompter(f"Enter MFA code for {serial}: ")
        response = client.get_session_token(SerialNumber=serial, TokenCode=code, DurationSeconds=duration)
        issued = response["Credentials"]
        expiration = issued["Expiration"]
        return {
            "access_key": issued["AccessKeyId"],
            "secret_key": issued["SecretAccessKey"],
            "token": issued["SessionToken"],
            "expiry_time": expiration.isoformat() if isinstance(expiration, datetime) else str(expiration),
        }

    guarded = FetchOnce(fetch, f"the MFA session of {serial}", lambda: holder[0].expiry)
    credentials = RenewingCredentials(guarded, "mfa-session", duration, clock)
    holder.append(credentials)
    return credentials


def credentials_expiry(credentials: Any) -> datetime | None:
    """When ``credentials`` expire: ``None`` for long-term keys.

    Works for rolescope's own credentials and for botocore's refreshable ones (profiles).
    """
    if isinstance(credentials, RenewingCredentials):
        return credentials.expiry
    expiry = getattr(credentials, "_expiry_time", None)  # botocore keeps it private
    return expiry if isinstance(expiry, datetime) else None
