"""The GitHub Action (action.yml): valid against the action-metadata schema, and its scripts run as a runner would.

actionlint cannot be installed here (its PyPI wrapper downloads the binary at build time), so the
metadata is checked against SchemaStore's ``github-action`` schema as check-jsonschema vendors it, and
each ``run`` step is executed by bash with the inputs in its environment, as the runner gives them.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from tests.process import ROOT, under_test_env

from rolescope.cli.demo import sample_org_path

pytestmark = pytest.mark.process
BIN = Path(sys.executable).parent  # this environment's python and rolescope (installed editable: the checkout)
EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


def action() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text())
    return loaded


def schema_errors(metadata: dict[str, Any]) -> list[str]:
    vendored = resources.files("check_jsonschema.builtin_schemas.vendor").joinpath("github-actions.json")
    validator = jsonschema.Draft7Validator(json.loads(vendored.read_text()))
    return [error.message for error in validator.iter_errors(metadata)]


def step(name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in action()["runs"]["steps"] if s["name"] == name)
    return found


def test_action_metadata_matches_the_schema() -> None:
    metadata = action()
    assert schema_errors(metadata) == []
    assert metadata["runs"]["using"] == "composite"
    broken = json.loads(json.dumps(metadata))
    del broken["runs"]["steps"][1]["shell"]  # a composite run step must say its shell
    assert schema_errors(broken) != []


def test_inputs_reach_scripts_only_through_the_environment() -> None:
    # ${{ }} pasted into a script is shell injection from whoever sets the input; in env: it is data
    for each in action()["runs"]["steps"]:
        assert "run" not in each or not EXPRESSION.search(each["run"]), each["name"]
    declared = set(action()["inputs"])
    used = {name for s in action()["runs"]["steps"]
            for value in [*s.get("env", {}).values(), *s.get("with", {}).values(), s.get("if", "")]
            for m in EXPRESSION.finditer(str(value)) for name in re.findall(r"inputs\.([\w-]+)", m.group(1))}
    assert used == declared


def run_step(name: str, inputs: dict[str, str], workspace: Path, outputs: dict[str, str] | None = None
             ) -> subprocess.CompletedProcess[str]:
    """One run step by bash, its env: expressions filled from ``inputs`` (and the action's defaults)."""
    defaults = {key: str(spec.get("default", "")) for key, spec in action()["inputs"].items()}
    values = {**{f"inputs.{k}": v for k, v in {**defaults, **inputs}.items()},
              **{f"steps.run.outputs.{k}": v for k, v in (outputs or {}).items()},
              "github.action_path": str(ROOT)}
    current = step(name)
    env = under_test_env()
    env["PATH"] = f"{BIN}:{env['PATH']}"  # as after setup-python and the install step: rolescope and python
    env.update({key: EXPRESSION.sub(lambda m: values[m.group(1)], str(value))
                for key, value in current.get("env", {}).items()})
    env["GITHUB_OUTPUT"] = str(workspace / "output")
    env["GITHUB_STEP_SUMMARY"] = str(workspace / "summary.md")
    return subprocess.run([current.get("shell", "bash"), "-e", "-c", current["run"]], cwd=workspace, env=env,
                          capture_output=True, text=True, timeout=120)


def test_scan_writes_sarif_the_exit_code_and_a_summary(tmp_path: Path) -> None:
    ran = run_step("Run rolescope", {"command": "scan", "paths": str(sample_org_path()),
                                     "args": "--as-of 2026-11-23"}, tmp_path)
    assert ran.returncode == 0, ran.stderr  # the step itself succeeds: the upload and summary still run
    assert (tmp_path / "output").read_text() == "exit-code=1\n"  # high findings, fail-on high
    results = json.loads((tmp_path / "rolescope.sarif").read_text())["runs"][0]["results"]
    assert results
    summary = run_step("Write the job summary", {"command": "scan"}, tmp_path, {"exit-code": "1"})
    assert summary.returncode == 0, summary.stderr
    markdown = (tmp_path / "summary.md").read_text()
    assert markdown.startswith("## rolescope scan\n")
    assert f"**{len(results)} open findings**, 0 suppressed." in markdown
    failing = run_step("Fail on findings or errors", {}, tmp_path, {"exit-code": "1"})
    assert failing.returncode == 1


def test_fail_on_empty_means_findings_do_not_fail(tmp_path: Path) -> None:
    ran = run_step("Run rolescope", {"command": "scan", "paths": str(sample_org_path()), "fail-on": ""}, tmp_path)
    assert ran.returncode == 0 and (tmp_path / "output").read_text() == "exit-code=0\n"


@pytest.mark.parametrize(("inputs", "message"), [
    ({"command": "rm -rf /"}, "command must be check-iac or scan"),
    ({"command": "scan", "paths": "  "}, "paths is empty"),
])
def test_bad_inputs_are_one_error_annotation(tmp_path: Path, inputs: dict[str, str], message: str) -> None:
    ran = run_step("Run rolescope", inputs, tmp_path)
    assert ran.returncode == 2 and ran.stdout.startswith("::error title=rolescope::" + message)


def test_paths_and_args_are_words_not_shell(tmp_path: Path) -> None:
    ran = run_step("Run rolescope", {"command": "scan", "paths": str(sample_org_path()),
                                     "args": "--as-of 2026-11-23 $(touch pwned)"}, tmp_path)
    assert not (tmp_path / "pwned").exists()
    assert (tmp_path / "output").read_text() == "exit-code=2\n"  # an unknown argument, given as one
    assert "$(touch" in ran.stderr


def test_check_iac_command_line(tmp_path: Path) -> None:
    template = tmp_path / "stack.yaml"
    template.write_text("Resources:\n  Partner:\n    Type: AWS::IAM::Role\n    Properties:\n"
                        "      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n"
                        "            Principal: {AWS: '*'}\n            Action: sts:AssumeRole\n")
    ran = run_step("Run rolescope", {"paths": "stack.yaml", "account-id": "111122223333"}, tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert (tmp_path / "output").read_text() == "exit-code=1\n"
    results = json.loads((tmp_path / "rolescope.sarif").read_text())["runs"][0]["results"]
    assert any(r["ruleId"] == "public-trust" for r in results)
