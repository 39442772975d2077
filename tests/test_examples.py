"""Every bundled example lab loads, validates and summarises.

DESIGN.md, "Examples that must exist".
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from hvlab import api
from hvlab.cli import app

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
LABS = sorted([*EXAMPLES.glob("*.yaml"), *EXAMPLES.glob("*/lab.yaml")])
REQUIRED = [
    "ten-gig-cluster.yaml",
    "nic-teaming-host.yaml",
    "large-memory-vm.yaml",
    "scale-out-file-server.yaml",
    "kemp-iis-host-headers.yaml",
    "vmm-drift/lab.yaml",
    "direct-iscsi-guest.yaml",
    "integration-services/lab.yaml",
    "two-site-replica.yaml",
]


@pytest.mark.parametrize("name", REQUIRED)
def test_required_example_exists(name: str) -> None:
    assert (EXAMPLES / name).is_file()


@pytest.mark.parametrize("path", LABS, ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_example_validates(path: Path) -> None:
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    lab = api.load(path)
    assert lab.scenarios, "every example has at least one scenario"


def test_ten_gig_cluster_is_real_sized() -> None:
    lab = api.load(EXAMPLES / "ten-gig-cluster.yaml")
    assert len(lab.clusters["clu1"].nodes) >= 4
    assert {"tor1", "tor2", "core1", "core2"} <= set(lab.switches)
    assert set(lab.vlans) >= {10, 20, 30, 40, 100}


def test_show_prints_a_summary() -> None:
    result = CliRunner().invoke(app, ["show", str(EXAMPLES / "ten-gig-cluster.yaml")])
    assert result.exit_code == 0
    assert "tor1" in result.output and "VMTeam" in result.output


def test_show_lists_sites_and_wan_links() -> None:
    summary = api.summary(api.load(EXAMPLES / "two-site-replica.yaml"))
    sites = {s["name"]: s for s in summary["sites"]}
    assert sites["HQ"]["hosts"] == ["hq-n1", "hq-n2", "m-hq1", "m-hq2"]
    assert sites["Azure"]["kind"] == "cloud"
    (metro,) = (w for w in summary["wan_links"] if w["name"] == "HQ-DR")
    assert metro["vlans"] == [20, 200] and metro["bandwidth"] == "200M"
    result = CliRunner().invoke(app, ["show", str(EXAMPLES / "two-site-replica.yaml")])
    assert result.exit_code == 0 and "WAN links" in result.output


def test_demo_runs() -> None:
    result = CliRunner().invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
