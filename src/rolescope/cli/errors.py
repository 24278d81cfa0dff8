"""How the CLI fails: one line on stderr and an exit code, never a traceback."""

from __future__ import annotations

import os
import sys

import click

from rolescope.cli.say import say

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_ACCOUNTS = 0, 1, 2, 3
# What a shell reports for a command killed by SIGPIPE (128 + 13), as for `yes | head -1`: a reader
# that went away is neither success nor a finding (exit 1).
EXIT_BROKEN_PIPE = 141


class InputError(click.ClickException):
    """Bad input or usage: exit 2 with a one-line message."""

    exit_code = EXIT_USAGE

    def show(self, file: object = None) -> None:
        say(f"rolescope: error: {self.format_message()}", err=True)


def silence_stdout() -> None:
    """Point standard output at /dev/null after a broken pipe, so that flushing it at exit does not fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # not a real file descriptor (a test runner's capture): nothing will be flushed to the pipe
    finally:
        os.close(devnull)
