"""The README's walk-through, run as written: every ``$ rolescope`` line of its console block, in a home
of its own holding the ``~/.aws/config`` the section starts from, compared line by line with what the
README shows after it (the home directory printed as ``~``), and the profiles written compared with
the section's last ini block."""

from __future__ import annotations

import shlex
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from rolescope.cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
TITLE = "## Walk-through: an admin user, a cross-account admin role, and the profile to use it"


def blocks(section: str, language: str) -> list[str]:
    """The fenced blocks of ``language`` in ``section``, in order."""
    found = []
    for part in section.split(f"```{language}\n")[1:]:
        found.append(part[:part.index("```\n")])
    return found


def commands(console: str) -> list[tuple[str, list[str]]]:
    """Each ``$ `` command (continued lines joined) and the lines shown after it."""
    found: list[tuple[str, list[str]]] = []
    lines = iter(console.splitlines())
    for line in lines:
        if line.startswith("$ "):
            command = line[2:]
            while command.endswith("\\"):
                command = command[:-1] + next(lines).strip()
            found.append((command, []))
        else:
            found[-1][1].append(line)
    return found


class _FrozenClock:
    @staticmethod
    def now(tz: object = None) -> datetime:
        return datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


def test_the_walk_through_works_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index(TITLE):]
    section = section[:section.index("\n## ", len(TITLE))]
    [console] = blocks(section, "console")
    config_before, *_, added = blocks(section, "ini")
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "config").write_text(config_before)
    (home / ".aws" / "credentials").write_text("[alice]\naws_access_key_id = AKIAEXAMPLE\n"
                                               "aws_secret_access_key = example\n")
    for name in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr("rolescope.cli.profiles.datetime", _FrozenClock)
    work = tmp_path / "work"
    work.mkdir()
    (work / "docs").symlink_to(ROOT / "docs")  # the README's relative paths, from the repository's root
    monkeypatch.chdir(work)

    steps = commands(console)
    assert [shlex.split(c)[:2] for c, _ in steps] == [
        ["rolescope", "scan"], ["rolescope", "who-can-assume"], ["rolescope", "path"], ["rolescope", "can-assume"],
        ["rolescope", "profiles"]]
    for command, shown in steps:
        args = shlex.split(command)[1:]
        redirect = None
        if ">" in args:  # the one shell feature the section uses: standard output into a file
            redirect = work / args[args.index(">") + 1]
            args = args[:args.index(">")]
        result = CliRunner().invoke(cli, args, catch_exceptions=False)
        assert result.exit_code == 0, (command, result.output)
        if redirect is not None:
            redirect.write_text(result.stdout)
            assert result.stderr == "" and shown == [], command
        else:
            assert result.output.replace(str(home), "~").splitlines() == shown, command
    assert (home / ".aws" / "config").read_text() == config_before + "\n" + added
