"""Output through a pipe (a CI log, ``| grep``) is never cut to an assumed 80 columns: a role ARN of 130
characters comes out whole, on one line, from every command that prints one for people."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from tests.cli.runner import invoke
from tests.factories import ACCOUNT, OUTSIDER, allow, gaad, organization, role, trust
from tests.process import rolescope_argv, under_test_env

PATH = "/platform-engineering/continuous-delivery/production-release-pipelines/"
NAME = "deploy-orders-service-to-the-eu-cluster"
LONG_ARN = f"arn:aws:iam::{ACCOUNT}:role{PATH}{NAME}"
# The longest requirement title of the catalogue's PCI DSS mapping, for the compliance table.
PCI_TITLE = ("An access control model is defined and includes granting access based on business and access needs, "
             "job classification and function, and the least privileges required.")

pytestmark = pytest.mark.process


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("long")
    (root / "org").mkdir()
    (root / "org" / f"{ACCOUNT}.json").write_text(json.dumps(gaad(
        role(NAME, trust(allow({"AWS": OUTSIDER})), path=PATH),
        role("chained", trust(allow({"AWS": LONG_ARN}))))))
    (root / "org" / "org.json").write_text(json.dumps(organization(ACCOUNT)))
    (root / "empty").mkdir()
    (root / "empty" / f"{ACCOUNT}.json").write_text(json.dumps(gaad()))
    for name, source in (("scan.json", "org"), ("old.json", "empty")):
        assert invoke("scan", "--from", str(root / source), "--format", "json", "-o", str(root / name)).exit_code \
            in (0, 1)
    policy = root / "policy.json"
    policy.write_text(json.dumps(trust(allow({"AWS": f"arn:aws:iam::{OUTSIDER}:role{PATH}{NAME}"}))))
    return {"org": root / "org", "scan": root / "scan.json", "old": root / "old.json", "policy": policy,
            "plan": root / "plan.json"}


def _piped(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    done = subprocess.run(rolescope_argv(*args), env=under_test_env(env), capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode in (0, 1), done.stderr
    return done.stdout


OUTSIDE_ARN = f"arn:aws:iam::{OUTSIDER}:role{PATH}{NAME}"
# graph text names roles by name and account: its chain step is the long line
CHAIN_STEP = (f"role {NAME} ({ACCOUNT}) trusts account {OUTSIDER} (outside the scan) (Statement[0], no condition)")
COMMANDS = {
    "scan console": (("scan", "--from", "{org}"), LONG_ARN),
    "scan console details": (("scan", "--from", "{org}", "--details"), LONG_ARN),
    "diff": (("diff", "{old}", "{scan}"), LONG_ARN),
    "graph text": (("graph", "--from", "{org}", "--format", "text"), CHAIN_STEP),
    "fix plan": (("fix", "plan", "--from", "{scan}", "--out", "{plan}", "--force"), LONG_ARN),
    "check-policy": (("check-policy", "--account-id", ACCOUNT, "{policy}"), OUTSIDE_ARN),
}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_long_line_stays_one_line(files: dict[str, Path], name: str) -> None:
    args, expected = COMMANDS[name]
    out = _piped(*(a.format(**files) for a in args))
    assert len(expected) > 100
    assert any(expected in line for line in out.splitlines()), out


def test_compliance_titles_stay_on_one_line(files: dict[str, Path]) -> None:
    out = _piped("compliance", "--scan", str(files["scan"]), "--framework", "pci")
    assert any(PCI_TITLE in line for line in out.splitlines()), out
