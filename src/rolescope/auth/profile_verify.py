"""Checking written profiles the way the AWS CLI would use them: botocore resolves each, STS answers.

Each profile gets its own :class:`~rolescope.auth.session.BaseSession` (so ``source_profile`` chains,
``credential_source``, ``external_id``, ``duration_seconds`` and ``mfa_serial`` are read by botocore
itself, from the file just written), all sharing one MFA prompter: a person types one code for the
whole run, as ``scan`` asks.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

from rolescope.auth.errors import describe_error
from rolescope.auth.identity import Identity, caller_identity
from rolescope.auth.session import BaseSession


@dataclass(frozen=True, slots=True)
class Verified:
    """One profile's outcome: who it became, or why it failed (one line)."""

    profile: str
    identity: Identity | None = None
    error: str | None = None

    @property
    def works(self) -> bool:
        return self.identity is not None


def verify_profiles(names: Sequence[str], prompter: Callable[[str], str], cache: MutableMapping[str, Any],
                    region: str | None = None) -> list[Verified]:
    """Assume each profile through botocore and ask STS who it is.

    Args:
        names: the profiles, as written to the config file botocore reads (``AWS_CONFIG_FILE``).
        prompter: asks for MFA codes (one :class:`~rolescope.auth.mfa.MfaPrompter`: one code for all).
        cache: the credential cache (the AWS CLI's in the CLI).
        region: where to send STS calls (``None``: the profile's).
    """
    results = []
    for name in names:
        try:
            session = BaseSession(name, region, prompter, cache)
            credentials = session.credentials()
            if credentials is None:
                raise ValueError("botocore found no credentials for it")
            client = session.create_client("sts")
            results.append(Verified(name, identity=caller_identity(client)))
        except Exception as error:  # each profile's failure is its own line, never the run's end
            results.append(Verified(name, error=str(describe_error(error))))
    return results
