"""Which AWS CLI profiles to write for a set of roles: names, sources and settings, decided once.

The roles come from a source (the organisation, a list of accounts, or a scan document); each comes
with what its trust policy requires of the caller. This module turns them into
:class:`~rolescope.auth.config_editor.ProfileSection` objects without reading or writing anything:
the values it writes are validated here, so nothing a role or account name holds can reach the config
file as INI syntax.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rolescope.auth.config_editor import ProfileSection
from rolescope.auth.errors import AuthConfigError
from rolescope.auth.validate import MIN_DURATION, ROLE_CHAINING_LIMIT

# credential_source values botocore accepts; the first two are themselves role sessions (AWS caps
# roles assumed from them at one hour, as for any chained role).
CREDENTIAL_SOURCES = ("Ec2InstanceMetadata", "EcsContainer", "Environment")
_ROLE_SESSION_SOURCES = frozenset({"Ec2InstanceMetadata", "EcsContainer"})
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_PROFILE_NAME = re.compile(r"[A-Za-z0-9_.@+/-]{1,128}")
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")
MAX_DURATION_KEYWORD = "max"


@dataclass(frozen=True, slots=True)
class RoleTarget:
    """A role to write a profile for, and what assuming it takes.

    Attributes:
        arn: the role's ARN (validated).
        account_id: its account.
        role_name: its name.
        account_name: the account alias or organisation name ("" when unknown).
        max_session_duration: the role's MaxSessionDuration, when known.
        requires_mfa: the trust policy requires MFA of the caller (``None``: unknown).
        requires_external_id: it requires an ExternalId (``None``: unknown).
        via: the role whose session assumes this one (a chain), or ``None`` for the source profile.
        notes: what a person should know about this role (requirements a profile cannot carry...).
    """

    arn: str
    account_id: str
    role_name: str
    account_name: str = ""
    max_session_duration: int | None = None
    requires_mfa: bool | None = False
    requires_external_id: bool | None = False
    via: str | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Source:
    """What assumes the roles: a profile of the config (``role_session`` when it is itself a role,
    so AWS caps what it assumes at one hour, and its ``mfa_serial``), or a ``credential_source``."""

    profile: str | None = None
    credential_source: str | None = None
    role_session: bool = False
    mfa_serial: str | None = None

    def keys(self) -> tuple[tuple[str, str], ...]:
        if self.credential_source is not None:
            return (("credential_source", self.credential_source),)
        return (("source_profile", str(self.profile)),)

    @property
    def is_role_session(self) -> bool:
        return self.role_session or self.credential_source in _ROLE_SESSION_SOURCES


@dataclass(frozen=True, slots=True)
class ProfileOptions:
    """How the profiles are written (the command's options, validated).

    Attributes:
        source: what assumes the roles reached directly.
        prefix: put before every profile name.
        mfa_serial: ``--mfa-serial``: the device for roles that require MFA (else the source's).
        external_ids: role ARN or name -> ExternalId (given or asked for).
        duration: seconds, or ``None`` for AWS's default (1 h), or ``-1`` for the role's maximum.
        session_name: ``role_session_name``.
        region: ``region``.
    """

    source: Source
    prefix: str = ""
    mfa_serial: str | None = None
    external_ids: Mapping[str, str] = field(default_factory=dict)
    duration: int | None = None
    session_name: str | None = None
    region: str | None = None


@dataclass(frozen=True, slots=True)
class PlannedProfile:
    """One profile to write, its role, and the notes for the person running the command."""

    section: ProfileSection
    role: RoleTarget
    notes: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.section.name


class MissingExternalIds(AuthConfigError):
    """Roles that require an ExternalId nobody gave."""

    def __init__(self, roles: Sequence[str]) -> None:
        self.roles = tuple(roles)
        super().__init__(f"{', '.join(self.roles)} require an ExternalId: give --external-id ROLE=VALUE for each "
                         "(rolescope never guesses one)")


def sanitise_name(text: str) -> str:
    """``text`` as a profile name of ``[A-Za-z0-9_.-]``: other runs of characters become one ``-``."""
    return _UNSAFE.sub("-", text).strip("-.")


def validate_profile_name(value: str, what: str = "profile name") -> str:
    """A profile name given on the command line: letters, digits and ``_.@+/-``; no INI syntax."""
    if not _PROFILE_NAME.fullmatch(value):
        raise AuthConfigError(f"{what} {value!r}: use letters, digits and _.@+/- (no spaces, brackets or =)")
    return value


def validate_prefix(value: str) -> str:
    """``--prefix``: empty, or characters of a sanitised name."""
    if _UNSAFE.search(value):
        raise AuthConfigError(f"--prefix {value!r}: use letters, digits and _.- only")
    return value


def validate_region(value: str) -> str:
    """A region name as AWS spells them (``eu-west-1``, ``us-gov-west-1``)."""
    if not _REGION.fullmatch(value):
        raise AuthConfigError(f"region {value!r}: expected a region name such as eu-west-1")
    return value


def external_id_for(role: RoleTarget, given: Mapping[str, str]) -> str | None:
    """The ExternalId given for ``role``, by ARN first, then by name."""
    return given.get(role.arn) or given.get(role.role_name)


def missing_external_ids(roles: Sequence[RoleTarget], given: Mapping[str, str]) -> list[RoleTarget]:
    """The roles that require an ExternalId none was given for."""
    return [r for r in roles if r.requires_external_id and external_id_for(r, given) is None]


def profile_names(roles: Sequence[RoleTarget], prefix: str, one_role_per_account: bool) -> dict[str, str]:
    """Role ARN -> profile name: the account's alias or name (and the role's name when an account has
    several), sanitised, prefixed; names that come out alike get the account id as a suffix."""
    def base(role: RoleTarget) -> str:
        account = sanitise_name(role.account_name) or role.account_id
        name = account if one_role_per_account else f"{account}-{sanitise_name(role.role_name) or 'role'}"
        return prefix + name

    bases = {role.arn: base(role) for role in roles}
    counts: dict[str, int] = {}
    for name in bases.values():
        counts[name.lower()] = counts.get(name.lower(), 0) + 1
    named = {}
    for role in roles:
        name = bases[role.arn]
        if counts[name.lower()] > 1 and role.account_id not in name:
            name = f"{name}-{role.account_id}"
        named[role.arn] = name
    return named


def _duration(role: RoleTarget, options: ProfileOptions, chained: bool) -> tuple[int | None, list[str]]:
    """The ``duration_seconds`` to write (or none), within the role's MaxSessionDuration and AWS's
    one-hour cap on chained roles, and why it was lowered."""
    limit = role.max_session_duration or ROLE_CHAINING_LIMIT
    if chained:
        limit = min(limit, ROLE_CHAINING_LIMIT)
    wanted = options.duration
    if wanted is None:
        return None, []
    if wanted == -1:
        return max(limit, MIN_DURATION), []
    if wanted > limit:
        why = ("AWS caps roles assumed from a role session at 3600 s" if chained and limit == ROLE_CHAINING_LIMIT
               else f"its MaxSessionDuration is {limit} s")
        return limit, [f"duration_seconds lowered from {wanted} to {limit} s: {why}"]
    return wanted, []


def plan_profiles(roles: Sequence[RoleTarget], options: ProfileOptions, one_role_per_account: bool = True
                  ) -> list[PlannedProfile]:
    """The profile of each role, in the order given (a chain's first role comes before those it reaches).

    Raises:
        MissingExternalIds: roles require an ExternalId that ``options`` does not give.
        AuthConfigError: roles require MFA and no device is known; a profile would be named as the source.
    """
    missing = missing_external_ids(roles, options.external_ids)
    if missing:
        raise MissingExternalIds([r.arn for r in missing])
    mfa_serial = options.mfa_serial or options.source.mfa_serial
    needs_device = [r.arn for r in roles if r.requires_mfa and r.via is None]
    if needs_device and mfa_serial is None:
        raise AuthConfigError(f"{', '.join(needs_device)} require MFA: give --mfa-serial (the source has no "
                              "mfa_serial)")
    names = profile_names(roles, options.prefix, one_role_per_account)
    if options.source.profile in names.values():
        raise AuthConfigError(f"profile {options.source.profile!r} would replace the source profile it is assumed "
                              "from: give --prefix")
    planned = []
    for role in roles:
        chained = role.via is not None or options.source.is_role_session
        keys: list[tuple[str, str]] = [("role_arn", role.arn)]
        if role.via is not None:
            keys.append(("source_profile", names[role.via]))
        else:
            keys.extend(options.source.keys())
        notes = list(role.notes)
        if role.requires_mfa and role.via is None and mfa_serial is not None:
            keys.append(("mfa_serial", mfa_serial))
        elif role.requires_mfa:
            notes.append("its trust policy requires MFA, which a role session assuming it does not carry")
        external_id = external_id_for(role, options.external_ids)
        if external_id is not None:
            keys.append(("external_id", external_id))
        duration, lowered = _duration(role, options, chained)
        notes.extend(lowered)
        if duration is not None:
            keys.append(("duration_seconds", str(duration)))
        if options.session_name is not None:
            keys.append(("role_session_name", options.session_name))
        if options.region is not None:
            keys.append(("region", options.region))
        planned.append(PlannedProfile(ProfileSection(names[role.arn], tuple(keys)), role, tuple(notes)))
    return planned


def source_profile(name: str, profiles: Mapping[str, Mapping[str, Any]]) -> Source:
    """The source profile ``name`` as the shared config (botocore's ``full_config["profiles"]``) describes it.

    Raises:
        AuthConfigError: there is no such profile (a profile naming it could never be used).
    """
    if name not in profiles:
        raise AuthConfigError(f"source profile {name!r} is in neither the AWS config nor the credentials file: "
                              "give --source-profile NAME or --credential-source")
    keys = profiles[name]
    role_session = ("role_arn" in keys or keys.get("credential_source") in _ROLE_SESSION_SOURCES
                    or any(k in keys for k in ("sso_session", "sso_start_url", "web_identity_token_file")))
    serial = keys.get("mfa_serial")
    return Source(profile=name, role_session=role_session, mfa_serial=str(serial) if serial else None)
