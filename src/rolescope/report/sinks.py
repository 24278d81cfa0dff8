"""Where a scan's reports go: each output a sink the pipeline feeds as it scans.

A sink is told the document's header when the scan starts, each account as it is scanned, the
document but its graph before the graph is built, and the finished typed document at the end; if the
scan fails it is aborted and leaves nothing behind (a file being replaced keeps its old content). The
JSON document is streamed account by account, and all but its graph is written before the graph is
built; the other formats are written from the typed document once the scan is done.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol, TextIO

from rolescope.atomic_write import atomic_writer
from rolescope.report.document import DocumentHeader
from rolescope.report.formats import ModelWriter
from rolescope.report.model import AccountEntry, FindingEntry, ScanDocument
from rolescope.report.writer import DocumentWriter
from rolescope.userfiles import writing


@dataclass(frozen=True, slots=True)
class Output:
    """Where a report goes.

    Attributes:
        name: what the user calls it (the file's path, ``<stdout>``), for messages.
        open: opens the stream; leaving it without an exception commits what was written.
    """

    name: str
    open: Callable[[], AbstractContextManager[BinaryIO]]


class ScanSink(Protocol):
    """What the pipeline hands a scan's output to."""

    @property
    def name(self) -> str:
        """What the user calls the output (a path, ``<stdout>``), for messages."""

    def begin(self, header: DocumentHeader) -> None:
        """The scan starts: its header is known."""

    def account(self, entry: AccountEntry, encoded: bytes, findings: Sequence[FindingEntry] = (),
                finding_json: Sequence[bytes] = ()) -> None:
        """One account is scanned: its typed entry, its ``accounts[]`` JSON entry, its findings (the
        very objects the finished document will hold) and, when the scan made it, their JSON."""

    def before_graph(self, document: ScanDocument) -> None:
        """Everything but the graph is known (``document.graph`` is ``None``): what comes before it may
        be written now, while the graph is built."""

    def finish(self, document: ScanDocument) -> None:
        """The scan is done: write the rest from the whole typed document (roles kept as asked)."""

    def commit(self) -> None:
        """Every sink finished: make what was written the report (rename it into place)."""

    def abort(self) -> None:
        """The scan or another sink failed: drop anything written, leave what was there before."""


def file_output(path: Path) -> Output:
    """Write to ``path``, replacing it atomically (see :func:`~rolescope.atomic_write.atomic_writer`)."""
    return Output(str(path), lambda: atomic_writer(path))


def stream_output(text: TextIO) -> Output:
    """Write to an open text stream's binary layer (standard output), flushed, left open."""
    return Output("<stdout>", lambda: _binary(text))


@contextlib.contextmanager
def _binary(text: TextIO) -> Iterator[BinaryIO]:
    text.flush()  # what was printed before comes first
    stream: BinaryIO = text.buffer
    yield stream
    stream.flush()


class _Staged:
    """An output opened on demand, committed or thrown away as the pipeline says; an OS error while
    writing it names the output (:class:`~rolescope.userfiles.UnwritableFile`), not a temporary file."""

    def __init__(self, output: Output) -> None:
        self.output = output
        self._stack = ExitStack()

    def writing(self) -> AbstractContextManager[None]:
        return writing(self.output.name)

    def open(self) -> BinaryIO:
        with self.writing():
            return self._stack.enter_context(self.output.open())

    def commit(self) -> None:
        with self.writing():
            self._stack.close()

    def abort(self) -> None:
        self._stack.__exit__(RuntimeError, RuntimeError("scan aborted"), None)


class JsonSink:
    """The ``rolescope.scan/v2`` document, written account by account as the scan goes."""

    def __init__(self, output: Output) -> None:
        self._staged = _Staged(output)
        self._writer: DocumentWriter | None = None

    def _started(self) -> DocumentWriter:
        if self._writer is None:
            raise RuntimeError("the JSON report was not begun")
        return self._writer

    @property
    def name(self) -> str:
        return self._staged.output.name

    def begin(self, header: DocumentHeader) -> None:
        self._writer = DocumentWriter(self._staged.open())
        with self._staged.writing():
            self._writer.begin(header)

    def account(self, entry: AccountEntry, encoded: bytes, findings: Sequence[FindingEntry] = (),
                finding_json: Sequence[bytes] = ()) -> None:
        with self._staged.writing():
            self._started().account(encoded)
            if finding_json:
                self._started().keep_findings(findings, finding_json)

    def before_graph(self, document: ScanDocument) -> None:
        with self._staged.writing():
            self._started().ahead(document)

    def finish(self, document: ScanDocument) -> None:
        with self._staged.writing():
            self._started().finish(document)

    def commit(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._staged.commit()

    def abort(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._staged.abort()


class ModelSink:
    """A report written from the finished typed document (SARIF, OCSF, CSV, HTML)."""

    def __init__(self, write: ModelWriter, output: Output) -> None:
        self._write = write
        self._staged = _Staged(output)

    @property
    def name(self) -> str:
        return self._staged.output.name

    def begin(self, header: DocumentHeader) -> None:
        del header  # nothing to write before the scan is done

    def account(self, entry: AccountEntry, encoded: bytes, findings: Sequence[FindingEntry] = (),
                finding_json: Sequence[bytes] = ()) -> None:
        del entry, encoded, findings, finding_json

    def before_graph(self, document: ScanDocument) -> None:
        del document  # these formats are written whole at the end

    def finish(self, document: ScanDocument) -> None:
        stream = self._staged.open()
        with self._staged.writing():
            self._write(document, stream)

    def commit(self) -> None:
        self._staged.commit()

    def abort(self) -> None:
        self._staged.abort()
