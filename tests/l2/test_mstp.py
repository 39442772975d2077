"""MST configuration digest, identifiers, regions and the per-VLAN answer."""

from __future__ import annotations

import pytest

from hvlab.l2.mstp import (
    DIGEST_ALL_CIST,
    DIGEST_KEY,
    config_digest,
    config_id,
    governing_tree,
    vlan_trees,
)
from hvlab.l2.stp import solve
from hvlab.l2.topology import Bridge, Link, MstConfig, Port, Topology, TopologyError

G = 1_000_000_000


def test_digest_key_is_the_802_1q_signature_key() -> None:
    assert DIGEST_KEY.hex().upper() == "13AC06A62E47FD51F95D2BA243CD0346"


@pytest.mark.parametrize(
    ("config", "digest"),
    [
        # IEEE 802.1Q Table 13-2 example digests (also mstpd tests/test_digest.c)
        (MstConfig(), "AC36177F50283CD4B83821D8AB26DE62"),
        (MstConfig.from_instances("x", 0, {1: range(1, 4095)}), "E13A80F11ED0856ACD4EE3476941C73B"),
        (
            MstConfig(vlan_map=tuple((v, v % 32 + 1) for v in range(1, 4095))),
            "9D145C267DBE9FB5D893441BE3BA08CE",
        ),
    ],
)
def test_digest_vectors(config: MstConfig, digest: str) -> None:
    assert config_digest(config) == digest


def test_all_cist_constant_and_explicit_zero_mapping() -> None:
    assert DIGEST_ALL_CIST == "AC36177F50283CD4B83821D8AB26DE62"
    # mapping a VLAN to MSTI 0 is the same as not mapping it
    assert config_digest(MstConfig(vlan_map=((10, 0),))) == DIGEST_ALL_CIST


def test_config_identifier_and_default_name() -> None:
    cfg = MstConfig.from_instances("dc", 3, {1: [20, 30]})
    cid = config_id(Bridge("s", "00:1b:00:00:00:01", protocol="mstp", mst=cfg))
    assert (cid.name, cid.revision) == ("dc", 3)
    assert cid.digest == config_digest(cfg) != DIGEST_ALL_CIST
    unset = config_id(Bridge("s", "00:1b:00:00:00:01", protocol="mstp"))
    assert unset.name == "00:1b:00:00:00:01"


def test_msti_of_and_instances() -> None:
    cfg = MstConfig.from_instances("dc", 1, {2: [100, 110], 1: range(20, 41, 10)})
    assert cfg.instances == (1, 2)
    assert [cfg.msti_of(v) for v in (1, 20, 30, 40, 100, 110, 4094)] == [0, 1, 1, 1, 2, 2, 0]
    with pytest.raises(TopologyError):
        MstConfig(vlan_map=((10, 1), (10, 2)))
    with pytest.raises(TopologyError):
        MstConfig(name="x" * 33)


def _three(configs: tuple[MstConfig | None, ...], protocols: tuple[str, ...]) -> Topology:
    bridges = tuple(
        Bridge(f"s{i}", i + 1, protocol=proto, mst=cfg)  # type: ignore[arg-type]
        for i, (cfg, proto) in enumerate(zip(configs, protocols, strict=True))
    )
    ports = tuple(Port(f"s{i}", f"p{k}", k, speed_bps=G) for i in range(3) for k in (1, 2))
    links = (Link(("s0", "p2"), ("s1", "p1")), Link(("s1", "p2"), ("s2", "p1")))
    return Topology(bridges, ports, links)


def test_regions_need_same_name_revision_and_digest_and_adjacency() -> None:
    a = MstConfig.from_instances("dc", 1, {1: [20]})
    b = MstConfig.from_instances("dc", 2, {1: [20]})
    # s0 and s2 share a configuration but s1 between them does not: three regions
    result = solve(_three((a, b, a), ("mstp", "mstp", "mstp")))
    assert [r.bridges for r in result.regions] == [("s0",), ("s1",), ("s2",)]
    result = solve(_three((a, a, a), ("mstp", "mstp", "mstp")))
    assert [r.bridges for r in result.regions] == [("s0", "s1", "s2")]
    assert result.regions[0].instances == (1,)
    # an RSTP bridge in the middle splits them
    result = solve(_three((a, None, a), ("mstp", "rstp", "mstp")))
    assert [r.bridges for r in result.regions] == [("s0",), ("s2",)]


def test_governing_tree() -> None:
    cfg = MstConfig.from_instances("dc", 1, {1: [20, 30, 40]})
    topo = _three((cfg, cfg, None), ("mstp", "mstp", "rstp"))
    assert governing_tree(topo, "s0", 30) == 1
    assert governing_tree(topo, "s0", 100) == 0
    assert governing_tree(topo, "s2", 30) == 0  # RSTP: one tree for every VLAN
    with pytest.raises(TopologyError):
        governing_tree(topo, "nope", 30)
    with pytest.raises(TopologyError):
        governing_tree(topo, "s0", 4095)
    result = solve(topo)
    assert vlan_trees(result, 30) == {"s0": 1, "s1": 1, "s2": 0}
    assert result.tree_for_vlan("s1", 30) == 1


def test_msti_bridge_id_carries_the_instance_number() -> None:
    br = Bridge(
        "s", "00:00:00:00:00:01", protocol="mstp", priority=4096, msti_priority=((5, 8192),)
    )
    assert br.bridge_id(0) == (0x1000 << 48) | 1
    assert br.bridge_id(5) == (0x2005 << 48) | 1
    assert br.bridge_id(7) == (0x8007 << 48) | 1  # default 32768 + MSTID


def test_internal_msti_costs_change_only_that_instance() -> None:
    # a square region; raising s0:p1's MSTI 1 cost moves MSTI 1's block, not the CIST's
    cfg = MstConfig.from_instances("dc", 1, {1: [20]})
    bridges = tuple(
        Bridge(f"s{i}", i + 1, protocol="mstp", mst=cfg, priority=4096 if i == 0 else 32768,
               msti_priority=((1, 4096),) if i == 0 else ())
        for i in range(4)
    )  # fmt: skip
    ports = [Port(f"s{i}", f"p{k}", k, speed_bps=G) for i in range(4) for k in (1, 2)]
    ports[ports.index(Port("s2", "p1", 1, speed_bps=G))] = Port(
        "s2", "p1", 1, speed_bps=G, msti_cost=((1, 200_000),)
    )
    links = tuple(Link((f"s{i}", "p2"), (f"s{(i + 1) % 4}", "p1")) for i in range(4))
    result = solve(Topology(bridges, tuple(ports), links))
    # CIST: s2 is two hops either way; s1 (…02) beats s3 (…04): s2:p2 (towards s3) blocks
    assert result.port("s2", "p2").role == "alternate"
    assert result.port("s2", "p1").role == "root"
    # MSTI 1: s2:p1 costs 200,000 there, so s2 goes via s3 and its p1 blocks
    assert result.port("s2", "p1", 1).role == "alternate"
    assert result.port("s2", "p2", 1).role == "root"
    assert result.trees[1].bridge("s2").root_path_cost == 40_000
