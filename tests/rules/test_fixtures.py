"""Every rule has a lab that must fire it and a lab that must not (kube-linter style).

``tests/rules/fixtures/HVxxx/fire.yaml`` must produce at least one HVxxx finding;
``dont-fire.yaml`` none. A rule without both fixtures fails this test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hvlab.model.load import load_lab
from hvlab.rules import check_lab, load_rules

FIXTURES = Path(__file__).parent / "fixtures"
RULE_IDS = sorted(load_rules())


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_has_both_fixtures(rule_id: str) -> None:
    for name in ("fire.yaml", "dont-fire.yaml"):
        assert (FIXTURES / rule_id / name).is_file(), f"{rule_id} needs fixtures/{rule_id}/{name}"


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_fires(rule_id: str) -> None:
    lab = load_lab(FIXTURES / rule_id / "fire.yaml")
    findings = [f for f in check_lab(lab, select=[rule_id]).findings if f.rule == rule_id]
    assert findings, f"{rule_id} did not fire on its fire.yaml"
    for finding in findings:
        assert finding.file and finding.line, "a finding must point at the lab file"
        assert "{" not in finding.message, finding.message


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_does_not_fire(rule_id: str) -> None:
    lab = load_lab(FIXTURES / rule_id / "dont-fire.yaml")
    findings = [f for f in check_lab(lab, select=[rule_id]).findings if f.rule == rule_id]
    assert not findings, [f.message for f in findings]


def test_no_stray_fixture_folders() -> None:
    assert {p.name for p in FIXTURES.iterdir() if p.is_dir()} <= set(RULE_IDS)
