"""Alternate two checkouts' scans of one directory, then the parse floor, round after round.

Each round runs ``python -m rolescope scan --from DIR --format json --as-of 2026-12-02 --quiet`` with
``PYTHONPATH`` set to the first source tree, then to the second, then ``bench/parse_floor.py DIR``:
alternating keeps a machine whose speed drifts from favouring one side. Prints each run (wall
seconds, peak memory of the process tree in MB) and the minimum and median of each side, with its
ratio to the smallest parse floor.

Usage: ``python bench/ab.py DIR BASE_SRC NEW_SRC [ROUNDS]`` (``BASE_SRC``: a checkout's ``src``,
e.g. from ``git worktree add --detach /tmp/base REV``).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.measure import timed


def main(argv: list[str]) -> None:
    source, base, new = argv[0], argv[1], argv[2]
    rounds = int(argv[3]) if len(argv) > 3 else 3
    walls: dict[str, list[float]] = {"base": [], "new": []}
    floors: list[float] = []
    floor_script = Path(__file__).with_name("parse_floor.py")
    with tempfile.TemporaryDirectory() as scratch:
        for _ in range(rounds):
            for tag, src in (("base", base), ("new", new)):
                run = timed([sys.executable, "-m", "rolescope", "scan", "--from", source, "--format", "json",
                             "--output", str(Path(scratch) / f"{tag}.json"), "--as-of", "2026-12-02", "--quiet"],
                            env=dict(os.environ, PYTHONPATH=src))
                walls[tag].append(run.wall)
                print(f"{tag}: {run.wall:.2f} s, {run.tree_rss_mb:.0f} MB, exit {run.exit_code}", flush=True)
            out = subprocess.run([sys.executable, str(floor_script), source], capture_output=True, text=True,
                                 check=True).stdout
            floors.append(json.loads(out)["seconds"])
            print(f"parse floor: {floors[-1]:.2f} s", flush=True)
    for tag, found in walls.items():
        print(f"{tag}: min {min(found):.2f} s, median {statistics.median(found):.2f} s, "
              f"{min(found) / min(floors):.2f}x the parse floor")


if __name__ == "__main__":
    main(sys.argv[1:])
