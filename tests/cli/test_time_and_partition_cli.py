"""``--as-of`` on the commands that judge trust, and the role's partition read from its policy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from tests.factories import ACCOUNT, OUTSIDER, allow, gaad, role, trust

from rolescope.cli.main import cli
from rolescope.report.reader import DocumentError, read_document

# The AWS documentation's example window, long closed.
DOC_WINDOW = {"DateGreaterThan": {"aws:CurrentTime": "2020-04-01T00:00:00Z"},
              "DateLessThan": {"aws:CurrentTime": "2020-06-30T23:59:59Z"}}


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def write(tmp_path: Path, document: Any, name: str = "policy.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return str(path)


def check(policy: str, *options: str) -> dict[str, Any]:
    result = invoke("check-policy", "--account-id", ACCOUNT, "--format", "json", *options, policy)
    assert result.exit_code == 0, result.output
    verdict: dict[str, Any] = json.loads(result.stdout)
    return verdict


class TestAsOf:
    def test_check_policy_judges_at_its_clock(self, tmp_path: Path) -> None:
        policy = write(tmp_path, trust(allow({"AWS": OUTSIDER}, condition=DOC_WINDOW)))
        assert check(policy)["cross_account"] is False  # now: the window has closed
        then = check(policy, "--as-of", "2020-05-01T12:00:00Z")
        assert then["cross_account"] is True and then["as_of"] == "2020-05-01T12:00:00+00:00"

    def test_check_policy_says_from_when_a_window_opens(self, tmp_path: Path) -> None:
        policy = write(tmp_path, trust(allow({"AWS": OUTSIDER},
                                             condition={"DateGreaterThan": {"aws:EpochTime": "1803859200"}})))
        (path,) = check(policy, "--as-of", "2026-12-02")["paths"]
        assert path["from"] == "2027-03-01T00:00:01Z"
        text = invoke("check-policy", "--account-id", ACCOUNT, "--as-of", "2026-12-02", policy).stdout
        assert "as of 2026-12-02T00:00:00+00:00" in text and "from 2027-03-01T00:00:01Z" in text

    def test_simulate_reproduces_the_example_and_defaults_to_the_clock(self, tmp_path: Path) -> None:
        window = {"DateGreaterThan": {"aws:CurrentTime": "2027-03-01T00:00:00Z"}}
        policy = write(tmp_path, trust(allow({"AWS": OUTSIDER}, condition=window)))
        (path,) = check(policy, "--as-of", "2026-12-02")["paths"]
        moment = path["example"]["context"]["aws:currenttime"][0]
        base = ["simulate", "--policy", policy, "--principal", OUTSIDER, "--as-of", "2026-12-02"]
        assert invoke(*base).stdout.startswith("DENY")  # at the clock the window is not open yet
        assert invoke(*base, "--context", f"aws:CurrentTime={moment}").stdout.startswith("ALLOW")
        assert invoke(*base[:-2], "--as-of", moment).stdout.startswith("ALLOW")

    def test_simulate_refuses_time_keys_that_disagree(self, tmp_path: Path) -> None:
        policy = write(tmp_path, trust(allow({"AWS": OUTSIDER})))
        result = invoke("simulate", "--policy", policy, "--principal", OUTSIDER,
                        "--context", "aws:CurrentTime=2027-03-01T00:00:00Z", "--context", "aws:EpochTime=1")
        assert result.exit_code == 2 and "different moments" in result.stderr

    @pytest.mark.parametrize("value", ["yesterday", "2026-02-30", "1e400"])
    def test_a_bad_clock_is_one_line_and_exit_2(self, tmp_path: Path, value: str) -> None:
        policy = write(tmp_path, trust(allow({"AWS": OUTSIDER})))
        result = invoke("check-policy", "--account-id", ACCOUNT, "--as-of", value, policy)
        assert result.exit_code == 2 and "--as-of" in result.output and "Traceback" not in result.output

    def test_the_scan_document_records_the_clock_and_judges_by_it(self, tmp_path: Path) -> None:
        source = write(tmp_path, gaad(role("vendor", trust(allow({"AWS": OUTSIDER}, condition=DOC_WINDOW)))),
                       "gaad.json")
        reports = {}
        for as_of in ("2020-05-01", "2026-11-23"):
            target = tmp_path / f"{as_of}.json"
            result = invoke("scan", "--from", source, "--account-id", ACCOUNT, "--as-of", as_of, "--format", "json",
                            "-o", str(target))
            assert result.exit_code in (0, 1), result.output
            reports[as_of] = read_document(target)
        assert reports["2020-05-01"].as_of == "2020-05-01T00:00:00+00:00"
        assert any(f.check == "cross-account-without-mfa-or-external-id" for f in reports["2020-05-01"].findings)
        assert not reports["2026-11-23"].findings

    def test_a_document_without_a_clock_reads_as_unknown_and_a_bad_one_is_refused(self, tmp_path: Path) -> None:
        source = write(tmp_path, gaad(role("vendor", trust(allow({"AWS": OUTSIDER})))), "gaad.json")
        target = tmp_path / "scan.json"
        invoke("scan", "--from", source, "--account-id", ACCOUNT, "--format", "json", "-o", str(target))
        document = json.loads(target.read_text())
        assert read_document(target).as_of == document["as_of"]
        del document["as_of"]  # as every v2 document written before the clock was recorded
        target.write_text(json.dumps(document))
        assert read_document(target).as_of is None
        target.write_text(json.dumps({**document, "as_of": "soon"}))
        with pytest.raises(DocumentError, match="as_of is not an ISO 8601 date and time"):
            read_document(target)


class TestPartition:
    def test_a_policy_naming_china_principals_puts_the_role_in_china(self, tmp_path: Path) -> None:
        policy = write(tmp_path, trust(allow({"AWS": "arn:aws-cn:iam::444455556666:root"})))
        result = invoke("check-policy", "--account-id", ACCOUNT, "--format", "json", policy)
        verdict = json.loads(result.stdout)
        assert verdict["partition"] == "aws-cn" and verdict["cross_account"] is True
        assert "partition aws-cn" in result.stderr and len(result.stderr.splitlines()) == 1

    @pytest.mark.parametrize(("principal", "partition"), [
        ({"AWS": "arn:aws-us-gov:iam::444455556666:role/ci"}, "aws-us-gov"),
        ({"Service": "ec2.amazonaws.com.cn", "AWS": "444455556666"}, "aws-cn"),
        ({"AWS": "arn:aws:iam::444455556666:root"}, "aws"),
        ({"AWS": "444455556666"}, "aws"),
    ])
    def test_the_partition_the_principals_name(self, tmp_path: Path, principal: Any, partition: str) -> None:
        verdict = check(write(tmp_path, trust(allow(principal))))
        assert verdict["partition"] == partition and verdict["cross_account"] is True

    def test_principals_in_several_partitions_need_partition(self, tmp_path: Path) -> None:
        policy = write(tmp_path, trust(allow({"AWS": ["arn:aws-cn:iam::444455556666:root",
                                                      "arn:aws:iam::777788889999:root"]})))
        result = invoke("check-policy", "--account-id", ACCOUNT, policy)
        assert result.exit_code == 2 and "several partitions (aws, aws-cn)" in result.stderr
        verdict = check(policy, "--partition", "aws")
        assert verdict["outside_accounts"] == ["777788889999"]

    def test_the_scan_judges_each_role_in_its_own_arn_partition(self, tmp_path: Path) -> None:
        china = role("vendor", trust(allow({"AWS": "arn:aws-cn:iam::444455556666:root"})))
        china["Arn"] = china["Arn"].replace("arn:aws:", "arn:aws-cn:")
        source = write(tmp_path, gaad(china), "gaad.json")
        target = tmp_path / "scan.json"
        result = invoke("scan", "--from", source, "--format", "json", "-o", str(target))
        assert result.exit_code in (0, 1), result.output
        (account,) = read_document(target).accounts
        assert account.roles[0].trust.cross_account is True


@pytest.mark.parametrize(("as_of", "edges"), [("2020-05-01", 1), ("2026-12-02", 0)])
def test_graph_and_compliance_judge_at_their_clock(tmp_path: Path, as_of: str, edges: int) -> None:
    source = write(tmp_path, gaad(role("vendor", trust(allow({"AWS": OUTSIDER}, condition=DOC_WINDOW)))), "gaad.json")
    drawn = invoke("graph", "--from", source, "--account-id", ACCOUNT, "--format", "json", "--as-of", as_of)
    assert drawn.exit_code == 0, drawn.output
    assert len(json.loads(drawn.stdout)["edges"]) == edges
    report = invoke("compliance", "--framework", "all", "--from", source, "--account-id", ACCOUNT, "--format", "json",
                    "--as-of", as_of)
    assert report.exit_code == 0, report.output
    assert (f"arn:aws:iam::{ACCOUNT}:role/vendor" in report.stdout) == bool(edges)  # among the failing roles


def test_fix_plan_judges_at_the_scan_documents_clock(tmp_path: Path) -> None:
    source = write(tmp_path, gaad(role("vendor", trust(allow({"AWS": OUTSIDER}, condition=DOC_WINDOW)))), "gaad.json")
    scan = tmp_path / "scan.json"
    invoke("scan", "--from", source, "--account-id", ACCOUNT, "--as-of", "2020-05-01", "--format", "json",
           "-o", str(scan))
    result = invoke("fix", "plan", "--from", str(scan), "--out", str(tmp_path / "plan.json"),
                    "--external-id", "Agreed-With-Vendor-0042")
    assert result.exit_code == 0, result.output
    assert "1 role to change" in result.output  # at today's clock the window is closed: nothing to fix
