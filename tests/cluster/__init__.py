"""Helpers for the cluster engine tests: small labs built in code."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hvlab.model.lab import Lab

GIB = 2**30
MIB = 2**20


def build_lab(
    nodes: Sequence[str] = ("n1", "n2", "n3"),
    *,
    os: str = "WindowsServer2016",
    memory: str | int = "64GiB",
    host_reserve: str | int | None = "2GiB",
    vms: Mapping[str, Mapping[str, Any]] | None = None,
    cluster: Mapping[str, Any] | None = None,
    host_os: Mapping[str, str] | None = None,
    timers: Mapping[str, Any] | None = None,
) -> Lab:
    """Return a lab with one cluster ``clu`` of ``nodes``, each a host of ``memory``.

    ``vms`` maps a VM name to its fields (``cluster: clu`` is added); ``cluster`` adds
    fields to the cluster (``csvs``, ``quorum``, ``file_servers``, ...).
    """
    hosts: dict[str, Any] = {}
    for n in nodes:
        host: dict[str, Any] = {"os": (host_os or {}).get(n, os), "memory": memory}
        if host_reserve is not None:
            host["host_reserve"] = host_reserve
        hosts[n] = host
    machines = {name: {"cluster": "clu", **fields} for name, fields in (vms or {}).items()}
    return Lab.model_validate(
        {
            "name": "test",
            "hosts": hosts,
            "clusters": {"clu": {"nodes": list(nodes), **(cluster or {})}},
            "vms": machines,
            "timers": dict(timers or {}),
        }
    )
