"""The trust graph: edges with requirements, account trust expanded into principals, chains, formats."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from tests.factories import ACCOUNT, MEMBER, OUTSIDER, allow, gaad, organization, role, trust

from rolescope.checks.context import CheckSettings
from rolescope.cli.main import cli
from rolescope.inventory.files import parse_organization
from rolescope.inventory.gaad import parse_gaad
from rolescope.report.graph_formats import graph_json, render_dot, render_mermaid
from rolescope.scanner import scan_snapshots
from rolescope.trust.graph import AuditedAccount, build_graph, role_chains

ASSUME_ANY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}
THIRD = "222233334444"


def graph_of(*accounts: dict[str, object]):  # type: ignore[no-untyped-def]
    snapshots = [parse_gaad(data, "x.json") for data in accounts]
    org = parse_organization(organization(ACCOUNT, MEMBER, THIRD))
    result = scan_snapshots(snapshots, CheckSettings(organization=org), checks=())
    return build_graph(
        AuditedAccount(a.snapshot, tuple((r.role, r.analysis) for r in a.roles if r.analysis))
        for a in result.accounts if a.snapshot is not None
    )


def arn(account: str, name: str) -> str:
    return f"arn:aws:iam::{account}:role/{name}"


def test_account_trust_is_expanded_into_principals_that_may_assume() -> None:
    graph = graph_of(
        gaad(role("ci", trust(allow({"Service": "ec2.amazonaws.com"})), inline={"assume": ASSUME_ANY}),
             role("idle", trust(allow({"Service": "ec2.amazonaws.com"})))),
        gaad(role("deploy", trust(allow({"AWS": ACCOUNT}, condition={"StringEquals": {"sts:ExternalId": "x" * 12}})),
                  account=MEMBER)),
    )
    edges = {(s, t): d for s, t, d in graph.edges(data=True)}
    assert edges[(f"account:{ACCOUNT}", arn(MEMBER, "deploy"))]["requires"] == ["external_id"]
    expanded = edges[(arn(ACCOUNT, "ci"), arn(MEMBER, "deploy"))]
    assert expanded["expanded"] is True and expanded["requires"] == ["external_id"]
    assert (arn(ACCOUNT, "idle"), arn(MEMBER, "deploy")) not in edges  # no sts:AssumeRole permission
    assert graph.nodes["ec2.amazonaws.com"]["kind"] == "service"


def test_role_chains_that_cross_accounts() -> None:
    graph = graph_of(
        gaad(role("start", trust(allow({"Service": "lambda.amazonaws.com"})), inline={"a": ASSUME_ANY})),
        gaad(role("hop", trust(allow({"AWS": arn(ACCOUNT, "start")})), inline={"a": ASSUME_ANY}, account=MEMBER)),
        gaad(role("target", trust(allow({"AWS": arn(MEMBER, "hop")})), account=THIRD)),
    )
    assert [arn(ACCOUNT, "start"), arn(MEMBER, "hop"), arn(THIRD, "target")] in role_chains(graph)


def test_public_and_org_wide_star() -> None:
    graph = graph_of(
        gaad(role("open", trust(allow("*"))),
             role("org-wide", trust(allow({"AWS": "*"}, condition={"StringEquals": {
                 "aws:PrincipalOrgID": "o-exampleorg1"}})))),
        gaad(role("member-admin", trust(allow({"Service": "ec2.amazonaws.com"})), managed=("AdministratorAccess",),
                  account=MEMBER)),
    )
    classes = {(e["source"], e["target"]): e for e in graph_json(graph)["edges"]}
    assert classes[("anyone", arn(ACCOUNT, "open"))]["class"] == "public"
    assert classes[(arn(MEMBER, "member-admin"), arn(ACCOUNT, "org-wide"))]["requires"] == ["org"]
    assert (arn(MEMBER, "member-admin"), arn(ACCOUNT, "open")) not in classes  # public: one edge from anyone


def test_formats_escape_names() -> None:
    graph = graph_of(gaad(role('we"ird<name>', trust(allow({"AWS": OUTSIDER})))))
    dot = render_dot(graph)
    assert 'we\\"ird<name>' in dot and "digraph" in dot
    mermaid = render_mermaid(graph)
    assert "<name>" not in mermaid and mermaid.startswith("flowchart LR")


def test_graph_command(tmp_path: Path) -> None:
    out = tmp_path / "g.json"
    sample = str(Path(__file__).parents[2] / "src" / "rolescope" / "data" / "sample_org")
    result = CliRunner().invoke(cli, ["graph", "--from", sample, "--format", "json", "-o", str(out)])
    assert result.exit_code == 0
    document = json.loads(out.read_text())
    assert document["schema"] == "rolescope.graph/v1"
    assert {e["class"] for e in document["edges"]} >= {"unguarded", "guarded", "public"}
    assert document["chains"]


def test_role_chains_are_capped() -> None:
    graph = graph_of(
        gaad(role("start", trust(allow({"Service": "lambda.amazonaws.com"})), inline={"a": ASSUME_ANY})),
        gaad(role("hop", trust(allow({"AWS": arn(ACCOUNT, "start")})), inline={"a": ASSUME_ANY}, account=MEMBER)),
        gaad(role("t1", trust(allow({"AWS": arn(MEMBER, "hop")})), account=THIRD),
             role("t2", trust(allow({"AWS": arn(MEMBER, "hop")})), account=THIRD)),
    )
    assert len(role_chains(graph)) == 2
    assert len(role_chains(graph, limit=1)) == 1
