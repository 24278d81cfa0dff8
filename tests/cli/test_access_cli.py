"""who-can-assume, can-assume and path from the command line: a scan document or GAAD exports, the three
formats, CI exit codes, one-line errors, and names from files shown, never obeyed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.cli.hostile_text import VISIBLE, write_hostile_account
from tests.cli.runner import invoke, run_main
from tests.factories import ACCOUNT
from tests.trust.access_world import ADMIN, CI, CROSS_ADMIN, DEV, EXTERNAL_ID, TRUSTED, VAULT, write_world


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_world(tmp_path_factory.mktemp("exports"))


@pytest.fixture(scope="module")
def document(exports: Path) -> Path:
    path = exports.parent / "scan.json"
    result = invoke("scan", "--from", str(exports), "--format", "json", "--output", str(path))
    assert path.exists(), result.output
    return path


def test_who_can_assume_from_a_scan_document_shows_each_hop_and_its_values(document: Path) -> None:
    result = invoke("who-can-assume", VAULT, "--scan", str(document))
    assert result.exit_code == 0
    assert "principals can end up in role Vault (222233334444):" in result.output
    assert f"role ci ({TRUSTED})" in result.output and f"external_id = {EXTERNAL_ID}" in result.output
    assert f"[request carries external_id = {EXTERNAL_ID}]" in result.output


def test_json_answers_are_the_same_from_the_document_and_from_the_exports(document: Path, exports: Path) -> None:
    from_document = json.loads(invoke("can-assume", CI, "--scan", str(document), "--format", "json").output)
    from_exports = json.loads(invoke("can-assume", CI, "--from", str(exports), "--format", "json").output)
    assert from_document == from_exports
    assert from_document["count"] == 2
    vault = from_document["answers"][1]
    assert vault["role"]["id"] == VAULT and vault["assumptions"] == 2 and vault["requires"] == ["external_id"]
    assert vault["chain"][0]["values"] == {"sts:externalid": [EXTERNAL_ID]}
    assert vault["chain"][0]["kind"] == "grant" and vault["chain"][0]["sid"] == "CiWithExternalId"


def test_fail_if_any_is_a_ci_guard(document: Path) -> None:
    assert invoke("who-can-assume", CROSS_ADMIN, "--scan", str(document), "--fail-if-any").exit_code == 1
    assert invoke("who-can-assume", CROSS_ADMIN, "--scan", str(document)).exit_code == 0
    # the developer reaches nothing outside the account that leads to the admin role
    assert invoke("path", DEV, CROSS_ADMIN, "--scan", str(document), "--fail-if-any").exit_code == 0
    assert invoke("path", ADMIN, CROSS_ADMIN, "--scan", str(document), "--fail-if-any").exit_code == 1
    quiet = invoke("can-assume", f"arn:aws:iam::{TRUSTED}:role/ci", "--scan", str(document), "--fail-if-any")
    assert quiet.exit_code == 1


def test_expand_and_direct(document: Path) -> None:
    plain = invoke("who-can-assume", CROSS_ADMIN, "--scan", str(document)).output
    assert f"group:{TRUSTED}" in plain and "user admin" not in plain
    assert "user admin" in invoke("who-can-assume", CROSS_ADMIN, "--scan", str(document), "--expand").output
    direct = json.loads(invoke("who-can-assume", VAULT, "--scan", str(document), "--direct", "--format", "json").output)
    assert {a["assumptions"] for a in direct["answers"]} == {1}


def test_path_says_why_there_is_none(document: Path) -> None:
    result = invoke("path", DEV, CROSS_ADMIN, "--scan", str(document))
    assert result.exit_code == 0
    assert result.output.startswith(f"No chain leads from {DEV} into {CROSS_ADMIN}:")
    assert "no identity policy of user dev" in result.output and "AdminsWithMfa" in result.output
    answer = json.loads(invoke("path", DEV, VAULT, "--scan", str(document), "--format", "json").output)
    assert answer["count"] == 0 and "trust policy admits" in answer["reasons"][0]


def test_a_path_from_a_role_to_itself(document: Path) -> None:
    result = invoke("path", CI, CI, "--scan", str(document))
    assert result.output == f"role ci ({TRUSTED}) is the role itself: nothing to assume.\n"


def test_mermaid_draws_the_chain(document: Path) -> None:
    chart = invoke("path", CI, VAULT, "--scan", str(document), "--format", "mermaid").output
    assert chart.startswith("flowchart LR") and chart.count("-->") == 2
    none = invoke("path", DEV, VAULT, "--scan", str(document), "--format", "mermaid").output
    assert "-->" not in none and "%% no statement of role Vault" in none


def test_unknown_arns_and_bad_sources_are_one_line_exit_2(monkeypatch: pytest.MonkeyPatch, document: Path,
                                                          tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_main(monkeypatch, "who-can-assume", VAULT + "x", "--scan", str(document)) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and f"did you mean {VAULT}?" in error
    assert run_main(monkeypatch, "can-assume", CI) == 2
    assert "give either --scan FILE" in capsys.readouterr().err
    assert run_main(monkeypatch, "can-assume", CI, "--scan", str(document), "--from", str(tmp_path)) == 2
    capsys.readouterr()
    without = tmp_path / "no-graph.json"
    data = json.loads(document.read_text())
    del data["graph"]
    without.write_text(json.dumps(data))
    assert run_main(monkeypatch, "path", CI, VAULT, "--scan", str(without)) == 2
    assert "has no graph section" in capsys.readouterr().err
    data["graph"] = {"schema": "rolescope.graph/v2", "nodes": [{"id": 1}], "ways": [], "edges": []}
    without.write_text(json.dumps(data))
    assert run_main(monkeypatch, "path", CI, VAULT, "--scan", str(without)) == 2
    assert "graph.nodes[0].id: missing or not text" in capsys.readouterr().err


def test_names_from_files_are_shown_as_escapes(tmp_path: Path) -> None:
    scan, org = write_hostile_account(tmp_path)
    data = json.loads((scan / f"{ACCOUNT}.json").read_text())
    deep = next(r["Arn"] for r in data["RoleDetailList"] if r["RoleName"].startswith("deep"))
    for output_format in ("table", "mermaid"):
        result = invoke("who-can-assume", deep, "--from", str(scan), "--org-accounts", str(org),
                        "--format", output_format)
        assert result.exit_code == 0, result.output
        assert "\x1b" not in result.output and "\u202e" not in result.output and "\r" not in result.output
        assert all(line.isprintable() for line in result.output.splitlines())
    assert "\\x1b" in invoke("who-can-assume", deep, "--from", str(scan)).output
    assert any(v in invoke("who-can-assume", deep, "--from", str(scan)).output for v in VISIBLE)


def test_unreadable_input_files_make_the_answer_exit_2(tmp_path: Path, exports: Path) -> None:
    partial = tmp_path / "partial"
    partial.mkdir()
    for file in exports.iterdir():
        (partial / file.name).write_bytes(file.read_bytes())
    (partial / "broken.json").write_text("{not json")
    result = invoke("can-assume", CI, "--from", str(partial), "--fail-if-any")
    assert result.exit_code == 2  # the answer may miss what the unreadable file holds
    assert "role Deploy" in result.stdout and "broken.json" in result.stderr
