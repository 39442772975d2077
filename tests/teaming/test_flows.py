"""The seeded flow generator and the endpoints behind a team."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hvlab import api
from hvlab.teaming import FlowBatch, generate_flows, lab_endpoints, resolve_team
from hvlab.teaming.hashing import IPPROTO_TCP, IPPROTO_UDP, synthetic_flows

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _same(a: FlowBatch, b: FlowBatch) -> bool:
    fields = (
        "src_mac",
        "dst_mac",
        "src_ip",
        "dst_ip",
        "src_port",
        "dst_port",
        "ip_proto",
        "vswitch_port",
        "bytes",
    )
    return all((getattr(a.arrays, f) == getattr(b.arrays, f)).all() for f in fields) and bool(
        (a.start_s == b.start_s).all() and (a.inbound_bytes == b.inbound_bytes).all()
    )


def test_same_seed_same_batch() -> None:
    assert _same(generate_flows(20_000, 42), generate_flows(20_000, 42))
    assert not _same(generate_flows(20_000, 42), generate_flows(20_000, 43))


def test_heavy_tail_tcp_udp_mix_and_timing() -> None:
    b = generate_flows(200_000, 1)
    size = np.sort(b.arrays.bytes.astype(np.float64))[::-1]
    top = size[: len(size) // 50].sum() / size.sum()
    assert top > 0.8  # the 2 % largest flows carry most bytes
    assert np.median(size) < 100_000  # most flows are mice
    udp = (b.arrays.ip_proto == IPPROTO_UDP).mean()
    assert 0.15 < udp < 0.25 and set(np.unique(b.arrays.ip_proto)) == {IPPROTO_TCP, IPPROTO_UDP}
    assert b.start_s is not None and b.duration_s is not None and b.timed
    assert (b.start_s >= 0).all() and (b.start_s + b.duration_s <= b.window_s + 1e-9).all()
    assert b.idle_gap_us is not None and (b.idle_gap_us > 0).all()


def test_streams_repeat_with_their_endpoint() -> None:
    b = generate_flows(50_000, 3)
    a = b.arrays
    keys = np.stack([a.src_ip, a.dst_ip, a.src_port, a.dst_port, a.ip_proto], axis=1)
    uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
    assert len(uniq) < 0.95 * len(b)
    inverse = inverse.reshape(-1)
    # a stream always comes from the same endpoint (same vSwitch port)
    first = np.full(len(uniq), -1)
    first[inverse[::-1]] = b.endpoint[::-1]
    assert (first[inverse] == b.endpoint).all()


def test_endpoints_from_the_lab() -> None:
    lab = api.load(EXAMPLES / "ten-gig-cluster.yaml")
    vm_team = resolve_team(lab, "node1", "VMTeam")
    eps = lab_endpoints(lab, vm_team)
    assert [(e.name, e.kind, e.vswitch_port, e.vlan) for e in eps] == [
        ("APP1", "vm", 1, 100),
        ("SQL1", "vm", 2, 100),
        ("WEB1", "vm", 3, 100),
    ]
    assert len({e.mac for e in eps}) == 3
    mgmt = lab_endpoints(lab, resolve_team(lab, "node1", "MgmtTeam"))
    assert [(e.name, e.kind, e.vswitch_port, e.vlan) for e in mgmt] == [
        ("Management", "team-interface", 0, 10),
        ("Heartbeat", "team-interface", 0, 20),
    ]
    assert mgmt[0].mac == mgmt[1].mac  # the team's MAC
    b = generate_flows(10_000, 1, eps)
    assert set(np.unique(b.arrays.vswitch_port)) == {1, 2, 3}
    assert set(np.unique(b.arrays.vlan)) == {100}


def test_from_arrays() -> None:
    arrays = synthetic_flows(3_000, seed=2, vms=5)
    b = FlowBatch.from_arrays(arrays)
    assert not b.timed and len(b.endpoints) == 5
    for i in (0, 100, 2_999):
        assert b.endpoints[b.endpoint[i]].vswitch_port == arrays.vswitch_port[i]
        assert b.endpoints[b.endpoint[i]].mac == arrays.src_mac[i]
