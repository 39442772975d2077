"""distribute(): outbound and inbound placement per mode x algorithm, with and without failures.

Sources cited per test: New-NetLbfoTeam help (-LoadBalancingAlgorithm: inbound per
algorithm in Switch Independent mode), Microsoft Learn "NIC Teaming settings" (Dynamic,
standby, switch dependent inbound), "NIC Teaming MAC address use and management" (primary).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hvlab import api
from hvlab.condition import Condition
from hvlab.model.lab import Lab
from hvlab.model.load import load_lab_text
from hvlab.report.team import distribution_dict
from hvlab.teaming import (
    FlowBatch,
    distribute,
    generate_flows,
    imbalance,
    jain_fairness,
    resolve_team,
    team_flows,
)
from hvlab.teaming.hashing import bond_xmit_hash, lbfo_member, synthetic_flows
from hvlab.teaming.ovs import balance_tcp_buckets

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ALGS = ("TransportPorts", "IPAddresses", "MacAddresses", "HyperVPort", "Dynamic")
MODES = ("SwitchIndependent", "Static", "Lacp")


def team_lab(
    *,
    mode: str = "SwitchIndependent",
    algorithm: str | None = "TransportPorts",
    members: int = 2,
    standby: str | None = None,
    lag: str | None = None,
    lacp_rate: str = "slow",
    switches: str = "one",
    os: str = "WindowsServer2012R2",
    vms: int = 6,
    speeds: list[str] | None = None,
    lacp_timer: str | None = None,
    min_links: int = 1,
    timers: dict[str, Any] | None = None,
) -> Lab:
    """A host h1 with team T (members N1..Nk) under Hyper-V switch VS, cabled to switches.

    ``switches``: ``one`` (s1), ``two`` (s1 and s2, not stacked, members alternate, each
    with its own LAG Po1), ``stack`` (s1 and s2 in stack stk, one cross-stack LAG on s1).
    ``lag``: None (plain ports) or the LAG's ``lacp`` (active, passive, on).
    """
    nics = {f"N{i + 1}": {"speed": (speeds or ["10G"] * members)[i]} for i in range(members)}
    sw_names = ["s1"] if switches == "one" else ["s1", "s2"]
    sw: dict[str, Any] = {
        n: {"mac": f"00:1b:00:00:00:0{k + 1}", "ports": {"1-16": "10G"}}
        for k, n in enumerate(sw_names)
    }
    if switches == "stack":
        for n in sw_names:
            sw[n]["stack"] = "stk"
    links = []
    placed: dict[str, list[str]] = {n: [] for n in sw_names}
    for i in range(members):
        s = sw_names[i % len(sw_names)]
        port = str(len(placed[s]) + 1)
        placed[s].append(port)
        links.append([f"h1:N{i + 1}", f"{s}:{port}"])
    if lag is not None:
        extra = {"lacp": lag, "lacp_rate": lacp_rate, "min_links": min_links}
        if switches == "stack":
            ms = placed["s1"] + [f"s2:{p}" for p in placed["s2"]]
            sw["s1"]["lags"] = {"Po1": {"members": ms, **extra}}
        else:
            for s in sw_names:
                if placed[s]:
                    sw[s]["lags"] = {"Po1": {"members": placed[s], **extra}}
    team: dict[str, Any] = {"members": list(nics), "mode": mode}
    if algorithm is not None:
        team["algorithm"] = algorithm
    if standby:
        team["standby"] = standby
    if lacp_timer:
        team["lacp_timer"] = lacp_timer
    vm_list = {
        f"VM{k + 1}": {
            "host": "h1",
            "memory": "4GiB",
            "nics": [
                {"switch": "VS", "mac": f"00:15:5d:00:01:{k + 1:02x}", "ip": f"10.0.1.{k + 1}"}
            ],
        }
        for k in range(vms)
    }
    doc: dict[str, Any] = {
        "name": "team-lab",
        "switches": sw,
        "links": links,
        "hosts": {
            "h1": {
                "os": os,
                "nics": nics,
                "teams": {"T": team},
                "vswitches": {"VS": {"uplink": "T"}},
            }
        },
        "vms": vm_list,
    }
    if timers:
        doc["timers"] = timers
    return load_lab_text(json.dumps(doc))


@pytest.fixture(scope="module")
def ten_gig() -> Lab:
    return api.load(EXAMPLES / "ten-gig-cluster.yaml")


@pytest.fixture(scope="module")
def flows_2() -> FlowBatch:
    lab = team_lab()
    return team_flows(lab, resolve_team(lab, "h1", "T"), 40_000, 7)


def _groups_single_member(keys: np.ndarray[Any, Any], member: np.ndarray[Any, Any]) -> bool:
    """True when every distinct key maps to exactly one member."""
    _, inverse = np.unique(keys, return_inverse=True, axis=0)
    inverse = inverse.reshape(-1)
    lo = np.full(inverse.max() + 1, 10**6)
    hi = np.full(inverse.max() + 1, -1)
    np.minimum.at(lo, inverse, member)
    np.maximum.at(hi, inverse, member)
    return bool((lo == hi).all())


# --------------------------------------------------------------------------------------
# Outbound
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "algorithm", ["TransportPorts", "IPAddresses", "MacAddresses", "HyperVPort"]
)
def test_outbound_member_is_the_hash_layer_member(algorithm: str, flows_2: FlowBatch) -> None:
    """Outbound: hash % active members (LBFO_HASH_ASSUMPTION), reusing hashing.lbfo_member."""
    lab = team_lab(algorithm=algorithm)
    d = distribute(lab, "h1", "T", flows_2)
    expected = lbfo_member(flows_2.arrays, algorithm, 2)  # type: ignore[arg-type]
    assert (d.member_of_flow == expected).all()
    assert sum(m.flows for m in d.members) == len(flows_2)
    assert sum(m.bytes for m in d.members) == pytest.approx(d.bytes, rel=1e-12)
    assert sum(m.share for m in d.members) == pytest.approx(1.0)


def test_transport_ports_keeps_each_tcp_stream_on_one_member(flows_2: FlowBatch) -> None:
    """TransportPorts: 'all traffic from the same TCP stream stays on the same network
    adapter' (field notes; New-NetLbfoTeam). The batch repeats streams (continuation
    records); every 5-tuple maps to one member across the whole batch."""
    a = flows_2.arrays
    keys = np.stack([a.src_ip, a.dst_ip, a.src_port, a.dst_port, a.ip_proto], axis=1)
    assert len(np.unique(keys, axis=0)) < len(flows_2)  # streams do repeat
    d = distribute(team_lab(members=4), "h1", "T", flows_2)
    assert _groups_single_member(keys.astype(np.int64), d.member_of_flow)


def test_ip_and_mac_hashes_keep_address_pairs_together(flows_2: FlowBatch) -> None:
    a = flows_2.arrays
    d = distribute(team_lab(members=4, algorithm="IPAddresses"), "h1", "T", flows_2)
    assert _groups_single_member(np.stack([a.src_ip, a.dst_ip], axis=1), d.member_of_flow)
    d = distribute(team_lab(members=4, algorithm="MacAddresses"), "h1", "T", flows_2)
    keys = np.stack([a.src_mac, a.dst_mac], axis=1).astype(np.int64)
    assert _groups_single_member(keys, d.member_of_flow)


def test_hypervport_example_one_vm_one_member(ten_gig: Lab) -> None:
    """node1/VMTeam (HyperVPort): every flow of a VM leaves on one member, and the VM is
    capped at one member's bandwidth ('This mode will also always limit a single VM ... to
    the bandwidth that is available on a single interface', NIC Teaming settings)."""
    d = distribute(ten_gig, "node1", "VMTeam", n_flows=30_000, seed=3)
    assert d.algorithm == "HyperVPort" and d.mode == "SwitchIndependent"
    assert {v.name for v in d.vms} == {"APP1", "SQL1", "WEB1"}
    for v in d.vms:
        assert len(v.members) == 1
        assert v.outbound_bps == 10 * 10**9  # one 10 G member, not the team's 20 G
        assert v.single_flow_bps == 10 * 10**9
        # Inbound follows the port's affinity (New-NetLbfoTeam: 'routed to the same team
        # member as the switch port's outgoing traffic').
        assert v.inbound_members == v.members
    # the member of every flow is its vSwitch port's member
    ports = d.vms[0].vswitch_port
    assert ports >= 1
    batch = team_flows(ten_gig, d.spec, 30_000, 3)
    assert (d.member_of_flow == batch.arrays.vswitch_port % 2).all()


