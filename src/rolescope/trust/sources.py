"""What the source keys of a service request look like when the service acts for another customer.

A service principal calls ``sts:AssumeRole`` with ``aws:SourceAccount``, ``aws:SourceArn``,
``aws:SourceOrgID``/``aws:SourceOrgPaths`` describing the resource it acts for (AWS, "Cross-service
confused deputy prevention": https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html).
An attacker who points the service at this role from their own resource controls which resource that
is, but not which account or organisation owns it: their own. So a condition binds the service when no
value an outsider's resource can carry satisfies it:

- ``aws:SourceAccount``, ``aws:SourceOrgID``, ``aws:SourceOwner``: the outsider's value is one nobody
  wrote (it holds :data:`~rolescope.policy.glob.FRESH`);
- ``aws:SourceArn``: the outsider's ARN names their account in its fifth field
  (``arn:aws:config:*:111122223333:*``, the form AWS recommends, binds; a ``*`` or ``?`` in the account
  field does not); an ARN without an account field (an S3 bucket) binds nothing on its own: once the
  owner deletes the bucket, anybody may create one of that name (the catalogue's rationale says so);
- ``aws:SourceOrgPaths``: the outsider's path starts with their organisation's id.
"""

from __future__ import annotations

from rolescope.policy.glob import FRESH, compile_pattern
from rolescope.trust.keyspace import KeySpec
from rolescope.trust.witness import OUTSIDER_ORG_PATHS, SOURCE_KEYS

SOURCE_ARN, SOURCE_ORG_PATHS = "aws:sourcearn", "aws:sourceorgpaths"
CHOSEN = KeySpec(unpinned=True)
# ARN semantics: the wildcards before the fifth colon stay inside their field.
OUTSIDER_ACCOUNT_ARN = KeySpec(shapes=((compile_pattern(f"arn:*:*:*:*{FRESH}*:*", arn=True), True),))
ACCOUNTLESS_ARN = KeySpec(shapes=((compile_pattern("arn:*:*:*::*", arn=True), True),))


def outsider_sources() -> tuple[dict[str, KeySpec], ...]:
    """The ways a request the service makes for an outsider's resource may carry the source keys: one
    mapping of key to constraint per kind of source ARN (any key may also be absent)."""
    base = dict.fromkeys(SOURCE_KEYS, CHOSEN)
    base[SOURCE_ORG_PATHS] = OUTSIDER_ORG_PATHS
    return tuple({**base, SOURCE_ARN: arn} for arn in (OUTSIDER_ACCOUNT_ARN, ACCOUNTLESS_ARN))
