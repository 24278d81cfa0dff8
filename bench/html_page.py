"""How the HTML report behaves in headless Chromium: size, time until usable, zoom and pan frame times.

Each page is opened ``--runs`` times in a fresh tab of one browser; the minimum of each measure is
printed (the machine is shared, and the minimum is the least disturbed run), the median time to
ready beside it.

- ready: ms from navigation start until the graph's first level is laid out and painted (the page's
  ``data-ready-at``; findings and roles are drawn before it).
- account: ms to draw an account's level (laid out and painted), the slowest of the first three accounts.
- zoom, pan: ms from a viewport change (a 1.1× zoom, a 40 px pan) to the second animation frame after it,
  an upper bound on the time one frame takes; per run the median and the worst of 10 steps.

Usage: ``python -m bench.html_page REPORT.html [...] [--runs 5]`` (needs chromium).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from tests.browser.cdp import Browser, find_chromium
from tests.browser.graph import wait_ready

FRAMES = """(async () => {
  const cy = window.rolescope.graph;
  const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const steps = async (step) => { const took = []; for (let i = 0; i < 10; i += 1) {
    const t = performance.now(); step(i); await frame(); took.push(performance.now() - t); }
    took.sort((a, b) => a - b); return [took[5], took[9]]; };
  const centre = { x: cy.width() / 2, y: cy.height() / 2 };
  const zoom = await steps((i) => cy.zoom({ level: cy.zoom() * (i < 5 ? 1.1 : 1 / 1.1), renderedPosition: centre }));
  const pan = await steps((i) => cy.panBy({ x: i < 5 ? 40 : -40, y: 10 }));
  const size = [cy.nodes().length, cy.edges().length];
  // drilling into an account: from the call to its level laid out and painted, the slowest of three
  const accounts = cy.nodes("[kind = 'scanned']").map((n) => n.data("id").slice(8)).slice(0, 3);
  let drill = 0;
  for (const account of accounts) {
    const t = performance.now();
    await window.rolescope.view.account(account);
    drill = Math.max(drill, performance.now() - t);
  }
  return [zoom, pan, size[0], size[1], drill];
})()"""


def measure(browser: Browser, page: Path) -> tuple[float, list[float], list[float], int, int, float]:
    browser.open(page)
    wait_ready(browser, timeout_ms=120_000)
    ready = float(browser.evaluate("document.getElementById('trust-graph').dataset.readyAt"))
    zoom, pan, nodes, edges, drill = browser.evaluate(FRAMES)
    browser.drain()
    if browser.problems:
        raise SystemExit(f"{page}: console errors: {browser.problems}")
    return ready, zoom, pan, nodes, edges, drill


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="+", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    executable = find_chromium()
    if executable is None:
        sys.exit("html_page: chromium is not installed")
    browser = Browser(executable)
    try:
        print("| page | size | overview nodes / edges | ready ms | zoom frame ms: median step, worst step | "
              "pan frame ms: median step, worst step | account level ms | console errors |")
        print("|---|---|---|---|---|---|---|---|")
        for page in args.pages:
            runs = [measure(browser, page) for _ in range(args.runs)]
            ready = [run[0] for run in runs]
            cells = [f"{min(ready):.0f} (median {statistics.median(ready):.0f})"]
            for index in (1, 2):
                cells.append(", ".join(f"{min(run[index][k] for run in runs):.0f}" for k in (0, 1)))
            cells.append(f"{min(run[5] for run in runs):.0f}")
            print(f"| {page.name} | {page.stat().st_size / 1e6:.2f} MB | {runs[0][3]} / {runs[0][4]} | "
                  + " | ".join(cells) + " | none |")
    finally:
        browser.close()


if __name__ == "__main__":
    main()
