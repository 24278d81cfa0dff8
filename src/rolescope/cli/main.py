"""The ``rolescope`` command group. Each subcommand lives in its own module."""

from __future__ import annotations

import sys

import click

from rolescope import __version__
from rolescope.cli.check_policy import check_policy
from rolescope.cli.compliance import compliance
from rolescope.cli.credentials import credentials
from rolescope.cli.demo import demo
from rolescope.cli.diff import diff
from rolescope.cli.export import export
from rolescope.cli.fix import fix
from rolescope.cli.graph import graph
from rolescope.cli.scan import scan
from rolescope.cli.simulate import simulate
from rolescope.cli.template import template
from rolescope.cli.whoami import whoami


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="rolescope")
def cli() -> None:
    """Who, from outside an AWS account, can assume which IAM role, and under what conditions."""


cli.add_command(check_policy)
cli.add_command(simulate)
cli.add_command(scan)
cli.add_command(demo)
cli.add_command(graph)
cli.add_command(export)
cli.add_command(whoami)
cli.add_command(credentials)
cli.add_command(compliance)
cli.add_command(diff)
cli.add_command(fix)
cli.add_command(template)


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
        click.echo("rolescope: aborted", err=True)
        sys.exit(130)
    except click.ClickException as error:
        if isinstance(error, click.UsageError) and not hasattr(error, "show_one_line"):
            click.echo(f"rolescope: error: {error.format_message()}", err=True)
            sys.exit(2)
        error.show()
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        click.echo("rolescope: interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as error:
        click.echo(f"rolescope: error: unexpected {type(error).__name__}: {error}", err=True)
        sys.exit(2)
