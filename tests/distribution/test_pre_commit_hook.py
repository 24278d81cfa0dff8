"""The pre-commit hook (.pre-commit-hooks.yaml), run by pre-commit itself on a throw-away git repository.

pre-commit would install the hook (``language: python``) by pip-installing this repository; the test
instead declares the same hook as a ``repo: local`` hook run by this environment's rolescope
(``language: system``), so no network is needed and the code under test is what runs. Its id, files,
exclude, arguments and serial running are the manifest's.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.factories import ACCOUNT, OUTSIDER
from tests.process import ROOT, under_test_env

pytestmark = pytest.mark.process
BIN = Path(sys.executable).parent
PUBLIC_TEMPLATE = """\
Resources:
  Partner:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {AWS: '*'}
            Action: sts:AssumeRole
"""


def manifest_hook() -> dict[str, Any]:
    hooks: list[dict[str, Any]] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in hooks] == ["rolescope-check-iac"]
    return hooks[0]


def pre_commit(*args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = under_test_env()
    env.update(PRE_COMMIT_HOME=str(home / "cache"), HOME=str(home), GIT_CONFIG_NOSYSTEM="1",
               GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.com", PATH=f"{BIN}:{env['PATH']}")
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture()
def repository(tmp_path: Path) -> tuple[Path, Path]:
    """A git repository with the hook installed as a pre-commit hook; and the HOME the commands use."""
    home, repo = tmp_path / "home", tmp_path / "repo"
    home.mkdir()
    repo.mkdir()
    hook = manifest_hook()
    local = {**hook, "language": "system", "entry": f"{BIN / 'rolescope'} {hook['entry'].split(' ', 1)[1]}",
             "args": ["--account-id", ACCOUNT, *hook["args"]]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump({"repos": [{"repo": "local", "hooks": [local]}]}))
    assert pre_commit("git", "init", "-q", cwd=repo, home=home).returncode == 0
    installed = pre_commit(sys.executable, "-m", "pre_commit", "install", cwd=repo, home=home)
    assert installed.returncode == 0, installed.stderr
    return repo, home


def commit(repo: Path, home: Path, name: str, content: str) -> subprocess.CompletedProcess[str]:
    (repo / name).write_text(content)
    pre_commit("git", "add", name, cwd=repo, home=home)
    done = pre_commit("git", "commit", "-q", "-m", f"add {name}", cwd=repo, home=home)
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout + done.stderr, "")  # git's hook: stderr


def test_the_manifest_is_valid() -> None:
    checked = subprocess.run([sys.executable, "-m", "pre_commit", "validate-manifest", ROOT / ".pre-commit-hooks.yaml"],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    hook = manifest_hook()
    assert hook["entry"] == "rolescope check-iac" and hook["language"] == "python"
    assert "--fail-on" in hook["args"]  # check-iac, like scan, fails on findings only when asked


def test_a_commit_with_a_public_trust_is_stopped(repository: tuple[Path, Path]) -> None:
    repo, home = repository
    stopped = commit(repo, home, "stack.yaml", PUBLIC_TEMPLATE)
    assert stopped.returncode != 0
    assert "rolescope check-iac" in stopped.stdout and "Failed" in stopped.stdout
    assert "public-trust" in stopped.stdout
    assert pre_commit("git", "log", "--oneline", cwd=repo, home=home).stdout == ""  # nothing committed


def test_a_commit_with_a_trust_inside_the_account_passes(repository: tuple[Path, Path]) -> None:
    repo, home = repository
    passed = commit(repo, home, "stack.yaml", PUBLIC_TEMPLATE.replace("'*'", f"'arn:aws:iam::{ACCOUNT}:root'"))
    assert passed.returncode == 0, passed.stdout
    assert "rolescope check-iac" in passed.stdout and "Passed" in passed.stdout


def test_files_that_are_not_templates_skip_the_hook(repository: tuple[Path, Path]) -> None:
    repo, home = repository
    skipped = commit(repo, home, "notes.md", f"trust {OUTSIDER}\n")
    assert skipped.returncode == 0 and "(no files to check)Skipped" in skipped.stdout
