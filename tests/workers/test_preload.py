"""Workers forked from a server that imported what they run, before the pool asked for them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

# A factory the workers import by module name; each item tells whether its process had
# rolescope.pipeline imported before anything of the scan's was unpickled there.
PROBE = '''
import os, sys, time

def factory(parent):
    def run(item):
        if os.getpid() == parent:
            time.sleep(0.1)  # the caller is slow: workers get items however late they start
        return item, os.getpid(), "rolescope.pipeline" in sys.modules
    return run
'''

SCRIPT = '''
import functools, json, os, sys
sys.path.insert(0, sys.argv[1])
from rolescope.workers import ordered_map, prestart
import probe
if sys.argv[2] == "prestart":
    prestart(["rolescope.pipeline"])
preload = ["rolescope.pipeline"] if sys.argv[2] == "preload" else []
results = list(ordered_map(functools.partial(probe.factory, os.getpid()), list(range(12)), 2, preload=preload))
assert [r[0] for r in results] == list(range(12))
print(json.dumps(sorted({r[2] for r in results if r[1] != os.getpid()})))
'''


def _workers_had_the_pipeline(tmp_path: Path, how: str) -> list[bool]:
    (tmp_path / "probe.py").write_text(PROBE)
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path), how], capture_output=True, text=True,
                          check=True, timeout=120)
    found: list[bool] = json.loads(done.stdout)
    return found


@pytest.mark.process
@pytest.mark.skipif(sys.platform == "win32", reason="workers are spawned, not forked from a server, there")
@pytest.mark.parametrize("how", ["preload", "prestart"])
def test_workers_start_with_the_modules_they_run(tmp_path: Path, how: str) -> None:
    assert _workers_had_the_pipeline(tmp_path, how) == [True]


@pytest.mark.process
@pytest.mark.skipif(sys.platform == "win32", reason="workers are spawned, not forked from a server, there")
def test_without_a_preload_workers_import_only_what_they_unpickle(tmp_path: Path) -> None:
    assert _workers_had_the_pipeline(tmp_path, "none") == [False]
