"""rolescope's own outputs are known by what they say they are, whatever their file is called."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.factories import gaad, role, trust

from rolescope.inventory.files import OwnOutput, load_file
from rolescope.inventory.gaad import SnapshotError
from rolescope.inventory.own_outputs import own_output, own_text

SARIF = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "rolescope"}}, "results": []}]}
OCSF = {"message": "m", "metadata": {"product": {"name": "rolescope", "vendor_name": "rolescope"}}}


@pytest.mark.parametrize(("data", "what"), [
    ({"schema": "rolescope.scan/v2", "accounts": []}, "a rolescope.scan/v2 document"),
    ({"schema": "rolescope.fix-plan/v1"}, "a rolescope.fix-plan/v1 document"),
    (SARIF, "a SARIF report"),
    (OCSF, "an OCSF finding"),
])
def test_each_output_names_itself(data: dict[str, object], what: str) -> None:
    assert own_output(data) == what


@pytest.mark.parametrize("data", [
    gaad(role("r", trust())),
    {**gaad(role("r", trust())), "schema": "something.else/v1"},
    {"runs": [{"tool": {"driver": {"name": "checkov"}}}]},
    {"metadata": {"product": {"name": "Prowler"}}},
    [{"schema": "rolescope.scan/v2"}],
    "rolescope.scan/v2",
])
def test_other_tools_and_snapshots_are_not_ours(data: object) -> None:
    assert own_output(data) is None


def test_ocsf_json_lines_are_known_by_their_first_line() -> None:
    lines = (json.dumps(OCSF) + "\n" + json.dumps(OCSF) + "\n").encode()
    assert own_text(lines) == "OCSF findings in JSON lines"
    assert own_text(b'{"metadata": {"product": {"name": "other"}}}\n{}\n') is None
    assert own_text(b"[1, 2") is None


def test_the_loader_says_ours_by_content_not_by_name(tmp_path: Path) -> None:
    report = tmp_path / "123456789012.json"  # named like an account's export
    report.write_text(json.dumps(SARIF))
    with pytest.raises(OwnOutput, match=r"rolescope's own output \(a SARIF report\)"):
        load_file(report)
    broken = tmp_path / "rolescope-report.json"  # named like a report, but not one
    broken.write_text("{}")
    with pytest.raises(SnapshotError) as raised:
        load_file(broken)
    assert not isinstance(raised.value, OwnOutput)
