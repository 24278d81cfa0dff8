"""Every file rolescope writes, given back to ``scan --from``, is skipped as its own output with a note.

Reports, plans and backups end up beside the exports they came from; the next scan must read the
exports and leave rolescope's own files alone, whatever they are called and whatever their format.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.runner import invoke
from tests.factories import ACCOUNT, OUTSIDER, allow, trust

from rolescope.remediate.journal import Entry, Journal


def write_every_output(org_dir: Path, out: Path) -> dict[str, str]:
    """Write each JSON, CSV and HTML output of every command into ``out``; file name -> what it is."""
    def run(*args: str) -> None:
        result = invoke(*args)
        assert result.exit_code in (0, 1), (args, result.stderr)

    run("scan", "--no-config", "--from", str(org_dir), "--format", "json,sarif,ocsf,csv,html", "--output-dir",
        str(out))
    scan = out / "rolescope-report.json"
    run("compliance", "--framework", "nist", "--scan", str(scan), "--format", "json", "-o", str(out / "nist.json"))
    run("compliance", "--framework", "all", "--scan", str(scan), "--format", "json", "-o", str(out / "all.json"))
    run("compliance", "--framework", "all", "--scan", str(scan), "--format", "csv", "-o", str(out / "all.csv"))
    run("graph", "--from", str(org_dir), "--format", "json", "-o", str(out / "graph.json"))
    run("fix", "plan", "--from", str(scan), "--out", str(out / "plan.json"))
    run("diff", str(scan), str(scan), "--format", "json", "-o", str(out / "diff.json"))
    for kind, extra in (("cloudformation", ()), ("stackset", ("--ou", "ou-abcd-12345678"))):
        run("template", kind, "--auditor", OUTSIDER, "--external-id", "x" * 32, *extra, "--format", "json",
            "-o", str(out / f"{kind}.json"))
    policy = out / "trust-policy.json"  # an input, not an output: removed once used
    policy.write_text(json.dumps(trust(allow({"AWS": OUTSIDER}))))
    (out / "check-policy.json").write_text(invoke("check-policy", str(policy), "--account-id", ACCOUNT,
                                                  "--format", "json").stdout)
    policy.unlink()
    arn = f"arn:aws:iam::{ACCOUNT}:role/open"
    Journal(out / "plan.backup.json", "digest", entries={arn: Entry(ACCOUNT, "open", arn, "{}", {}, "applied", [])}
            ).save()
    return {
        "rolescope-report.json": "a rolescope.scan/v2 document",
        "rolescope-report.sarif": "a SARIF report",
        "rolescope-report.ocsf.jsonl": "OCSF findings in JSON lines",
        "rolescope-report.csv": "a findings CSV",
        "rolescope-report.html": "an HTML report",
        "nist.json": "a rolescope.compliance/v1 document",
        "all.json": "a rolescope.compliance/v1 document",
        "all.csv": "a compliance CSV",
        "graph.json": "a rolescope.graph/v2 document",
        "plan.json": "a rolescope.fix-plan/v1 document",
        "diff.json": "a rolescope.diff/v2 document",
        "cloudformation.json": "the audit-role template",
        "stackset.json": "the audit-role template",
        "check-policy.json": "a rolescope.check-policy/v1 document",
        "plan.backup.json": "a rolescope.fix-backup/v1 document",
    }


def test_every_output_given_back_is_skipped_with_a_note(org_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    expected = write_every_output(org_dir, out)
    assert sorted(p.name for p in out.iterdir()) == sorted(expected)
    sources = [arg for name in sorted(expected) for arg in ("--from", str(out / name))]
    result = invoke("scan", "--no-config", "--from", str(org_dir), *sources)
    assert result.exit_code in (0, 1), result.stderr
    notes = {line for line in result.stderr.splitlines() if line.startswith("rolescope: note: skipped")}
    assert notes == {f"rolescope: note: skipped {out / name}: rolescope's own output ({what})"
                     for name, what in expected.items()}
    assert "error" not in result.stderr
    # and the directory they were written into, beside the exports, is scanned as the exports alone
    again = invoke("scan", "--no-config", "--from", str(tmp_path), "--format", "json")
    assert again.exit_code in (0, 1), again.stderr
    assert {a["account_id"] for a in json.loads(again.stdout)["accounts"]} == {
        a["account_id"] for a in json.loads((out / "rolescope-report.json").read_text())["accounts"]}
