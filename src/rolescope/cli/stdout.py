"""Standard output for reports, where a reader that goes away (``| head``) ends the command quietly
(see :data:`rolescope.cli.errors.EXIT_BROKEN_PIPE`), and a pipe or a file gets lines as long as they need."""

from __future__ import annotations

from rich.console import Console

# Off a terminal, nothing re-wraps what rich cut: a CI log or `| grep` must get every ARN on one line.
# Tables and panels are as wide as their content; this is only the limit rich lays them out within.
UNWRAPPED_WIDTH = 1_000_000


class ReportConsole(Console):
    """A rich console on standard output whose broken pipe is a :class:`BrokenPipeError` for the entry
    point to handle (rich itself exits 1, the code that means "findings"); on a terminal it wraps at the
    terminal's width, elsewhere never."""

    def __init__(self) -> None:
        super().__init__()
        if not self.is_terminal:
            self.width = UNWRAPPED_WIDTH

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError("standard output was closed")
