"""Several report formats from one run, each written whole into --output-dir."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner
from tests.report.render import embedded_data

from rolescope.cli.main import cli
from rolescope.report.fixes import Fixes
from rolescope.report.formats import FILE_FORMATS, FORMATS, model_writers


def test_every_format_is_registered() -> None:
    assert FORMATS == ("console", "json", "sarif", "ocsf", "csv", "html", "asff")
    assert FILE_FORMATS == {"json": "json", "sarif": "sarif", "ocsf": "ocsf.jsonl", "csv": "csv", "html": "html",
                            "asff": "asff.json"}
    assert set(model_writers(lambda _: Fixes())) == set(FILE_FORMATS) - {"json"}  # JSON is streamed by the pipeline


def test_all_formats_in_one_run(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    result = CliRunner().invoke(cli, ["demo", "--format", "console,html,json,sarif,ocsf,csv", "--output-dir", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert "roles in 6 accounts" in result.stdout  # the console report still goes to stdout
    assert sorted(p.name for p in out.iterdir()) == [
        "rolescope-report.csv", "rolescope-report.html", "rolescope-report.json", "rolescope-report.ocsf.jsonl",
        "rolescope-report.sarif"]
    document = json.loads((out / "rolescope-report.json").read_text())
    count = len(document["findings"])
    assert len(json.loads((out / "rolescope-report.sarif").read_text())["runs"][0]["results"]) == count
    assert len((out / "rolescope-report.ocsf.jsonl").read_text().splitlines()) == count
    assert len(list(csv.DictReader(io.StringIO((out / "rolescope-report.csv").read_text())))) == count
    html = (out / "rolescope-report.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    data = embedded_data(html)
    assert sorted(f["id"] for f in data["findings"]) == sorted(f["id"] for f in document["findings"])
    assert data["fixes"]  # the command hands the page the planner's corrected policies


def test_one_format_to_stdout_or_a_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["demo", "--format", "sarif"], catch_exceptions=False)
    assert json.loads(result.stdout)["version"] == "2.1.0"
    target = tmp_path / "page.html"
    result = CliRunner().invoke(cli, ["demo", "--format", "html", "--output", str(target)], catch_exceptions=False)
    assert result.exit_code == 0 and target.read_text().startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]  # no temporary file left behind


def test_unknown_format_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["demo", "--format", "html,pdf", "--output-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr == ("rolescope: error: --format 'html,pdf': choose from console, json, sarif, ocsf, csv, "
                             "html, asff\n")
