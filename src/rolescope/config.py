"""``rolescope.yaml``: a team's standing choices (option defaults, trusted and vendor accounts, check
parameters, severity overrides), validated whole before anything runs.

Example::

    defaults:                     # command -> option (as on the command line) -> value
      scan:
        format: console,sarif
        fail-on: high
    trusted_accounts: ["111122223333"]
    vendor_accounts:
      - name: Acme Backup
        accounts: ["444455556666"]
    checks:
      weak-external-id:
        parameters: {min_external_id_length: 24}
      privileged-cross-account-role:
        severity: medium
        reason: intra-organisation automation, reviewed in SEC-118

Every problem is one line naming the file, the place in the document and what is wrong; an
unknown key suggests the closest known one. Option defaults are only checked for shape here: which
commands and options exist, and their values, is the CLI's to check (:mod:`rolescope.cli.config_file`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rolescope.checks.catalogue import SEVERITIES, Catalogue, load_catalogue
from rolescope.checks.context import CheckSettings
from rolescope.checks.finding import SeverityOverride
from rolescope.data.vendors import VendorDirectory
from rolescope.userfiles import UnreadableFile, read_user_text
from rolescope.yaml_input import account_ids, parse_user_yaml, unknown_key

CONFIG_FILE_NAME = "rolescope.yaml"
KEYS = ("defaults", "trusted_accounts", "vendor_accounts", "checks")
CHECK_KEYS = ("severity", "reason", "parameters")
VENDOR_KEYS = ("name", "accounts")
MAX_REASON = 1000


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message is one line naming the file and the place."""


@dataclass(frozen=True, slots=True)
class Config:
    """A validated configuration file.

    Attributes:
        source: the file it came from.
        defaults: per command, option defaults as written (key as on the command line, without ``--``).
        trusted_accounts: accounts outside the organisation the user trusts.
        vendors: further known third-party accounts: account id -> name.
        parameters: check thresholds: :class:`CheckSettings` field -> value.
        severities: per check, the severity every finding of it gets, with the reason.
        sha256: the SHA-256 of the file's bytes (empty for text not read from a file).
    """

    source: str
    defaults: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    trusted_accounts: tuple[str, ...] = ()
    vendors: Mapping[str, str] = field(default_factory=dict)
    parameters: Mapping[str, int] = field(default_factory=dict)
    severities: Mapping[str, SeverityOverride] = field(default_factory=dict)
    sha256: str = ""

    def apply(self, settings: CheckSettings) -> CheckSettings:
        """``settings`` with this file's vendors, check parameters and severity overrides.

        Trusted accounts are not applied here: they are the default of ``--trusted-accounts``, which the
        command line may replace.
        """
        if not (self.vendors or self.parameters or self.severities):
            return settings
        # the user's name for an account wins over the community list's
        vendors = VendorDirectory({**settings.vendors.names, **self.vendors})
        # the catalogue names every parameter after the CheckSettings field it sets (a test holds it so)
        thresholds: dict[str, Any] = dict(self.parameters)
        return replace(settings, vendors=vendors, severity_overrides={**settings.severity_overrides,
                                                                       **self.severities}, **thresholds)


def load_config(path: Path, catalogue: Catalogue | None = None) -> Config:
    """Read and validate a configuration file.

    Args:
        path: the YAML file.
        catalogue: the checks and parameters it may name (the bundled catalogue when not given).

    Raises:
        ConfigError: the file is missing, unreadable, not YAML, or invalid.
    """
    try:
        text = read_user_text(path, "a YAML file")
    except UnreadableFile as error:
        raise ConfigError(str(error)) from None
    # the digest of the bytes as read (UTF-8 decoding is lossless): scan documents record it
    return replace(parse_config(text, str(path), catalogue), sha256=hashlib.sha256(text.encode()).hexdigest())


