"""Lab → spanning-tree topology: bridges, ports, LAGs, stacks, MLAG, numbers, failures.

Long costs: 1 Gb/s 20,000; 2 × 1 Gb/s LAG 10,000; 10 Gb/s 2,000; 2 × 10 Gb/s LAG 1,000.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hvlab import api
from hvlab.condition import Condition
from hvlab.errors import UserError
from hvlab.l2.fromlab import (
    derived_mac,
    failures_from_condition,
    port_vlan_config,
    topology_from_lab,
)
from hvlab.l2.stp import solve
from hvlab.l2.topology import Failures, Timers
from hvlab.model.lab import Lab
from hvlab.model.load import load_lab_text

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
G = 1_000_000_000


@pytest.fixture(scope="module")
def ten_gig() -> Lab:
    return api.load(EXAMPLES / "ten-gig-cluster.yaml")


@pytest.fixture(scope="module")
def star() -> Lab:
    return api.load(EXAMPLES / "ten-gig-cluster-star.yaml")


def lab_of(text: str) -> Lab:
    return load_lab_text(text, "test.yaml")


def test_ten_gig_bridges_ports_and_links(ten_gig: Lab) -> None:
    lt = topology_from_lab(ten_gig)
    topo = lt.topology
    assert [(b.name, b.priority, b.protocol, b.path_cost_method) for b in topo.bridges] == [
        ("core1", 4096, "rstp", "long"),
        ("core2", 8192, "rstp", "long"),
        ("tor1", 32768, "rstp", "long"),
        ("tor2", 32768, "rstp", "long"),
    ]
    assert topo.bridge_by_name["tor1"].mac_int == 0x001B00000101
    assert topo.bridge_by_name["tor1"].timers == Timers(2.0, 20.0, 15.0)
    assert [link.id for link in topo.links] == [
        "core1:Po1~core2:Po1",
        "core1:Po2~tor1:Po2",
        "core2:Po2~tor2:Po2",
        "tor1:Po1~tor2:Po1",
    ]
    ports = topo.port_by_ref
    # a LAG is one port: aggregate speed, number of its lowest member
    assert (ports[("tor1", "Po1")].speed_bps, ports[("tor1", "Po1")].number) == (20 * G, 47)
    assert (ports[("tor1", "Po2")].speed_bps, ports[("tor1", "Po2")].number) == (2 * G, 45)
    assert (ports[("core1", "Po2")].speed_bps, ports[("core1", "Po2")].number) == (2 * G, 1)
    # LAG members are not ports of their own
    assert ("tor1", "47") not in ports and ("tor1", "45") not in ports
    # host-facing and shut-down ports
    assert ports[("tor1", "1")].edge is True
    assert ports[("tor1", "30")].admin_up is False
    assert lt.peer(("tor1", "1")) is None
    assert lt.peer(("tor1", "Po1")) == (("tor2", "Po1"), "tor1:Po1~tor2:Po1")
    assert lt.ref_of("tor1", "48") == ("tor1", "Po1")
    assert [c.element for c in lt.link_cables["tor1:Po1~tor2:Po1"]] == [
        "link:tor1:47~tor2:47",
        "link:tor1:48~tor2:48",
    ]
    assert lt.excluded == () and lt.notes == ()


def test_vlan_config_of_ports_and_lags(ten_gig: Lab) -> None:
    lt = topology_from_lab(ten_gig)
    assert lt.ports[("tor1", "1")].vlans.describe() == "access 30"
    assert lt.ports[("tor1", "11")].vlans.describe() == "trunk 10,100 native 1"
    assert lt.ports[("tor1", "Po2")].vlans.describe() == "trunk 10,20,30,40,100 native 1"
    assert lt.ports[("core1", "Po1")].vlans.describe() == "trunk all native 1"
    trunk = lt.ports[("tor1", "21")].vlans
    assert trunk.carries(20) and not trunk.carries(30)
    assert trunk.untagged_vlan() is None  # native 1 is not in the allowed list
    access = port_vlan_config(ten_gig.switches["tor1"].ports["5"])
    assert access.accepts(40, tagged=False) and access.accepts(40, tagged=True)
    assert not access.accepts(30, tagged=True)


def test_lag_cost_follows_member_failure(ten_gig: Lab) -> None:
    cond = Condition.from_elements(ten_gig, ["link:core1:1~tor1:45"])
    lt = topology_from_lab(ten_gig, cond)
    po2 = lt.ports[("tor1", "Po2")]
    assert po2.up_members == (("tor1", "46"),)
    assert po2.member_speeds == (G,)
    assert po2.speed_bps == G
    result = solve(lt.topology, failures_from_condition(lt, cond))
    assert result.port("tor1", "Po2").cost == 20_000  # one 1 G member left
    assert result.port("core1", "Po2").cost == 20_000
    # nothing else moves: tor1 still reaches core1 directly (20,000 < 21,000 via tor2)
    assert str(result.port("tor1", "Po2").role) == "root"
    # one member of the ISL: 10 G, cost 2,000
    cond = Condition.from_elements(ten_gig, ["port:tor1:47"])
    lt = topology_from_lab(ten_gig, cond)
    result = solve(lt.topology, failures_from_condition(lt, cond))
    assert result.port("tor2", "Po1").cost == 2_000
    assert lt.ports[("tor2", "Po1")].up_members == (("tor2", "48"),)


def test_failures_from_condition(ten_gig: Lab) -> None:
    lt = topology_from_lab(ten_gig)
    assert failures_from_condition(lt, Condition.none()) == Failures()
    cond = Condition.from_elements(ten_gig, ["switch:core2", "node:node1", "nic:node3:LM"])
    f = failures_from_condition(topology_from_lab(ten_gig, cond), cond)
    assert f.bridges == frozenset({"core2"})
    # node1 powered off: its six switch ports lose carrier; node3's LM NIC: tor2:7;
    # core1's LAG to core2 has no member left; tor2's uplink to core2 neither
    assert f.ports == frozenset(
        {
            ("tor1", "1"), ("tor1", "5"), ("tor1", "11"), ("tor2", "11"), ("tor1", "21"),
            ("tor2", "21"), ("tor2", "7"), ("core1", "Po1"), ("tor2", "Po2"),
        }
    )  # fmt: skip
    assert f.links == frozenset()
    cond = Condition.from_elements(ten_gig, ["lag:tor1:Po1"])
    f = failures_from_condition(topology_from_lab(ten_gig, cond), cond)
    assert f.ports == frozenset({("tor1", "Po1"), ("tor2", "Po1")})


def test_star_stack_is_one_bridge(star: Lab) -> None:
    lt = topology_from_lab(star)
    assert dict(lt.bridges) == {"core": ("core1", "core2"), "tor1": ("tor1",), "tor2": ("tor2",)}
    assert lt.kind["core"] == "stack"
    assert lt.bridge_of["core2"] == "core"
    assert lt.topology.bridge_by_name["core"].mac_int == 0x001B00000001  # the master's MAC
    assert [link.id for link in lt.topology.links] == ["tor1:Po2~core:Po11", "tor2:Po2~core:Po12"]
    po11 = lt.ports[("core", "Po11")]
    assert po11.members == (("core1", "23"), ("core2", "23"))
    assert po11.speed_bps == 20 * G
    # physical ports of a stack bridge are MEMBER:PORT
    assert ("core", "core2:5") in lt.ports
    assert lt.physical_name("core2", "5") == "core2:5"
    result = solve(lt.topology)
    assert {
        f"{p.bridge}:{p.port}": str(p.role)
        for p in result.trees[0].ports()
        if p.port.startswith("Po")
    } == {
        "core:Po11": "designated",
        "core:Po12": "designated",
        "tor1:Po2": "root",
        "tor2:Po2": "root",
    }


def test_stack_member_failure_removes_only_its_ports(star: Lab) -> None:
    cond = Condition.from_elements(star, ["switch:core1"])
    lt = topology_from_lab(star, cond)
    f = failures_from_condition(lt, cond)
    assert f.bridges == frozenset()
    assert ("core", "core1:1") in f.ports and ("core", "core2:1") not in f.ports
    assert ("core", "Po11") not in f.ports  # still has its core2 member
    assert lt.ports[("core", "Po11")].speed_bps == 10 * G
    both = Condition.from_elements(star, ["switch:core1", "switch:core2"])
    f = failures_from_condition(topology_from_lab(star, both), both)
    assert f.bridges == frozenset({"core"})


MLAG = """
name: mlag
switches:
  m1:
    mac: "00:00:00:00:00:01"
    stack: dc
    stack_kind: mlag
    spanning_tree: {priority: 4096}
    ports: {1-4: 10G}
    lags:
      Po100: {members: [3, 4]}                     # peer link
      Po10: {members: [1, "m2:1"]}                 # vPC to acc
  m2:
    mac: "00:00:00:00:00:02"
    stack: dc
    stack_kind: mlag
    ports: {1-4: 10G}
    lags:
      Po100: {members: [3, 4]}
  acc:
    ports: {1-2: 10G}
    lags:
      Po1: {members: [1, 2]}
