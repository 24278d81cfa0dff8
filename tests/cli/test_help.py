"""Help that answers: every option says what it does, the values of --check and --severity are listed
(from the catalogue) and taken in any case, and the shell completes them."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from tests.cli.runner import invoke
from tests.process import rolescope_argv, under_test_env

from rolescope.checks.catalogue import SEVERITIES, load_catalogue
from rolescope.cli.main import cli


def _commands(command: click.Command, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        context = click.Context(command, info_name=path[-1])
        for name in command.list_commands(context):
            sub = command.get_command(context, name)
            assert sub is not None
            yield from _commands(sub, (*path, name))


COMMANDS = dict(_commands(cli, ("rolescope",)))


def test_the_walk_reaches_every_command_and_subcommand() -> None:
    assert {"rolescope scan", "rolescope fix plan", "rolescope fix apply", "rolescope whoami",
            "rolescope diff"} <= {" ".join(path) for path in COMMANDS}


@pytest.mark.parametrize("path", [" ".join(p) for p in COMMANDS])
def test_every_option_has_help(path: str) -> None:
    command = COMMANDS[tuple(path.split())]
    silent = [option.opts[0] for option in command.params
              if isinstance(option, click.Option) and not option.hidden and not (option.help or "").strip()]
    assert not silent, f"{path}: options without help: {silent}"


def test_check_help_lists_every_check_of_the_catalogue() -> None:
    shown = " ".join(invoke("scan", "--help").stdout.split())  # click wraps the help where a hyphen is
    listed = shown[shown.index("--check CHECK"):shown.index("--severity")].replace("- ", "-")
    assert set(load_catalogue().checks) <= set(listed.replace(",", " ").replace(".", " ").split())
    fix_help = " ".join(invoke("fix", "plan", "--help").stdout.split())
    assert "weak-external-id" in fix_help.replace("- ", "-")


def test_severity_help_lists_the_severities() -> None:
    assert f"--severity [{'|'.join(SEVERITIES)}]" in invoke("scan", "--help").stdout


def test_severity_and_check_are_taken_in_any_case(tmp_path: Path, org_dir: Path) -> None:
    out = tmp_path / "r.json"
    result = invoke("scan", "--from", str(org_dir), "--severity", "HIGH", "--severity", "Critical",
                    "--check", "Public-Trust", "--fail-on", "HIGH", "--format", "json", "--output", str(out))
    assert result.exit_code == 1, result.stderr  # the public role's finding fails the scan
    findings = json.loads(out.read_text())["findings"]
    assert findings and {f["check"] for f in findings} == {"public-trust"}


def test_an_unknown_value_names_the_known_ones(org_dir: Path) -> None:
    result = invoke("scan", "--from", str(org_dir), "--severity", "urgent")
    assert result.exit_code == 2
    assert "no such severity 'urgent' (known: critical, high, medium, low, info)" in result.stderr


def test_whoami_says_what_its_role_option_does() -> None:
    shown = " ".join(invoke("whoami", "--help").stdout.split())
    assert "show the role session's identity" in shown and "scan its account" not in shown


def _completion(*, shell_words: str, index: int) -> list[str]:
    env = under_test_env({"_ROLESCOPE_COMPLETE": "bash_complete", "COMP_WORDS": shell_words,
                          "COMP_CWORD": str(index), "PATH": "/usr/bin:/bin"})
    done = subprocess.run(rolescope_argv(), env=env, capture_output=True, text=True, timeout=60, check=True)
    return done.stdout.splitlines()


@pytest.mark.process
def test_the_completion_variable_prints_a_bash_script() -> None:
    env = under_test_env({"_ROLESCOPE_COMPLETE": "bash_source", "PATH": "/usr/bin:/bin"})
    done = subprocess.run(rolescope_argv(), env=env, capture_output=True, text=True, timeout=60, check=True)
    assert "_rolescope_completion()" in done.stdout and "complete -o nosort -F _rolescope_completion rolescope" \
        in done.stdout


@pytest.mark.process
def test_the_shell_completes_commands_and_option_values() -> None:
    assert "plain,scan" in _completion(shell_words="rolescope sc", index=1)
    assert _completion(shell_words="rolescope scan --severity H", index=3) == ["plain,high"]
    assert "plain,weak-external-id" in _completion(shell_words="rolescope scan --check weak", index=3)
