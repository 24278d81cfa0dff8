"""Pins of what rolescope relies on in botocore beyond its documented interfaces, one test per reliance.

A botocore upgrade that changes one of them fails here, by name, before it fails a scan.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.credentials import (
    AssumeRoleProvider,
    CredentialResolver,
    Credentials,
    DeferredRefreshableCredentials,
    RefreshableCredentials,
    create_credential_resolver,
)
from botocore.exceptions import CredentialRetrievalError
from botocore.stub import Stubber
from tests.auth.fakes import Clock, FakeSts, Person

from rolescope.auth.botocore_adapter import (
    credential_expiry,
    keep_policy_documents_encoded,
    on_each_attempt,
    on_each_operation,
    replace_provider,
    retrieval_failure,
    set_renewal_windows,
    share_service_models,
    use_credentials,
)
from rolescope.auth.mfa import MfaPrompter
from rolescope.auth.session import BaseSession

SERIAL = "arn:aws:iam::111122223333:mfa/alice"


@pytest.fixture
def mfa_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    config = tmp_path / "config"
    config.write_text(f"[profile mfa]\nrole_arn = arn:aws:iam::444455556666:role/Audit\nsource_profile = keys\n"
                      f"mfa_serial = {SERIAL}\n")
    credentials = tmp_path / "credentials"
    credentials.write_text("[keys]\naws_access_key_id = AKIAFAKE\naws_secret_access_key = fake\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    return "mfa"


def test_the_profile_role_provider_asks_with_our_prompter_in_botocores_place(mfa_profile: str) -> None:
    person = Person("424242")
    session = BaseSession(mfa_profile, "us-east-1", MfaPrompter(person), {})
    resolver = session.botocore.get_component("credential_provider")
    stock = create_credential_resolver(botocore.session.Session(profile=mfa_profile))
    assert [p.METHOD for p in resolver.providers] == [p.METHOD for p in stock.providers]  # same chain, same order
    sts = FakeSts(Clock())
    session.create_client = sts.creator  # type: ignore[method-assign]
    session.credentials().get_frozen_credentials()
    assert person.prompts == [f"Enter MFA code for {SERIAL}: "]
    [sent] = sts.named("AssumeRole")
    assert (sent["SerialNumber"], sent["TokenCode"]) == (SERIAL, "424242")


class Named:
    def __init__(self, method: str) -> None:
        self.METHOD = method


def test_replace_provider_keeps_the_position_in_the_chain() -> None:
    theirs, ours = Named(AssumeRoleProvider.METHOD), Named(AssumeRoleProvider.METHOD)
    resolver = CredentialResolver([Named("env"), theirs, Named("shared-credentials-file")])
    replace_provider(resolver, ours)
    assert [p.METHOD for p in resolver.providers] == ["env", "assume-role", "shared-credentials-file"]
    assert resolver.get_provider("assume-role") is ours


def test_a_session_on_given_credentials_and_shared_service_models() -> None:
    source, target = botocore.session.Session(), botocore.session.Session()
    given = Credentials("AKIAGIVEN", "secret", "token")
    use_credentials(target, given)
    assert target.get_credentials() is given
    share_service_models(source, target)
    assert target.get_component("data_loader") is source.get_component("data_loader")


def test_renewal_windows_decide_when_deferred_credentials_renew() -> None:
    clock = Clock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    fetched: list[datetime] = []

    def fetch() -> dict[str, Any]:
        fetched.append(clock())
        return {"access_key": f"ASIA{len(fetched)}", "secret_key": "s", "token": "t",
                "expiry_time": (clock() + timedelta(minutes=15)).isoformat()}

    credentials = DeferredRefreshableCredentials(fetch, "test", time_fetcher=clock)
    set_renewal_windows(credentials, 300, 150)
    credentials.get_frozen_credentials()
    clock.advance(minutes=9)  # 6 minutes left: botocore's own 15-minute window would renew
    credentials.get_frozen_credentials()
    assert len(fetched) == 1
    clock.advance(minutes=2)  # 4 minutes left: inside the 5-minute window
    assert credentials.get_frozen_credentials().access_key == "ASIA2"


def test_the_expiry_of_refreshable_credentials() -> None:
    end = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    refreshable = RefreshableCredentials.create_from_metadata(
        {"access_key": "ASIA", "secret_key": "s", "token": "t", "expiry_time": end.isoformat()},
        refresh_using=lambda: {}, method="test")
    assert credential_expiry(refreshable) == end
    assert credential_expiry(Credentials("AKIA", "s")) is None
    assert credential_expiry(DeferredRefreshableCredentials(lambda: {}, "test")) is None  # not fetched yet


def iam_client() -> Any:
    return botocore.session.Session().create_client(
        "iam", region_name="us-east-1", aws_access_key_id="AKIAFAKE", aws_secret_access_key="fake")


ENCODED = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D"


def get_role(client: Any) -> Any:
    role = {"Path": "/", "RoleName": "r", "RoleId": "AROAFAKEFAKEFAKEFAKE1", "Arn": "arn:aws:iam::1:role/r",
            "CreateDate": datetime(2026, 1, 1, tzinfo=UTC), "AssumeRolePolicyDocument": ENCODED}
    with Stubber(client) as stubber:
        stubber.add_response("get_role", {"Role": role})
        return client.get_role(RoleName="r")["Role"]["AssumeRolePolicyDocument"]


def test_policy_documents_stay_encoded() -> None:
    assert get_role(iam_client()) == {"Version": "2012-10-17", "Statement": []}  # botocore decodes them
    client = iam_client()
    keep_policy_documents_encoded(client)
    assert get_role(client) == ENCODED


class Body:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Any:
        yield self.data


IDENTITY = (b'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>'
            b"<Arn>arn:aws:iam::111122223333:user/alice</Arn><UserId>AIDAFAKE</UserId><Account>111122223333</Account>"
            b"</GetCallerIdentityResult></GetCallerIdentityResponse>")
THROTTLED = b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>slow down</Message></Error>" \
            b"</ErrorResponse>"


def test_each_operation_and_each_attempt_are_seen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("time.sleep", lambda _: None)  # the retry's back-off
    client = botocore.session.Session().create_client(
        "sts", region_name="us-east-1", aws_access_key_id="AKIAFAKE", aws_secret_access_key="fake",
        config=Config(retries={"mode": "standard", "max_attempts": 3}))
    operations: list[str] = []
    attempts: list[int] = []
    on_each_operation(client, operations.append)
    on_each_attempt(client, lambda: attempts.append(1))
    answers = [(400, THROTTLED), (200, IDENTITY)]

    def answer(request: Any, **_: Any) -> AWSResponse:  # stands in for the network, after the counters
        status, body = answers.pop(0)
        return AWSResponse(request.url, status, {}, Body(body))

    client.meta.events.register("before-send", answer)
    assert client.get_caller_identity()["Account"] == "111122223333"
    assert operations == ["GetCallerIdentity"]
    assert len(attempts) == 2  # the throttled attempt and its retry


def test_a_retrieval_failure_names_its_provider_and_detail() -> None:
    error = CredentialRetrievalError(provider="custom-process", error_msg="token expired")
    assert retrieval_failure(error) == ("custom-process", "token expired")
    assert "custom-process" in str(error) and "token expired" in str(error)
