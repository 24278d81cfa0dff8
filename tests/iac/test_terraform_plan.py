"""Terraform plans (``terraform show -json``): roles in modules, policies rendered by data sources."""

from __future__ import annotations

import json
from pathlib import Path

from tests.iac.run_cli import FIXTURES, located, report, write_template

PLAN = FIXTURES / "terraform" / "plan.json"


def test_every_role_of_the_plan_is_found_at_its_address() -> None:
    document = report(PLAN)
    assert document["exit_code"] == 0
    assert located(document) == {
        ("plan.json", "aws_iam_role.vendor", 8, "weak-external-id"),
        # rendered by an aws_iam_policy_document data source read into prior_state
        ("plan.json", "aws_iam_role.replaced", 39, "public-trust"),
        ("plan.json", "aws_iam_role.replaced", 39, "cross-account-without-mfa-or-external-id"),
        # a child module's instance, configured once without its key
        ("plan.json", 'module.ci.aws_iam_role.deploy["prod"]', 58, "cross-account-without-mfa-or-external-id"),
    }
    assert {r["resource"] for r in document["roles"]} == {
        "aws_iam_role.vendor", "aws_iam_role.lambda", "aws_iam_role.replaced", 'module.ci.aws_iam_role.deploy["prod"]'}


def test_a_policy_known_only_after_apply_is_a_per_file_error(tmp_path: Path) -> None:
    plan = json.loads(PLAN.read_text())
    plan["prior_state"]["values"]["root_module"]["resources"] = []
    document = report(write_template(tmp_path, json.dumps(plan), "plan.json"), PLAN)
    (error,) = document["errors"]
    assert error["error"] == ("aws_iam_role.replaced: assume_role_policy is known only after apply and no rendered "
                              "aws_iam_policy_document in the plan gives it")
    assert document["exit_code"] == 2
    assert len(document["findings"]) == 4  # the other plan is still checked


def test_a_plan_that_is_not_json_is_a_per_file_error(tmp_path: Path) -> None:
    document = report(write_template(tmp_path, '{"terraform_version": ', "plan.json"))
    (error,) = document["errors"]
    assert error["error"].startswith("not valid JSON")
