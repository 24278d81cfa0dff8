"""What a scan imports: the modules of reports it does not write stay unimported (a scan's fixed cost is
mostly imports, in the main process and again in each worker)."""

from __future__ import annotations

import subprocess
import sys

import pytest

# Imported only to write an HTML page (jinja2 and the page's modules) or to plan its fixes.
PAGE_ONLY = ("jinja2", "rolescope.report.html", "rolescope.remediate.report_fixes", "rolescope.remediate.plan")


def _imported_after(statement: str) -> set[str]:
    code = f"import sys\n{statement}\nprint('\\n'.join(sys.modules))"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(found.stdout.split())


@pytest.mark.process
def test_the_scan_command_and_its_workers_import_no_page_module() -> None:
    # the command's module, and what a worker process imports to run its share (pipeline's scanner)
    for statement in ("import rolescope.cli.scan", "import rolescope.pipeline"):
        imported = _imported_after(statement)
        assert "rolescope.report.formats" in imported  # the writers' table is there, not the page's modules
        assert not imported & set(PAGE_ONLY), statement
