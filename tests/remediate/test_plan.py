"""Planning: a scan in, corrected policies out — each closing its finding, none widening who can assume."""

from __future__ import annotations

import copy
import re
from typing import Any

import orjson
import pytest
from tests.factories import ACCOUNT, MEMBER, ORG_ID, OUTSIDER, allow, role, trust
from tests.remediate.scans import scan_document, scan_json

from rolescope.checks.context import CheckSettings
from rolescope.policy.parse import parse_policy
from rolescope.remediate import fixers
from rolescope.remediate.errors import PlanError, Unfixable
from rolescope.remediate.fixers import FixOptions, FixStep, check_external_id
from rolescope.remediate.plan import Plan, Selection, build_plan, load_plan, plan_document
from rolescope.remediate.session_duration import SessionChange
from rolescope.remediate.source_arns import arns_for
from rolescope.remediate.verify import open_checks
from rolescope.report.reader import DocumentError, parse_document
from rolescope.trust.analysis import analyse_trust
from rolescope.trust.witness import Zone

GITHUB = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
SAML = f"arn:aws:iam::{ACCOUNT}:saml-provider/Okta"
FIXED_ID = "f" * 32


def options(**kwargs: Any) -> FixOptions:
    return FixOptions(generate=lambda: FIXED_ID, **kwargs)


EVERYTHING = Selection()
OWN_ZONE = Zone(ACCOUNT)


def plan_for(*roles: dict[str, Any], org: tuple[str, ...] | None = None, selection: Selection = EVERYTHING,
             **kwargs: Any) -> Plan:
    return build_plan(scan_document(*roles, org_accounts=org), selection, options(**kwargs))


def only_change(plan: Plan) -> Any:
    assert len(plan.changes) == 1, plan.not_fixed
    return plan.changes[0]


def findings_after(document: dict[str, Any], zone: Zone = OWN_ZONE) -> set[str]:
    return set(open_checks(analyse_trust(parse_policy(document), zone), CheckSettings()))


def reasons(plan: Plan, check: str) -> list[str]:
    return [n.reason for n in plan.not_fixed if n.check == check]


def test_external_id_goes_on_the_outside_statement_only() -> None:
    own = allow({"AWS": f"arn:aws:iam::{ACCOUNT}:role/ci"}, sid="Ci")
    outside = allow({"AWS": OUTSIDER}, sid="Vendor")
    change = only_change(plan_for(role("vendor", trust(own, outside))))
    statements = change.after["Statement"]
    assert statements[0] == own
    assert statements[1]["Condition"] == {"StringEquals": {"sts:ExternalId": FIXED_ID}}
    assert change.checks == ("cross-account-without-mfa-or-external-id",)
    assert change.external_id == FIXED_ID and change.notify == (OUTSIDER,)
    assert findings_after(change.after) == set()


def test_generated_external_ids_are_random_and_differ_per_role() -> None:
    scan = scan_document(role("a", trust(allow({"AWS": OUTSIDER}))), role("b", trust(allow({"AWS": OUTSIDER}))))
    plan = build_plan(scan, Selection(), FixOptions())
    ids = {c.external_id for c in plan.changes}
    assert len(ids) == 2 and all(re.fullmatch(r"[0-9a-f]{32}", i or "") for i in ids)
    assert plan.third_parties()[0]["account_id"] == OUTSIDER
    assert {r["external_id"] for r in plan.third_parties()[0]["roles"]} == ids


def test_a_mixed_statement_is_split_so_the_service_keeps_its_access() -> None:
    mixed = allow({"Service": "ecs-tasks.amazonaws.com", "AWS": [OUTSIDER, f"arn:aws:iam::{ACCOUNT}:root"]},
                  sid="Mixed")
    change = only_change(plan_for(role("mixed", trust(mixed)),
                                  selection=Selection(checks=frozenset({"cross-account-without-mfa-or-external-id"}))))
    kept, moved = change.after["Statement"]
    assert kept == {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com",
                                                      "AWS": [f"arn:aws:iam::{ACCOUNT}:root"]},
                    "Action": "sts:AssumeRole", "Sid": "Mixed"}
    assert moved["Principal"] == {"AWS": [OUTSIDER]} and moved["Sid"] == "MixedOutside"
    assert moved["Condition"] == {"StringEquals": {"sts:ExternalId": FIXED_ID}}
    analysis = analyse_trust(parse_policy(change.after), Zone(ACCOUNT))
    assert {p.scope.value for p in analysis.paths if not p.requires} >= {"service", "same-account"}


