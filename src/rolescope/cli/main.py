"""The ``rolescope`` command group. Each subcommand lives in its own module."""

from __future__ import annotations

import importlib
import sys

import click

from rolescope import __version__
from rolescope.cli.say import say

# name -> "module:attribute". Commands are imported when used, so `rolescope check-policy` does not
# pay for botocore and jinja2 at start-up.
COMMANDS = {
    "check-policy": "rolescope.cli.check_policy:check_policy",
    "simulate": "rolescope.cli.simulate:simulate",
    "scan": "rolescope.cli.scan:scan",
    "demo": "rolescope.cli.demo:demo",
    "graph": "rolescope.cli.graph:graph",
    "export": "rolescope.cli.export:export",
    "whoami": "rolescope.cli.whoami:whoami",
    "credentials": "rolescope.cli.credentials:credentials",
    "compliance": "rolescope.cli.compliance:compliance",
    "diff": "rolescope.cli.diff:diff",
    "fix": "rolescope.cli.fix:fix",
    "template": "rolescope.cli.template:template",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            module_name, attribute = COMMANDS[cmd_name].split(":")
            command = getattr(importlib.import_module(module_name), attribute)
            if not isinstance(command, click.Command):
                raise TypeError(f"{COMMANDS[cmd_name]} is not a click command")
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="rolescope")
def cli() -> None:
    """Who, from outside an AWS account, can assume which IAM role, and under what conditions."""


def main() -> None:
    """Entry point: click's errors are one line; an unexpected error is one line too, exit 2."""
    try:
        # Without standalone mode click returns the code of a click.exceptions.Exit instead of raising it.
        code = cli.main(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.exceptions.Abort:
        say("rolescope: aborted", err=True)
        sys.exit(130)
    except click.ClickException as error:
        if isinstance(error, click.UsageError) and not hasattr(error, "show_one_line"):
            say(f"rolescope: error: {error.format_message()}", err=True)
            sys.exit(2)
        error.show()
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        say("rolescope: interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as error:
        say(f"rolescope: error: unexpected {type(error).__name__}: {error}", err=True)
        sys.exit(2)
