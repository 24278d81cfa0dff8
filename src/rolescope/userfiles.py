"""Reading and writing a file the user named, with the one-line reason when it cannot be done."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path


class UnreadableFile(ValueError):
    """A user's file that cannot be read: missing, a directory, unreadable, or not UTF-8."""


def read_user_bytes(path: str | Path, expected: str) -> bytes:
    """The bytes of ``path``.

    Args:
        path: the file the user named.
        expected: what it should be, for the message when it is a directory (``a policy file``).

    Raises:
        UnreadableFile: ``PATH: no such file``, ``PATH: is a directory, expected ...``, or the OS reason.
    """
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise UnreadableFile(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UnreadableFile(f"{path}: is a directory, expected {expected}") from None
    except OSError as error:
        raise UnreadableFile(f"{path}: {error.strerror}") from None


def read_user_text(path: str | Path, expected: str) -> str:
    """The UTF-8 text of ``path``; as :func:`read_user_bytes`, and ``PATH: not UTF-8 text``."""
    try:
        return read_user_bytes(path, expected).decode("utf-8")
    except UnicodeDecodeError:
        raise UnreadableFile(f"{path}: not UTF-8 text") from None


class UnwritableFile(Exception):
    """A file the user asked for that cannot be written; the message names it, never a temporary file."""


@contextlib.contextmanager
def writing(path: str | Path) -> Iterator[None]:
    """Turn an OS error while writing ``path`` into ``PATH: cannot write: REASON``.

    A broken pipe is left alone: the reader went away, which is not the file's fault (the CLI exits
    quietly on it, as Unix tools do).

    Raises:
        UnwritableFile: an OS error (read-only file system, no space left, permission denied...).
    """
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as error:
        raise UnwritableFile(f"{path}: cannot write: {error.strerror or error}") from None
