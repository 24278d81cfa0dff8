"""The floor no scanner can beat: read and decode every JSON file under the given paths, nothing else.

Uses the JSON library rolescope uses (orjson) and the same file discovery (``*.json`` under each
directory, recursively, sorted). Prints ``{"files", "bytes", "seconds"}`` (in-process time).

Usage: ``python bench/parse_floor.py DIR [DIR...]``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import orjson


def main(argv: list[str]) -> None:
    start = time.perf_counter()
    files = total = 0
    for root in map(Path, argv):
        paths = sorted(p for p in root.rglob("*.json") if p.is_file()) if root.is_dir() else [root]
        for path in paths:
            data = path.read_bytes()
            orjson.loads(data)
            files += 1
            total += len(data)
    seconds = time.perf_counter() - start
    sys.stdout.write(orjson.dumps({"files": files, "bytes": total, "seconds": seconds}).decode() + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
