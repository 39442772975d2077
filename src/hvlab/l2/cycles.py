"""Which edges of a forwarding graph lie on loops, grouped per loop.

Shared by the spanning-tree engine (bridge numbers) and the per-VLAN storm
finder (bridge names): strip edges that hang off a bridge with one edge until
none is left, then group what remains by connected component.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TypeVar

__all__ = ["loop_groups"]

N = TypeVar("N", bound=Hashable)


def loop_groups(edges: Sequence[tuple[N, N, int]]) -> list[list[int]]:
    """Return the indices into ``edges`` of each loop's edges, in order of first edge.

    ``edges`` are ``(node, node, label)``; parallel edges between two nodes form a
    loop. Notes: O(E α(E)): leaf stripping then union-find over the survivors.
    """
    degree: dict[N, int] = {}
    adj: dict[N, list[int]] = {}
    for i, (x, y, _) in enumerate(edges):
        for n in (x, y):
            degree[n] = degree.get(n, 0) + 1
            adj.setdefault(n, []).append(i)
    alive = [True] * len(edges)
    stack = [n for n, d in degree.items() if d == 1]
    while stack:
        n = stack.pop()
        if degree[n] != 1:
            continue
        for i in adj[n]:
            if alive[i]:
                alive[i] = False
                x, y, _ = edges[i]
                degree[x] -= 1
                degree[y] -= 1
                other = y if x == n else x
                if degree[other] == 1:
                    stack.append(other)
                break
    parent: dict[N, N] = {}

    def find(a: N) -> N:
        while parent.get(a, a) != a:
            parent[a] = parent.get(parent[a], parent[a])
            a = parent[a]
        return a

    for i, (x, y, _) in enumerate(edges):
        if alive[i]:
            rx, ry = find(x), find(y)
            if rx != ry:
                parent[ry] = rx
    groups: dict[N, list[int]] = {}
    for i, (x, _, _) in enumerate(edges):
        if alive[i]:
            groups.setdefault(find(x), []).append(i)
    return list(groups.values())
