"""The streamed writer of a ``rolescope.scan/v2`` document: header, then one account at a time, then the tail.

Each piece is encoded with orjson on its own and written at once, so the writer holds no more than
the piece in hand: a scan's peak memory is its largest account plus what only the end can tell
(findings, graph), never the whole report. One account, trust entry, role and finding per line
keeps the file greppable and diffable without indenting it (which would double its size).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, BinaryIO

import orjson

from rolescope.report.document import DocumentHeader, tail_json
from rolescope.report.model import ScanDocument


def _members(entry: dict[str, Any]) -> bytes:
    """``"key":value,...`` of a non-empty object, to write more members after."""
    return orjson.dumps(entry)[1:-1]


def _array(items: Iterable[bytes]) -> bytes:
    body = b",".join(b"\n" + item for item in items)
    return b"[" + body + (b"\n]" if body else b"]")


def encode_account(entry: dict[str, Any]) -> bytes:
    """An ``accounts[]`` entry as the writer lays it out: its fields, then a trust entry and a role a line."""
    fields = {k: v for k, v in entry.items() if k not in ("trusts", "roles")}
    return (b"{" + _members(fields) + b',"trusts":' + _array(orjson.dumps(t) for t in entry["trusts"])
            + b',"roles":' + _array(orjson.dumps(r) for r in entry["roles"]) + b"}")


class DocumentWriter:
    """Writes one document into ``stream``: :meth:`begin`, :meth:`account` for each account, :meth:`finish`."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._accounts = 0

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
        for finding in document.findings:
            write(separator)
            write(finding.encoded if finding.encoded is not None else orjson.dumps(finding.as_json()))
            separator = b",\n"
        write((b"\n]" if document.findings else b"]") + b",\n" + _members(tail) + b',\n"graph":' + orjson.dumps(graph)
              + b"}\n")
