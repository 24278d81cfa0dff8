"""The ``rolescope`` command group. Each subcommand lives in its own module."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import NoReturn

import click

from rolescope import __version__
from rolescope.cli.config_file import HELP_ASKED, config_options, hoist_config_options, use_config
from rolescope.cli.errors import EXIT_BROKEN_PIPE, silence_stdout
from rolescope.cli.say import say
from rolescope.userfiles import UnwritableFile

# name -> "module:attribute". Commands are imported when used, so `rolescope check-policy` does not
# pay for botocore and jinja2 at start-up.
COMMANDS = {
    "check-policy": "rolescope.cli.check_policy:check_policy",
    "check-iac": "rolescope.cli.check_iac:check_iac_command",
    "simulate": "rolescope.cli.simulate:simulate",
    "scan": "rolescope.cli.scan:scan",
    "demo": "rolescope.cli.demo:demo",
    "graph": "rolescope.cli.graph:graph",
    "who-can-assume": "rolescope.cli.who_can_assume:who_can_assume_command",
    "can-assume": "rolescope.cli.can_assume:can_assume_command",
    "path": "rolescope.cli.path:path_command",
    "export": "rolescope.cli.export:export",
    "whoami": "rolescope.cli.whoami:whoami",
    "credentials": "rolescope.cli.credentials:credentials",
    "compliance": "rolescope.cli.compliance:compliance",
    "diff": "rolescope.cli.diff:diff",
    "fix": "rolescope.cli.fix:fix",
    "template": "rolescope.cli.template:template",
    "profiles": "rolescope.cli.profiles:profiles",
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

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        args = hoist_config_options(args)
        options = args[:args.index("--")] if "--" in args else args
        ctx.meta[HELP_ASKED] = any(a in ("-h", "--help") for a in options)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except BrokenPipeError as error:
            raise ReaderGone from error  # click would exit 1 on it, the code of findings


class ReaderGone(Exception):
    """Standard output's reader went away (``rolescope scan | head -1``)."""


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="rolescope")
@config_options
@click.pass_context
def cli(ctx: click.Context, config_file: Path | None, no_config: bool) -> None:
    """Who, from outside an AWS account, can assume which IAM role, and under what conditions."""
    use_config(ctx, config_file, no_config)


def main() -> None:
    """Entry point: click's errors are one line; an unexpected error is one line too, exit 2."""
    try:
        # Without standalone mode click returns the code of a click.exceptions.Exit instead of raising it.
        # The name is given, not guessed from argv: under `python -m rolescope` click would call the program
        # "python -m rolescope" in its usage lines and look for _PYTHON _M ROLESCOPE_COMPLETE for completion.
        code = cli.main(standalone_mode=False, prog_name="rolescope", complete_var="_ROLESCOPE_COMPLETE")
        if isinstance(code, int) and code:
            sys.exit(code)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.exceptions.Abort as abort:
        # click turns Ctrl-C into Abort; what the scan noted (which reports it replaced) is on the cause
        if isinstance(abort.__cause__, KeyboardInterrupt):
            _fail("rolescope: interrupted", abort.__cause__, 130)
        say("rolescope: aborted", err=True)
        sys.exit(130)
    except click.exceptions.NoArgsIsHelpError as error:
        error.show()  # `rolescope fix` alone: its help, which is not an error message (exit 2: nothing was done)
        sys.exit(2)
    except click.ClickException as error:
        if isinstance(error, click.UsageError) and not hasattr(error, "show_one_line"):
            say(f"rolescope: error: {error.format_message()}", err=True)
            sys.exit(2)
        error.show()
        sys.exit(error.exit_code)
    except KeyboardInterrupt as interrupt:
        _fail("rolescope: interrupted", interrupt, 130)
    except (BrokenPipeError, ReaderGone):
        silence_stdout()
        sys.exit(EXIT_BROKEN_PIPE)
    except UnwritableFile as error:
        _fail(f"rolescope: error: {error}", error, 2)
    except Exception as error:
        _fail(f"rolescope: error: unexpected {type(error).__name__}: {error}", error, 2)


def _fail(message: str, error: BaseException, code: int) -> NoReturn:
    """Print ``message`` and what the library noted on ``error`` (which reports were replaced...); exit."""
    say(message, err=True)
    for note in getattr(error, "__notes__", ()):
        say(f"rolescope: {note}", err=True)
    sys.exit(code)
