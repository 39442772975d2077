"""Cross-check the 802.1D result against the Linux kernel bridge in network namespaces.

About 30 random topologies of 4–12 bridges (random priorities and MACs, parallel
links, the odd cable looped back into one bridge, random port costs and
priorities, a few ports shut) are built at once as kernel bridges with
``stp_state 1`` (see ``kernel_bridge.py``). After ~25 s the port states are read
twice, 4 s apart; a topology whose states still change, or still has a port
listening or learning, is unsettled and skipped. Every settled topology must
match hvlab's 802.1D result port for port (kernel port ids ``priority << 10 |
number``, kernel costs) and in the root bridge each bridge elected.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator

import pytest

from hvlab.l2.stp import solve
from hvlab.l2.topology import Failures, Topology

from .kernel_bridge import KernelLab, kernel_model, unavailable_reason

N_TOPOLOGIES = 30
SETTLE_S = 25.0
RECHECK_S = 4.0


def random_kernel_case(rng: random.Random) -> tuple[Topology, tuple[tuple[str, str], ...]]:
    """Return a random kernel-bridge network and the ports to leave down."""
    n = rng.randint(4, 12)
    prios = [0x1000, 0x8000, 0x8000, 0x8000, 0x9000, 0xF000, 100, 65535]
    macs = rng.sample(range(1, 1 << 16), n)
    bridges = [(rng.choice(prios), 0x020000000000 | (rng.getrandbits(24) << 16) | m) for m in macs]
    links = [(i, rng.randrange(i)) for i in range(1, n)]
    for _ in range(rng.randint(0, n)):
        a, b = rng.randrange(n), rng.randrange(n)
        if a != b:
            links.append((a, b))
    for _ in range(rng.randint(0, 2)):
        links.append(rng.choice(links))  # a parallel link
    if rng.random() < 0.15:
        b = rng.randrange(n)
        links.append((b, b))  # a cable looped back into one bridge
    rng.shuffle(links)
    settings: dict[tuple[int, int], tuple[int | None, int | None]] = {}
    for k in range(len(links)):
        for end in (0, 1):
            cost = rng.randint(1, 6) if rng.random() < 0.3 else None
            prio = rng.randint(0, 63) if rng.random() < 0.3 else None
            if cost is not None or prio is not None:
                settings[(k, end)] = (cost, prio)
    topo = kernel_model(bridges, links, settings)
    down: tuple[tuple[str, str], ...] = ()
    if rng.random() < 0.2:
        down = (rng.choice(topo.ports).ref,)
    return topo, down


@pytest.fixture
def kernel_lab() -> Iterator[KernelLab]:
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(f"kernel bridge cross-check: {reason}")
    lab = KernelLab(f"hvl2x{os.getpid() % 100000}n")
    try:
        yield lab
    finally:
        lab.cleanup()


def _root_text(topo: Topology, bridge_id: int) -> str:
    return f"{bridge_id >> 48:04x}.{bridge_id & ((1 << 48) - 1):012x}"


@pytest.mark.slow
def test_kernel_bridge_agrees_with_hvlab(kernel_lab: KernelLab) -> None:
    rng = random.Random(20_240_611)
    cases = [random_kernel_case(rng) for _ in range(N_TOPOLOGIES)]
    built = [kernel_lab.build(i, topo, down) for i, (topo, down) in enumerate(cases)]
    started = time.monotonic()
    time.sleep(SETTLE_S)
    first = [kernel_lab.states(kt) for kt in built]
    time.sleep(RECHECK_S)
    second = [kernel_lab.states(kt) for kt in built]
    roots = [kernel_lab.root_ids(kt) for kt in built]
    elapsed = time.monotonic() - started

    settled = [
        i
        for i in range(len(built))
        if first[i] == second[i]
        and all(s in ("forwarding", "blocking", "disabled") for s in second[i].values())
    ]
    assert len(settled) >= 0.8 * len(built), (
        f"only {len(settled)}/{len(built)} topologies settled in {elapsed:.0f} s"
    )
    mismatches: list[str] = []
    for i in settled:
        topo, down = cases[i]
        result = solve(topo, Failures(ports=frozenset(down)))
        kernel = second[i]
        for port in result.trees[0].ports():
            want = str(port.state)
            got = kernel.get((port.bridge, port.port))
            if got != want:
                mismatches.append(
                    f"topology {i} {port.bridge}:{port.port}: kernel {got}, hvlab {want}"
                )
        for br in result.trees[0].bridges():
            root = result.topology.bridge_by_name[br.root].bridge_id() if br.root else None
            if root is not None and roots[i][br.bridge] != _root_text(topo, root):
                mismatches.append(
                    f"topology {i} {br.bridge}: kernel root {roots[i][br.bridge]}, "
                    f"hvlab {_root_text(topo, root)}"
                )
    compared = sum(len(second[i]) for i in settled)
    blocking = sum(s == "blocking" for i in settled for s in second[i].values())
    print(
        f"kernel cross-check: {len(settled)}/{len(built)} settled, {compared} ports compared "
        f"({blocking} blocking), {len(mismatches)} mismatches"
    )
    assert not mismatches, "\n".join(mismatches)