links:
  - ["m1:3", "m2:3"]
  - ["m1:4", "m2:4"]
  - ["m1:1", "acc:1"]
  - ["m2:1", "acc:2"]
"""


def test_mlag_domain_is_one_bridge_and_its_peer_link_is_inside() -> None:
    lt = topology_from_lab(lab_of(MLAG))
    assert dict(lt.bridges) == {"dc": ("m1", "m2"), "acc": ("acc",)}
    assert lt.kind["dc"] == "mlag"
    # two LAGs named Po100 on one logical bridge: qualified by member
    assert ("dc", "m1:Po100") in lt.ports and ("dc", "m2:Po100") in lt.ports
    assert [link.id for link in lt.topology.links] == ["dc:Po10~acc:Po1"]
    assert sorted((e.cable, e.reason) for e in lt.excluded) == [
        ("link:m1:3~m2:3", "mlag-peer-link"),
        ("link:m1:4~m2:4", "mlag-peer-link"),
    ]
    # acc has no mac: a derived, locally administered one, and a note says so
    assert lt.topology.bridge_by_name["acc"].mac_int == int(derived_mac("acc").replace(":", ""), 16)
    assert any("acc: no mac: set" in n for n in lt.notes)
    assert any("MLAG domain" in n for n in lt.notes)
    result = solve(lt.topology)
    assert str(result.port("acc", "Po1").role) == "root"
    assert not [p for p in result.trees[0].ports() if str(p.role) in ("alternate", "backup")]


def test_derived_mac_is_stable_and_local() -> None:
    assert derived_mac("sw1") == "02:cf:4a:c2:8e:a7"
    assert derived_mac("sw1") == derived_mac("sw1") != derived_mac("sw2")


NUMBERS = """
name: numbers
switches:
  s1:
    mac: "00:00:00:00:00:01"
    spanning_tree: {port_id_format: linux}
    ports:
      Eth1/1: {speed: 10G, number: 2}
      Eth1/2: 10G
      Eth2/1: 10G
      mgmt: 1G