def test_address_hash_spreads_a_vm_over_all_members(ten_gig: Lab) -> None:
    d = distribute(ten_gig, "node1", "VMTeam", n_flows=30_000, seed=3, algorithm="TransportPorts")
    for v in d.vms:
        assert set(v.members) == {"VM-A", "VM-B"}
        assert v.outbound_bps == 20 * 10**9
        assert v.single_flow_bps == 10 * 10**9  # one stream stays on one member
        assert v.inbound_bps == 10 * 10**9  # all inbound on the primary


def test_dynamic_starts_from_transport_ports_and_rebalances(flows_2: FlowBatch) -> None:
    """Dynamic: TransportPorts hash 'as modified by the Dynamic load balancing algorithm',
    flows move between members at flowlet boundaries (NIC Teaming settings)."""
    lab = team_lab(algorithm="Dynamic", members=2)
    tp = distribute(lab, "h1", "T", flows_2, algorithm="TransportPorts")
    dyn = distribute(lab, "h1", "T", flows_2)
    assert dyn.algorithm == "Dynamic"
    unmoved = ~dyn.moved
    assert (dyn.member_of_flow[unmoved] == tp.member_of_flow[unmoved]).all()
    assert dyn.moved.any()
    # Dynamic evens out the members interval by interval; whole-window totals of a
    # static hash can look even while an elephant fills one member for seconds.
    assert dyn.interval_imbalance < tp.interval_imbalance
    assert dyn.imbalance < 1.05
    steps = [s for s in dyn.rebalancing if s.moves]
    assert steps and all(mv.buckets == 0 for s in steps for mv in s.moves)
    assert len(dyn.rebalancing) == 60  # 60 s window, one step per 1 s interval
    keys = {a.key for a in dyn.assumptions}
    assert {"lbfo.dynamic.flowlet_gap", "lbfo.dynamic.rebalance_interval"} <= keys


