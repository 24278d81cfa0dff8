"""IAM's own size limits on policy documents, so a document IAM could never hold is refused up front.

The figures are the IAM and STS quotas (AWS IAM User Guide, "IAM and AWS STS quotas, name
requirements, and character limits"). IAM does not count white space against them; neither do we,
and we count all of it (inside strings too), so we only refuse what IAM would refuse as well.
"""

from __future__ import annotations

from dataclasses import dataclass

from rolescope.policy.errors import PolicyError

_WHITE_SPACE = " \t\n\r"


class PolicyTooLarge(PolicyError):
    """A document larger than IAM accepts for its kind."""


@dataclass(frozen=True, slots=True)
class SizeLimit:
    """The most characters (white space not counted) IAM accepts in one kind of policy document.

    Attributes:
        document: the kind of document, for messages.
        characters: the largest size IAM accepts, quota increases included.
        source: the quota it comes from, for messages.
    """

    document: str
    characters: int
    source: str


ROLE_TRUST_POLICY = SizeLimit(
    "role trust policy", 8192,
    "IAM quota 'Role trust policy length' (L-C07B4B0D): 2,048 characters by default, 8,192 at most "
    "after a quota increase",
)


def counted_characters(text: str) -> int:
    """The length of ``text`` as IAM counts it against its size limits: white space left out."""
    return len(text) - sum(text.count(c) for c in _WHITE_SPACE)


def check_size(text: str, limit: SizeLimit) -> None:
    """Refuse ``text`` if it is larger than IAM accepts for this kind of document.

    Raises:
        PolicyTooLarge: naming the size, the limit and the quota it comes from.
    """
    size = counted_characters(text)
    if size > limit.characters:
        raise PolicyTooLarge(f"{size:,} characters (white space not counted) is more than a {limit.document} "
                          f"can hold: {limit.characters:,} ({limit.source})")
