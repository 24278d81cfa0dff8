"""The caller's own session: botocore's default chain or a named profile, with the AWS CLI's cache.

botocore resolves every kind of profile the AWS CLI understands (static keys, ``role_arn`` with
``source_profile`` or ``credential_source``, chained roles, ``mfa_serial``, ``external_id``,
``duration_seconds``, ``role_session_name``, SSO, ``credential_process``). rolescope only changes two
things, as the AWS CLI itself does: assumed-role credentials are cached in ``~/.aws/cli/cache`` (so a
role the CLI assumed is reused, and vice versa), and the MFA prompter is rolescope's.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import botocore.session
from botocore.credentials import create_credential_resolver
from botocore.exceptions import ProfileNotFound
from botocore.utils import JSONFileCache

from rolescope.auth.botocore_adapter import (
    profile_role_provider,
    replace_provider,
    share_service_models,
    use_credential_resolver,
    use_credentials,
)
from rolescope.auth.clients import CallCounter, client_config
from rolescope.auth.errors import AuthConfigError, credential_failure
from rolescope.auth.validate import ROLE_CHAINING_LIMIT

Prompter = Callable[[str], str]
# credential_source values whose credentials are themselves a role session.
_ROLE_SOURCES = frozenset({"Ec2InstanceMetadata", "EcsContainer"})


def cli_cache_dir() -> Path:
    """The AWS CLI's credential cache directory, ``~/.aws/cli/cache``."""
    return Path(os.path.expanduser("~")) / ".aws" / "cli" / "cache"


class CliCache(JSONFileCache):  # type: ignore[misc]  # botocore is untyped
    """The AWS CLI's credential cache: one JSON file per session, mode 0600, written atomically.

    Profiles' role sessions are named by botocore, as the AWS CLI names them; rolescope's own by
    :class:`rolescope.auth.role_cache.SessionKey`. The directory is created (0700) on the first
    write, not before.
    """

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory if directory is not None else cli_cache_dir()
        super().__init__(str(self.directory))

    def __setitem__(self, cache_key: str, value: Any) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        super().__setitem__(cache_key, value)


@dataclass(frozen=True, slots=True)
class ProfileInfo:
    """What a profile does, read from the shared config (nothing is called).

    Attributes:
        name: the profile.
        role_arn: the role it assumes, if any.
        mfa_serials: MFA devices anywhere in its chain (each prompts for a code).
        source_is_role: the credentials it assumes the role with are themselves a role session
            (a chained profile, an instance or container role, SSO), so AWS caps the session at 1 h.
        process_profile: the profile of its chain whose ``credential_process`` gives the credentials.
    """

    name: str
    role_arn: str | None = None
    mfa_serials: tuple[str, ...] = ()
    source_is_role: bool = False
    process_profile: str | None = None


def shared_config_profiles() -> Mapping[str, Mapping[str, Any]]:
    """The profiles of the shared AWS config file (``AWS_CONFIG_FILE`` or ``~/.aws/config``), as botocore reads them."""
    profiles: Mapping[str, Mapping[str, Any]] = botocore.session.Session().full_config.get("profiles", {})
    return profiles


def profile_info(session: botocore.session.Session, name: str) -> ProfileInfo:
    """Follow ``name``'s ``source_profile`` chain in ``session``'s config."""
    profiles: Mapping[str, Mapping[str, Any]] = session.full_config.get("profiles", {})
    top = profiles.get(name, {})
    serials: list[str] = []
    seen: set[str] = set()
    process_profile = None
    current: str | None = name
    while current is not None and current not in seen:
        seen.add(current)
        profile = profiles.get(current, {})
        if profile.get("mfa_serial"):
            serials.append(str(profile["mfa_serial"]))
        if "role_arn" not in profile and profile.get("credential_process"):
            process_profile = current
        source = profile.get("source_profile") if "role_arn" in profile else None
        current = str(source) if source and source != current else None
    source_is_role = False
    if "role_arn" in top:
        source_name = top.get("source_profile")
        source = profiles.get(str(source_name), {}) if source_name and source_name != name else {}
        source_is_role = (
            top.get("credential_source") in _ROLE_SOURCES
            or "role_arn" in source
            or any(key in source for key in ("sso_session", "sso_start_url", "web_identity_token_file"))
        )
    role_arn = top.get("role_arn")
    return ProfileInfo(name, str(role_arn) if role_arn else None, tuple(dict.fromkeys(serials)), source_is_role,
                       process_profile)


