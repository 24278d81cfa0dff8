"""The streamed writer of a ``rolescope.scan/v2`` document: header, then one account at a time, then the tail.

Each piece is encoded with orjson on its own and written at once, so the writer holds no more than
the piece in hand: a scan's peak memory is its largest account plus what only the end can tell
(findings, graph), never the whole report. One account, trust entry, role and finding per line
keeps the file greppable and diffable without indenting it (which would double its size).
"""

from __future__ import annotations

import contextlib
import mmap
import tempfile
from collections.abc import Callable, Sequence
from typing import Any, BinaryIO

import orjson

from rolescope.atomic_write import BackgroundSync
from rolescope.report.document import DocumentHeader, tail_json
from rolescope.report.entries import account_json, finding_order
from rolescope.report.model import FindingEntry, ScanDocument

_LENGTH = (1 << 24) - 1
_MAX_KEPT = 1 << 24  # a kept finding's length must fit below the offset in one packed int
_SEPARATOR = b",\n"  # what comes before each finding but the first
_CHUNK = 1 << 22


def _contents(kept: BinaryIO) -> bytes | mmap.mmap:
    """A file of kept findings, mapped: read by slices, in whatever order, without a copy in memory."""
    kept.flush()
    if kept.tell() == 0:
        return b""
    return mmap.mmap(kept.fileno(), 0, access=mmap.ACCESS_READ)


def _copy(kept: BinaryIO, start: int, write: Callable[[bytes], object]) -> None:
    """Write out the file of kept findings from ``start``, a few MiB at a time."""
    kept.flush()
    kept.seek(start)
    while chunk := kept.read(_CHUNK):
        write(chunk)


def _members(entry: dict[str, Any]) -> bytes:
    """``"key":value,...`` of a non-empty object, to write more members after."""
    return orjson.dumps(entry)[1:-1]


def encode_account(entry: dict[str, Any]) -> bytes:
    """An ``accounts[]`` entry as the writer lays it out: its fields, then a trust entry and a role a line."""
    return account_json({k: v for k, v in entry.items() if k not in ("trusts", "roles")}, entry["trusts"],
                        entry["roles"])


