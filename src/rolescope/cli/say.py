"""Printing lines for people: whatever they quote from files or AWS is shown, never obeyed."""

from __future__ import annotations

import click

from rolescope.textsafe import safe_lines, safe_text


def say(text: str, *, err: bool = False, nl: bool = True) -> None:
    """Echo one line, its invisible characters (line breaks too) shown as escapes (see
    :mod:`rolescope.textsafe`): a name holding ESC or a newline can neither drive the terminal nor
    forge a line."""
    click.echo(safe_text(text), err=err, nl=nl)


def say_block(text: str, *, nl: bool = True) -> None:
    """Echo a block of lines (a diff, a command, a template), each made safe, its line breaks kept."""
    click.echo(safe_lines(text), nl=nl)
