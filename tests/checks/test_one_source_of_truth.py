"""The registry, the catalogue, the settings and the fixers name the same checks and thresholds.

A check added to one and forgotten in another would be a finding with no title, a catalogue entry
nothing emits, a parameter nothing reads, or a finding ``rolescope fix`` neither fixes nor explains.
"""

from __future__ import annotations

from dataclasses import fields

from rolescope.checks.catalogue import load_catalogue
from rolescope.checks.context import CheckSettings
from rolescope.checks.registry import CHECK_IDS
from rolescope.remediate.fixers import FIXERS, NOT_TRUST_FIXES
from rolescope.remediate.session_duration import CHECK as SESSION_CHECK


def test_registry_catalogue_and_fixers_name_the_same_checks() -> None:
    assert len(set(CHECK_IDS)) == len(CHECK_IDS)
    assert set(load_catalogue().checks) == set(CHECK_IDS)
    assert not set(FIXERS) & set(NOT_TRUST_FIXES), "a check is both fixed and declared unfixable"
    assert SESSION_CHECK not in set(FIXERS) | set(NOT_TRUST_FIXES), "a role setting, fixed beside the trust policy"
    assert set(FIXERS) | set(NOT_TRUST_FIXES) | {SESSION_CHECK} == set(CHECK_IDS)


def test_every_catalogue_parameter_is_a_setting_the_checks_read() -> None:
    settable = {f.name for f in fields(CheckSettings)}
    names = [name for info in load_catalogue().checks.values() for name in info.parameters]
    assert len(names) == len(set(names)), "a parameter name must say which threshold it is"
    assert set(names) <= settable