def test_an_external_id_for_an_organisation_account_warns_about_console_users() -> None:
    change = only_change(plan_for(role("admin", trust(allow({"AWS": MEMBER}))), org=(ACCOUNT, MEMBER)))
    assert any("switch into this role from the AWS console" in w for w in change.warnings)


def test_a_policy_over_the_trust_policy_quota_is_flagged() -> None:
    many = [f"arn:aws:iam::{OUTSIDER}:role/partner-integration-role-{i:03d}" for i in range(40)]
    change = only_change(plan_for(role("big", trust(allow({"AWS": many})))))
    assert any("default quota for a trust policy is 2048" in w for w in change.warnings)


def test_mfa_guard_with_a_maximum_age() -> None:
    change = only_change(plan_for(role("people", trust(allow({"AWS": OUTSIDER}))), guard="mfa", mfa_max_age=3600))
    assert change.after["Statement"][0]["Condition"] == {
        "Bool": {"aws:MultiFactorAuthPresent": "true"},
        "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"},
    }
    assert change.external_id is None and change.notify == ()


def test_mfa_guard_warns_about_a_known_vendor() -> None:
    datadog = "464622532012"
    change = only_change(plan_for(role("dd", trust(allow({"AWS": datadog}))), guard="mfa"))
    assert any("Datadog" in w and "external-id" in w for w in change.warnings)


def test_public_trust_is_narrowed_to_the_organisation() -> None:
    plan = plan_for(role("open", trust(allow("*"))), org=(ACCOUNT, MEMBER),
                    selection=Selection(checks=frozenset({"public-trust"})))
    change = only_change(plan)
    assert change.after["Statement"][0]["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": ORG_ID}}
    assert change.checks == ("public-trust",)


def test_public_trust_without_an_organisation_is_not_guessed() -> None:
    plan = plan_for(role("open", trust(allow("*"))), selection=Selection(checks=frozenset({"public-trust"})))
    assert plan.changes == ()
    assert "--org-id" in reasons(plan, "public-trust")[0]


def test_public_and_cross_account_together() -> None:
    change = only_change(plan_for(role("open", trust(allow("*"))), org_id=ORG_ID))
    assert change.after["Statement"][0]["Condition"] == {
        "StringEquals": {"aws:PrincipalOrgID": ORG_ID, "sts:ExternalId": FIXED_ID}}
    assert set(change.checks) == {"public-trust", "cross-account-without-mfa-or-external-id"}
    assert change.notify == ("*",)


def test_oidc_subject_is_never_invented() -> None:
    github = allow({"Federated": GITHUB}, "sts:AssumeRoleWithWebIdentity",
                   {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}})
    plan = plan_for(role("deploy", trust(github)))
    assert plan.changes == ()
    assert "--oidc-subject" in reasons(plan, "oidc-trust-without-subject")[0]
    change = only_change(plan_for(role("deploy", trust(github)), oidc_subjects=("repo:acme/app:ref:refs/heads/main",)))
    assert change.after["Statement"][0]["Condition"]["StringEquals"] == {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": "repo:acme/app:ref:refs/heads/main"}
    assert set(change.checks) == {"oidc-trust-without-subject", "public-trust"}


def test_an_oidc_subject_that_does_not_confine_is_refused() -> None:
    github = allow({"Federated": GITHUB}, "sts:AssumeRoleWithWebIdentity")
    plan = plan_for(role("deploy", trust(github)), oidc_subjects=("repo:*",))
    assert plan.changes == ()
    assert reasons(plan, "oidc-trust-without-subject")[0].startswith("refused: ")


def test_one_oidc_subject_for_several_roles_is_an_error() -> None:
    github = allow({"Federated": GITHUB}, "sts:AssumeRoleWithWebIdentity")
    scan = scan_document(role("a", trust(github)), role("b", trust(github)))
    with pytest.raises(PlanError, match="--role"):
        build_plan(scan, Selection(), options(oidc_subjects=("repo:acme/app:*",)))
    plan = build_plan(scan, Selection(roles=frozenset({"a"})), options(oidc_subjects=("repo:acme/app:*",)))
    assert [c.role_name for c in plan.changes] == ["a"]
    assert plan.changes[0].after["Statement"][0]["Condition"] == {
        "StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/app:*"}}


