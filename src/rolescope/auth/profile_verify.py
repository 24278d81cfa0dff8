"""Checking written profiles the way the AWS CLI would use them, with one MFA code for all of them.

Each profile's settings (``role_arn``, ``source_profile``, ``external_id``, ``duration_seconds``,
``role_session_name``, ``mfa_serial``) are read by botocore from the file just written, and the
profile it starts from (``source_profile`` outside the written ones: ``alice``) is resolved by botocore
as the CLI would. The role calls are rolescope's, because an MFA code cannot be used twice: botocore
would send the same code on every profile's AssumeRole (AWS refuses the second). As the session broker
does for scans, one ``GetSessionToken`` with the code opens an MFA session, and each profile that
requires MFA assumes its role from it (roles assumed from it carry MFA); a chained profile assumes its
role from the session of the profile it names. A profile that starts from ``credential_source`` is left
to botocore entirely.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

from rolescope.auth.assume import RoleSettings, mfa_session_credentials, role_credentials, sts_client
from rolescope.auth.errors import describe_error
from rolescope.auth.identity import Identity, caller_identity
from rolescope.auth.session import BaseSession, shared_config_profiles

VERIFY_SESSION_NAME = "rolescope-verify"  # a profile without role_session_name: as CloudTrail shows the check


@dataclass(frozen=True, slots=True)
class Verified:
    """One profile's outcome: who it became, or why it failed (one line)."""

    profile: str
    identity: Identity | None = None
    error: str | None = None

    @property
    def works(self) -> bool:
        return self.identity is not None


@dataclass(frozen=True, slots=True)
class _Opened:
    """Credentials reached, and the session whose settings (endpoints, region) clients use."""

    credentials: Any
    base: BaseSession


class _Verifier:
    def __init__(self, names: Sequence[str], prompter: Callable[[str], str], cache: MutableMapping[str, Any],
                 region: str | None) -> None:
        self.written = frozenset(names)
        self.prompter = prompter
        self.cache = cache
        self.region = region
        self.opened: dict[str, _Opened | Exception] = {}
        self.mfa_sessions: dict[tuple[str, str], Any] = {}
        self.profiles: Mapping[str, Mapping[str, Any]] = {}

    def open(self, name: str) -> _Opened:
        """``name``'s credentials, each profile opened once (a failure too: it is every dependant's)."""
        found = self.opened.get(name)
        if found is None:
            try:
                found = self._open(name)
            except Exception as error:
                found = error
            self.opened[name] = found
        if isinstance(found, Exception):
            raise found
        return found

    def _open(self, name: str) -> _Opened:
        if not self.profiles:
            self.profiles = shared_config_profiles()
        profile = self.profiles.get(name, {})
        source = profile.get("source_profile")
        if "role_arn" not in profile or source is None or source == name:
            return self._from_botocore(name)  # credential_source, or not a role profile: botocore alone
        serial = profile.get("mfa_serial")
        settings = RoleSettings(str(profile.get("role_session_name") or VERIFY_SESSION_NAME),
                                profile.get("external_id"), _seconds(profile.get("duration_seconds")))
        if source in self.written:  # a chain: from the session of the profile it names
            parent = self.open(source)
            return self._assume(parent, str(profile["role_arn"]), _with_mfa(settings, serial), None)
        root = self._from_botocore(source)
        if serial is None:
            return self._assume(root, str(profile["role_arn"]), settings, None)
        if root.credentials.get_frozen_credentials().token is not None:
            # a role session cannot call GetSessionToken: the code goes on the AssumeRole itself
            return self._assume(root, str(profile["role_arn"]), _with_mfa(settings, serial), None)
        key = (source, str(serial))
        session = self.mfa_sessions.get(key)
        if session is None:
            session = self.mfa_sessions[key] = mfa_session_credentials(
                _creator(root.base, self.region), root.credentials, str(serial), self.prompter)
        # cached under the caller's own key and the device, as the broker does: a warm cache asks no code
        caller = str(root.credentials.get_frozen_credentials().access_key)
        return self._assume(_Opened(session, root.base), str(profile["role_arn"]), settings, str(serial), caller)

    def _from_botocore(self, name: str) -> _Opened:
        base = BaseSession(name, self.region, self.prompter, self.cache)
        credentials = base.credentials()
        if credentials is None:
            raise ValueError(f"botocore found no credentials for profile {name!r}")
        return _Opened(credentials, base)

    def _assume(self, source: _Opened, role_arn: str, settings: RoleSettings, mfa_device: str | None,
                caller: str | None = None) -> _Opened:
        caller = caller or str(source.credentials.get_frozen_credentials().access_key)
        credentials = role_credentials(_creator(source.base, self.region), source.credentials, role_arn, settings,
                                       self.cache, self.prompter, caller=caller, mfa_device=mfa_device)
        credentials.get_frozen_credentials()
        return _Opened(credentials, source.base)


def _with_mfa(settings: RoleSettings, serial: Any) -> RoleSettings:
    return settings if serial is None else RoleSettings(settings.session_name, settings.external_id,
                                                        settings.duration, str(serial))


def _seconds(value: Any) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _creator(base: BaseSession, region: str | None) -> Callable[..., Any]:
    return lambda service, **kwargs: base.create_client(service, region=region, **kwargs)


def verify_profiles(names: Sequence[str], prompter: Callable[[str], str], cache: MutableMapping[str, Any],
                    region: str | None = None) -> list[Verified]:
    """Assume each profile and ask STS who it is, with at most one MFA code per device.

    Args:
        names: the profiles, as written to the config file botocore reads (``AWS_CONFIG_FILE``); a
            chained profile may name another of them as its ``source_profile``.
        prompter: asks for MFA codes (one :class:`~rolescope.auth.mfa.MfaPrompter`: one code for all).
        cache: the credential cache (the AWS CLI's in the CLI).
        region: where to send STS calls (``None``: the profile's).

    Returns:
        One outcome per profile, in order; a failure is that profile's line (and its dependants').
    """
    verifier = _Verifier(names, prompter, cache, region)
    results = []
    for name in names:
        try:
            opened = verifier.open(name)
            results.append(Verified(name, identity=caller_identity(
                sts_client(_creator(opened.base, region), opened.credentials))))
        except Exception as error:  # each profile's failure is its own line, never the run's end
            results.append(Verified(name, error=str(describe_error(error))))
    return results
