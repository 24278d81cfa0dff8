"""What the CLI tests share: a small organisation on disk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.factories import ACCOUNT, MEMBER, OUTSIDER, allow, gaad, organization, role, trust


@pytest.fixture
def org_dir(tmp_path: Path) -> Path:
    tmp_path = tmp_path / "org"
    tmp_path.mkdir()
    (tmp_path / f"{ACCOUNT}.json").write_text(json.dumps(gaad(
        role("open", trust(allow({"AWS": OUTSIDER}))),
        role("public", trust(allow("*"))),
        role("ec2", trust(allow({"Service": "ec2.amazonaws.com"}))),
    )))
    (tmp_path / f"{MEMBER}.json").write_text(json.dumps(gaad(
        role("audit", trust(allow({"AWS": ACCOUNT}, condition={"StringEquals": {"sts:ExternalId": "n" * 20}})),
             account=MEMBER),
    )))
    (tmp_path / "org.json").write_text(json.dumps(organization(ACCOUNT, MEMBER)))
    return tmp_path
