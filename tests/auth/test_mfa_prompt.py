"""The MFA prompt names a role or device from the AWS config: it is shown, never obeyed."""

from __future__ import annotations

import io

import pytest

from rolescope.auth import mfa


def test_the_prompt_shows_control_characters_as_escapes(monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    def no_terminal(*_: object, **__: object) -> None:
        raise OSError("no controlling terminal")

    monkeypatch.setattr(mfa, "open", no_terminal, raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO("123456\n"))
    answer = mfa.ask_terminal("MFA code for arn:aws:iam::111122223333:mfa/x\x1b]0;pwned\x07\nFAKE: ", False)
    assert answer == "123456"
    prompt = capsys.readouterr().err
    assert prompt == "MFA code for arn:aws:iam::111122223333:mfa/x\\x1b]0;pwned\\x07\\nFAKE: "