def test_saml_audience_needs_a_value() -> None:
    saml = allow({"Federated": SAML}, "sts:AssumeRoleWithSAML")
    assert "--saml-audience" in reasons(plan_for(role("sso", trust(saml))), "saml-trust-without-audience")[0]
    change = only_change(plan_for(role("sso", trust(saml)), saml_audiences=("https://signin.aws.amazon.com/saml",)))
    assert change.after["Statement"][0]["Condition"] == {
        "StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}


def test_service_principal_gets_the_source_account() -> None:
    events = allow({"Service": ["events.amazonaws.com", "scheduler.amazonaws.com"]})
    change = only_change(plan_for(role("events", trust(events))))
    assert change.after["Statement"][0]["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    assert any("acts only for resources in account" in w for w in change.warnings)


def test_source_arn_binds_its_own_service_and_the_others_get_the_account() -> None:
    # AWS Config's recommended form, and Personalize's region-wide one from its confused-deputy page
    config, personalize = f"arn:aws:config:*:{ACCOUNT}:*", f"arn:aws:personalize:us-east-1:{ACCOUNT}:*"
    services = allow({"Service": ["config.amazonaws.com", "events.amazonaws.com"]})
    change = only_change(plan_for(role("svc", trust(services)), source_arns=(config, personalize)))
    conditions = {tuple(s["Principal"]["Service"]) if isinstance(s["Principal"]["Service"], list)
                  else (s["Principal"]["Service"],): s["Condition"] for s in change.after["Statement"]}
    assert conditions == {("events.amazonaws.com",): {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
                          ("config.amazonaws.com",): {"ArnLike": {"aws:SourceArn": config}}}
    assert "service-trust-without-source-condition" not in findings_after(change.after)
    assert "aws:SourceArn" in change.fixes[0]["description"]


def test_a_bucket_source_arn_keeps_the_account_beside_it() -> None:
    bucket = "arn:aws:s3:::amzn-s3-demo-bucket"
    change = only_change(plan_for(role("s3", trust(allow({"Service": "s3.amazonaws.com"}))), source_arns=(bucket,)))
    assert change.after["Statement"][0]["Condition"] == {"ArnLike": {"aws:SourceArn": bucket},
                                                         "StringEquals": {"aws:SourceAccount": ACCOUNT}}


def test_a_source_arn_of_another_account_is_warned_about() -> None:
    other = f"arn:aws:config:*:{OUTSIDER}:*"
    change = only_change(plan_for(role("cfg", trust(allow({"Service": "config.amazonaws.com"}))), source_arns=(other,)))
    assert change.after["Statement"][0]["Condition"] == {"ArnLike": {"aws:SourceArn": other}}
    assert any(f"names account {OUTSIDER}" in w for w in change.warnings)


@pytest.mark.parametrize("principal, service, matches", [
    ("config.amazonaws.com", "config", True),
    ("ecs-tasks.amazonaws.com", "ecs", True),
    ("delivery.logs.amazonaws.com", "logs", True),
    ("states.amazonaws.com.cn", "states", True),
    ("config.amazonaws.com", "lambda", False),
    ("ecs-tasks.amazonaws.com", "tasks", False),
])
def test_a_source_arn_belongs_to_the_principal_of_its_service(principal: str, service: str, matches: bool) -> None:
    arn = f"arn:aws:{service}:*:{ACCOUNT}:*"
    assert arns_for(principal, (arn,)) == ((arn,) if matches else ())


def test_weak_external_id_is_replaced() -> None:
    weak = allow({"AWS": OUTSIDER}, condition={"StringLike": {"sts:ExternalId": "*"}, "Bool": {"aws:SecureTransport":
                                                                                                  "true"}})
    change = only_change(plan_for(role("weak", trust(weak)), selection=Selection(checks=frozenset(
        {"weak-external-id", "cross-account-without-mfa-or-external-id"}))))
    assert change.after["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "true"},
                                                         "StringEquals": {"sts:ExternalId": FIXED_ID}}
    assert set(change.checks) == {"weak-external-id", "cross-account-without-mfa-or-external-id"}
    assert change.notify == (OUTSIDER,)


def test_deleted_principal_is_removed_and_an_empty_statement_dropped() -> None:
    dead = "AROAABCDEFGHIJKLMNOPQ"
    document = trust(allow({"AWS": [dead, f"arn:aws:iam::{ACCOUNT}:role/x"]}), allow({"AWS": dead}, sid="Gone"))
    change = only_change(plan_for(role("stale", document)))
    assert change.after["Statement"] == [allow({"AWS": [f"arn:aws:iam::{ACCOUNT}:role/x"]})]
    plan = plan_for(role("only", trust(allow({"AWS": dead}))))
    assert "cannot be empty" in reasons(plan, "trust-to-deleted-principal")[0]


def test_checks_a_trust_edit_cannot_close_are_explained() -> None:
    plan = plan_for(role("admin", trust(allow({"AWS": OUTSIDER}, condition={
        "StringEquals": {"sts:ExternalId": "x" * 32}})), managed=("AdministratorAccess",)))
    assert plan.changes == ()
    assert "detach" in reasons(plan, "privileged-cross-account-role")[0]


def test_a_long_session_is_lowered_beside_the_trust_policy() -> None:
    guarded = trust(allow({"AWS": OUTSIDER}, condition={"StringEquals": {"sts:ExternalId": "x" * 32}}))
    change = only_change(plan_for(role("vendor", guarded, max_session=43200)))
    assert (change.before, change.after) == (guarded, guarded) and not change.trust_changes
    assert change.max_session == SessionChange(43200, 3600) and change.checks == ("long-session-cross-account-role",)
    document = plan_document(Plan((change,)))["changes"][0]
    assert document["max_session_duration"] == {"before": 43200, "after": 3600}
    assert document["cli"] == "aws iam update-role --role-name vendor --max-session-duration 3600"
    assert document["terraform"].endswith("max_session_duration = 3600\n")
    assert load_plan(orjson.loads(orjson.dumps(plan_document(Plan((change,)))))).changes[0].max_session == \
        change.max_session

    both = only_change(plan_for(role("open", trust(allow({"AWS": OUTSIDER})), max_session=7200),
                                max_session_seconds=5400))
    assert both.trust_changes and both.max_session == SessionChange(7200, 5400)
    assert set(both.checks) == {"cross-account-without-mfa-or-external-id", "long-session-cross-account-role"}
    assert plan_document(Plan((both,)))["changes"][0]["cli"].count("\naws iam update-role") == 1


@pytest.mark.parametrize("value, message", [
    ({"before": 3600, "after": 43200}, "only lowers"),
    ({"before": 43200, "after": 900}, "whole seconds"),
    ({"before": 43200}, "before and after"),
    ({"before": 43200, "after": "3600"}, "whole seconds"),
    ([43200, 3600], "before and after"),
])
def test_a_plan_that_lengthens_or_garbles_a_session_is_refused(value: Any, message: str) -> None:
    plan = plan_document(Plan((only_change(plan_for(role("v", trust(allow({"AWS": OUTSIDER})), max_session=43200))),)))
    plan["changes"][0]["max_session_duration"] = value
    with pytest.raises(PlanError, match=message):
        load_plan(plan)


def test_aws_managed_roles_are_left_alone() -> None:
    plan = plan_for(role("AWSReservedSSO_Admin_0123", trust(allow({"AWS": OUTSIDER})),
                         path="/aws-reserved/sso.amazonaws.com/"))
    assert plan.changes == () and "AWS manages" in plan.not_fixed[0].reason


@pytest.mark.parametrize(("name", "path", "refused"), [
    ('ops"admin', "/", "IAM refuses the role name 'ops\"admin'"),
    ("x" * 65, "/", "IAM refuses the role name"),
    ("ops", "/team", "IAM refuses the role path '/team'"),
    ("ops", "/t\u00e9am/", "IAM refuses the role path"),
])
def test_a_role_name_or_path_iam_would_refuse_is_left_alone(name: str, path: str, refused: str) -> None:
    # a hostile --from file can hold any name; a change no IAM call can make must not reach the plan
    # (fix show would then refuse the whole plan)
    plan = plan_for(role(name, trust(allow({"AWS": OUTSIDER})), path=path),
                    role("fine", trust(allow({"AWS": OUTSIDER}))))
    assert [c.role_name for c in plan.changes] == ["fine"]
    left = [n for n in plan.not_fixed if not n.role_arn.endswith("/fine")]
    assert left and all(n.reason.startswith(refused) and n.reason.endswith("no such role can exist in IAM")
                        for n in left)
    load_plan(orjson.loads(orjson.dumps(plan_document(plan))))


def test_selection_by_check_role_and_account() -> None:
    scan = scan_document(role("a", trust(allow({"AWS": OUTSIDER}))), role("b", trust(allow({"AWS": OUTSIDER}))))
    assert [c.role_name for c in build_plan(scan, Selection(roles=frozenset({"b"})), options()).changes] == ["b"]
    arn = f"arn:aws:iam::{ACCOUNT}:role/a"
    assert [c.role_name for c in build_plan(scan, Selection(roles=frozenset({arn})), options()).changes] == ["a"]
    with pytest.raises(PlanError, match=f"--account {MEMBER}: not in the scan; its accounts: {ACCOUNT}"):
        build_plan(scan, Selection(accounts=frozenset({MEMBER})), options())  # a typo must not plan nothing and pass
    assert [c.role_name for c in build_plan(scan, Selection(accounts=frozenset({ACCOUNT})), options()).changes] == [
        "a", "b"]
    assert build_plan(scan, Selection(checks=frozenset({"public-trust"})), options()).changes == ()
    with pytest.raises(PlanError, match="no such check"):
        build_plan(scan, Selection(checks=frozenset({"nope"})), options())
    with pytest.raises(PlanError, match="--role nope: no such role"):
        build_plan(scan, Selection(roles=frozenset({"nope"})), options())


def test_a_fixer_that_widens_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def widening(document: dict[str, Any], *_: Any) -> FixStep:
        wider = copy.deepcopy(document)
        wider["Statement"].append(allow({"AWS": "arn:aws:iam::222233334444:root"},
                                        condition={"StringEquals": {"sts:ExternalId": FIXED_ID}}))
        wider["Statement"][0]["Condition"] = {"StringEquals": {"sts:ExternalId": FIXED_ID}}
        return FixStep("cross-account-without-mfa-or-external-id", wider, "widens")

    monkeypatch.setitem(fixers.FIXERS, "cross-account-without-mfa-or-external-id", widening)
    plan = plan_for(role("vendor", trust(allow({"AWS": OUTSIDER}))))
    assert plan.changes == ()
    why = reasons(plan, "cross-account-without-mfa-or-external-id")[0]
    assert "allows something no statement of the original allows" in why and "222233334444" in why


def test_a_fixer_that_does_not_close_its_finding_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def idle(document: dict[str, Any], *_: Any) -> FixStep:
        return FixStep("cross-account-without-mfa-or-external-id", copy.deepcopy(document), "does nothing")

    monkeypatch.setitem(fixers.FIXERS, "cross-account-without-mfa-or-external-id", idle)
    plan = plan_for(role("vendor", trust(allow({"AWS": OUTSIDER}))))
    assert "the finding stays open" in reasons(plan, "cross-account-without-mfa-or-external-id")[0]


def test_user_external_ids_are_validated() -> None:
    assert check_external_id("Vendor-Issued_Id:0123456789") == "Vendor-Issued_Id:0123456789"
    for bad, why in (("short", "fewer than"), (OUTSIDER, "account id"), ("has space here!!!!", "16 to 1224")):
        with pytest.raises(Unfixable, match=why):
            check_external_id(bad)


def test_the_plan_document_round_trips_and_detects_edits() -> None:
    plan = plan_for(role("vendor", trust(allow({"AWS": OUTSIDER}))))
    document = plan_document(plan)
    change = document["changes"][0]
    assert change["cli"].startswith("aws iam update-assume-role-policy --role-name vendor --policy-document '{")
    assert change["diff"].startswith("--- vendor (current)")
    assert f"+          \"sts:ExternalId\": \"{FIXED_ID}\"" in change["diff"]
    assert document["third_parties"] == [{"account_id": OUTSIDER, "vendor": None, "in_organization": False, "roles": [
        {"role_arn": f"arn:aws:iam::{ACCOUNT}:role/vendor", "external_id": FIXED_ID}]}]
    loaded = load_plan(document)
    assert loaded.digest == plan.digest and loaded.changes[0].after == plan.changes[0].after
    tampered = copy.deepcopy(document)
    tampered["changes"][0]["after"]["Statement"][0].pop("Condition")
    with pytest.raises(PlanError, match="edited or damaged"):
        load_plan(tampered)
    for broken, message in (({"schema": "x"}, "not a rolescope plan"),
                            ({**document, "changes": [{"role_name": "x"}]}, "no account_id")):
        with pytest.raises(PlanError, match=message):
            load_plan(broken)


def test_a_scan_document_of_another_kind_is_refused() -> None:
    with pytest.raises(DocumentError, match="not a rolescope scan document"):
        parse_document({"schema": "rolescope.fix-plan/v1"}, "plan.json")


def test_an_organisation_id_the_planner_did_not_validate_is_refused() -> None:
    scan = scan_json(role("open", trust(allow("*"))), org_accounts=(ACCOUNT, MEMBER))
    scan["organization"]["id"] = "bogus"  # a hand-edited scan: PrincipalOrgID "bogus" would let nobody in
    plan = build_plan(parse_document(scan), Selection(checks=frozenset({"public-trust"})), options())
    assert plan.changes == ()
    assert reasons(plan, "public-trust") == [
        "the scan's organisation id 'bogus' is not an organisation id (o- and 10 to 32 lowercase letters or digits)"]
    with pytest.raises(Unfixable, match="--org-id 'o-1' is not an organisation id"):
        options(org_id="o-1")


def test_the_diff_cuts_lines_only_at_line_feeds() -> None:
    from rolescope.remediate.render import unified_diff

    sid = "a\u2028b\x85c\x0cd\u2029e"  # str.splitlines() would cut the Sid's line at each of these
    before = {"Version": "2012-10-17", "Statement": [{"Sid": sid, "Effect": "Allow", "Principal": "*",
                                                      "Action": "sts:AssumeRole"}]}
    after = {"Version": "2012-10-17", "Statement": [{**before["Statement"][0], "Principal": {"AWS": "111122223333"}}]}
    diff = unified_diff(before, after, "r")
    written = orjson.dumps(sid).decode()  # the separators stay raw in the JSON; the form feed is \f
    assert any(line.endswith(f'"Sid": {written},') for line in diff.split("\n"))


def test_a_finding_about_a_user_is_left_alone_with_the_checks_reason() -> None:
    from tests.factories import gaad, user

    from rolescope.inventory.gaad import parse_gaad
    from rolescope.remediate.fixers import NOT_TRUST_FIXES
    from rolescope.report.document import build_document
    from rolescope.scanner import scan_snapshots

    admin = user("admin", managed=("AdministratorAccess",))
    result = scan_snapshots([parse_gaad(gaad(users=[admin]), "t.json")], CheckSettings())
    plan = build_plan(parse_document(build_document(result)), Selection(), options())
    assert not plan.changes
    assert reasons(plan, "identity-assume-any-role") == [NOT_TRUST_FIXES["identity-assume-any-role"]]
