"""Endpoints, per-VLAN forwarding graphs and paths (hops, speeds, MTU, tie-breaks)."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import networkx as nx  # type: ignore[import-untyped]
import pytest

from hvlab import api
from hvlab.condition import Condition
from hvlab.errors import UserError
from hvlab.l2.network import analyse
from hvlab.model.lab import Lab
from hvlab.model.load import load_lab_text

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
G = 1_000_000_000


@pytest.fixture(scope="module")
def ten_gig() -> Lab:
    return api.load(EXAMPLES / "ten-gig-cluster.yaml")


def test_endpoints_of_a_node(ten_gig: Lab) -> None:
    view = analyse(ten_gig)
    rows = [
        (e.name, e.kind, e.tag, [(m.nic, m.switch, m.port, m.vlan, m.usable) for m in e.members])
        for e in view.endpoints()
        if e.owner == "node1"
    ]
    # the VM team is under VMSwitch (no management OS): not a host endpoint
    assert rows == [
        ("CSV", "nic", 30, [("CSV", "tor1", "1", 30, True)]),
        ("LM", "nic", 40, [("LM", "tor1", "5", 40, True)]),
        ("MgmtTeam/Management", "team", 10,
         [("MGMT-A", "tor1", "21", 10, True), ("MGMT-B", "tor2", "21", 10, True)]),
        ("MgmtTeam/Heartbeat", "team", 20,
         [("MGMT-A", "tor1", "21", 20, True), ("MGMT-B", "tor2", "21", 20, True)]),
    ]  # fmt: skip
    sql1 = [e for e in view.endpoints() if e.owner == "SQL1"]
    assert [(e.name, e.kind, e.tag, e.vswitch, e.host) for e in sql1] == [
        ("nic1", "vm", 100, "VMSwitch", "node1")
    ]
    assert [(m.nic, m.switch, m.port) for m in sql1[0].members] == [
        ("VM-A", "tor1", "11"),
        ("VM-B", "tor2", "11"),
    ]


def test_vlan_graph_of_live_migration(ten_gig: Lab) -> None:
    g = analyse(ten_gig).vlan_graph(40)
    assert dict(g.nodes(data="kind")) == {
        "core1": "switch", "core2": "switch", "tor1": "switch", "tor2": "switch",
        "node1": "host", "node2": "host", "node3": "host", "node4": "host",
    }  # fmt: skip
    # tor2:Po2 is blocked, so core2–tor2 is not an edge; the ISL is
    assert sorted(tuple(sorted(e)) for e in g.edges) == [
        ("core1", "core2"),
        ("core1", "tor1"),
        ("node1", "tor1"),
        ("node2", "tor1"),
        ("node3", "tor2"),
        ("node4", "tor2"),
        ("tor1", "tor2"),
    ]
    isl = g.edges["tor1", "tor2"]
    assert (isl["kind"], isl["speed_bps"], isl["flow_bps"], isl["member_speeds"], isl["mtu"]) == (
        "lag",
        20 * G,
        10 * G,
        (10 * G, 10 * G),
        9014,
    )
    assert g.edges["node1", "tor1"]["nics"] == ("node1:LM",)
    assert nx.shortest_path(g, "node1", "node3") == ["node1", "tor1", "tor2", "node3"]
    # VLAN 100 (VMs): hosts have no management-OS endpoint there, VMs do
    g100 = analyse(ten_gig).vlan_graph(100)
    assert {n for n, k in g100.nodes(data="kind") if k == "vm"} == {
        "SQL1", "SQL2", "EXCH1", "FS1", "WEB1", "WEB2", "WEB3", "WEB4", "APP1", "APP2",
        "TEST1", "TEST2",
    }  # fmt: skip
    assert g100.edges["SQL1", "tor1"]["nics"] == ("node1:VM-A",)


def test_path_hops_speeds_and_text(ten_gig: Lab) -> None:
    path = analyse(ten_gig).host_vlan_path("node1", "node3", 40)
    assert path is not None
    assert [(h.node, h.port, h.next_node, h.next_port, h.kind) for h in path.hops] == [
        ("node1", "LM", "tor1", "5", "nic"),
        ("tor1", "Po1", "tor2", "Po1", "lag"),
        ("tor2", "7", "node3", "LM", "nic"),
    ]
    assert [(h.speed_bps, h.flow_bps, h.mtu) for h in path.hops] == [
        (10 * G, 10 * G, 9000),
        (20 * G, 10 * G, 9014),
        (10 * G, 10 * G, 9000),
    ]
    assert (path.bottleneck_bps, path.aggregate_bps, path.mtu) == (10 * G, 10 * G, 9000)
    assert path.crosses == frozenset({"tor1", "tor2"})
    assert path.text() == (
        "node1:LM → tor1:5 → tor1:Po1 → tor2:Po1 → tor2:7 → node3:LM (bottleneck 10G)"
    )


def test_multi_homed_tie_break_takes_the_first_member(ten_gig: Lab) -> None:
    # MgmtTeam has MGMT-A on tor1 and MGMT-B on tor2 on every node: two equally short
    # paths (one switch each); the first listed member wins on both ends
    path = analyse(ten_gig).host_vlan_path("node1", "node3", 10)
    assert path is not None
    assert path.text() == "node1:MGMT-A → tor1:21 → tor1:23 → node3:MGMT-A (bottleneck 10G)"
    # with MGMT-A of node3 down, node1 still leaves on MGMT-A and crosses the ISL
    view = analyse(ten_gig, Condition.from_elements(ten_gig, ["nic:node3:MGMT-A"]))
    path = view.host_vlan_path("node1", "node3", 10)
    assert path is not None
    assert path.text() == (
        "node1:MGMT-B → tor2:21 → tor2:23 → node3:MGMT-B (bottleneck 10G)"
    )  # equally short through tor2 alone, and shorter than crossing the ISL


def test_vm_paths_through_the_vswitch(ten_gig: Lab) -> None:
    view = analyse(ten_gig)
    path = view.host_vlan_path("SQL1", "SQL2", 100)
    assert path is not None
    assert path.text() == (
        "SQL1:nic1 → node1:VMSwitch → node1:VM-A → tor1:11 → tor1:13 → node3:VM-A → "
        "node3:VMSwitch → SQL2:nic1 (bottleneck 10G)"
    )
    assert [h.kind for h in path.hops] == ["vswitch", "nic", "nic", "vswitch"]
    # two VMs on one host and one virtual switch never leave the host
    local = view.host_vlan_path("SQL1", "WEB1", 100)
    assert local is not None
    assert local.text() == "SQL1:nic1 → node1:VMSwitch → WEB1:nic1 (bottleneck 10G)"
    assert local.crosses == frozenset()


def test_no_path_and_unknown_names(ten_gig: Lab) -> None:
    view = analyse(ten_gig)
    assert view.host_vlan_path("node1", "node3", 100) is None  # no host endpoint in VLAN 100
    assert view.reachable("node1", "node3", 30)
    assert not view.reachable("node1", "node3", 100)
    assert view.reachable_any("node1", "node3")
    same = view.host_vlan_path("node1", "node1", 40)
    assert same is not None and same.hops == ()
    with pytest.raises(UserError, match="did you mean 'node3'"):
        view.host_vlan_path("node1", "nod3", 40)


TEAMS = """
name: teams
vlans: {10: Mgmt, 20: Data}
switches:
  sw1:
    mac: "00:00:00:00:00:01"
    ports:
      1: {speed: 10G, mode: access, vlan: 10}
      2: {speed: 10G, vlans: [20], native_vlan: 20}
      3: {speed: 10G, vlans: [20]}
      4: {speed: 1G, vlans: [20]}
      5: {speed: 10G, mode: access, vlan: 10}
      6: {speed: 10G, vlans: [10]}
