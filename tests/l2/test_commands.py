"""``hvlab stp`` and ``hvlab path``: the JSON contract of DESIGN.md, text output, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from hvlab.commands import l2

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
RSTP = str(EXAMPLES / "ten-gig-cluster.yaml")
MSTP = str(EXAMPLES / "ten-gig-cluster-mstp.yaml")
STAR = str(EXAMPLES / "ten-gig-cluster-star.yaml")
G = 1_000_000_000


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)

    @app.callback()
    def _root() -> None:
        """Test app."""

    l2.register(app)
    return app


def run(app: typer.Typer, *args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def as_json(app: typer.Typer, *args: str) -> dict[str, Any]:
    result = run(app, *args, "--format", "json")
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def not_forwarding(tree: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [
        (p["switch"], p["port"], p["role"], p["state"])
        for p in tree["ports"]
        if p["state"] not in ("forwarding", "disabled")
    ]


# ---------------------------------------------------------------------------
# hvlab stp


def test_stp_json_contract(app: typer.Typer) -> None:
    doc = as_json(app, "stp", RSTP)
    assert doc["protocol"] == "rstp"
    assert [t["instance"] for t in doc["trees"]] == [0]
    tree = doc["trees"][0]
    assert tree["root"] == "core1"
    assert set(tree) >= {"instance", "root", "ports"}
    port = next(p for p in tree["ports"] if (p["switch"], p["port"]) == ("tor2", "Po2"))
    assert {k: port[k] for k in ("switch", "port", "role", "state", "cost")} == {
        "switch": "tor2",
        "port": "Po2",
        "role": "alternate",
        "state": "discarding",
        "cost": 10_000,
    }
    assert not_forwarding(tree) == [("tor2", "Po2", "alternate", "discarding")]
    assert {p["role"] for p in tree["ports"]} <= {"root", "designated", "alternate", "disabled"}
    # deterministic: same bytes twice
    assert (
        run(app, "stp", RSTP, "--format", "json").stdout
        == run(app, "stp", RSTP, "--format", "json").stdout
    )


def test_stp_8021d_reports_alternate_blocking(app: typer.Typer, tmp_path: Path) -> None:
    lab = tmp_path / "stp.yaml"
    lab.write_text(Path(RSTP).read_text().replace("protocol: rstp", "protocol: stp"))
    doc = as_json(app, "stp", str(lab))
    assert doc["protocol"] == "stp"
    assert not_forwarding(doc["trees"][0]) == [("tor2", "Po2", "alternate", "blocking")]


def test_stp_mstp_per_instance_and_per_vlan(app: typer.Typer) -> None:
    doc = as_json(app, "stp", MSTP)
    assert [(t["instance"], t["root"]) for t in doc["trees"]] == [(0, "core1"), (1, "tor1")]
    assert doc["regions"][0]["name"] == "HV-10G"
    assert doc["regions"][0]["bridges"] == ["tor1", "tor2"]
    one = as_json(app, "stp", MSTP, "--instance", "1")
    assert [t["instance"] for t in one["trees"]] == [1]
    assert not_forwarding(one["trees"][0]) == [("tor2", "Po2", "alternate", "discarding")]
    vlan = as_json(app, "stp", MSTP, "--vlan", "40")
    tree = vlan["trees"][0]
    assert (tree["vlan"], tree["root"]) == (40, "tor1")
    assert tree["instances"]["tor1"] == 1 and tree["instances"]["core1"] == 0
    inter = [
        (p["switch"], p["port"], p["role"], p["instance"]) for p in tree["ports"] if p["linked"]
    ]
    # VLAN 40 is on the ISL only
    assert inter == [("tor1", "Po1", "designated", 1), ("tor2", "Po1", "root", 1)]


def test_stp_star_has_no_blocked_port(app: typer.Typer) -> None:
    doc = as_json(app, "stp", STAR)
    tree = doc["trees"][0]
    assert tree["root"] == "core"
    assert not_forwarding(tree) == []
    po11 = next(p for p in tree["ports"] if p["port"] == "Po11")
    assert (po11["switch"], po11["bridge"], po11["cost"]) == ("core1", "core", 1_000)


def test_stp_down_and_lag_cost(app: typer.Typer) -> None:
    doc = as_json(app, "stp", RSTP, "--down", "link:core1:1~tor1:45")
    assert doc["down"] == ["link:core1:1~tor1:45"]
    costs = {
        (p["switch"], p["port"]): p["cost"] for p in doc["trees"][0]["ports"] if p["port"] == "Po2"
    }
    assert costs[("tor1", "Po2")] == 20_000  # one 1 G member left


def test_stp_diff(app: typer.Typer) -> None:
    doc = as_json(app, "stp", RSTP, "--diff", "--down", "lag:tor1:Po1")
    assert doc["down"] == ["lag:tor1:Po1"]
    assert doc["settle_ms"] == 50
    assert [
        (c["switch"], c["port"], c["role_before"], c["state_before"], c["role_after"], c["ms"])
        for c in doc["changes"]
    ] == [
        ("tor1", "Po1", "designated", "forwarding", "disabled", 0),
        ("tor2", "Po1", "root", "forwarding", "disabled", 0),
        ("tor2", "Po2", "alternate", "discarding", "root", 50),
    ]
    assert doc["settings"] == ["stp.rstp.handshake_per_hop"]
    text = run(app, "stp", RSTP, "--diff", "--down", "lag:tor1:Po1")
    assert text.exit_code == 0
    assert "settles in 50 ms" in text.stdout
    assert "alternate/discarding" in text.stdout


def test_stp_text_highlights_blocked_ports(app: typer.Typer) -> None:
    result = run(app, "stp", RSTP)
    assert result.exit_code == 0
    assert "Instance 0 (CIST) — root core1" in result.stdout
    assert "blocked: tor2:Po2 (alternate/discarding)" in " ".join(result.stdout.split())
    assert "tor1     1 " not in result.stdout  # host-facing ports are summarised
    everything = run(app, "stp", RSTP, "--all-ports")
    assert len(everything.stdout) > len(result.stdout)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--down", "lag:tor1:Po9"], "did you mean 'Po2'"),
        (["--down", "switch:tor3"], "no switch named 'tor3' (did you mean 'tor"),
        (["--vlan", "41"], "--vlan 41: the lab does not use VLAN 41"),
        (["--instance", "3"], "--instance 3: no such tree runs (trees: 0)"),
        (["--vlan", "40", "--instance", "0"], "give --vlan or --instance, not both"),
        (["--diff"], "add --down ELEMENT"),
    ],
)
def test_stp_errors(app: typer.Typer, args: list[str], message: str) -> None:
    result = run(app, "stp", RSTP, *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_stp_missing_lab_is_a_user_error(app: typer.Typer, tmp_path: Path) -> None:
    result = run(app, "stp", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2


# ---------------------------------------------------------------------------
# hvlab path


def test_path_json_over_a_cluster_network(app: typer.Typer) -> None:
    doc = as_json(app, "path", RSTP, "node1", "node3", "--network", "LiveMigration")
    assert (doc["from"], doc["to"], doc["down"]) == ("node1", "node3", [])
    [entry] = doc["paths"]
    assert (entry["vlan"], entry["network"], entry["reachable"]) == (40, "LiveMigration", True)
    assert entry["bottleneck_bps"] == 10 * G
    assert [(h["node"], h["port"], h["next_node"], h["next_port"]) for h in entry["hops"]] == [
        ("node1", "LM", "tor1", "5"),
        ("tor1", "Po1", "tor2", "Po1"),
        ("tor2", "7", "node3", "LM"),
    ]
    down = as_json(
        app, "path", RSTP, "node1", "node3", "--network", "LiveMigration", "--down", "lag:tor1:Po1"
    )
    [entry] = down["paths"]
    assert entry["bottleneck_bps"] == 1 * G
    assert entry["crosses"] == ["core1", "core2", "tor1", "tor2"]
    assert (entry["mtu"], entry["source_mtu"]) == (1500, 9000)


def test_path_by_vlan_and_default_vlans(app: typer.Typer) -> None:
    doc = as_json(app, "path", RSTP, "SQL1", "SQL2", "--vlan", "100")
    assert doc["paths"][0]["hops"][0]["kind"] == "vswitch"
    both = as_json(app, "path", RSTP, "node1", "node3")
    assert [p["vlan"] for p in both["paths"]] == [10, 20, 30, 40]
    mstp = as_json(
        app, "path", MSTP, "node1", "node3", "--network", "LiveMigration", "--down", "lag:tor1:Po1"
    )
    assert mstp["paths"] == [
        {"vlan": 40, "network": "LiveMigration", "reachable": False, "hops": []}
    ]
    text = run(app, "path", MSTP, "node1", "node3", "--network", "CSV", "--down", "lag:tor1:Po1")
    assert text.exit_code == 0 and "VLAN 30 (CSV): no path" in text.stdout


def test_path_all_pairs_flags_slow_pairs(app: typer.Typer) -> None:
    doc = as_json(
        app, "path", RSTP, "--network", "LiveMigration", "--all-pairs", "--down", "lag:tor1:Po1"
    )
    assert (doc["cluster"], doc["network"]) == ("clu1", "LiveMigration")
    assert [
        (p["from"], p["to"], p["bottleneck_bps"], p["slower_than_nics"]) for p in doc["pairs"]
    ] == [
        ("node1", "node2", 10 * G, False),
        ("node1", "node3", 1 * G, True),
        ("node1", "node4", 1 * G, True),
        ("node2", "node3", 1 * G, True),
        ("node2", "node4", 1 * G, True),
        ("node3", "node4", 10 * G, False),
    ]
    assert (doc["slower_than_nics"], doc["unreachable"]) == (4, 0)
    up = as_json(app, "path", RSTP, "--network", "LiveMigration", "--all-pairs")
    assert up["slower_than_nics"] == 0
    text = run(app, "path", RSTP, "--network", "LiveMigration", "--all-pairs")
    assert text.exit_code == 0
    assert "0 pair(s) cross a link slower than their NICs" in " ".join(text.stdout.split())


def test_path_text(app: typer.Typer) -> None:
    result = run(
        app, "path", RSTP, "node1", "node3", "--network", "LiveMigration", "--down", "lag:tor1:Po1"
    )
    assert result.exit_code == 0
    out = " ".join(result.stdout.split())
    assert "bottleneck 1G per flow, 2G aggregate" in out
    assert "MTU: the endpoints use 9000 but a hop passes only 1500" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["node1", "nod3"], "did you mean 'node3'"),
        (["node1", "node3", "--network", "LiveMigraton"], "did you mean 'LiveMigration'"),
        (["node1", "node3", "--vlan", "40", "--network", "CSV"], "not both"),
        (["--all-pairs"], "--all-pairs needs --network"),
        (["node1"], "give FROM and TO"),
        (["node1", "node3", "--down", "nic:node1:CSVV"], "did you mean 'CSV'"),
    ],
)
def test_path_errors(app: typer.Typer, args: list[str], message: str) -> None:
    result = run(app, "path", RSTP, *args)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_path_between_sites_says_a_vlan_is_routed_not_missing(app: typer.Typer) -> None:
    two_site = str(EXAMPLES / "two-site-replica.yaml")
    doc = as_json(app, "path", two_site, "m-hq1", "m-dr1", "--network", "Management")
    (entry,) = doc["paths"]
    assert not entry["reachable"]
    assert entry["note"] == (
        "not extended at layer 2 between HQ and DR: routed over HQ-DR (200M, 5 ms)"
    )
    cut = as_json(
        app, "path", two_site, "m-hq1", "m-dr1", "--network", "Management", "--down", "wan:HQ-DR"
    )
    assert cut["paths"][0]["note"] == "HQ and DR: no WAN route is up between the sites"
    # The stretched Cluster VLAN has a layer-2 path across the WAN trunk: no note.
    stretched = as_json(app, "path", two_site, "m-hq1", "m-dr1", "--network", "Cluster")
    assert stretched["paths"][0]["reachable"] and "note" not in stretched["paths"][0]
