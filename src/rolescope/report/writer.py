"""The streamed writer of a ``rolescope.scan/v2`` document: header, then one account at a time, then the tail.

Each piece is encoded with orjson on its own and written at once, so the writer holds no more than
the piece in hand: a scan's peak memory is its largest account plus what only the end can tell
(findings, graph), never the whole report. One account, trust entry, role and finding per line
keeps the file greppable and diffable without indenting it (which would double its size).
"""

from __future__ import annotations

import mmap
import tempfile
from collections.abc import Sequence
from typing import Any, BinaryIO

import orjson

from rolescope.report.document import DocumentHeader, tail_json
from rolescope.report.entries import account_json
from rolescope.report.model import FindingEntry, ScanDocument

_LENGTH = (1 << 24) - 1
_MAX_KEPT = 1 << 24  # a kept finding's length must fit below the offset in one packed int


def _contents(kept: BinaryIO) -> bytes | mmap.mmap:
    """The file of kept findings, mapped: read by slices, in whatever order, without a copy in memory."""
    kept.flush()
    if kept.tell() == 0:
        return b""
    return mmap.mmap(kept.fileno(), 0, access=mmap.ACCESS_READ)


def _members(entry: dict[str, Any]) -> bytes:
    """``"key":value,...`` of a non-empty object, to write more members after."""
    return orjson.dumps(entry)[1:-1]


def encode_account(entry: dict[str, Any]) -> bytes:
    """An ``accounts[]`` entry as the writer lays it out: its fields, then a trust entry and a role a line."""
    return account_json({k: v for k, v in entry.items() if k not in ("trusts", "roles")}, entry["trusts"],
                        entry["roles"])


class DocumentWriter:
    """Writes one document into ``stream``: :meth:`begin`, :meth:`account` for each account, :meth:`finish`.

    Findings whose JSON the scan made as it found them (:meth:`keep_findings`) are kept aside in a
    temporary file, not in memory, until :meth:`finish` writes them in the document's order: at a
    million roles they are a gigabyte.
    """

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._accounts = 0
        self._kept: BinaryIO | None = None
        # where each kept finding's JSON is in the file, by the finding object's identity: offset << 24 | length
        self._where: dict[int, int] = {}
        # a kept finding too long to pack its length (none has been seen): its JSON, held as it is
        self._long: dict[int, bytes] = {}
        self._held: list[FindingEntry] = []  # the findings kept aside: their identities stay theirs

    def keep_findings(self, findings: Sequence[FindingEntry], encoded: Sequence[bytes]) -> None:
        """Keep aside the JSON of these findings (``encoded[i]`` is ``findings[i].as_json()``, encoded)."""
        if self._kept is None:
            # lives across calls, until finish() or close(): no with-block can hold it
            self._kept = tempfile.TemporaryFile(prefix="rolescope-findings-")  # noqa: SIM115
        offset = self._kept.tell()
        for finding, data in zip(findings, encoded, strict=True):
            if len(data) < _MAX_KEPT:
                self._where[id(finding)] = offset << 24 | len(data)
            else:  # the typed entry may lack the evidence and text its JSON has: never written from it
                self._long[id(finding)] = data
            offset += len(data)
        self._kept.write(b"".join(encoded))
        self._held += findings

    def close(self) -> None:
        """Let the findings kept aside go."""
        if self._kept is not None:
            self._kept.close()
            self._kept = None
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

    def finish(self, document: ScanDocument) -> None:
        """Write what comes after the accounts, from the finished document, and close the object."""
        tail = tail_json(document, findings=False)
        graph = tail.pop("graph")
        write = self._stream.write
        write((b"\n]," if self._accounts else b"],") + b'\n"summary":' + orjson.dumps(tail.pop("summary"))
              + b',\n"findings":[')
        # a finding a line, each written as it is (the findings are most of a large report: no copy of them all)
        separator = b"\n"
        kept = b"" if self._kept is None else _contents(self._kept)
        where = self._where
        for finding in document.findings:
            write(separator)
            place = where.get(id(finding))
            if place is None:
                write(self._long.get(id(finding)) or orjson.dumps(finding.as_json()))
            else:
                start = place >> 24
                write(kept[start:start + (place & _LENGTH)])
            separator = b",\n"
        if isinstance(kept, mmap.mmap):
            kept.close()
        self.close()
        write((b"\n]" if document.findings else b"]") + b",\n" + _members(tail) + b',\n"graph":' + orjson.dumps(graph)
              + b"}\n")