def test_dynamic_flowlet_gap_limits_moves(flows_2: FlowBatch) -> None:
    """A longer flowlet gap leaves fewer flows with a boundary: fewer moves."""
    few = distribute(
        team_lab(algorithm="Dynamic", timers={"lbfo.dynamic.flowlet_gap": "50ms"}),
        "h1",
        "T",
        flows_2,
    )
    many = distribute(team_lab(algorithm="Dynamic"), "h1", "T", flows_2)
    assert int(few.moved.sum()) < int(many.moved.sum())
    gap = next(a for a in few.assumptions if a.key == "lbfo.dynamic.flowlet_gap")
    assert gap.value == 50_000 and gap.origin == "lab"


def test_algorithms_ignore_member_speed(flows_2: FlowBatch) -> None:
    """'the network traffic distribution algorithms do not take the speed of each network
    adapter into consideration' (New-NetLbfoTeam)."""
    same = distribute(team_lab(), "h1", "T", flows_2)
    mixed = distribute(team_lab(speeds=["1G", "10G"]), "h1", "T", flows_2)
    assert (same.member_of_flow == mixed.member_of_flow).all()
    assert mixed.members[0].utilisation == pytest.approx(
        10 * mixed.members[0].bytes * 8 / (10 * 10**9 * 60), rel=1e-9
    )


def test_ovs_modes_use_bond_rebalance(flows_2: FlowBatch) -> None:
    d = distribute(team_lab(members=2), "h1", "T", flows_2, algorithm="ovs:balance-tcp")
    assert len(d.rebalancing) == 5  # every 10 s over 60 s
    buckets = balance_tcp_buckets(flows_2.arrays)
    assert _groups_single_member(buckets.astype(np.int64), d.member_of_flow)
    assert any(mv.buckets for s in d.rebalancing for mv in s.moves)


def test_flowarrays_input(ten_gig: Lab) -> None:
    arrays = synthetic_flows(5_000, seed=5, vms=8)
    d = distribute(ten_gig, "node1", "VMTeam", arrays)
    assert d.flows == 5_000 and len(d.vms) == 8
    assert (d.member_of_flow == arrays.vswitch_port % 2).all()


# --------------------------------------------------------------------------------------
# Inbound
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["TransportPorts", "IPAddresses", "MacAddresses"])
def test_switch_independent_address_hash_inbound_on_primary(
    algorithm: str, flows_2: FlowBatch
) -> None:
    """'all inbound traffic arrives on the primary team member' (New-NetLbfoTeam)."""
    d = distribute(team_lab(algorithm=algorithm, members=3), "h1", "T", flows_2)
    assert d.inbound_policy == "primary"
    assert d.state.primary == "N1"
    assert d.member("N1").inbound_share == pytest.approx(1.0)
    assert d.member("N2").inbound_flows == 0 and d.member("N3").inbound_flows == 0
    assert d.vmq_mode == "MinQueues"


@pytest.mark.parametrize("algorithm", ["HyperVPort", "Dynamic"])
def test_switch_independent_port_affinity_inbound(algorithm: str, flows_2: FlowBatch) -> None:
    """HyperVPort: inbound 'routed to the same team member as the switch port's outgoing
    traffic'; Dynamic: 'Inbound loads ... distributed the same way as Hyper-V Port'."""
    d = distribute(team_lab(algorithm=algorithm, members=2), "h1", "T", flows_2)
    assert d.inbound_policy == "affinity"
    assert (d.inbound_member_of_flow == flows_2.arrays.vswitch_port % 2).all()
    assert d.vmq_mode == "SumOfQueues"