class DocumentWriter:
    """Writes one document into ``stream``: :meth:`begin`, :meth:`account` for each account, then
    :meth:`ahead` once everything but the graph is known (optional), and :meth:`finish`.

    Findings whose JSON the scan made as it found them (:meth:`keep_findings`) are kept aside in
    temporary files, not in memory, until :meth:`ahead` writes them in the document's order: at a
    million roles they are a gigabyte. They are kept a file per severity, each account's sorted, so
    that when the accounts come in the document's order the findings are copied out file by file, not
    one by one.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._accounts = 0
        # Kept findings by severity (its rank), each preceded by its separator, and in each file in the
        # document's order as long as the accounts come in that order (as files named by account id
        # do): the findings are then the files one after the other.
        self._kept: dict[int, BinaryIO] = {}
        self._last: dict[int, tuple[int, str, str, str]] = {}  # each file's last finding's document order
        self._in_order = True
        # where each kept finding's JSON is, by the finding object's identity: in the file of its
        # severity, after its separator: (offset << 24 | length) << 3 | severity rank
        self._where: dict[int, int] = {}
        # a kept finding too long to pack its length (none has been seen): its JSON, held as it is
        self._long: dict[int, bytes] = {}
        self._held: list[FindingEntry] = []  # the findings kept aside: their identities stay theirs
        self._graph_next = False  # everything but the graph is written
        self._sync: BackgroundSync | None = None  # what ahead() wrote, going to disk

    def keep_findings(self, findings: Sequence[FindingEntry], encoded: Sequence[bytes]) -> None:
        """Keep aside the JSON of these findings (``encoded[i]`` is ``findings[i].as_json()``, encoded)."""
        keys = [finding_order(f) for f in findings]
        batches: dict[int, list[int]] = {}
        for i in sorted(range(len(findings)), key=keys.__getitem__):  # stable: ties keep their order
            batches.setdefault(keys[i][0], []).append(i)
        for rank, batch in batches.items():
            kept = self._kept.get(rank)
            if kept is None:
                # lives across calls, until finish() or close(): no with-block can hold it
                kept = self._kept[rank] = tempfile.TemporaryFile(prefix="rolescope-findings-")  # noqa: SIM115
            last = self._last.get(rank)
            if last is not None and keys[batch[0]] < last:
                self._in_order = False
            self._last[rank] = keys[batch[-1]]
            offset = kept.tell() + len(_SEPARATOR)
            pieces: list[bytes] = []
            for i in batch:
                data = encoded[i]
                if len(data) < _MAX_KEPT and rank < 8:
                    self._where[id(findings[i])] = ((offset << 24 | len(data)) << 3) | rank
                else:  # the typed entry may lack the evidence and text its JSON has: never written from it
                    self._long[id(findings[i])] = data
                pieces += (_SEPARATOR, data)
                offset += len(_SEPARATOR) + len(data)
            kept.write(b"".join(pieces))
        self._held += findings

    def close(self) -> None:
        """Let the findings kept aside go, and wait for the file's background sync (its error, if any,
        is :meth:`finish`'s to raise)."""
        self._release()
        with contextlib.suppress(OSError):
            self._waited()

    def _release(self) -> None:
        for kept in self._kept.values():
            kept.close()
        self._kept = {}
        self._last = {}
        self._where = {}
        self._long = {}
        self._held = []

    def begin(self, header: DocumentHeader) -> None:
        """Write everything before the accounts."""
        fields = header.as_json()
        tables = {key: fields.pop(key) for key in ("checks", "frameworks")}
        self._stream.write(b"{" + _members(fields) + b",\n" + _members(tables) + b',\n"accounts":[')

    def account(self, encoded: bytes) -> None:
        """Write one account's entry (as :func:`encode_account` made it)."""
        self._stream.write((b",\n" if self._accounts else b"\n") + encoded)
        self._accounts += 1

    def ahead(self, document: ScanDocument) -> None:
        """Write everything after the accounts but the graph (``document.graph`` is not read), and start
        putting the file on disk in the background: the scan calls this before it builds the graph,
        and :meth:`finish` then writes the graph alone."""
        self._all_but_graph(document)
        self._sync = BackgroundSync(self._stream)

    def finish(self, document: ScanDocument) -> None:
        """Write what comes after the accounts (the graph alone after :meth:`ahead`), and close the object."""
        if not self._graph_next:
            self._all_but_graph(document)
        self._stream.write(orjson.dumps(None if document.graph is None else dict(document.graph)) + b"}\n")
        self._waited()
        self.close()

    def _all_but_graph(self, document: ScanDocument) -> None:
        tail = tail_json(document, findings=False)
        del tail["graph"]
        write = self._stream.write
        write((b"\n]," if self._accounts else b"],") + b'\n"summary":' + orjson.dumps(tail.pop("summary"))
              + b',\n"findings":[')
        # a finding a line (the findings are most of a large report: never a copy of them all in memory)
        if self._laid_out(document.findings):
            separator = b"\n"
            for rank in sorted(self._kept):
                write(separator)
                _copy(self._kept[rank], len(_SEPARATOR) if separator else 0, write)
                separator = b""
        else:
            self._each(document.findings)
        self._release()
        write((b"\n]" if document.findings else b"]") + b",\n" + _members(tail) + b',\n"graph":')
        self._graph_next = True

    def _waited(self) -> None:
        if self._sync is not None:
            sync, self._sync = self._sync, None
            sync.wait()

    def _laid_out(self, findings: Sequence[FindingEntry]) -> bool:
        """Whether the files of kept findings, one after the other, are ``findings`` in their order."""
        where = self._where
        return self._in_order and not self._long and len(findings) == len(where) \
            and all(id(f) in where for f in findings)

    def _each(self, findings: Sequence[FindingEntry]) -> None:
        """Write the findings one by one, each from where it was kept (or from its typed entry)."""
        write = self._stream.write
        separator = b"\n"
        kept = {rank: _contents(file) for rank, file in self._kept.items()}
        where = self._where
        for finding in findings:
            write(separator)
            place = where.get(id(finding))
            if place is None:
                write(self._long.get(id(finding)) or orjson.dumps(finding.as_json()))
            else:
                start = place >> 27
                write(kept[place & 7][start:start + (place >> 3 & _LENGTH)])
            separator = _SEPARATOR
        for contents in kept.values():
            if isinstance(contents, mmap.mmap):
                contents.close()
