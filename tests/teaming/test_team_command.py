"""``hvlab team``: the JSON contract of DESIGN.md, determinism, --down, --compare, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from hvlab.commands import team

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
LAB = str(EXAMPLES / "ten-gig-cluster.yaml")


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)

    @app.callback()
    def _root() -> None:
        """Test app."""

    team.register(app)
    return app


def run(app: typer.Typer, *args: str) -> Any:
    return CliRunner().invoke(app, ["team", *args])


def as_json(app: typer.Typer, *args: str) -> dict[str, Any]:
    result = run(app, *args, "--format", "json")
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_json_contract(app: typer.Typer) -> None:
    data = as_json(app, LAB, "node1/VMTeam", "--flows", "20000")
    assert list(data)[:4] == ["team", "host", "kind", "mode"]
    assert (data["team"], data["mode"], data["algorithm"]) == (
        "VMTeam",
        "SwitchIndependent",
        "HyperVPort",
    )
    assert isinstance(data["imbalance"], float) and data["imbalance"] >= 1.0
    assert [m["name"] for m in data["members"]] == ["VM-A", "VM-B"]
    for m in data["members"]:
        assert {"name", "state", "flows", "bytes", "share"} <= set(m)
        assert m["state"] in ("active", "standby", "failed")
        assert isinstance(m["flows"], int) and isinstance(m["bytes"], int)
        assert 0.0 <= m["share"] <= 1.0
    assert sum(m["flows"] for m in data["members"]) == 20000
    assert data["inbound"]["policy"] == "affinity"
    assert {a["key"] for a in data["assumptions"]} >= {"lbfo.hash", "lbfo.failover"}
    assert all(len(v["members"]) == 1 for v in data["vms"])


def test_same_seed_identical_json(app: typer.Typer) -> None:
    args = (LAB, "node1/MgmtTeam", "--flows", "20000", "--seed", "9", "--format", "json")
    a, b = run(app, *args), run(app, *args)
    assert a.exit_code == b.exit_code == 0
    assert a.stdout == b.stdout
    c = run(app, LAB, "node1/MgmtTeam", "--flows", "20000", "--seed", "10", "--format", "json")
    assert c.stdout != a.stdout


def test_down_member_and_element(app: typer.Typer) -> None:
    data = as_json(app, LAB, "node1/VMTeam", "--flows", "5000", "--down", "VM-A")
    assert data["down"] == ["nic:node1:VM-A"]
    a = data["members"][0]
    assert (a["state"], a["failure_reason"], a["flows"]) == (
        "failed",
        "PhysicalMediaDisconnected",
        0,
    )
    assert data["status"] == "Degraded"
    data = as_json(
        app,
        LAB,
        "node1/VMTeam",
        "--flows",
        "5000",
        "--down",
        "switch:tor1",
        "--down",
        "switch:tor2",
    )
    assert data["status"] == "Down"


def test_algorithm_and_compare(app: typer.Typer) -> None:
    data = as_json(app, LAB, "node1/VMTeam", "--flows", "5000", "--algorithm", "Dynamic")
    assert data["algorithm"] == "Dynamic" and data["algorithm_origin"] == "argument"
    assert data["rebalancing"]
    data = as_json(app, LAB, "node1/MgmtTeam", "--flows", "5000", "--compare")
    algorithms = [d["algorithm"] for d in data["compare"]]
    assert algorithms == [
        "TransportPorts",
        "IPAddresses",
        "MacAddresses",
        "HyperVPort",
        "Dynamic",
        "ovs:balance-tcp",
        "ovs:balance-slb",
    ]
    assert {d["flows"] for d in data["compare"]} == {5000}


def test_text_output(app: typer.Typer) -> None:
    result = run(app, LAB, "node1/VMTeam", "--flows", "3000")
    assert result.exit_code == 0, result.output
    assert "node1/VMTeam" in result.stdout and "VM-A" in result.stdout
    assert "assumptions" in result.stdout
    result = run(app, LAB, "node1/VMTeam", "--flows", "3000", "--compare")
    assert result.exit_code == 0 and "Dynamic" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("node1/VMTeem",), "did you mean 'VMTeam'"),
        (("nod1/VMTeam",), "did you mean 'node1'"),
        (("node1",), "HOST/TEAM"),
        (("node1/VMTeam", "--down", "VM-C"), "not a member of the team"),
        (("node1/VMTeam", "--down", "swich:tor2"), "did you mean 'switch'"),
        (("node1/VMTeam", "--algorithm", "Dynamik"), "did you mean 'Dynamic'"),
        (("node1/VMTeam", "--flows", "0"), "--flows"),
    ],
)
def test_user_errors_exit_2(app: typer.Typer, args: tuple[str, ...], message: str) -> None:
    result = run(app, LAB, *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_set_switch_target(app: typer.Typer, tmp_path: Path) -> None:
    lab = tmp_path / "set.yaml"
    lab.write_text(
        "name: set\n"
        "hosts:\n"
        "  h1:\n"
        "    os: WindowsServer2019\n"
        "    nics: {A: 25G, B: 25G}\n"
        "    vswitches: {SETswitch: {members: [A, B], algorithm: HyperVPort}}\n"
        "vms:\n"
        "  V1: {host: h1, memory: 4GiB, nics: [{switch: SETswitch}]}\n"
        "  V2: {host: h1, memory: 4GiB, nics: [{switch: SETswitch}]}\n",
        encoding="utf-8",
    )
    data = as_json(app, str(lab), "h1/SETswitch", "--flows", "4000")
    assert (data["kind"], data["mode"], data["algorithm"]) == (
        "set",
        "SwitchIndependent",
        "HyperVPort",
    )
    assert data["vmq_mode"] == "SumOfQueues"
    assert {v["name"] for v in data["vms"]} == {"V1", "V2"}
