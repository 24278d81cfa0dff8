"""The backup file: every original trust policy, byte for byte, and where each role stands.

It is both the backup ``rollback`` restores from and the journal that lets an interrupted ``apply``
or ``rollback`` converge when rerun: it is written whole (temporary file, fsync, rename, directory
fsync) before the first change and after every step, so a crash at any point leaves either the old
or the new version, never half. Entries are only ever added, and an original is never overwritten.
An exclusive lock (``flock`` on a sidecar file, released by the kernel if the process dies) keeps two
runs from using one backup at once.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from rolescope.atomic_write import write_atomic
from rolescope.remediate.errors import JournalError
from rolescope.remediate.render import digest
from rolescope.userfiles import UnreadableFile, read_user_bytes

SCHEMA = "rolescope.fix-backup/v1"
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class Entry:
    """One role: its original trust policy and how far apply/rollback got.

    ``original_max_session``/``after_max_session`` are the role's ``MaxSessionDuration`` before and
    after, when the change lowers it (``None`` otherwise).

    ``status`` is ``pending`` (backed up, not yet changed), ``applying`` (the write was sent),
    ``applied`` (written and read back), ``unchanged`` (it already held the corrected policy; nothing
    to restore), ``unverified`` (IAM did not return what was written), ``restoring`` or ``restored``.
    """

    account_id: str
    role_name: str
    role_arn: str
    original_raw: str
    after: dict[str, Any]
    status: str = "pending"
    history: list[dict[str, str]] = field(default_factory=list)
    original_max_session: int | None = None
    after_max_session: int | None = None

    @property
    def original_sha256(self) -> str:
        return hashlib.sha256(self.original_raw.encode("utf-8")).hexdigest()

    def to_json(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id, "role_name": self.role_name, "role_arn": self.role_arn,
            "original_raw": self.original_raw, "original_sha256": self.original_sha256,
            "after": self.after, "after_digest": digest(self.after), "status": self.status,
            "history": self.history,
            **({"original_max_session": self.original_max_session, "after_max_session": self.after_max_session}
               if self.original_max_session is not None else {}),
        }


@dataclass(slots=True)
class Journal:
    """The backup file's content, saved with :meth:`save`."""

    path: Path
    plan_digest: str
    plan_path: str = ""
    entries: dict[str, Entry] = field(default_factory=dict)  # role ARN -> entry
    created_at: str = ""
    clock: Clock = utc_now

    def record(self, entry: Entry, status: str, event: str | None = None) -> None:
        """Set ``entry``'s status and note it in its history (saved by the next :meth:`save`)."""
        entry.status = status
        entry.history.append({"at": self.clock().isoformat(), "event": event or status})

    def save(self) -> None:
        """Write the whole journal atomically and durably (mode 0600: it describes who can get in)."""
        self.created_at = self.created_at or self.clock().isoformat()
        document = {
            "schema": SCHEMA,
            "plan": {"digest": self.plan_digest, "path": self.plan_path},
            "created_at": self.created_at,
            "updated_at": self.clock().isoformat(),
            "roles": [entry.to_json() for entry in self.entries.values()],
        }
        write_atomic(self.path, orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n", mode=0o600)


def _entry(item: Any, index: int, path: Path) -> Entry:
    where = f"{path}: roles[{index}]"
    if not isinstance(item, dict):
        raise JournalError(f"{where} is not an object")
    for key in ("account_id", "role_name", "role_arn", "original_raw", "status"):
        if not isinstance(item.get(key), str):
            raise JournalError(f"{where} has no {key}")
    if not isinstance(item.get("after"), dict):
        raise JournalError(f"{where} has no after document")
    sessions = [item.get(key) for key in ("original_max_session", "after_max_session")]
    if sessions != [None, None] and not all(type(s) is int for s in sessions):
        raise JournalError(f"{where}: original_max_session and after_max_session must be whole seconds")
    entry = Entry(item["account_id"], item["role_name"], item["role_arn"], item["original_raw"], item["after"],
                  item["status"], list(item.get("history") or []), *sessions)
    if item.get("original_sha256") != entry.original_sha256:
        raise JournalError(f"{where}: the original policy of {entry.role_arn} does not match its checksum; "
                           "the backup was damaged or edited")
    return entry


def load_journal(path: Path, clock: Clock = utc_now) -> Journal:
    """Read a backup file.

    Raises:
        JournalError: missing, unreadable, not a rolescope backup, or damaged (checksums differ).
    """
    try:
        data = orjson.loads(read_user_bytes(path, "a rolescope backup file"))
    except UnreadableFile as error:
        raise JournalError(str(error)) from None
    except orjson.JSONDecodeError:
        raise JournalError(f"{path}: not JSON (a rolescope backup file is)") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise JournalError(f"{path}: not a rolescope backup (expected schema {SCHEMA})")
    plan = data.get("plan") or {}
    roles = data.get("roles")
    if not isinstance(roles, list) or not isinstance(plan.get("digest"), str):
        raise JournalError(f"{path}: the backup has no roles list or plan digest")
    journal = Journal(path, plan["digest"], str(plan.get("path", "")), created_at=str(data.get("created_at", "")),
                      clock=clock)
    for index, item in enumerate(roles):
        entry = _entry(item, index, path)
        journal.entries[entry.role_arn] = entry
    return journal


def open_journal(path: Path, plan_digest: str, plan_path: str, clock: Clock = utc_now) -> Journal:
    """The journal for applying a plan: the existing one (of the same plan) or a new, empty one.

    Raises:
        JournalError: ``path`` holds the backup of another plan (it is never overwritten).
    """
    if not path.exists():
        return Journal(path, plan_digest, plan_path, clock=clock)
    journal = load_journal(path, clock)
    if journal.plan_digest != plan_digest:
        raise JournalError(f"{path} is the backup of another plan; it is kept as it is. Roll that plan back "
                           "or choose another --backup")
    return journal


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock for ``path`` (on ``.NAME.lock`` beside it) while the block runs.

    The lock file is removed when the lock is released, so no empty file is left beside the backup.
    Removing it is safe because a waiter checks, once it holds the lock, that the file it locked is
    still the one at that path, and starts again otherwise.

    Raises:
        JournalError: another process holds it.
    """
    directory = path.parent if str(path.parent) else Path(".")
    directory.mkdir(parents=True, exist_ok=True)
    lock_path = directory / f".{path.name}.lock"
    while True:
        handle = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            raise JournalError(f"{path} is in use by another rolescope apply or rollback") from None
        if _same_file(handle, lock_path):
            break
        os.close(handle)  # the previous holder removed the file we opened: lock the one there now
    try:
        yield
    finally:
        try:
            lock_path.unlink(missing_ok=True)  # while still holding the lock (see above)
        finally:
            os.close(handle)


def _same_file(handle: int, path: Path) -> bool:
    try:
        there = path.stat()
    except FileNotFoundError:
        return False
    held = os.fstat(handle)
    return (held.st_dev, held.st_ino) == (there.st_dev, there.st_ino)
