"""The corrected trust policies a report shows, as data: the renderers show them, never compute them.

They come from the remediation planner (:mod:`rolescope.remediate.report_fixes`), which sits above
report/: whoever writes the reports asks it once for the finished document's :class:`Fixes` and hands
them to the renderer, so a page is the scan document and these, nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from rolescope.report.model import ScanDocument


@dataclass(frozen=True, slots=True)
class CorrectedPolicy:
    """One role's corrected trust policy, re-analysed by the planner, as a report shows it.

    Attributes:
        checks: the checks it closes on the role.
        steps: what each fix does, in order.
        warnings: what the reviewer should know.
        notify: the outside accounts that must be told the new ExternalId.
        external_id: the ExternalId it requires, when it adds or replaces one.
        diff: the unified diff from the current policy, line by line.
        policy: the corrected policy as JSON text.
        cli: the AWS CLI command that applies it.
        terraform: the ``assume_role_policy`` argument that declares it.
    """

    checks: tuple[str, ...]
    steps: tuple[str, ...]
    warnings: tuple[str, ...]
    notify: tuple[str, ...]
    external_id: str | None
    diff: tuple[str, ...]
    policy: str
    cli: str
    terraform: str


@dataclass(frozen=True, slots=True)
class Fixes:
    """Corrected trust policies by finding id, and why the other findings have none.

    Attributes:
        by_finding: finding id -> the corrected policy of its role.
        reasons: (role ARN, check) -> why no trust-policy edit closes that finding.
        error: why the planner could not run, when it could not (the page says so).
    """

    by_finding: Mapping[str, CorrectedPolicy] = field(default_factory=dict)
    reasons: Mapping[tuple[str, str], str] = field(default_factory=dict)
    error: str | None = None


# The corrected policies of a finished scan document (see rolescope.remediate.report_fixes).
FixPlanner = Callable[[ScanDocument], Fixes]