"""


def test_port_numbers_explicit_derived_then_free() -> None:
    lt = topology_from_lab(lab_of(NUMBERS))
    numbers = {p.name: p.number for p in lt.topology.ports}
    # Eth1/1 asks for 2; Eth1/2 would be 2 (taken) and Eth2/1 takes 1; then the free ones
    assert numbers == {"Eth1/1": 2, "Eth1/2": 3, "Eth2/1": 1, "mgmt": 4}
    assert lt.topology.bridge_by_name["s1"].port_id_format == "linux"


def test_lacp_passive_on_both_ends_does_not_bundle() -> None:
    lab = lab_of(
        """
name: passive
switches:
  a: {mac: "00:00:00:00:00:01", ports: {1-2: 10G}, lags: {Po1: {members: [1, 2], lacp: passive}}}
  b: {mac: "00:00:00:00:00:02", ports: {1-2: 10G}, lags: {Po1: {members: [1, 2], lacp: passive}}}
links: [["a:1", "b:1"], ["a:2", "b:2"]]
"""
    )
    lt = topology_from_lab(lab)
    assert lt.topology.links == ()
    assert [e.reason for e in lt.excluded] == ["lacp", "lacp"]
    assert "passive-passive" in lt.excluded[0].detail
    # the port-channels never come up: both LAG ports are down with nothing failed
    f = failures_from_condition(lt, Condition.none())
    assert f == Failures(ports=frozenset({("a", "Po1"), ("b", "Po1")}))
    assert str(solve(lt.topology, f).port("a", "Po1").state) == "disabled"


def test_bad_priority_is_a_user_error() -> None:
    lab = lab_of(
        """
name: bad
switches:
  a: {spanning_tree: {priority: 1000}, ports: {1: 1G}}
"""
    )
    with pytest.raises(UserError, match="multiple of 4096"):
        topology_from_lab(lab)


def test_timers_come_from_the_lab() -> None:
    lab = lab_of(
        """
name: timers
defaults: {spanning_tree: {protocol: stp}}
timers: {stp.ForwardDelay: 4s}
switches:
  a: {ports: {1: 1G}}
  b: {spanning_tree: {timers: {hello_time: 1s, max_age: 6s, forward_delay: 5s}}, ports: {1: 1G}}
"""
    )
    topo = topology_from_lab(lab).topology
    assert topo.bridge_by_name["a"].timers == Timers(2.0, 20.0, 4.0)
    assert topo.bridge_by_name["b"].timers == Timers(1.0, 6.0, 5.0)
    assert topo.bridge_by_name["a"].cost_method == "short"  # 802.1D default
