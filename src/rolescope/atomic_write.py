"""Write a file whole or not at all: a temporary file beside it, fsynced, then renamed into place."""

from __future__ import annotations

import contextlib
import io
import os
import stat
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from rolescope.userfiles import writing


def _default_mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_atomic(path: Path, data: bytes | str, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` so that readers see the old file or the new one, never half.

    Args:
        path: the destination.
        data: the content (text is written as UTF-8).
        mode: permission bits for the new file (default: those of the file it replaces, else
            what the umask gives a new file, as a shell redirection would).

    Raises:
        UnwritableFile: ``PATH: cannot write: REASON`` (the old file, if any, is left as it was).
    """
    with atomic_writer(path, mode) as stream, writing(path):
        stream.write(data.encode("utf-8") if isinstance(data, str) else data)


def _is_device(path: Path) -> bool:
    """Whether ``path`` is a device, a pipe or a socket (``/dev/stdout``, ``/dev/full``, a FIFO)."""
    try:
        kind = path.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(kind) and not stat.S_ISDIR(kind)


@contextlib.contextmanager
def atomic_writer(path: Path, mode: int | None = None) -> Iterator[BinaryIO]:
    """A binary stream whose content replaces ``path`` when the block ends, or is thrown away if it raises.

    What is written goes to a temporary file beside ``path`` (so a large report is never held
    whole in memory), which is fsynced, given its mode (as :func:`write_atomic`), and renamed.
    A device or a pipe is written to directly: there is no file to keep, and a rename would put a
    regular file in the device's place.

    Raises:
        UnwritableFile: creating, syncing or renaming the file failed (the message names ``path``, not
            the temporary file). Errors of the caller's own writes are theirs to report (see
            :func:`rolescope.userfiles.writing`).
    """
    if _is_device(path):
        with writing(path):
            stream = path.open("wb")
        with writing(path), stream:
            yield stream
        return
    directory = path.parent if str(path.parent) else Path(".")
    with writing(path):
        directory.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "wb") as stream:
            yield stream
            with writing(path):
                stream.flush()
                os.fsync(stream.fileno())
        with writing(path):
            os.chmod(temporary, mode if mode is not None else _default_mode(path))
            os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    with contextlib.suppress(OSError):
        directory_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(directory_fd)
        finally:
            os.close(directory_fd)


class BackgroundSync:
    """Puts what ``stream`` holds so far on disk in a thread (``fdatasync`` lets other threads run),
    so that the fsync that commits a large report has little left to do; nothing for a stream that is
    no regular file (a pipe, a terminal, memory)."""

    def __init__(self, stream: BinaryIO) -> None:
        self._error: OSError | None = None
        self._thread: threading.Thread | None = None
        stream.flush()  # a failure here is the caller's own write's: raised
        try:
            descriptor = stream.fileno()
            regular = stat.S_ISREG(os.fstat(descriptor).st_mode)
        except (OSError, io.UnsupportedOperation):
            return
        if regular:
            self._thread = threading.Thread(target=self._sync, args=(descriptor,), name="rolescope-sync", daemon=True)
            self._thread.start()

    def _sync(self, descriptor: int) -> None:
        try:
            os.fdatasync(descriptor)
        except OSError as error:
            self._error = error

    def wait(self) -> None:
        """Wait until it is done; raises the ``OSError`` it met, once."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        error, self._error = self._error, None
        if error is not None:
            raise error