@pytest.mark.parametrize("mode", ["Static", "Lacp"])
@pytest.mark.parametrize("algorithm", ALGS)
def test_switch_dependent_inbound_is_the_switch_hash(
    mode: str, algorithm: str, flows_2: FlowBatch
) -> None:
    """'the switch determines how to distribute the inbound traffic' (NIC Teaming
    settings); hvlab's stand-in is Linux layer2+3 over the reversed flows."""
    lag = "on" if mode == "Static" else "active"
    d = distribute(team_lab(mode=mode, algorithm=algorithm, lag=lag), "h1", "T", flows_2)
    assert d.inbound_policy == "switch"
    a = flows_2.arrays
    reverse_hash = bond_xmit_hash(
        type(a)(
            src_mac=a.dst_mac,
            dst_mac=a.src_mac,
            ethertype=a.ethertype,
            vlan=a.vlan,
            ip_proto=a.ip_proto,
            src_ip=a.dst_ip,
            dst_ip=a.src_ip,
            src_port=a.dst_port,
            dst_port=a.src_port,
            is_fragment=a.is_fragment,
            vswitch_port=a.vswitch_port,
            bytes=flows_2.inbound_bytes,
        ),
        "layer2+3",
    )
    assert (d.inbound_member_of_flow == reverse_hash % 2).all()
    assert d.vmq_mode == "MinQueues"
    assert any(a.key == "teaming.switch_hash" for a in d.assumptions)


def test_switch_hash_override(flows_2: FlowBatch) -> None:
    lab = team_lab(mode="Static", lag="on")
    l23 = distribute(lab, "h1", "T", flows_2)
    l34 = distribute(
        lab, "h1", "T", flows_2, Condition.none().with_override("teaming.switch_hash", "layer3+4")
    )
    assert not (l23.inbound_member_of_flow == l34.inbound_member_of_flow).all()
    assert next(a for a in l34.assumptions if a.key == "teaming.switch_hash").origin == "condition"


# --------------------------------------------------------------------------------------
# Failures, for every mode x algorithm
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("algorithm", ALGS)
def test_failed_member_carries_nothing(mode: str, algorithm: str, flows_2: FlowBatch) -> None:
    """A member whose link fails leaves the team; its flows, out and in, go to the others."""
    lag = {"SwitchIndependent": None, "Static": "on", "Lacp": "active"}[mode]
    lab = team_lab(mode=mode, algorithm=algorithm, lag=lag, members=3)
    up = distribute(lab, "h1", "T", flows_2)
    assert up.status == "Up" and all(m.state == "active" for m in up.members)
    c = Condition.from_elements(lab, ["nic:h1:N2"])
    d = distribute(lab, "h1", "T", flows_2, c)
    assert d.status == "Degraded"
    n2 = d.member("N2")
    assert (n2.state, n2.failure_reason) == ("failed", "PhysicalMediaDisconnected")
    assert n2.flows == 0 and n2.bytes == 0 and n2.inbound_flows == 0
    assert d.member("N1").flows + d.member("N3").flows == len(flows_2)
    assert d.lost_bytes == 0 and d.inbound_lost_bytes == 0
    assert (d.member_of_flow != 1).all() and (d.inbound_member_of_flow != 1).all()


@pytest.mark.parametrize("element", ["switch:s1", "port:s1:1", "link:h1:N1~s1:1"])
def test_far_end_failures_take_the_member_down(element: str, flows_2: FlowBatch) -> None:
    lab = team_lab(switches="two")
    d = distribute(lab, "h1", "T", flows_2, Condition.from_elements(lab, [element]))
    assert d.member("N1").state == "failed"
    assert d.member("N2").flows == len(flows_2)


def test_primary_failure_moves_inbound_to_temporary_primary(flows_2: FlowBatch) -> None:
    """When the primary fails another member takes over the team's MAC and, in Switch
    Independent address-hash mode, all inbound traffic (NIC Teaming MAC address use)."""
    lab = team_lab(members=3)
    d = distribute(lab, "h1", "T", flows_2, Condition.from_elements(lab, ["nic:h1:N1"]))
    assert d.state.primary == "N2" and d.state.primary_temporary
    assert d.member("N2").inbound_share == pytest.approx(1.0)


