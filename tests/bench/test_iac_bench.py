"""The check-iac benchmark's generated tree: every kind read, no file in error, the expected roles."""

from __future__ import annotations

from pathlib import Path

from bench.iac import ACCOUNT, KINDS, generate

from rolescope.checks.context import CheckSettings
from rolescope.iac.run import check_iac
from rolescope.trust.witness import Zone


def test_the_generated_templates_are_all_read(tmp_path: Path) -> None:
    generate(tmp_path, 8)
    result = check_iac([tmp_path], Zone(ACCOUNT), CheckSettings(), root=tmp_path)
    assert result.errors == [] and result.skipped == []
    assert {path.split("/")[0] for path in result.files} == set(KINDS)
    assert len(result.verdicts) == 8 * 4
    assert result.findings  # the shapes do exercise the checks
