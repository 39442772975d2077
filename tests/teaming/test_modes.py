"""Modes, defaults, compatibility table and settings.

Sources: New-NetLbfoTeam help (2012: TeamingMode default SwitchIndependent,
LoadBalancingAlgorithm default TransportPorts), Microsoft Learn "NIC Teaming" (compatibility
exceptions, Sum-of-Queues/Min-Queues), "Performance Tuning for Hyper-V Servers" (2012 R2 VMQ
table), "RDMA and Switch Embedded Teaming" (SET compatibility), "NIC Teaming MAC address use
and management" (source MAC replacement).
"""

from __future__ import annotations

import pytest

from hvlab.condition import Condition
from hvlab.errors import UserError
from hvlab.model.lab import Lab
from hvlab.teaming import (
    COMPATIBILITY,
    SETTINGS,
    VMQ_QUEUE_MODE,
    compatibility,
    default_lbfo_algorithm,
    inbound_policy,
    resolve,
    resolve_team,
    vmq_mode,
)
from hvlab.teaming.compat import FEATURES
from hvlab.teaming.modes import mac_rules, primary_index
from tests.teaming.test_distribute import team_lab


@pytest.mark.parametrize(
    ("os", "algorithm"),
    [
        ("WindowsServer2012", "TransportPorts"),
        ("WindowsServer2012R2", "Dynamic"),
        ("WindowsServer2016", "Dynamic"),
        ("WindowsServer2022", "Dynamic"),
    ],
)
def test_default_algorithm_by_os(os: str, algorithm: str) -> None:
    assert default_lbfo_algorithm(os)[0] == algorithm
    spec = resolve_team(team_lab(algorithm=None, os=os), "h1", "T")
    assert spec.algorithm == algorithm and spec.algorithm_origin.startswith("OS default")


def test_algorithm_precedence() -> None:
    lab = team_lab(algorithm="HyperVPort")
    assert resolve_team(lab, "h1", "T").algorithm_origin == "lab"
    c = Condition.none().with_override("team:h1:T.algorithm", "IPAddresses")
    spec = resolve_team(lab, "h1", "T", c)
    assert (spec.algorithm, spec.algorithm_origin) == ("IPAddresses", "condition")
    spec = resolve_team(lab, "h1", "T", c, algorithm="MacAddresses")
    assert (spec.algorithm, spec.algorithm_origin) == ("MacAddresses", "argument")
    with pytest.raises(UserError, match="did you mean 'Dynamic'"):
        resolve_team(lab, "h1", "T", algorithm="Dynamik")
    c = Condition.none().with_override("team:h1:T.mode", "Lacp")
    assert resolve_team(lab, "h1", "T", c).mode == "Lacp"
    with pytest.raises(UserError):
        resolve_team(lab, "h1", "T", Condition.none().with_override("team:h1:T.mode", "LACP"))


def test_unknown_host_and_team() -> None:
    lab = team_lab()
    with pytest.raises(UserError, match=r"no host named 'h11' \(did you mean 'h1'\?\)"):
        resolve_team(lab, "h11", "T")
    with pytest.raises(UserError, match="no team or SET switch named 'X' on host h1"):
        resolve_team(lab, "h1", "X")


def test_set_switch_spec() -> None:
    lab = Lab.model_validate(
        {
            "name": "x",
            "hosts": {
                "h": {
                    "os": "WindowsServer2016",
                    "nics": {"A": "25G", "B": "25G"},
                    "vswitches": {"SET": {"members": ["A", "B"]}},
                }
            },
        }
    )
    spec = resolve_team(lab, "h", "SET")
    assert (spec.kind, spec.mode, spec.standby, spec.interfaces) == (
        "set",
        "SwitchIndependent",
        None,
        (),
    )
    assert spec.algorithm == "Dynamic" and "set.default_algorithm" in spec.algorithm_origin
    assert vmq_mode(spec.mode, "HyperVPort", "set") == "SumOfQueues"


def test_inbound_policy_table() -> None:
    for alg in ("TransportPorts", "IPAddresses", "MacAddresses"):
        assert inbound_policy("SwitchIndependent", alg) == "primary"
    assert inbound_policy("SwitchIndependent", "HyperVPort") == "affinity"
    assert inbound_policy("SwitchIndependent", "Dynamic") == "affinity"
    for mode in ("Static", "Lacp"):
        for alg in ("TransportPorts", "HyperVPort", "Dynamic"):
            assert inbound_policy(mode, alg) == "switch"