def test_all_members_down_team_down(flows_2: FlowBatch) -> None:
    lab = team_lab()
    d = distribute(lab, "h1", "T", flows_2, Condition.from_elements(lab, ["switch:s1"]))
    assert d.status == "Down"
    assert all(m.flows == 0 for m in d.members)
    assert d.lost_bytes == d.bytes and d.inbound_lost_bytes == d.inbound_bytes
    assert d.imbalance == 0.0 and d.jain == 0.0
    assert all(v.outbound_bps == 0 for v in d.vms)


# --------------------------------------------------------------------------------------
# Standby
# --------------------------------------------------------------------------------------


def test_standby_carries_nothing_until_an_active_member_fails(flows_2: FlowBatch) -> None:
    """'no network traffic is sent to or processed by the adapter until an Active NIC
    fails ... When all team members get restored to service, the standby team member
    returns to standby status' (NIC Teaming settings)."""
    lab = team_lab(members=3, standby="N3")
    d = distribute(lab, "h1", "T", flows_2)
    n3 = d.member("N3")
    assert (n3.state, n3.failure_reason, n3.flows, n3.inbound_flows) == (
        "standby",
        "AdministrativeDecision",
        0,
        0,
    )
    assert d.status == "Up"
    failed = distribute(lab, "h1", "T", flows_2, Condition.from_elements(lab, ["nic:h1:N1"]))
    assert failed.member("N3").state == "active"
    assert failed.member("N3").flows > 0
    assert failed.status == "Degraded"
    restored = distribute(lab, "h1", "T", flows_2, Condition.none())
    assert restored.member("N3").state == "standby"
    # a failed standby member does not activate anything, it is just failed
    sb_down = distribute(lab, "h1", "T", flows_2, Condition.from_elements(lab, ["nic:h1:N3"]))
    assert sb_down.member("N3").state == "failed" and sb_down.member("N1").flows > 0


def test_standby_ignored_outside_switch_independent(flows_2: FlowBatch) -> None:
    lab = team_lab(members=3, standby="N3", mode="Static", lag="on")
    d = distribute(lab, "h1", "T", flows_2)
    assert d.member("N3").state == "active"


# --------------------------------------------------------------------------------------
# Switch-side misconfiguration: traffic that Windows thinks is fine
# --------------------------------------------------------------------------------------


def test_switch_independent_team_in_lacp_port_channel_loses_traffic(flows_2: FlowBatch) -> None:
    lab = team_lab(lag="active")
    d = distribute(lab, "h1", "T", flows_2)
    assert d.status == "Up"  # Windows sees link and no LACP problem
    assert all(m.state == "active" and not m.carries for m in d.members)
    assert d.lost_bytes == d.bytes


# --------------------------------------------------------------------------------------
# Determinism and metrics
# --------------------------------------------------------------------------------------


def test_same_seed_same_answer_different_seed_different(ten_gig: Lab) -> None:
    a = distribution_dict(distribute(ten_gig, "node1", "MgmtTeam", n_flows=20_000, seed=11))
    b = distribution_dict(distribute(ten_gig, "node1", "MgmtTeam", n_flows=20_000, seed=11))
    c = distribution_dict(distribute(ten_gig, "node1", "MgmtTeam", n_flows=20_000, seed=12))
    assert json.dumps(a) == json.dumps(b)
    assert json.dumps(a) != json.dumps(c)
    dyn = [
        distribute(ten_gig, "node1", "MgmtTeam", n_flows=20_000, seed=11, algorithm="Dynamic")
        for _ in range(2)
    ]
    assert json.dumps(distribution_dict(dyn[0])) == json.dumps(distribution_dict(dyn[1]))


def test_imbalance_and_jain() -> None:
    assert imbalance([1, 1, 1, 1]) == 1.0
    assert imbalance([4, 0, 0, 0]) == 4.0
    assert imbalance([]) == 0.0 and imbalance([0, 0]) == 0.0
    assert jain_fairness([1, 1, 1, 1]) == 1.0
    assert jain_fairness([4, 0, 0, 0]) == 0.25
    assert jain_fairness([3, 1]) == pytest.approx(16 / (2 * 10))


def test_large_batch_is_vectorised() -> None:
    """One million flows in well under a second per algorithm (no loop per flow)."""
    import time

    batch = generate_flows(1_000_000, 1)
    lab = team_lab(members=4)
    for algorithm in ("TransportPorts", "Dynamic"):
        start = time.perf_counter()
        d = distribute(lab, "h1", "T", batch, algorithm=algorithm)
        assert time.perf_counter() - start < 5.0
        assert d.flows == 1_000_000
