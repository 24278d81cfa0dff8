"""How the CLI fails: one line on stderr and an exit code, never a traceback."""

from __future__ import annotations

import click

from rolescope.cli.say import say

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_ACCOUNTS = 0, 1, 2, 3


class InputError(click.ClickException):
    """Bad input or usage: exit 2 with a one-line message."""

    exit_code = EXIT_USAGE

    def show(self, file: object = None) -> None:
        say(f"rolescope: error: {self.format_message()}", err=True)