def test_vmq_sum_and_min_queues_table() -> None:
    """2012 R2 table: only Switch Independent with HyperVPort or Dynamic is Sum-of-Queues."""
    assert VMQ_QUEUE_MODE[("SwitchIndependent", "AddressHash")] == "MinQueues"
    assert VMQ_QUEUE_MODE[("SwitchIndependent", "HyperVPort")] == "SumOfQueues"
    assert VMQ_QUEUE_MODE[("SwitchIndependent", "Dynamic")] == "SumOfQueues"
    assert {
        VMQ_QUEUE_MODE[("SwitchDependent", a)] for a in ("AddressHash", "HyperVPort", "Dynamic")
    } == {"MinQueues"}
    assert vmq_mode("Lacp", "Dynamic") == "MinQueues"
    assert vmq_mode("SwitchIndependent", "TransportPorts") == "MinQueues"


def test_mac_rules() -> None:
    assert any("primary" in r for r in mac_rules("SwitchIndependent", "TransportPorts"))
    assert "No source MAC replacement is done." in mac_rules("SwitchIndependent", "HyperVPort")
    assert any("ARP/NS" in r for r in mac_rules("SwitchIndependent", "Dynamic"))
    assert mac_rules("Static", "Dynamic") == (
        "No source MAC address replacement is performed (switch dependent mode).",
    )


def test_primary_index() -> None:
    members = ("A", "B", "C")
    assert primary_index(members, None, [True, True, True]) == (0, False)
    assert primary_index(members, None, [False, True, True]) == (1, True)
    assert primary_index(members, "A", [False, True, True]) == (1, False)
    assert primary_index(members, "C", [False, False, True]) == (2, True)
    assert primary_index(members, None, [False, False, False]) == (None, False)


def test_compatibility_table() -> None:
    for tech in ("LBFO", "SET"):
        for feature in FEATURES:
            e = compatibility(tech, feature)
            assert e.support in ("yes", "no", "conditional", "not-stated")
            assert e.source and e.note
    assert len(COMPATIBILITY) == 2 * len(FEATURES)
    # LBFO exceptions (NIC Teaming, 2016) and RDMA (RDMA and SET)
    for feature in ("sriov", "rdma", "tcp_chimney", "dot1x"):
        assert compatibility("LBFO", feature).support == "no"
    assert compatibility("LBFO", "vmq").support == "yes"
    assert compatibility("LBFO", "host_qos").support == "conditional"
    # SET lists
    for feature in ("rdma", "sriov", "vmq", "dcb", "hnv"):
        assert compatibility("SET", feature).support == "yes"
    for feature in ("dot1x", "ipsec_offload", "rss", "rsc", "tcp_chimney", "host_qos"):
        assert compatibility("SET", feature).support == "no"
    with pytest.raises(KeyError):
        compatibility("LBFO", "warp-drive")


def test_settings_resolution() -> None:
    assert resolve("lbfo.failover").value == 500
    assert (
        resolve("lbfo.dynamic.flowlet_gap").value == 500
        and SETTINGS["lbfo.dynamic.flowlet_gap"].unit == "us"
    )
    assert resolve("lbfo.LacpTimer").value == "Fast"
    lab = team_lab(timers={"lbfo.failover": "2s", "lbfo.dynamic.flowlet_gap": "200us"})
    assert resolve("lbfo.failover", lab).value == 2000
    assert resolve("lbfo.dynamic.flowlet_gap", lab).value == 200
    c = Condition.none().with_override("lbfo.dynamic.flowlet_gap", 300)
    a = resolve("lbfo.dynamic.flowlet_gap", lab, c)
    assert (a.value, a.origin, a.default) == (300, "condition", 500)
    assert resolve("lbfo.failover", lab, c, argument="750ms").value == 750
    with pytest.raises(UserError, match=r"override lbfo\.failover"):
        resolve("lbfo.failover", lab, Condition.none().with_override("lbfo.failover", "soon"))
    # a bare number is seconds for a millisecond setting, as everywhere in a lab file
    assert (
        resolve("lbfo.failover", None, Condition.none().with_override("lbfo.failover", 1)).value
        == 1000
    )
    with pytest.raises(UserError, match="not one of"):
        resolve(
            "teaming.switch_hash", None, Condition.none().with_override("teaming.switch_hash", "l4")
        )
    # descriptions of the model cannot be overridden
    c = Condition.none().with_override("lbfo.hash", "crc32")
    assert resolve("lbfo.hash", None, c).origin == "default"
    assert all(not SETTINGS[k].published for k in ("lbfo.failover", "lbfo.dynamic.flowlet_gap"))
    assert SETTINGS["lacp.short_timeout"].published and SETTINGS["ovs.rebalance_interval"].published


def test_docs_list_every_compat_entry_and_setting() -> None:
    """docs/teaming.md carries the compatibility table and every setting's key and default."""
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "teaming.md").read_text("utf-8")
    for feature in FEATURES:
        lbfo, set_ = compatibility("LBFO", feature), compatibility("SET", feature)
        row = next(line for line in doc.splitlines() if f"(`{feature}`)" in line)
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert (cells[1], cells[3]) == (lbfo.support, set_.support), feature
    for key, setting in SETTINGS.items():
        if setting.unit != "text":
            assert f"| `{key}` | {setting.default} |" in doc, key