class BaseSession:
    """The caller's credentials, as botocore resolves them for the profile (or the default chain).

    Args:
        profile: ``-p``; ``None`` for botocore's default chain (which honours ``AWS_PROFILE``).
        region: ``--region``; ``None`` for the profile's or the environment's.
        prompter: asks for MFA codes when a profile has ``mfa_serial``.
        cache: where assumed-role credentials are cached (:class:`CliCache` in the CLI).

    Raises:
        AuthConfigError: the profile does not exist.
    """

    def __init__(self, profile: str | None, region: str | None, prompter: Prompter,
                 cache: MutableMapping[str, Any]) -> None:
        self.botocore = botocore.session.Session(profile=profile)
        if profile is not None and profile not in self.botocore.available_profiles:
            raise AuthConfigError(f"profile {profile!r} not found in {self._config_files()}")
        try:
            self.profile = str(self.botocore.get_config_variable("profile") or "default")
            configured = self.botocore.get_config_variable("region")
        except ProfileNotFound:
            raise AuthConfigError(f"profile {profile!r} not found in {self._config_files()}") from None
        self.explicit_profile = profile
        self.region: str | None = region or configured
        self.info = profile_info(self.botocore, self.profile)
        self._lock = threading.RLock()
        self._role_overrides: dict[str, str] = {}
        resolver = create_credential_resolver(self.botocore, cache=cache, region_name=self.region)
        region = self.region
        provider = profile_role_provider(
            self.botocore, self.profile, region, cache, prompter,
            client_creator=lambda service, **kwargs: self.create_client(service, region=region, **kwargs),
            load_config=self._config_with_overrides, resolver=resolver)
        replace_provider(resolver, provider)
        use_credential_resolver(self.botocore, resolver)

    def _config_with_overrides(self) -> Mapping[str, Any]:
        """The shared config as botocore read it, with ``-I``/``-T``/``--role-session-name`` on the profile."""
        config: Mapping[str, Any] = self.botocore.full_config
        if not self._role_overrides:
            return config
        profiles = dict(config.get("profiles", {}))
        profiles[self.profile] = {**profiles.get(self.profile, {}), **self._role_overrides}
        return {**config, "profiles": profiles}

    def _config_files(self) -> str:
        variable = self.botocore.get_config_variable
        files = (variable("config_file"), variable("credentials_file"))
        return " or ".join(str(f) for f in files)

    def override_profile_role(self, external_id: str | None = None, duration: int | None = None,
                              session_name: str | None = None) -> list[str]:
        """Assume the profile's own role with these settings instead of the config file's
        ``external_id``, ``duration_seconds`` and ``role_session_name``. Call before the credentials
        are used.

        Returns:
            Notes for the person running rolescope (AWS's one-hour cap on role chaining).

        Raises:
            AuthConfigError: the profile does not assume a role.
        """
        if self.info.role_arn is None:
            raise AuthConfigError(f"profile {self.profile!r} does not assume a role (no role_arn)")
        notes = []
        overrides: dict[str, str] = {}
        if external_id is not None:
            overrides["external_id"] = external_id
        if session_name is not None:
            overrides["role_session_name"] = session_name
        if duration is not None:
            if self.info.source_is_role and duration > ROLE_CHAINING_LIMIT:
                notes.append(f"AWS caps role chaining at one hour: profile {self.profile!r} assumes its role from "
                             f"another role session, so it lasts {ROLE_CHAINING_LIMIT} s, not {duration} s")
                duration = ROLE_CHAINING_LIMIT
            overrides["duration_seconds"] = str(duration)
        self._role_overrides.update(overrides)
        return notes

    def credentials(self) -> Any:
        """botocore's credentials object (refreshing itself when it is a role), fetched; or ``None``.

        Raises:
            AuthConfigError: the profile's ``credential_process`` is broken (one line, naming the profile).
            AwsError: its credential source failed.
        """
        try:
            credentials = self.botocore.get_credentials()
            if credentials is not None:
                credentials.get_frozen_credentials()  # a role's source is resolved on first use
        except Exception as error:
            failure = credential_failure(self.profile, self.info.process_profile, error)
            if failure is None:
                raise
            raise failure from None
        return credentials

    def create_client(self, service: str, counter: CallCounter | None = None, region: str | None = None,
                      **kwargs: Any) -> Any:
        """A client on the caller's credentials; safe to call from any thread."""
        kwargs.setdefault("config", client_config())
        with self._lock:  # botocore sessions are not safe to create clients from concurrently
            client = self.botocore.create_client(service, region_name=region or self.region or "us-east-1",
                                                 **kwargs)
        return counter.attach(client) if counter is not None else client

    def session_with(self, credentials: Any, region: str | None = None) -> boto3.Session:
        """A new boto3 session on ``credentials``, with this profile's settings (endpoints, CA bundle...)."""
        core = botocore.session.Session(profile=self.explicit_profile)
        use_credentials(core, credentials)
        share_service_models(self.botocore, core)
        return boto3.Session(botocore_session=core, region_name=region or self.region)