links:
  - ["h1:A", "sw1:1"]
  - ["h1:B", "sw1:2"]
  - ["h1:C", "sw1:3"]
  - ["h1:D", "sw1:4"]
  - ["h2:A", "sw1:5"]
  - ["h2:B", "sw1:6"]
hosts:
  h1:
    nics: {A: 10G, B: 10G, C: 10G, D: 1G}
    teams:
      T: {members: [C, D], mode: SwitchIndependent, standby: C}
  h2:
    nics: {A: 10G, B: 10G}
"""


def test_untagged_standby_and_tags() -> None:
    lab = load_lab_text(TEAMS, "teams.yaml")
    view = analyse(lab)
    eps = {e.label: e for e in view.endpoints()}
    # an untagged NIC on an access port is in the access VLAN
    assert eps["h1:A"].tag is None and eps["h1:A"].vlans == {10}
    # untagged on a trunk lands in the native VLAN when it is allowed
    assert eps["h1:B"].vlans == {20}
    # an untagged NIC on a trunk whose native VLAN is not allowed is in no VLAN
    assert eps["h2:B"].vlans == frozenset()
    # the team's default interface is untagged; port 3 and 4 do not allow VLAN 1
    team = eps["h1:T"]
    assert [(m.nic, m.usable, m.why, m.vlan) for m in team.members] == [
        ("C", False, "standby", None),
        ("D", True, None, None),
    ]
    path = view.host_vlan_path("h1", "h2", 10)
    assert path is not None and path.text() == "h1:A → sw1:1 → sw1:5 → h2:A (bottleneck 10G)"


STANDBY = """
name: standby
vlans: {20: Data}
switches:
  sw1:
    mac: "00:00:00:00:00:01"
    ports: {1: {speed: 10G, vlans: [20]}, 2: {speed: 1G, vlans: [20]}, 3: {speed: 10G, vlans: [20]}}
