"""Driving the report's graph in the browser: waiting for it to be drawn, clicking its nodes like a person."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from tests.browser.cdp import Browser, BrowserError

READY = """new Promise((resolve, reject) => {
  const graph = document.getElementById('trust-graph');
  const started = performance.now();
  const check = () => {
    const state = graph.dataset.ready;
    if (state && state !== 'false') resolve(state);
    else if (performance.now() - started > %d) reject(new Error('the graph was not drawn in time'));
    else setTimeout(check, 10);
  };
  check();
})"""


def wait_ready(browser: Browser, timeout_ms: int = 25_000) -> str:
    """Wait until the graph's current level is laid out and painted; its ``data-ready`` state."""
    state: str = browser.evaluate(READY % timeout_ms)
    return state


def opened(browser: Browser, report: Path) -> Browser:
    """``browser`` showing ``report``, its graph drawn."""
    browser.open(report)
    assert wait_ready(browser) == "true"
    return browser


def graph_nodes(browser: Browser) -> list[str]:
    """The ids of the nodes the graph draws now (compound boxes left out)."""
    ids: list[str] = browser.evaluate("window.rolescope.graph.nodes().filter(n => !n.isParent()).map(n => n.id())")
    return ids


def click_node(browser: Browser, node_id: str) -> None:
    """Centre the view on a node and click it there with the mouse (then wait for any new level to be drawn)."""
    browser.evaluate("document.getElementById('trust-graph').scrollIntoView({block: 'center'})")
    point = browser.evaluate(f"""(() => {{
        const cy = window.rolescope.graph;
        const node = cy.getElementById({json.dumps(node_id)});
        if (node.empty()) return null;
        cy.center(node);
        const box = cy.container().getBoundingClientRect();
        const at = node.renderedPosition();
        return [box.left + at.x, box.top + at.y];
    }})()""")
    if point is None:
        raise BrowserError(f"the graph draws no node {node_id!r}")
    browser.click_at(point[0], point[1])
    wait_ready(browser)


def level(browser: Browser) -> tuple[str, str]:
    """The level the graph shows (overview, account, role) and what it is focused on."""
    found: list[str] = browser.evaluate("[document.getElementById('trust-graph').dataset.level,"
                                        " document.getElementById('trust-graph').dataset.focus]")
    return found[0], found[1]


def eventually(browser: Browser, expression: str, seconds: float = 10.0) -> Any:
    """The first non-empty value of ``expression`` within ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        value = browser.evaluate(expression)
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)
