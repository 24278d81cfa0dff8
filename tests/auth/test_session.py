"""Reading profiles as botocore does: role chains, MFA devices, overrides of a profile's role."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.auth.fakes import Clock, FakeSts

from rolescope.auth.errors import AuthConfigError
from rolescope.auth.mfa import MfaPrompter
from rolescope.auth.session import BaseSession, ProfileInfo

ROLE = "arn:aws:iam::444455556666:role/Audit"
CONFIG = f"""
[profile keys]
region = eu-west-1
[profile audit]
role_arn = {ROLE}
source_profile = keys
external_id = from-config
[profile chained]
role_arn = arn:aws:iam::777788889999:role/Next
source_profile = audit
mfa_serial = arn:aws:iam::111122223333:mfa/bob
[profile mfa]
role_arn = {ROLE}
source_profile = keys
mfa_serial = arn:aws:iam::111122223333:mfa/alice
[profile via-mfa]
role_arn = arn:aws:iam::777788889999:role/Next
source_profile = mfa
[profile instance]
role_arn = {ROLE}
credential_source = Ec2InstanceMetadata
[profile sso]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Admin
[profile from-sso]
role_arn = {ROLE}
source_profile = sso
[profile loop]
role_arn = {ROLE}
source_profile = loop2
[profile loop2]
role_arn = {ROLE}
source_profile = loop
"""


@pytest.fixture
def session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> type[BaseSession]:
    config = tmp_path / "config"
    config.write_text(CONFIG)
    credentials = tmp_path / "credentials"
    credentials.write_text("[keys]\naws_access_key_id = AKIAFAKE\naws_secret_access_key = fake\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    return BaseSession


def open_profile(session: type[BaseSession], name: str | None, region: str | None = None) -> BaseSession:
    return session(name, region, MfaPrompter(code="123456"), {})


@pytest.mark.parametrize(("name", "info"), [
    ("keys", ProfileInfo("keys")),
    ("audit", ProfileInfo("audit", ROLE)),
    ("chained", ProfileInfo("chained", "arn:aws:iam::777788889999:role/Next",
                            ("arn:aws:iam::111122223333:mfa/bob",), source_is_role=True)),
    ("via-mfa", ProfileInfo("via-mfa", "arn:aws:iam::777788889999:role/Next",
                            ("arn:aws:iam::111122223333:mfa/alice",), source_is_role=True)),
    ("instance", ProfileInfo("instance", ROLE, source_is_role=True)),
    ("from-sso", ProfileInfo("from-sso", ROLE, source_is_role=True)),
    ("loop", ProfileInfo("loop", ROLE, source_is_role=True)),  # a cycle ends the walk; botocore reports it
])
def test_profile_info(session: type[BaseSession], name: str, info: ProfileInfo) -> None:
    assert open_profile(session, name).info == info


def test_region_and_profile(session: type[BaseSession]) -> None:
    assert open_profile(session, "keys").region == "eu-west-1"
    assert open_profile(session, "keys", "us-west-2").region == "us-west-2"
    assert open_profile(session, None).profile == "default"
    with pytest.raises(AuthConfigError, match=r"profile 'nope' not found in .*config or .*credentials"):
        open_profile(session, "nope")


def assumed_with(session: BaseSession) -> dict[str, Any]:
    """The AssumeRole arguments the profile's own role is assumed with (a fake STS answers), after its source's."""
    sts = FakeSts(Clock())
    session.create_client = sts.creator  # type: ignore[method-assign]
    session.credentials().get_frozen_credentials()
    sent: dict[str, Any] = sts.named("AssumeRole")[-1]
    return sent


def test_override_a_profiles_role(session: type[BaseSession]) -> None:
    audit = open_profile(session, "audit")
    assert assumed_with(open_profile(session, "audit"))["ExternalId"] == "from-config"
    assert audit.override_profile_role("tenant-7", 7200, "override") == []
    sent = assumed_with(audit)
    assert (sent["ExternalId"], sent["DurationSeconds"], sent["RoleSessionName"]) == ("tenant-7", 7200, "override")
    assert audit.botocore.full_config["profiles"]["audit"]["external_id"] == "from-config"  # the file's view kept
    chained = open_profile(session, "chained")
    [note] = chained.override_profile_role(duration=7200)
    assert "AWS caps role chaining at one hour" in note and "'chained'" in note
    chained_sent = assumed_with(chained)  # the hub role first, then the chained one with the override
    assert (chained_sent["RoleArn"], chained_sent["DurationSeconds"]) == ("arn:aws:iam::777788889999:role/Next", 3600)
    with pytest.raises(AuthConfigError, match="does not assume a role"):
        open_profile(session, "keys").override_profile_role("tenant-7")