links:
  - ["h1:C", "sw1:1"]
  - ["h1:D", "sw1:2"]
  - ["h2:A", "sw1:3"]
hosts:
  h1:
    nics: {C: 10G, D: 1G}
    teams:
      T: {members: [C, D], mode: SwitchIndependent, standby: C, interfaces: {Data: {vlan: 20}}}
  h2:
    nics: {A: {speed: 10G, vlan: 20}}
"""


def test_standby_member_carries_nothing_until_the_active_one_fails() -> None:
    lab = load_lab_text(STANDBY, "standby.yaml")
    path = analyse(lab).host_vlan_path("h1", "h2", 20)
    assert path is not None
    # C is the standby: the 1 G member D carries the traffic
    assert path.text() == "h1:D → sw1:2 → sw1:3 → h2:A (bottleneck 1G)"
    after = analyse(lab, Condition.from_elements(lab, ["nic:h1:D"]))
    path = after.host_vlan_path("h1", "h2", 20)
    assert path is not None
    assert path.text() == "h1:C → sw1:1 → sw1:3 → h2:A (bottleneck 10G)"


def test_stack_path_crosses_its_members() -> None:
    star = api.load(EXAMPLES / "ten-gig-cluster-star.yaml")
    view = analyse(star)
    path = view.cluster_path("clu1", "LiveMigration", "node1", "node3")
    assert path is not None
    assert path.text() == (
        "node1:LM → tor1:5 → tor1:Po2 → core:Po11 → core:Po12 → tor2:Po2 → tor2:7 → node3:LM "
        "(bottleneck 10G)"
    )
    assert path.crosses == frozenset({"tor1", "tor2", "core", "core1", "core2"})
    after = analyse(star, Condition.from_elements(star, ["switch:core1"]))
    path = after.cluster_path("clu1", "LiveMigration", "node1", "node3")
    assert path is not None and path.bottleneck_bps == 10 * G
    assert path.crosses == frozenset({"tor1", "tor2", "core", "core2"})


# --- Caches behind the simulator's speed: every answer as computed afresh -------------------
def _conditions(lab: Lab, count: int, seed: int) -> list[Condition]:
    """Nothing failed, then random sets of one to three elements of every kind."""
    import random

    from hvlab.sim.faults import candidate_elements

    names = sorted(n for pool in candidate_elements(lab).values() for n in pool)
    names += sorted(f"rack:{r}" for r in {h.rack for h in lab.hosts.values()} if r)
    names += sorted(f"site:{s}" for s in lab.sites)
    rng = random.Random(seed)
    out = [Condition.none()]
    for _ in range(count):
        out.append(Condition.from_elements(lab, rng.sample(names, rng.randint(1, 3))))
    return out


CACHE_LABS = ["ten-gig-cluster", "ten-gig-cluster-mstp", "ten-gig-cluster-star", "two-site-replica"]


@pytest.mark.parametrize("name", CACHE_LABS)
def test_cluster_links_answer_as_the_pair_rule_and_cluster_path(name: str) -> None:
    from itertools import permutations

    from hvlab.l2.network import during

    lab = api.load(EXAMPLES / f"{name}.yaml")
    conditions = _conditions(lab, 12, seed=len(name))
    views = [analyse(lab, c) for c in conditions]
    views += [during(a, b) for a, b in pairwise(views)]
    for view in views:
        fwd = view.forwarding
        for cluster in lab.clusters.values():
            for network in cluster.networks:
                links = view.cluster_links(cluster.name, network)
                assert set(links) == set(cluster.nodes)
                for a, b in permutations(cluster.nodes, 2):
                    rule = fwd._pair_reachable(cluster.name, network, a, b)
                    assert (b in links[a]) == rule, (name, view.condition, network, a, b)
                    assert view.cluster_reachable(cluster.name, network, a, b) == rule
                    if not view.converging:
                        path = view.cluster_path(cluster.name, network, a, b)
                        assert (path is not None) == rule


@pytest.mark.parametrize("name", CACHE_LABS)
def test_endpoints_and_attachments_shared_between_views_are_as_built_afresh(name: str) -> None:
    from hvlab.l2.forwarding import Forwarding, endpoints, vm_endpoints
    from hvlab.l2.network import during

    lab = api.load(EXAMPLES / f"{name}.yaml")
    views = [analyse(lab, c) for c in _conditions(lab, 10, seed=3 * len(name))]
    for before, after in pairwise(views):
        for view in (after, during(before, after)):
            assert view.endpoints() == endpoints(view.topology, view.condition)
            also = before.port_forwards if view.converging else None
            fresh = Forwarding(view.topology, view.stp, view.condition, also)
            vlans = sorted({v for ep in fresh.endpoints for v in ep.vlans})
            for vlan in vlans:
                assert view.forwarding.host_attachments(vlan) == fresh.host_attachments(vlan)
                assert view.forwarding.attachments(vlan) == fresh.attachments(vlan)
            for vm in lab.vms:
                for host in lab.hosts:
                    assert view.forwarding.vm_endpoints(vm, host) == vm_endpoints(
                        view.topology, view.condition, vm, host
                    )
                    assert view.vm_attachment_up(vm, host) == fresh.vm_attachment_up(vm, host)


def test_recorded_nic_reasons_answer_as_the_condition() -> None:
    from hvlab.l2.forwarding import _shared_endpoints

    for name in ("ten-gig-cluster-mstp", "two-site-replica"):
        lab = api.load(EXAMPLES / f"{name}.yaml")
        shared = _shared_endpoints(analyse(lab).topology)
        for condition in _conditions(lab, 60, seed=11):
            for host, h in lab.hosts.items():
                got = shared.reasons_of(lab, condition, (), host, h.nics)
                assert got == tuple(condition.nic_down_reason(lab, host, n) for n in h.nics)


def test_views_and_transitions_are_reused_for_equal_conditions(ten_gig: Lab) -> None:
    from hvlab.l2.network import _transition, transition

    a = analyse(ten_gig, Condition.from_elements(ten_gig, ["switch:tor2"]))
    assert analyse(ten_gig, Condition.from_elements(ten_gig, ["switch:tor2"])) is a
    base = analyse(ten_gig)
    first = transition(ten_gig, base, a)
    assert transition(ten_gig, base, a) is first
    assert first == _transition(ten_gig, base, a)
