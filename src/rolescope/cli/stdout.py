"""Standard output for reports, where a reader that goes away (``| head``) ends the command quietly
(see :data:`rolescope.cli.errors.EXIT_BROKEN_PIPE`)."""

from __future__ import annotations

from rich.console import Console


class ReportConsole(Console):
    """A rich console on standard output whose broken pipe is a :class:`BrokenPipeError` for the entry
    point to handle (rich itself exits 1, the code that means "findings")."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError("standard output was closed")
