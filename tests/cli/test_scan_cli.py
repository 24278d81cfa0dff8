"""``rolescope scan`` end to end on files: the JSON document, filters, exit codes, atomic output."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from tests.cli.runner import invoke, run_main
from tests.factories import ACCOUNT, MEMBER
from tests.process import rolescope_argv, under_test_env


def scan_json(tmp_path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    out = tmp_path / "out" / "report.json"
    result = invoke("scan", *args, "--format", "json", "--output", str(out))
    return result.exit_code, json.loads(out.read_text())


def test_json_document_schema(org_dir: Path, tmp_path: Path) -> None:
    code, document = scan_json(tmp_path, "--from", str(org_dir))
    assert code == 0
    assert document["schema"] == "rolescope.scan/v2"
    assert {a["account_id"]: a["status"] for a in document["accounts"]} == {ACCOUNT: "scanned", MEMBER: "scanned"}
    account = next(a for a in document["accounts"] if a["account_id"] == ACCOUNT)
    assert set(account) >= {"account_id", "alias", "status", "error", "trusts", "roles"}
    assert {r["name"] for r in account["roles"]} == {"open", "public", "ec2"}
    for finding in document["findings"]:
        assert set(finding) >= {"check", "severity", "account_id", "resource", "message", "evidence"}
        assert finding["resource"].startswith("arn:aws:iam::")
        # the compliance mapping and remediation live once, in the checks table
        assert document["checks"][finding["check"]]["remediation"]["text"]
        assert document["checks"][finding["check"]]["compliance"]
    checks = {(f["resource"].rsplit("/", 1)[-1], f["check"]) for f in document["findings"]}
    assert ("open", "cross-account-without-mfa-or-external-id") in checks
    assert ("public", "public-trust") in checks
    assert not any(name == "audit" for name, _ in checks)  # member of the org, ExternalId required
    assert document["organization"]["accounts"] == sorted([ACCOUNT, MEMBER])


def test_filters(org_dir: Path, tmp_path: Path) -> None:
    _, document = scan_json(tmp_path, "--from", str(org_dir), "--severity", "critical")
    assert {f["severity"] for f in document["findings"]} == {"critical"}
    _, document = scan_json(tmp_path, "--from", str(org_dir), "--check", "public-trust")
    assert {f["check"] for f in document["findings"]} == {"public-trust"}
    _, document = scan_json(tmp_path, "--from", str(org_dir), "--account", MEMBER)
    assert document["findings"] == [] and [a["account_id"] for a in document["accounts"]] == [MEMBER]


def test_fail_on_sets_exit_code_1(org_dir: Path, tmp_path: Path) -> None:
    assert scan_json(tmp_path, "--from", str(org_dir), "--fail-on", "critical")[0] == 1
    assert scan_json(tmp_path, "--from", str(org_dir), "--fail-on", "critical", "--account", MEMBER)[0] == 0


def test_bad_file_exit_2_and_the_rest_is_still_written(org_dir: Path, tmp_path: Path) -> None:
    (org_dir / "garbage.json").write_text("[1, 2")
    out = tmp_path / "r.json"
    result = invoke("scan", "--from", str(org_dir), "--format", "json", "--output", str(out), "--fail-on", "low")
    assert result.exit_code == 2  # bad input outranks findings
    document = json.loads(out.read_text())
    failed = [a for a in document["accounts"] if a["status"] == "failed"]
    assert len(failed) == 1 and "garbage.json" in failed[0]["source"] and "not valid JSON" in failed[0]["error"]
    assert len([a for a in document["accounts"] if a["status"] == "scanned"]) == 2
    assert "garbage.json: not valid JSON" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--check", "nope"], "no such check"),
        (["--format", "pdf"], "choose from"),
        (["--format", "json,json2"], "choose from"),
        (["--account", "123"], "12-digit"),
        (["--trusted-accounts", "12,34"], "12-digit"),
        (["-o", "c.txt"], "--output: the console format is for the terminal, not a file; choose a file format with "
                          "--format (json, sarif, ocsf, csv, html, asff)"),
        (["--output-dir", "d"], "--output-dir: the console format is for the terminal, not a file"),
        (["--role-arn", "arn:aws:iam::123456789012:role/x"], "--role-arn is for live scans (drop --from)"),
        (["--account", "123456789012\n"], "12-digit"),
    ],
)
def test_usage_errors_are_one_line_exit_2(org_dir: Path, args: list[str], message: str) -> None:
    result = invoke("scan", "--from", str(org_dir), *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_no_snapshot_at_all_is_exit_2(tmp_path: Path) -> None:
    result = invoke("scan", "--from", str(tmp_path))
    assert result.exit_code == 2 and "no GetAccountAuthorizationDetails files" in result.stderr


def test_report_is_replaced_atomically(org_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    out.write_text("previous report")
    invoke("scan", "--from", str(org_dir), "--format", "json", "--output", str(out))
    assert json.loads(out.read_text())["schema"] == "rolescope.scan/v2"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".report.json")] == []


def test_console_report_lists_accounts_and_findings(org_dir: Path) -> None:
    result = invoke("scan", "--from", str(org_dir))
    assert result.exit_code == 0
    assert ACCOUNT in result.stdout and "public-trust" in result.stdout and "CRITICAL" in result.stdout


@pytest.mark.process
def test_as_subprocess_no_traceback_on_bad_input(tmp_path: Path) -> None:
    env = under_test_env({**os.environ, "COLUMNS": "120"})
    done = subprocess.run(rolescope_argv("scan", "--from", str(tmp_path / "missing.json")),
                          capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 2
    assert done.stderr.count("\n") <= 2 and "Traceback" not in done.stderr


def test_new_reports_follow_the_umask_and_replaced_ones_keep_their_mode(org_dir: Path, tmp_path: Path) -> None:
    fresh, kept = tmp_path / "fresh.json", tmp_path / "kept.json"
    kept.write_text("old")
    kept.chmod(0o640)
    previous = os.umask(0o022)
    try:
        for out in (fresh, kept):
            invoke("scan", "--from", str(org_dir), "--format", "json", "--output", str(out))
    finally:
        os.umask(previous)
    assert fresh.stat().st_mode & 0o777 == 0o644
    assert kept.stat().st_mode & 0o777 == 0o640


def test_jobs_gives_the_same_report_and_is_for_file_scans_only(org_dir: Path, tmp_path: Path) -> None:
    reports = []
    for jobs in ("1", "2"):
        target = tmp_path / f"jobs-{jobs}.json"
        result = invoke("scan", "--from", str(org_dir), "--jobs", jobs, "--format", "json", "-o", str(target))
        assert result.exit_code in (0, 1), result.output
        document = json.loads(target.read_bytes())
        document.pop("generated_at")
        document.pop("as_of")  # now, by default: a moment apart
        reports.append(document)
    assert reports[0] == reports[1]
    assert invoke("scan", "--from", str(org_dir), "--jobs", "0").exit_code == 2
    live = invoke("scan", "--jobs", "2", "--accounts", "111111111111", "--role-name", "Audit")
    assert live.exit_code == 2 and "--jobs" in live.output and "--workers" in live.output


def test_ci_logs_get_one_line_per_phase_of_a_long_scan() -> None:
    """Off a terminal (CI), a scan that runs long says what each phase did and how long it took."""
    import io

    from rich.console import Console

    from rolescope.cli.progress import BarProgress

    now = [100.0]
    err = io.StringIO()
    with BarProgress(Console(file=err, force_terminal=False), clock=lambda: now[0], quiet_seconds=2) as bar:
        bar.started("scanning accounts", 3)
        for _ in range(3):
            bar.advanced("scanning accounts")
        now[0] += 1.5
        bar.finished("scanning accounts", "3 accounts, 900 roles")
        assert err.getvalue() == ""  # not long yet: held back
        bar.started("building the trust graph", None)
        now[0] += 1.0
        bar.finished("building the trust graph", "10 nodes, 20 edges")
    assert err.getvalue().splitlines() == [
        "rolescope: scanning accounts: 3 accounts, 900 roles in 1.5 s",
        "rolescope: building the trust graph: 10 nodes, 20 edges in 1.0 s",
    ]


@pytest.mark.process
def test_a_quick_scan_prints_only_its_report_and_where_it_went(org_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "scan.json"
    result = subprocess.run(rolescope_argv("scan", "--from", str(org_dir), "--format", "json", "-o", str(out)),
                            capture_output=True, text=True, check=False,
                            env=under_test_env({**os.environ, "CI": "true"}))
    assert result.returncode in (0, 1)
    assert result.stderr == f"rolescope: wrote {out} ({out.stat().st_size / 1000:.1f} kB)\n"


def test_reports_written_beside_the_exports_are_skipped_the_next_time(org_dir: Path, tmp_path: Path) -> None:
    reports = org_dir / "reports"
    args = ("scan", "--from", str(org_dir), "--format", "json,sarif,ocsf", "--output-dir", str(reports))
    assert invoke(*args).exit_code == 0
    (reports / "findings.json").write_bytes((reports / "rolescope-report.ocsf.jsonl").read_bytes())  # OCSF as .json
    again = invoke(*args)
    assert again.exit_code == 0
    assert [line for line in again.stderr.splitlines() if "note" in line] == [
        f"rolescope: note: skipped {reports / 'findings.json'}: rolescope's own output (OCSF findings in JSON lines)",
        f"rolescope: note: skipped {reports / 'rolescope-report.json'}: rolescope's own output "
        "(a rolescope.scan/v2 document)"]
    document = json.loads((reports / "rolescope-report.json").read_text())
    assert sorted(a["account_id"] for a in document["accounts"]) == sorted([ACCOUNT, MEMBER])
    only_reports = invoke("scan", "--from", str(reports))
    assert only_reports.exit_code == 2
    assert only_reports.stderr.endswith("no GetAccountAuthorizationDetails files found in "
                                        f"{reports} (only rolescope's own outputs: 2 files skipped)\n")


def test_an_account_not_in_the_input_is_exit_2_and_writes_nothing(org_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = invoke("scan", "--from", str(org_dir), "--account", "999999999999", "--account", MEMBER,
                    "--fail-on", "low", "--format", "json", "-o", str(out))
    assert result.exit_code == 2
    assert result.stderr == (f"rolescope: error: --account 999999999999: not in the input; its accounts: "
                             f"{ACCOUNT}, {MEMBER}\n")
    assert not out.exists()


def test_a_severity_filter_that_fail_on_can_never_see_is_exit_2(org_dir: Path) -> None:
    result = invoke("scan", "--from", str(org_dir), "--severity", "low", "--severity", "medium", "--fail-on", "high")
    assert result.exit_code == 2
    assert result.stderr == ("rolescope: error: --fail-on high can never fail: --severity keeps only medium, low "
                             "findings\n")
    assert invoke("scan", "--from", str(org_dir), "--severity", "critical", "--fail-on", "high").exit_code == 1


def test_an_organisation_file_with_a_bogus_id_is_exit_2(org_dir: Path, tmp_path: Path) -> None:
    listing = tmp_path / "org-accounts.json"
    listing.write_text(json.dumps({"Organization": {"Id": "bogus"}, "Accounts": [{"Id": ACCOUNT}]}))
    result = invoke("scan", "--from", str(org_dir / f"{ACCOUNT}.json"), "--org-accounts", str(listing))
    assert result.exit_code == 2
    assert result.stderr == (f"rolescope: error: {listing}: Organization.Id 'bogus' is not an organisation id "
                             "(o- and 10 to 32 lowercase letters or digits)\n")


def test_the_console_summary_agrees_with_its_numbers(org_dir: Path) -> None:
    result = invoke("scan", "--from", str(org_dir), "--account", MEMBER)
    assert "1 role in 1 account: 0 critical" in result.stdout


def test_empty_accounts_is_not_the_current_directory(monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert run_main(monkeypatch, "scan", "--accounts", "", "--role-name", "Audit") == 2
    assert capsys.readouterr().err == ("rolescope: error: Invalid value for '--accounts': empty: give ID,ID,... or a "
                                       "file of account ids\n")


def test_a_group_without_its_command_shows_its_help_not_an_error(monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert run_main(monkeypatch, "fix") == 2
    shown = capsys.readouterr().err
    assert shown.startswith("Usage: rolescope fix [OPTIONS] COMMAND [ARGS]...") and "error" not in shown


def test_quiet_keeps_the_totals_and_the_failed_accounts(org_dir: Path) -> None:
    (org_dir / "garbage.json").write_text("[1, 2")
    result = invoke("scan", "--from", str(org_dir), "--quiet", "--fail-on", "critical")
    assert result.exit_code == 2  # the same code as without --quiet: an unreadable file
    lines = result.stdout.splitlines()
    assert lines[0].startswith("4 roles in 3 accounts: ") and lines[0].endswith("; 1 failed"), lines
    assert len(lines) == 2 and lines[1].startswith("error: account ") and "not valid JSON" in lines[1]
    assert "garbage.json: not valid JSON" in result.stderr  # the load error, as always


@pytest.mark.parametrize("command", [["scan", "--from"], ["demo"]])
def test_a_check_and_severity_filter_that_can_never_match_is_exit_2(org_dir: Path, command: list[str]) -> None:
    args = [*command, str(org_dir)] if command[0] == "scan" else command
    result = invoke(*args, "--check", "unused-cross-account-role", "--check", "weak-external-id",
                    "--severity", "critical", "--severity", "high")
    assert result.exit_code == 2
    assert result.stderr == ("rolescope: error: --severity critical, high can never match the checks selected with "
                             "--check: unused-cross-account-role produces only low; weak-external-id produces only "
                             "medium or low\n")
    # a severity the check may lower its findings to is reachable
    assert invoke(*args, "--check", "weak-external-id", "--severity", "low").exit_code == 0
    result = invoke(*args, "--severity", "info")
    assert (result.exit_code, result.stderr) == (2, "rolescope: error: --severity info can never match: no check "
                                                    "produces it (they produce critical, high, medium, low)\n")


def test_a_severity_the_configuration_gives_a_check_is_the_only_one_it_can_produce(
        org_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "rolescope.yaml").write_text("checks:\n  unused-cross-account-role:\n    severity: critical\n"
                                             "    reason: dormant access is an incident for us\n")
    monkeypatch.chdir(tmp_path)
    check = ("--check", "unused-cross-account-role")
    assert invoke("scan", "--from", str(org_dir), *check, "--severity", "critical").exit_code == 0
    result = invoke("scan", "--from", str(org_dir), *check, "--severity", "low")
    assert result.exit_code == 2
    assert "unused-cross-account-role produces only critical" in result.stderr
