"""The witness index only narrows: on random policies it drops no caller the search would admit, finds
exactly the Deny statements that cover each caller, and the requirements it lets the analysis skip
searching for come out as the full search would find them."""

from __future__ import annotations

from hypothesis import given, note
from tests.trust.test_search_properties import policies, zones

from rolescope.policy.evaluate import statement_covers
from rolescope.policy.model import Effect, PolicyDocument
from rolescope.policy.request_time import TIME_KEYS
from rolescope.trust.analysis import REQUIREMENT_KEYS, UNPINNED, analyse_trust
from rolescope.trust.search import find_request
from rolescope.trust.witness import Mfa, Zone, caller_witnesses
from rolescope.trust.witness_index import WitnessIndex


@given(policies(), zones())
def test_index_keeps_every_admitted_caller_and_the_denies_that_cover_it(policy: PolicyDocument,
                                                                          zone: Zone) -> None:
    witnesses = caller_witnesses(policy, zone)
    index = WitnessIndex(witnesses, policy.statements)
    for witness in witnesses:
        naive = [d for d in policy.statements
                 if d.effect is Effect.DENY and statement_covers(d, witness.caller, witness.action)]
        assert index.denies_for(witness) == naive
    for statement in policy.statements:
        if statement.effect is not Effect.ALLOW:
            continue
        covered = index.covered(statement)
        admitted = [w for w in witnesses if find_request(policy, statement, w) is not None]
        note(f"{statement.label}: {len(covered)} covered, {len(admitted)} admitted")
        assert [w for w in covered if w in admitted] == admitted
        assert all(statement_covers(statement, w.caller, w.action) for w in covered)


@given(policies(), zones())
def test_requirements_match_a_search_for_every_key(policy: PolicyDocument, zone: Zone) -> None:
    analysis = analyse_trust(policy, zone)
    witnesses = caller_witnesses(policy, zone)
    named = {key: name for name, keys in REQUIREMENT_KEYS.items() for key in keys}
    keys_by_name: dict[str, list[str]] = {}
    for key in sorted({c.key for s in policy.statements for c in s.conditions}):
        # A time window is when a path is open, not a requirement (TrustAnalysis.opens).
        if key not in ("aws:multifactorauthpresent", "aws:multifactorauthage", *TIME_KEYS):
            keys_by_name.setdefault(named.get(key, key), []).append(key)
    for path in analysis.paths:
        statement = policy.statements[path.statement]
        admitted = [w for w in witnesses if w.scope is path.scope and find_request(policy, statement, w) is not None]
        expected = []
        for name, keys in keys_by_name.items():  # the strategies' keys are all aws: and sts: keys
            extra = dict.fromkeys(keys, UNPINNED)
            if all(find_request(policy, statement, w, extra) is None for w in admitted):
                expected.append(name)
        found = [r for r in path.requires if r in keys_by_name]
        note(f"{statement.label} {path.scope}: {path.requires}")
        assert found == expected
        mfa_states = [w.mfa for w in admitted]
        if any(m is not None for m in mfa_states):
            without = [w for w in admitted if w.mfa is not None and w.mfa is not Mfa.MFA]
            assert ("mfa" in path.requires) == all(find_request(policy, statement, w) is None for w in without)
