"""The values AWS accepts for role assumption, checked before anything is sent.

Each validator returns the (normalised) value or raises :class:`AuthConfigError` with one line that
says what is wrong and what AWS accepts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rolescope.auth.errors import AuthConfigError
from rolescope.policy.arn import ACCOUNT_ID, PARTITIONS, parse_arn
from rolescope.policy.names import ROLE_NAME

MIN_DURATION, MAX_DURATION = 900, 43200
ROLE_CHAINING_LIMIT = 3600
DEFAULT_SESSION_NAME = "RolescopeAudit"
DEFAULT_WORKERS, MAX_WORKERS = 8, 64  # accounts collected at once: I/O-bound, each with its own throttling

_SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)
_EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]{2,1224}", re.ASCII)
_PATH_PART = re.compile(r"[\x21-\x2e\x30-\x7e]+")  # IAM paths: printable ASCII, '/' separates parts
_MFA_ARN = re.compile(r"arn:([\w-]+):iam::(\d{12}):mfa/[\w+=,.@/-]{1,512}", re.ASCII)
_MFA_SERIAL = re.compile(r"[\w+=/:,.@-]{9,256}", re.ASCII)
_MFA_CODE = re.compile(r"\d{6}")


@dataclass(frozen=True, slots=True)
class RoleArn:
    """A validated role ARN."""

    arn: str
    partition: str
    account_id: str
    path: str
    name: str


def validate_role_arn(value: str) -> RoleArn:
    """``arn:<partition>:iam::<12-digit account>:role/[path/]NAME``."""
    text = value.strip()
    arn = parse_arn(text)
    if arn is None:
        raise AuthConfigError(f"{value!r} is not a role ARN: expected arn:aws:iam::ACCOUNT_ID:role/NAME")
    if arn.partition not in PARTITIONS:
        raise AuthConfigError(f"{value!r}: unknown partition {arn.partition!r} (expected one of "
                              f"{', '.join(sorted(PARTITIONS))})")
    if arn.service != "iam" or arn.region:
        raise AuthConfigError(f"{value!r} is not an IAM role ARN: expected "
                              f"arn:{arn.partition}:iam::ACCOUNT_ID:role/NAME")
    if not ACCOUNT_ID.fullmatch(arn.account):
        raise AuthConfigError(f"{value!r}: the account {arn.account!r} is not a 12-digit AWS account id")
    if not arn.resource.startswith("role/"):
        raise AuthConfigError(f"{value!r} names a {arn.resource_type or 'nameless'} resource, not a role "
                              "(expected role/NAME)")
    path, name = _split_role_name(arn.resource[len("role"):], value)
    return RoleArn(text, arn.partition, arn.account, path, name)


def _split_role_name(resource: str, shown: str) -> tuple[str, str]:
    """``/path/Name`` (path optional) as its IAM path and role name."""
    parts = resource.strip("/").split("/")
    name, folders = parts[-1], parts[:-1]
    if not ROLE_NAME.fullmatch(name):
        raise AuthConfigError(f"{shown!r}: role name {name!r} is not valid (1-64 of letters, digits and +=,.@_-)")
    if any(not _PATH_PART.fullmatch(part) for part in folders):
        raise AuthConfigError(f"{shown!r}: the role path is not valid")
    return "/" + "".join(f"{part}/" for part in folders), name


def validate_role_name(value: str) -> tuple[str, str]:
    """``--role-name``: ``NAME`` or ``path/to/NAME``. Returns the IAM path and the name."""
    if not value.strip() or value.startswith("arn:"):
        raise AuthConfigError(f"--role-name {value!r}: give the role's name (e.g. RolescopeAudit), not an ARN")
    return _split_role_name("/" + value.strip().strip("/"), value)


def validate_session_name(value: str) -> str:
    """The role session name AWS accepts: 2-64 of letters, digits and ``+=,.@_-``."""
    if not _SESSION_NAME.fullmatch(value):
        raise AuthConfigError(f"role session name {value!r}: AWS accepts 2 to 64 characters of letters, digits "
                              "and +=,.@_-")
    return value


def validate_external_id(value: str) -> str:
    """The ExternalId AWS accepts: 2-1224 of letters, digits and ``+=,.@:/_-``."""
    if not _EXTERNAL_ID.fullmatch(value):
        raise AuthConfigError("external id: AWS accepts 2 to 1224 characters of letters, digits and +=,.@:/_-"
                              f" (got {len(value)} characters)")
    return value


def validate_duration(seconds: int) -> int:
    """A role session length AWS accepts: 900 s to 43200 s."""
    if not MIN_DURATION <= seconds <= MAX_DURATION:
        raise AuthConfigError(f"session duration {seconds} s: AWS accepts {MIN_DURATION} to {MAX_DURATION} seconds "
                              "(15 minutes to 12 hours), and at most the role's MaxSessionDuration")
    return seconds


def validate_mfa_serial(value: str) -> str:
    """An MFA device: a virtual device's ARN, or a hardware device's serial number."""
    text = value.strip()
    match = _MFA_ARN.fullmatch(text)
    if match and match.group(1) in PARTITIONS:
        return text
    if text.startswith("arn:") or not _MFA_SERIAL.fullmatch(text):
        raise AuthConfigError(f"MFA device {value!r}: expected arn:aws:iam::ACCOUNT_ID:mfa/NAME or a hardware "
                              "device's serial number")
    return text


def validate_mfa_code(value: str) -> str:
    """A one-time MFA code: six digits."""
    text = value.strip()
    if not _MFA_CODE.fullmatch(text):
        raise AuthConfigError("the MFA code must be the 6 digits the device shows")
    return text


def parse_account_ids(text: str, where: str) -> tuple[str, ...]:
    """Account ids separated by commas, blanks or new lines; ``#`` starts a comment. Order kept, repeats dropped."""
    ids: list[str] = []
    for line in text.splitlines():
        for item in re.split(r"[,\s]+", line.split("#", 1)[0]):
            if not item:
                continue
            if not ACCOUNT_ID.fullmatch(item):
                raise AuthConfigError(f"{where}: {item!r} is not a 12-digit AWS account id")
            ids.append(item)
    return tuple(dict.fromkeys(ids))


def read_accounts(value: str) -> tuple[str, ...]:
    """``--accounts``: ``ID,ID,...`` or a file of account ids (one per line, ``#`` comments)."""
    if not value.strip():  # Path("") is the current directory
        raise AuthConfigError("empty: give ID,ID,... or a file of account ids")
    path = Path(value)
    looks_like_ids = re.fullmatch(r"[\d,\s]+", value) is not None
    if not looks_like_ids and path.exists():
        if path.is_dir():
            raise AuthConfigError(f"--accounts {value}: is a directory, expected a file of account ids")
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise AuthConfigError(f"--accounts {value}: cannot read: {error}") from None
        ids = parse_account_ids(text, f"--accounts {value}")
        if not ids:
            raise AuthConfigError(f"--accounts {value}: the file lists no account")
        return ids
    if not looks_like_ids:
        raise AuthConfigError(f"--accounts {value!r}: neither a comma-separated list of 12-digit account ids nor "
                              "an existing file")
    ids = parse_account_ids(value, "--accounts")
    if not ids:
        raise AuthConfigError("--accounts: no account id given")
    return ids
