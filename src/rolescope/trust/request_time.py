"""When a request can be made: the time keys solved together, at the scan's clock or later.

IAM sets ``aws:CurrentTime`` and ``aws:EpochTime`` to the time of the request (see
:mod:`rolescope.policy.request_time`), so the search cannot pick them freely as it picks an
ExternalId: it picks one moment, no earlier than the clock, and both keys follow from it. Every
condition on them compares that moment with the policy's constants, so its truth changes only at
those constants: trying the clock and the seconds around each constant decides exactly whether some
moment works, and trying them in order finds the earliest.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from rolescope.caches import memoized
from rolescope.policy.conditions import condition_holds
from rolescope.policy.request_time import TIME_KEYS, time_keys
from rolescope.policy.values import as_epoch, as_number
from rolescope.trust.keyspace import Atom, KeySpec, Presence


def solve_time(atoms: Sequence[Atom], clock: int | None, extra: Mapping[str, KeySpec] | None = None
               ) -> dict[str, tuple[str, ...]] | None:
    """The time keys of the earliest request, made at ``clock`` or later, that meets every atom.

    Args:
        atoms: the conditions on ``aws:CurrentTime`` and ``aws:EpochTime``, each with the truth the
            search needs from it.
        clock: the scan's clock in epoch seconds (``None``: any moment since the epoch).
        extra: further constraints on keys; a time key asked to be absent or chosen by the caller
            cannot be met.

    Returns:
        Both time keys for that moment, or ``None`` when no moment from the clock on meets the atoms.
    """
    for key in TIME_KEYS:
        spec = (extra or {}).get(key)
        if spec is not None and (spec.unpinned or spec.presence is Presence.ABSENT or spec.fixed is not None):
            return None
    moment = _earliest(tuple(atoms), 0 if clock is None else clock)
    return None if moment is None else time_keys(moment)


@memoized(16384)
def _earliest(atoms: tuple[Atom, ...], clock: int) -> int | None:
    for moment in _candidates(atoms, clock):
        context = time_keys(moment)
        if all(condition_holds(condition, context) == truth for condition, truth in atoms):
            return moment
    return None


def _candidates(atoms: tuple[Atom, ...], clock: int) -> list[int]:
    """The clock and the seconds on and around each constant the atoms compare with, from the clock on."""
    moments = {clock}
    for condition, _ in atoms:
        for value in condition.values:
            point = as_number(value) if condition.family.numeric else as_epoch(value)
            if point is None:
                continue
            low, high = math.floor(point), math.ceil(point)
            moments.update((low - 1, low, high, high + 1))
    return sorted(m for m in moments if m >= clock)
