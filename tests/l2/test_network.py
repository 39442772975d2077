"""The L2 facade on the field note's network: RSTP, MSTP and star variants, transitions.

Costs (long): 2 × 1 G LAG 10,000; 2 × 10 G LAG 1,000; core1 (priority 4096) is the root.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx  # type: ignore[import-untyped]
import pytest

from hvlab import api
from hvlab.condition import Condition
from hvlab.errors import UserError
from hvlab.l2.network import L2View, analyse, during, transition
from hvlab.model.lab import Lab
from hvlab.model.load import load_lab_text

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
G = 1_000_000_000


def load(name: str) -> Lab:
    return api.load(EXAMPLES / name)


@pytest.fixture(scope="module")
def rstp() -> Lab:
    return load("ten-gig-cluster.yaml")


@pytest.fixture(scope="module")
def mstp() -> Lab:
    return load("ten-gig-cluster-mstp.yaml")


@pytest.fixture(scope="module")
def star() -> Lab:
    return load("ten-gig-cluster-star.yaml")


def blocked(view: L2View) -> dict[str, str]:
    """``tree:switch:port → role/state`` of every port that does not forward (link up)."""
    return {
        f"{tree}:{lp.label}": f"{pr.role}/{pr.state}"
        for tree in view.stp.trees
        for lp, pr in view.tree_ports(tree)
        if str(pr.state) not in ("forwarding", "disabled")
    }


def switches_only(g: nx.Graph) -> nx.Graph:
    return g.subgraph(n for n, k in g.nodes(data="kind") if k == "switch")


# ---------------------------------------------------------------------------
# what spanning tree blocks with everything up


def test_rstp_blocks_tor2_uplink(rstp: Lab) -> None:
    # core2 10,000 via Po1; tor1 10,000 via Po2; tor2 11,000 via the ISL (20,000 via
    # core2). On the tor2–core2 LAN core2 offers 10,000 < 11,000: tor2:Po2 is the
    # alternate. The ISL forwards, so cluster traffic stays on 10 G.
    view = analyse(rstp)
    assert view.stp.protocol == "rstp"
    assert view.stp.trees[0].root == "core1"
    assert blocked(view) == {"0:tor2:Po2": "alternate/discarding"}


def test_mstp_blocks_tor2_uplink_in_both_trees(mstp: Lab) -> None:
    view = analyse(mstp)
    assert view.stp.protocol == "mstp"
    assert [(r.config.name, r.bridges, r.regional_root) for r in view.stp.regions] == [
        ("HV-10G", ("tor1", "tor2"), "tor1")
    ]
    assert view.stp.trees[0].root == "core1"
    assert view.stp.trees[1].root == "tor1"
    # CIST as in RSTP; in MSTI 1 the boundary ports follow the CIST (tor1:Po2 master)
    assert blocked(view) == {
        "0:tor2:Po2": "alternate/discarding",
        "1:tor2:Po2": "alternate/discarding",
    }
    assert str(view.stp.port("tor1", "Po2", 1).role) == "master"
    assert view.vlan_root(40) == "tor1" and view.vlan_root(100) == "core1"


def test_star_blocks_nothing(star: Lab) -> None:
    view = analyse(star)
    assert view.stp.trees[0].root == "core"
    assert blocked(view) == {}
    assert view.stp.loops == ()


# ---------------------------------------------------------------------------
# the field note's scenarios


def test_rstp_live_migration_over_the_isl(rstp: Lab) -> None:
    path = analyse(rstp).cluster_path("clu1", "LiveMigration", "node1", "node3")
    assert path is not None
    assert path.vlan == 40
    assert path.text() == (
        "node1:LM → tor1:5 → tor1:Po1 → tor2:Po1 → tor2:7 → node3:LM (bottleneck 10G)"
    )
    assert path.bottleneck_bps == 10 * G


def test_rstp_isl_down_pushes_live_migration_over_the_1g_core(rstp: Lab) -> None:
    view = analyse(rstp, Condition.from_elements(rstp, ["lag:tor1:Po1"]))
    assert blocked(view) == {}  # tor2:Po2 became the root port
    path = view.cluster_path("clu1", "LiveMigration", "node1", "node3")
    assert path is not None
    assert path.text() == (
        "node1:LM → tor1:5 → tor1:Po2 → core1:Po2 → core1:Po1 → core2:Po1 → core2:Po2 → "
        "tor2:Po2 → tor2:7 → node3:LM (bottleneck 1G)"
    )
    assert [h.kind for h in path.hops] == ["nic", "lag", "lag", "lag", "nic"]
    # one member of a 2 × 1 G LAG: a flow gets 1 G, many flows 2 G
    assert (path.bottleneck_bps, path.aggregate_bps) == (1 * G, 2 * G)
    assert path.crosses == frozenset({"tor1", "core1", "core2", "tor2"})
    # and jumbo frames die on the 1500-byte core
    assert (path.mtu, path.source_mtu, path.target_mtu) == (1500, 9000, 9000)


def test_mstp_isl_down_cuts_the_cluster_vlans_but_not_the_vm_vlan(mstp: Lab) -> None:
    view = analyse(mstp, Condition.from_elements(mstp, ["lag:tor1:Po1"]))
    # the cluster VLANs are not allowed on the uplinks: no path at all
    assert view.cluster_path("clu1", "LiveMigration", "node1", "node3") is None
    assert view.cluster_path("clu1", "CSV", "node1", "node3") is None
    # heartbeat rides the management team, which has a member on each switch
    heartbeat = view.cluster_path("clu1", "Heartbeat", "node1", "node3")
    assert heartbeat is not None
    assert heartbeat.text() == "node1:MGMT-A → tor1:21 → tor1:23 → node3:MGMT-A (bottleneck 10G)"
    assert not nx.has_path(switches_only(view.vlan_graph(40)), "tor1", "tor2")
    # the VM VLAN still crosses the core
    assert nx.shortest_path(switches_only(view.vlan_graph(100)), "tor1", "tor2") == [
        "tor1", "core1", "core2", "tor2"
    ]  # fmt: skip
    forced = analyse(
        mstp, Condition.from_elements(mstp, ["lag:tor1:Po1", "nic:node1:VM-B", "nic:node3:VM-A"])
    )
    path = forced.host_vlan_path("SQL1", "SQL2", 100)
    assert path is not None
    assert path.text() == (
        "SQL1:nic1 → node1:VMSwitch → node1:VM-A → tor1:11 → tor1:Po2 → core1:Po2 → core1:Po1 → "
        "core2:Po1 → core2:Po2 → tor2:Po2 → tor2:13 → node3:VM-B → node3:VMSwitch → SQL2:nic1 "
        "(bottleneck 1G)"
    )
    # management (ClusterAndClient) still joins the nodes
    assert view.cluster_path("clu1", "Management", "node1", "node3") is not None


def test_mstp_with_everything_up_keeps_cluster_vlans_on_the_isl(mstp: Lab) -> None:
    path = analyse(mstp).cluster_path("clu1", "CSV", "node2", "node4")
    assert path is not None
    assert path.text() == (
        "node2:CSV → tor1:2 → tor1:Po1 → tor2:Po1 → tor2:4 → node4:CSV (bottleneck 10G)"
    )


def test_star_keeps_10g_when_a_stack_member_fails(star: Lab) -> None:
    view = analyse(star, Condition.from_elements(star, ["switch:core1"]))
    assert blocked(view) == {}
    path = view.cluster_path("clu1", "LiveMigration", "node1", "node4")
    assert path is not None
    assert path.bottleneck_bps == 10 * G
    assert "core1" not in path.crosses


def test_mstp_with_a_failed_region_member(mstp: Lab) -> None:
    # tor2 is down: its MST map still names MSTI 1 for VLAN 40, which runs on tor1 only
    view = analyse(mstp, Condition.from_elements(mstp, ["switch:tor2"]))
    assert view.stp.tree_for_vlan("tor2", 40) == 1
    assert view.vlan_root(40) == "tor1"
    assert {lp.label: str(pr.state) for lp, pr in view.vlan_ports(40)}["tor2:Po1"] == "disabled"
    path = view.cluster_path("clu1", "LiveMigration", "node1", "node2")
    assert path is not None and path.crosses == frozenset({"tor1"})
    assert view.cluster_path("clu1", "LiveMigration", "node1", "node3") is None


# ---------------------------------------------------------------------------
# transitions


def test_rstp_transition_is_one_handshake(rstp: Lab) -> None:
    before = analyse(rstp)
    after = analyse(rstp, Condition.from_elements(rstp, ["lag:tor1:Po1"]))
    change = transition(rstp, before, after)
    assert change.settle_ms == 50  # stp.rstp.handshake_per_hop, an assumption
    assert change.settings == ("stp.rstp.handshake_per_hop",)
    assert change.protocol == "rstp"
    assert [(c.bridge, c.port, str(c.role_after)) for c in change.changes] == [
        ("tor1", "Po1", "disabled"),
        ("tor2", "Po1", "disabled"),
        ("tor2", "Po2", "root"),
    ]
    assert change.summary[1] == "link down on 2 port(s): tor1:Po1, tor2:Po1"
    assert change.explanation.startswith("last port to settle: tor2:Po2 — alternate takes over")
    assert change.explanation.endswith("[assumption: 50 ms per RSTP handshake]")


def test_handshake_override_from_the_lab(rstp: Lab) -> None:
    text = (EXAMPLES / "ten-gig-cluster.yaml").read_text()
    lab = load_lab_text(text + "\ntimers: {stp.rstp.handshake_per_hop: 10ms}\n", "x.yaml")
    after = analyse(lab, Condition.from_elements(lab, ["lag:tor1:Po1"]))
    change = transition(lab, analyse(lab), after)
    assert change.settle_ms == 10
    assert "assumption" not in change.explanation


def test_8021d_transitions_use_the_timers(rstp: Lab) -> None:
    text = (
        (EXAMPLES / "ten-gig-cluster.yaml").read_text().replace("protocol: rstp", "protocol: stp")
    )
    lab = load_lab_text(text, "stp.yaml")
    before = analyse(lab)
    assert blocked(before) == {"0:tor2:Po2": "alternate/blocking"}
    # tor2 loses its own root port: listening + learning = 30 s
    direct = transition(lab, before, analyse(lab, Condition.from_elements(lab, ["lag:tor1:Po1"])))
    assert direct.settle_ms == 30_000
    assert direct.settings == ("stp.ForwardDelay",)
    # core1 (the root) dies: tor2 learns it indirectly, max age first: 50 s
    indirect = transition(lab, before, analyse(lab, Condition.from_elements(lab, ["switch:core1"])))
    assert indirect.settle_ms == 50_000
    assert indirect.settings == ("stp.ForwardDelay", "stp.MaxAge")


def test_no_change_no_time(rstp: Lab) -> None:
    before = analyse(rstp)
    after = analyse(rstp, Condition.from_elements(rstp, ["nic:node1:CSV"]))
    change = transition(rstp, before, after)
    assert change.settle_ms == 0
    assert change.summary[0] == (
        "spanning tree: 1 port change(s), forwarding again after 0 ms "
        "(last port to settle: tor1:1 — link down)"
    )


def test_during_only_ports_forwarding_before_and_after(rstp: Lab) -> None:
    before = analyse(rstp)
    after = analyse(rstp, Condition.from_elements(rstp, ["lag:tor1:Po1"]))
    meanwhile = during(before, after)
    assert meanwhile.converging and not after.converging
    # tor2:Po2 was discarding before: until it forwards, tor2 is cut off from the rest
    assert meanwhile.cluster_path("clu1", "LiveMigration", "node1", "node3") is None
    assert meanwhile.cluster_path("clu1", "LiveMigration", "node1", "node2") is not None
    assert after.cluster_path("clu1", "LiveMigration", "node1", "node3") is not None


# ---------------------------------------------------------------------------
# VMs


def test_vm_attachment(rstp: Lab) -> None:
    view = analyse(rstp)
    assert view.vm_attachment_up("SQL1")
    # one team member down: still attached; both down or the host down: not
    one = analyse(rstp, Condition.from_elements(rstp, ["nic:node1:VM-A"]))
    assert one.vm_attachment_up("SQL1")
    both = analyse(rstp, Condition.from_elements(rstp, ["nic:node1:VM-A", "nic:node1:VM-B"]))
    assert not both.vm_attachment_up("SQL1")
    assert both.vm_attachment_up("SQL2")
    host = analyse(rstp, Condition.from_elements(rstp, ["node:node1"]))
    assert not host.vm_attachment_up("SQL1")
    # where the VM runs now (after a failover) is the caller's to say
    assert host.vm_attachment_up("SQL1", host="node3")


def test_vm_reaches_the_core(rstp: Lab, mstp: Lab) -> None:
    view = analyse(rstp)
    assert view.vm_reaches("SQL1", "core1")
    assert view.vm_reaches("SQL1", "tor2")
    down = analyse(rstp, Condition.from_elements(rstp, ["switch:core1"]))
    assert not down.vm_reaches("SQL1", "core1")
    assert down.vm_reaches("SQL1", "core2")
    isl = analyse(mstp, Condition.from_elements(mstp, ["lag:tor1:Po1"]))
    assert isl.vm_reaches("SQL1", "core1")
    with pytest.raises(UserError, match=r"no switch named 'core9' \(did you mean"):
        view.vm_reaches("SQL1", "core9")


def test_cluster_path_errors(rstp: Lab) -> None:
    view = analyse(rstp)
    with pytest.raises(UserError, match="did you mean 'LiveMigration'"):
        view.cluster_path("clu1", "LiveMigraton", "node1", "node3")
    with pytest.raises(UserError, match="did you mean 'clu1'"):
        view.cluster_path("clu2", "CSV", "node1", "node3")
    with pytest.raises(UserError, match="not a node of cluster clu1"):
        view.cluster_path("clu1", "CSV", "node1", "SQL1")


# ---------------------------------------------------------------------------
# random labs: the facade answers or raises a UserError, never anything else


def _random_lab(seed: int) -> str:
    import json
    import random

    rng = random.Random(seed)
    switches: dict[str, dict[str, object]] = {}
    free: list[str] = []
    protocols = ["rstp", "rstp", "stp", "mstp", "none"]
    region = {"name": "R", "revision": 1, "instances": {1: [20]}}
    for s in range(rng.randint(1, 5)):
        name = f"s{s}"
        ports: dict[str, object] = {}
        for p in range(1, rng.randint(2, 7)):
            cfg: dict[str, object] = {"speed": rng.choice(["1G", "10G"])}
            kind = rng.random()
            if kind < 0.2:
                cfg.update(mode="access", vlan=rng.choice([10, 20]))
            elif kind < 0.5:
                cfg["vlans"] = rng.sample([10, 20, 30], rng.randint(1, 3))
            if rng.random() < 0.1:
                cfg["bpdu_filter"] = True
            if rng.random() < 0.1:
                cfg["shutdown"] = True
            if rng.random() < 0.2:
                cfg["mtu"] = 9216
            ports[str(p)] = cfg
        sw: dict[str, object] = {
            "spanning_tree": {"protocol": rng.choice(protocols), "region": region},
            "ports": ports,
        }
        if rng.random() < 0.7:
            sw["mac"] = f"00:00:00:00:00:{s + 1:02x}"
        if len(ports) >= 3 and rng.random() < 0.5:
            sw["lags"] = {
                "Po1": {"members": ["1", "2"], "lacp": rng.choice(["active", "passive", "on"])}
            }
        if s >= 1 and rng.random() < 0.2:
            sw["stack"] = "stk"
            sw["stack_kind"] = rng.choice(["stack", "mlag"])
            switches["s0"]["stack"] = "stk"
            switches["s0"]["stack_kind"] = sw["stack_kind"]
        switches[name] = sw
        free += [f"{name}:{p}" for p in ports]
    rng.shuffle(free)
    links: list[list[str]] = []
    while len(free) >= 2 and rng.random() < 0.6:
        links.append([free.pop(), free.pop()])
    hosts: dict[str, object] = {}
    vms: dict[str, object] = {}
    for h in range(rng.randint(1, 4)):
        name = f"h{h}"
        nics = {
            f"N{i}": {"speed": "10G", "vlan": rng.choice([None, 10, 20]), "mtu": 9000}
            for i in range(rng.randint(1, 3))
        }
        for nic in nics:
            if free and rng.random() < 0.8:
                links.append([f"{name}:{nic}", free.pop()])
        host: dict[str, object] = {"nics": nics}
        if len(nics) >= 2 and rng.random() < 0.6:
            host["teams"] = {
                "T": {
                    "members": ["N0", "N1"],
                    "mode": rng.choice(["SwitchIndependent", "Static", "Lacp"]),
                    "interfaces": {"I": {"vlan": rng.choice([10, 20])}}
                    if rng.random() < 0.5
                    else {},
                }
            }
            if rng.random() < 0.5:
                host["vswitches"] = {"V": {"uplink": "T", "allow_management_os": True}}
                host.pop("teams")
                host["teams"] = {"T": {"members": ["N0", "N1"]}}
                vms[f"vm{h}"] = {
                    "host": name,
                    "memory": "1GiB",
                    "nics": [{"switch": "V", "vlan": rng.choice([10, 20]), "mtu": 9000}],
                }
        hosts[name] = host
    lab = {
        "name": f"random-{seed}",
        "vlans": {10: "a", 20: "b", 30: "c"},
        "switches": switches,
        "links": links,
        "hosts": hosts,
        "vms": vms,
        "clusters": {"c": {"nodes": list(hosts), "networks": {"N": {"vlan": 10}}}},
    }
    return json.dumps(lab)


@pytest.mark.parametrize("seed", range(120))
def test_random_labs_never_crash(seed: int) -> None:
    import random

    from hvlab.errors import LabError
    from hvlab.l2.loops import find_problems

    try:
        lab = load_lab_text(_random_lab(seed), "random.yaml")
    except LabError:
        pytest.skip("the generator made a lab the loader rejects")
    rng = random.Random(seed)
    try:
        before = analyse(lab)
    except UserError:
        return  # e.g. an invalid spanning-tree setting: reported, not a crash
    elements = [f"switch:{s}" for s in lab.switches]
    elements += [f"node:{h}" for h in lab.hosts]
    elements += [link.element for link in lab.links]
    elements += [f"lag:{s.name}:{lag}" for s in lab.switches.values() for lag in s.lags]
    down = rng.sample(elements, min(len(elements), rng.randint(0, 3)))
    after = analyse(lab, Condition.from_elements(lab, down))
    change = transition(lab, before, after)
    assert change.settle_ms >= 0
    for view in (before, after, during(before, after)):
        find_problems(view)
        for a in lab.hosts:
            for b in [*lab.hosts, *lab.vms]:
                for vlan in (10, 20, 30):
                    path = view.host_vlan_path(a, b, vlan)
                    if path is not None and path.hops:
                        assert path.hops[0].node == a
                        assert path.bottleneck_bps <= path.aggregate_bps
                        assert all(
                            x.next_node == y.node
                            for x, y in zip(path.hops, path.hops[1:], strict=False)
                        )
            view.cluster_path("c", "N", a, next(iter(lab.hosts)))
        for vm in lab.vms:
            view.vm_attachment_up(vm)
            for s in lab.switches:
                view.vm_reaches(vm, s)
        for vlan in (10, 20):
            view.vlan_graph(vlan)


def test_cluster_reachable_agrees_with_cluster_path() -> None:
    """The yes/no shortcut the simulator uses must answer as the full path search does."""
    from itertools import permutations

    from hvlab.condition import Condition
    from hvlab.l2.network import analyse
    from hvlab.model.load import load_lab

    root = Path(__file__).resolve().parents[2] / "examples"
    for name, down in [
        ("ten-gig-cluster.yaml", []),
        ("ten-gig-cluster.yaml", ["lag:tor1:Po1"]),
        ("ten-gig-cluster-mstp.yaml", ["lag:tor1:Po1"]),
        ("ten-gig-cluster.yaml", ["switch:tor2"]),
    ]:
        lab = load_lab(root / name)
        view = analyse(lab, Condition.from_elements(lab, down))
        for cluster in lab.clusters.values():
            for network in cluster.networks:
                for a, b in permutations(cluster.nodes, 2):
                    path = view.cluster_path(cluster.name, network, a, b)
                    assert view.cluster_reachable(cluster.name, network, a, b) == (
                        path is not None
                    ), (name, down, network, a, b)