def parse_config(text: str, source: str, catalogue: Catalogue | None = None) -> Config:
    """Validate a configuration given as YAML text (see :func:`load_config`)."""
    data = parse_user_yaml(text, source, ConfigError)
    if data is None:
        return Config(source)
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping with keys {', '.join(KEYS)}")
    _known(data, KEYS, source, "")
    catalogue = catalogue or load_catalogue()
    trusted = data.get("trusted_accounts")
    severities, parameters = _checks(data.get("checks"), source, catalogue)
    return Config(
        source,
        defaults=_defaults(data.get("defaults"), source),
        trusted_accounts=() if trusted is None else account_ids(trusted, source, "trusted_accounts", ConfigError),
        vendors=_vendors(data.get("vendor_accounts"), source),
        parameters=parameters,
        severities=severities,
    )


def _known(item: dict[Any, Any], known: tuple[str, ...] | list[str], source: str, path: str,
           what: str = "key") -> None:
    for key in item:
        if key not in known:
            raise ConfigError(f"{source}: {path or 'top level'}: {unknown_key(key, known, what)}")


def _mapping(value: Any, source: str, path: str) -> dict[Any, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{source}: {path}: expected a mapping, not {type(value).__name__}")
    return value


def _text(value: Any, source: str, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{source}: {path}: must be non-empty text")
    return " ".join(value.split())


def _defaults(value: Any, source: str) -> dict[str, dict[str, Any]]:
    defaults: dict[str, dict[str, Any]] = {}
    for command, options in _mapping(value, source, "defaults").items():
        defaults[str(command)] = dict(_mapping(options, source, f"defaults.{command}"))
    return defaults


def _vendors(value: Any, source: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, list):
        raise ConfigError(f"{source}: vendor_accounts: expected a list of {{name, accounts}}")
    vendors: dict[str, str] = {}
    for index, item in enumerate(value, start=1):
        path = f"vendor_accounts #{index}"
        entry = _mapping(item, source, path)
        _known(entry, VENDOR_KEYS, source, path)
        name = _text(entry.get("name"), source, f"{path}.name")
        if "accounts" not in entry:
            raise ConfigError(f"{source}: {path}: 'accounts' is required")
        for account in account_ids(entry["accounts"], f"{source}: {path}", "accounts", ConfigError):
            vendors[account] = name
    return vendors


def _checks(value: Any, source: str, catalogue: Catalogue
            ) -> tuple[dict[str, SeverityOverride], dict[str, int]]:
    severities: dict[str, SeverityOverride] = {}
    parameters: dict[str, int] = {}
    checks = _mapping(value, source, "checks")
    _known(checks, list(catalogue.checks), source, "checks", "check")
    for check_id, item in checks.items():
        path = f"checks.{check_id}"
        entry = _mapping(item, source, path)
        _known(entry, CHECK_KEYS, source, path)
        severity, reason = entry.get("severity"), entry.get("reason")
        if severity is not None or reason is not None:
            if severity not in SEVERITIES:
                raise ConfigError(f"{source}: {path}.severity: must be one of {', '.join(SEVERITIES)}"
                                  + ("" if severity is None else f", not {severity!r}"))
            if reason is None:
                raise ConfigError(f"{source}: {path}.reason: a severity override needs a reason (reports show it)")
            reason = _text(reason, source, f"{path}.reason")
            if len(reason) > MAX_REASON:
                raise ConfigError(f"{source}: {path}.reason: longer than {MAX_REASON} characters")
            severities[check_id] = SeverityOverride(severity, reason)
        known = catalogue.get(check_id).parameters
        given = _mapping(entry.get("parameters"), source, f"{path}.parameters")
        if given and not known:
            raise ConfigError(f"{source}: {path}.parameters: the check has no parameters")
        _known(given, list(known), source, f"{path}.parameters", "parameter")
        for name, number in given.items():
            limits = known[name]
            if isinstance(number, bool) or not isinstance(number, int) or not (
                    limits.minimum <= number <= limits.maximum):
                raise ConfigError(f"{source}: {path}.parameters.{name}: must be a whole number from "
                                  f"{limits.minimum} to {limits.maximum}, not {number!r}")
            parameters[name] = number
    return severities, parameters
