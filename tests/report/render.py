"""Writing a report format from a scan document given as JSON (as a file would hold it), into bytes."""

from __future__ import annotations

import base64
import gzip
import io
import json
from typing import Any

from rolescope.remediate.report_fixes import fixes_for_report
from rolescope.report.formats import ModelWriter
from rolescope.report.html import render_html
from rolescope.report.reader import parse_document


def render(write: ModelWriter, document: dict[str, Any]) -> bytes:
    """``write`` applied to ``document`` read through the typed reader."""
    stream = io.BytesIO()
    write(parse_document(document), stream)
    return stream.getvalue()


def render_page(document: dict[str, Any]) -> bytes:
    """The HTML page of ``document`` with the corrected policies ``rolescope scan`` gives it."""
    typed = parse_document(document)
    return render_html(typed, fixes_for_report(typed))


def embedded_data(html: str) -> dict[str, Any]:
    """The data a rendered page embeds (gzip-compressed JSON in base64), decoded."""
    start = html.index('id="rolescope-data"')
    body = html[html.index(">", start) + 1:html.index("</script>", start)]
    loaded: dict[str, Any] = json.loads(gzip.decompress(base64.b64decode(body)))
    return loaded
