"""The lab as immutable data (Pydantic v2) and the loader that builds it from YAML.

Nothing here computes behaviour: engines do. The model holds what a lab file
says, with units parsed into exact integers (bits/s, bytes, ms); the loader adds
the cross-reference checks that make a lab consistent.
"""

from hvlab.model.cluster import Cluster, ClusterNetwork, Csv, FileServer, Heartbeat, Quorum
from hvlab.model.host import Host, HostVNic, Nic, Team, VSwitch
from hvlab.model.lab import Lab
from hvlab.model.network import Lag, Link, Port, SpanningTree, Switch
from hvlab.model.scenario import Scenario, Step
from hvlab.model.services import HealthCheck, LoadBalancer, VirtualService, WebSite
from hvlab.model.vm import VirtualMachine, VmNic

__all__ = [
    "Cluster",
    "ClusterNetwork",
    "Csv",
    "FileServer",
    "HealthCheck",
    "Heartbeat",
    "Host",
    "HostVNic",
    "Lab",
    "Lag",
    "Link",
    "LoadBalancer",
    "Nic",
    "Port",
    "Quorum",
    "Scenario",
    "SpanningTree",
    "Step",
    "Switch",
    "Team",
    "VSwitch",
    "VirtualMachine",
    "VirtualService",
    "VmNic",
    "WebSite",
]
