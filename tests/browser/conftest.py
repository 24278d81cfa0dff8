"""A headless Chromium for the HTML report tests; they skip, saying why, when none is installed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.browser.cdp import Browser, find_chromium
from tests.report.conftest import _demo_document, demo_document, demo_result  # noqa: F401 - shared fixtures
from tests.report.render import render_page


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = find_chromium()
    if executable is None:
        pytest.skip("chromium is not installed (apt-get install chromium); .ci/run installs it in CI")
    session = Browser(executable)
    try:
        yield session
    finally:
        session.close()


@pytest.fixture(scope="session")
def demo_report(tmp_path_factory: pytest.TempPathFactory, _demo_document: dict[str, Any]) -> Path:  # noqa: F811
    path = tmp_path_factory.mktemp("report") / "demo.html"
    path.write_bytes(render_page(_demo_document))
    return path
