"""Asking for MFA: the device once, the one-time code once per run, never echoed.

botocore calls a *prompter* (``prompt -> answer``) whenever an AssumeRole call needs a ``TokenCode``.
:class:`MfaPrompter` is that prompter: it asks through an injected ``ask`` function (the terminal in
the CLI, a fake in tests) the first time and answers every later call with the same code, so a run
that reaches many accounts asks a person once.
"""

from __future__ import annotations

import getpass
import os
import sys
import threading
from collections.abc import Callable

from rolescope.auth.errors import MfaError
from rolescope.auth.validate import validate_mfa_code, validate_mfa_serial
from rolescope.textsafe import safe_text

# (prompt, secret) -> the answer, without its line ending.
Ask = Callable[[str, bool], str]


def ask_terminal(prompt: str, secret: bool) -> str:
    """Ask the person at the controlling terminal; without one, read a line from standard input.

    The prompt goes to the terminal itself (``/dev/tty``), so it shows even when standard error is
    captured, as when the AWS CLI runs ``rolescope credentials`` as a ``credential_process``.
    Secret answers are read without echo. The prompt names the role or device from the AWS config;
    what is invisible in it is shown as escapes (see :mod:`rolescope.textsafe`).

    Raises:
        MfaError: standard input closed before an answer.
    """
    prompt = safe_text(prompt)
    if os.name == "nt":  # pragma: no cover - no /dev/tty on Windows
        return getpass.getpass(prompt) if secret else input(prompt)
    try:
        terminal = open("/dev/tty", "r+", encoding="utf-8")  # noqa: SIM115 - closed below
    except OSError:
        terminal = None
    if terminal is not None:
        with terminal:
            if secret:
                return getpass.getpass(prompt)
            terminal.write(prompt)
            terminal.flush()
            line = terminal.readline()
    else:
        sys.stderr.write(prompt)
        sys.stderr.flush()
        line = sys.stdin.readline()
    if not line:
        raise MfaError("no answer to the MFA prompt: standard input is closed")
    return line.strip()


class MfaPrompter:
    """botocore's MFA prompter, asking once per run.

    Args:
        ask: how to ask a person (``ask(prompt, secret)``).
        code: a code given up front (``--mfa-code``): never ask.
    """

    def __init__(self, ask: Ask = ask_terminal, code: str | None = None) -> None:
        self._ask = ask
        self._code = validate_mfa_code(code) if code is not None else None
        self._lock = threading.Lock()
        self.asked = 0  # how many times a person was asked for a code
        self.used = 0  # how many times a code was handed out

    def give(self, code: str) -> None:
        """Use ``code`` instead of asking (a code given up front, once the options are settled)."""
        with self._lock:
            self._code = validate_mfa_code(code)

    def __call__(self, prompt: str) -> str:
        with self._lock:
            if self._code is None:
                self.asked += 1
                try:
                    self._code = validate_mfa_code(self._ask(prompt, True))
                except ValueError as error:
                    raise MfaError(str(error)) from None
            self.used += 1
            return self._code


def ask_mfa_serial(ask: Ask = ask_terminal) -> str:
    """Ask for the MFA device (``--mfa`` without ``--mfa-serial``), and validate the answer."""
    answer = ask("MFA device ARN (arn:aws:iam::ACCOUNT_ID:mfa/NAME): ", False)
    return validate_mfa_serial(answer)
