"""A scan whose role names, Sids and condition values try to break out of every report format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.factories import ACCOUNT, OUTSIDER, allow, gaad, role, trust

from rolescope.checks.context import CheckSettings
from rolescope.inventory.files import load_snapshots
from rolescope.report.document import build_document
from rolescope.scanner import scan_snapshots

SCRIPT = "<script>window.__pwned = 'script'; alert(1)</script>"
IMG = "\"><img src=x onerror=\"window.__pwned='img'\">"
CLOSE_SCRIPT = "</script><script>window.__pwned='json'</script><!--"
# No "/" in it: a role's name is the last segment of its ARN, so one with a "/" would reach the reports
# (as the scan writes them, without the roles) cut short, and no column would ever hold the formula.
FORMULA = "=HYPERLINK(\"evil.example\",\"click\")"
SCRIPT_ROLE = f"arn:aws:iam::{ACCOUNT}:role/{SCRIPT}"


def hostile_document(directory: Path) -> dict[str, Any]:
    """Scan three roles named and written to inject markup, script and formulas; return the document."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{ACCOUNT}.json").write_text(json.dumps(gaad(
        role(SCRIPT, trust(allow({"AWS": OUTSIDER}, sid=IMG))),
        role("x" + IMG, trust(allow("*", condition={"StringEquals": {"sts:ExternalId": CLOSE_SCRIPT}}))),
        role(FORMULA, trust(allow({"AWS": f"arn:aws:iam::{OUTSIDER}:role/{CLOSE_SCRIPT}"}))),
    )))
    snapshots, failures, _ = load_snapshots([directory])
    assert not failures
    return build_document(scan_snapshots(snapshots, CheckSettings()))
