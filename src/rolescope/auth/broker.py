"""One boto3 session per account: the caller's own, or a role assumed from the caller's credentials.

The :class:`SessionBroker` holds the caller's credentials once for the whole run, so a profile's MFA
code is asked once, and every account's role is assumed from them (or from one MFA session, see
:meth:`SessionBroker.prepare`). Each account gets its own boto3 session and call counter.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import boto3

from rolescope.auth.assume import (
    Clock,
    RoleSettings,
    cached_role_session,
    credentials_expiry,
    mfa_session_credentials,
    role_credentials,
    session_key,
    utc_now,
)
from rolescope.auth.clients import CallCounter, region_for
from rolescope.auth.errors import AwsError
from rolescope.auth.identity import Identity, caller_identity
from rolescope.auth.session import BaseSession
from rolescope.auth.targets import Target
from rolescope.auth.validate import ROLE_CHAINING_LIMIT

Notify = Callable[[str], None]


def _remaining(expiry: datetime, now: datetime) -> str:
    minutes = max(0, int((expiry - now).total_seconds() // 60))
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


class SessionBroker:
    """Hands out each account's session and counts the calls made for it.

    Args:
        base: the caller's session (profile or default chain).
        settings: how to assume target roles (``-I``, ``-T``, ``--role-session-name``).
        cache: the credential cache for assumed roles.
        prompter: asks for MFA codes (once per run).
        mfa_serial: ``--mfa``/``--mfa-serial``: the caller's MFA device, for target roles.
        clock: the current time.
        notify: where notes for the person running the scan go (stderr in the CLI).
    """

    def __init__(self, base: BaseSession, settings: RoleSettings, *, cache: MutableMapping[str, Any],
                 prompter: Callable[[str], str], mfa_serial: str | None = None, clock: Clock = utc_now,
                 notify: Notify = lambda _: None) -> None:
        self.base = base
        self.settings = settings
        self.cache = cache
        self.prompter = prompter
        self.mfa_serial = mfa_serial
        self.clock = clock
        self.notify = notify
        self.run_calls = CallCounter()  # calls made for the run, not for one account
        self._identity: Identity | None = None
        self._caller: Any = None  # the caller's own credentials
        self._source: Any = None  # what roles are assumed from: the caller's, or the MFA session
        self._mfa_session_device: str | None = None
        self._credentials: dict[str, Any] = {}
        self._counters: dict[str, CallCounter] = {}
        self._failures: dict[str, Exception] = {}  # accounts that failed while being prepared
        self._lock = threading.Lock()

    def caller_credentials(self) -> Any:
        """The caller's own credentials (the profile's, or the default chain's)."""
        if self._caller is None:
            credentials = self.base.credentials()
            if credentials is None:
                raise AwsError("NoCredentials", "no AWS credentials found: set up a profile (-p), environment "
                               "variables, or an instance/container role")
            self._caller = credentials
        return self._caller

    def source_credentials(self) -> Any:
        """The caller's credentials (or the MFA session, once :meth:`prepare` chose one)."""
        return self._source if self._source is not None else self.caller_credentials()

    def identity(self) -> Identity:
        """Who the caller is (asked once); the first use of the caller's credentials."""
        if self._identity is None:
            self.caller_credentials()
            client = self.base.create_client("sts", counter=self.run_calls)
            self._identity = caller_identity(client)
        return self._identity

    def counter_for(self, target: Target) -> CallCounter:
        """The call counter of ``target``'s account."""
        with self._lock:
            return self._counters.setdefault(target.account_id, CallCounter())

    def prepare(self, targets: Sequence[Target]) -> None:
        """Settle how ``targets`` are reached before any of them is, and say what a person should know.

        * With an MFA device, each role's session is MFA-backed. With one role, the role is assumed
          with ``SerialNumber``/``TokenCode``. With several accounts, one ``GetSessionToken`` call with
          the code opens an MFA session and every role is assumed from it: an MFA code cannot be used
          twice, and roles assumed from that session carry MFA. When the cache holds an MFA-backed
          session of every role (the same device, caller and arguments), they are used and no code is
          asked, as the AWS CLI does.
        * AWS caps sessions of a role assumed from another role at one hour: a longer ``-T`` is
          lowered to 3600 s, with a note.
        * An MFA-backed session cannot be renewed without a new code: its expiry is announced and
          its code asked for now, not in the middle of the scan.
        """
        identity = self.identity()
        roles = [t for t in targets if t.role_arn is not None]
        settings = self.settings
        if (roles and settings.duration is not None and settings.duration > ROLE_CHAINING_LIMIT
                and identity.is_role_session and self.mfa_serial is None):
            self.notify(f"AWS caps role chaining at one hour: the credentials in use are a role session "
                        f"({identity.arn}), so roles are assumed for {ROLE_CHAINING_LIMIT} s, "
                        f"not {settings.duration} s")
            settings = replace(settings, duration=ROLE_CHAINING_LIMIT)
        direct = self.mfa_serial is not None and len(roles) == len(targets) and (
            len(roles) == 1 or self._all_cached(roles, replace(settings, mfa_serial=self.mfa_serial)))
        if direct:
            settings = replace(settings, mfa_serial=self.mfa_serial)
        self.settings = settings
        if direct:
            self._open_direct(roles)
        elif self.mfa_serial is not None:
            self._mfa_session_device = self.mfa_serial
            self._source = mfa_session_credentials(self._client_creator(None, None), self.caller_credentials(),
                                                   self.mfa_serial, self.prompter, clock=self.clock)
            self._source.get_frozen_credentials()
            self._announce_mfa(self._source, f"the MFA session of {self.mfa_serial}", renews=bool(roles))
        elif self.base.info.mfa_serials:
            self._announce_mfa(self.source_credentials(), f"profile {self.base.profile}'s MFA-backed session",
                               renews=False)

    def _all_cached(self, roles: Sequence[Target], settings: RoleSettings) -> bool:
        caller = self.caller_access_key()
        return all(cached_role_session(self.cache, session_key(str(t.role_arn), settings, caller), settings.duration,
                                       self.clock) for t in roles)

    def _open_direct(self, roles: Sequence[Target]) -> None:
        """Fetch each role's MFA-backed session now (from the cache, or with the code on AssumeRole)."""
        opened = []
        for target in roles:
            credentials = self.credentials_for(target)
            try:
                credentials.get_frozen_credentials()
            except Exception as error:  # reported as that account's failure, like any other account's
                self._failures[target.account_id] = error
            else:
                opened.append((credentials_expiry(credentials) or datetime.max.replace(tzinfo=UTC), credentials))
        if opened:
            what = (f"the MFA-backed session of {roles[0].role_arn}" if len(roles) == 1 else
                    f"the first to end of the {len(roles)} MFA-backed role sessions from the credential cache")
            self._announce_mfa(min(opened, key=lambda pair: pair[0])[1], what, renews=False)

    def caller_access_key(self) -> str:
        """The access key id of the caller's own credentials: who assumes the roles, for the cache key."""
        return str(self.caller_credentials().get_frozen_credentials().access_key)

    def _announce_mfa(self, credentials: Any, what: str, renews: bool) -> None:
        expiry = credentials_expiry(credentials)
        if expiry is None:
            return
        now = self.clock()
        when = f"{expiry.astimezone(UTC):%Y-%m-%d %H:%M} UTC, {_remaining(expiry, now)} from now"
        if renews:
            self.notify(f"{what} lasts until {when}; role sessions renew from it until then, not after "
                        "(a new MFA code would be needed)")
        else:
            self.notify(f"{what} lasts until {when} and cannot be renewed without a new MFA code: accounts "
                        "not finished by then fail")

    def _client_creator(self, counter: CallCounter | None, region: str | None) -> Callable[..., Any]:
        def create(service: str, **kwargs: Any) -> Any:
            return self.base.create_client(service, counter=counter or self.run_calls, region=region, **kwargs)
        return create

    def credentials_for(self, target: Target) -> Any:
        """``target``'s credentials: the caller's, or the target role's (assumed on first use, renewed after).

        Raises:
            Exception: what stopped the target's role from being assumed in :meth:`prepare`.
        """
        failure = self._failures.get(target.account_id)
        if failure is not None:
            raise failure
        if target.role_arn is None:
            return self.source_credentials()
        with self._lock:
            found = self._credentials.get(target.role_arn)
            if found is None:
                region = region_for(target.partition or "aws", self.base.region)
                counter = self._counters.setdefault(target.account_id, CallCounter())
                found = role_credentials(self._client_creator(counter, region), self.source_credentials(),
                                         target.role_arn, self.settings, self.cache, self.prompter, self.clock,
                                         caller=self.caller_access_key(), mfa_device=self._mfa_session_device)
                self._credentials[target.role_arn] = found
        return found

    def session_for(self, target: Target) -> tuple[boto3.Session, CallCounter]:
        """A new boto3 session for ``target``'s account, and the counter of calls made for it."""
        credentials = self.credentials_for(target)
        region = region_for(target.partition or self.identity().partition, self.base.region)
        return self.base.session_with(credentials, region), self.counter_for(target)

