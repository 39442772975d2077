"""Tests of hvlab.sweep; small labs written for them live here."""

from __future__ import annotations

from pathlib import Path

from hvlab.model.lab import Lab
from hvlab.model.load import load_lab, load_lab_text

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

TINY = """
name: tiny
defaults: {spanning_tree: {protocol: rstp, path_cost: long}, os: WindowsServer2016}
vlans: {10: Mgmt, 100: VM}
switches:
  sw1:
    mac: "00:00:00:00:00:01"
    rack: R1
    spanning_tree: {priority: 4096}
    ports: {1-5: 10G, 6: {speed: 10G, shutdown: true}, 7-8: 10G}
    lags: {Po1: {members: [7, 8]}}
  sw2:
    mac: "00:00:00:00:00:02"
    rack: R2
    ports: {1-8: 10G}
    lags: {Po1: {members: [7, 8]}}
links:
  - ["sw1:7", "sw2:7"]
  - ["sw1:8", "sw2:8"]
  - ["sw1:6", "sw2:6"]      # to a shutdown port: down with nothing failed
  - ["n1:A", "sw1:1"]
  - ["n1:B", "sw2:1"]
  - ["n2:A", "sw1:2"]
  - ["n2:B", "sw2:2"]
hosts:
  n1: &host
    rack: R1
    memory: 64GiB
    nics: {A: 10G, B: 10G}
    teams: {T: {members: [A, B], mode: SwitchIndependent, algorithm: Dynamic}}
    vswitches: {VS: {uplink: T, allow_management_os: true}}
    vnics: {Mgmt: {switch: VS, vlan: 10}}
  n2: {<<: *host, rack: R2}
clusters:
  clu:
    nodes: [n1, n2]
    quorum: {model: NodeAndFileShareMajority, witness: FSW}
    networks: {Mgmt: {vlan: 10, role: ClusterAndClient}}
    csvs: {V1: 1TiB}
vms:
  vm1: {cluster: clu, host: n1, memory: 4GiB, storage: V1, nics: [{switch: VS, vlan: 100}]}
  vm2: {cluster: clu, host: n2, memory: 4GiB, storage: V1, nics: [{switch: VS, vlan: 100}]}
"""
"""Two switches joined by a 2-cable LAG (and a cable to a shutdown port), two teamed nodes."""


def tiny() -> Lab:
    """Return the :data:`TINY` lab."""
    return load_lab_text(TINY)


def example(name: str) -> Lab:
    """Return an example lab by file name (without .yaml)."""
    return load_lab(EXAMPLES / f"{name}.yaml")
