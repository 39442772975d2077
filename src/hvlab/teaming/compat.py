"""Feature compatibility of Windows NIC Teaming (LBFO) and Switch Embedded Teaming (SET), as data.

:data:`COMPATIBILITY` has one :class:`CompatEntry` per (technology, feature); the rule
engine reads it, :func:`compatibility` looks one up. Features are named as
:data:`hvlab.model.host.NicFeature` names them (``sriov``, ``rdma``, ``tcp_chimney``,
``dot1x``, ``vmq``, ``rss``, ``dcb``, ``ipsec_offload``, ``rsc``) plus ``jumbo`` (jumbo
frames), ``host_qos`` (native/host QoS, pacer.exe) and ``hnv`` (Hyper-V Network
Virtualization).

``support`` is ``yes``, ``no``, ``conditional`` (works with a caveat in ``note``) or
``not-stated`` (the source lists neither way; ``note`` gives hvlab's working reading).

:data:`VMQ_QUEUE_MODE` is the Sum-of-Queues / Min-Queues table of the Windows Server 2012
R2 guidance.

Sources
-------
* ``NIC``: Microsoft Learn, "NIC Teaming" (Windows Server 2016), section Compatibility:
  "NIC teaming is compatible with all networking technologies in Windows Server 2016
  with the following exceptions": SR-IOV, native host QoS, TCP Chimney, 802.1X; and
  section VMQ (Sum-of-Queues / Min-Queues).
  https://learn.microsoft.com/windows-server/networking/technologies/nic-teaming/nic-teaming
* ``SET``: Microsoft Learn, "Remote Direct Memory Access (RDMA) and Switch Embedded
  Teaming (SET)", sections SET Compatibility and SET and VMQs.
  https://learn.microsoft.com/windows-server/virtualization/hyper-v-virtual-switch/rdma-and-switch-embedded-teaming
* ``PERF``: Microsoft Learn, "Performance Tuning for Hyper-V Servers" (Windows Server 2012
  R2): the dVMQ Sum/Min table; "SR-IOV is not compatible with LBFO on the host but can be
  used in conjunction with LBFO inside a virtual machine".
* ``SEED``: the field notes (shared/seed), "NIC Teaming in Windows 8 & Hyper-V": RDMA and
  NIC teaming do not mix (RDMA needs a unique IP per NIC); TCP Chimney not supported with
  teaming; teamed NICs do not expose SR-IOV.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal

__all__ = [
    "COMPATIBILITY",
    "FEATURES",
    "VMQ_QUEUE_MODE",
    "CompatEntry",
    "Support",
    "Technology",
    "compatibility",
]

Technology = Literal["LBFO", "SET"]
Support = Literal["yes", "no", "conditional", "not-stated"]

_NIC = (
    "Microsoft Learn, 'NIC Teaming' (Windows Server 2016), Compatibility, "
    "https://learn.microsoft.com/windows-server/networking/technologies/nic-teaming/"
    "nic-teaming"
)
_NIC_VMQ = _NIC.replace("Compatibility", "Virtual Machine Queues (VMQs)")
_SET = (
    "Microsoft Learn, 'Remote Direct Memory Access (RDMA) and Switch Embedded Teaming (SET)', "
    "SET Compatibility with Windows Server Networking Technologies, "
    "https://learn.microsoft.com/windows-server/virtualization/hyper-v-virtual-switch/"
    "rdma-and-switch-embedded-teaming"
)
_SET_VMQ = _SET.replace(
    "SET Compatibility with Windows Server Networking Technologies",
    "SET and Virtual Machine Queues (VMQs)",
)
_RDMA = _SET.replace(
    "SET Compatibility with Windows Server Networking Technologies",
    "Configuring RDMA Interfaces with Hyper-V ('not possible to configure RDMA on network "
    "adapters that are bound to a NIC Team')",
)
_PERF = (
    "Microsoft Learn, 'Performance Tuning for Hyper-V Servers' (Windows Server 2012 R2), "
    "Hyper-V network I/O performance"
)
_SEED = "hvlab field notes (shared/seed), 'NIC Teaming in Windows 8 & Hyper-V'"

FEATURES: Final[tuple[str, ...]] = (
    "sriov",
    "rdma",
    "tcp_chimney",
    "dot1x",
    "vmq",
    "rss",
    "dcb",
    "ipsec_offload",
    "jumbo",
    "rsc",
    "host_qos",
    "hnv",
)


@dataclass(frozen=True, slots=True)
class CompatEntry:
    """Whether a technology works with a team of one kind.

    Attributes
    ----------
    technology : {"LBFO", "SET"}
        The teaming solution.
    feature : str
        Feature name (see :data:`FEATURES`).
    support : {"yes", "no", "conditional", "not-stated"}
        The verdict.
    note : str
        What happens, and any condition.
    source : str
        Where the verdict comes from.
    severity : {"error", "warning", "info"}
        How much it matters that a member NIC has the feature enabled when ``support`` is
        not ``yes``: ``warning`` when the feature silently stops working or hurts,
        ``info`` when the platform simply turns it off.
    """

    technology: Technology
    feature: str
    support: Support
    note: str
    source: str
    severity: Literal["error", "warning", "info"] = "warning"


def _e(
    tech: Technology,
    feature: str,
    support: Support,
    note: str,
    source: str,
    severity: Literal["error", "warning", "info"] = "warning",
) -> CompatEntry:
    return CompatEntry(tech, feature, support, note, source, severity)


_ENTRIES: Final[tuple[CompatEntry, ...]] = (
    # --- LBFO ---
    _e(
        "LBFO",
        "sriov",
        "no",
        "SR-IOV traffic goes straight to the NIC, not through the team: a host team cannot "
        "inspect or redirect it and teamed NICs do not expose SR-IOV. Team inside the guest "
        "instead (two VFs or a VF and a vmNIC on different switches).",
        f"{_NIC}; {_PERF}; {_SEED}",
    ),
    _e(
        "LBFO",
        "rdma",
        "no",
        "RDMA cannot be enabled on adapters bound to an LBFO team (RDMA needs a unique IP per "
        "NIC); use SMB Multichannel over separate NICs, or SET (Windows Server 2016+).",
        f"{_RDMA}; {_SEED}",
    ),
    _e(
        "LBFO",
        "tcp_chimney",
        "no",
        "TCP Chimney offloads the whole stack to the NIC, so it is not supported with teaming.",
        f"{_NIC}; {_SEED}",
    ),
    _e(
        "LBFO",
        "dot1x",
        "no",
        "802.1X authentication should not be used with NIC Teaming: some switches do not "
        "permit 802.1X and teaming on the same port.",
        _NIC,
    ),
    _e(
        "LBFO",
        "vmq",
        "yes",
        "Supported; Sum-of-Queues in Switch Independent mode with HyperVPort or Dynamic, "
        "otherwise Min-Queues (see VMQ_QUEUE_MODE): member processor sets must not overlap "
        "(Sum) or must be identical (Min).",
        f"{_NIC_VMQ}; {_PERF}",
    ),
    _e("LBFO", "rss", "yes", "Not in the list of exceptions: compatible.", _NIC),
    _e(
        "LBFO",
        "dcb",
        "yes",
        "Not in the list of exceptions: compatible (DCB works per member NIC).",
        _NIC,
    ),
    _e(
        "LBFO",
        "ipsec_offload",
        "yes",
        "Not in the list of exceptions: compatible; hvlab expects every member to support it "
        "for the team to offer it.",
        _NIC,
    ),
    _e(
        "LBFO",
        "jumbo",
        "yes",
        "Not in the list of exceptions: compatible; every member (and switch port) needs the "
        "same MTU.",
        _NIC,
    ),
    _e(
        "LBFO",
        "rsc",
        "not-stated",
        "Not named by the 2016 page; hvlab treats it as compatible in the host and notes that "
        "the Hyper-V switch disables RSC for traffic through it.",
        f"{_NIC}; {_SET}",
    ),
    _e(
        "LBFO",
        "host_qos",
        "conditional",
        "Works, but minimum-bandwidth policies of native/host QoS lower the team's overall "
        "throughput.",
        _NIC,
    ),
    _e("LBFO", "hnv", "yes", "Fully compatible with Hyper-V Network Virtualization.", _NIC),
    # --- SET ---
    _e("SET", "sriov", "yes", "Compatible.", _SET),
    _e(
        "SET",
        "rdma",
        "yes",
        "Compatible: RDMA can be enabled on host vNICs of a SET switch (Windows Server 2016+).",
        _SET,
    ),
    _e("SET", "tcp_chimney", "no", "Not compatible (disabled by default).", _SET, "info"),
    _e(
        "SET",
        "dot1x",
        "no",
        "Not compatible: 802.1X EAP packets are dropped by the Hyper-V switch in SET scenarios.",
        _SET,
    ),
    _e(
        "SET",
        "vmq",
        "yes",
        "Compatible; SET always presents the sum of the members' queues (Sum-of-Queues).",
        _SET_VMQ,
    ),
    _e(
        "SET",
        "rss",
        "no",
        "Not compatible: Hyper-V uses the queues for VMQ/VMMQ, so RSS is disabled when the "
        "switch is created; virtual RSS (vRSS) is supported.",
        _SET,
        "info",
    ),
    _e("SET", "dcb", "yes", "Compatible.", _SET),
    _e(
        "SET",
        "ipsec_offload",
        "no",
        "Not compatible (IPsec Task Offload; legacy, disabled by default where it exists).",
        _SET,
        "info",
    ),
    _e(
        "SET",
        "jumbo",
        "not-stated",
        "Not listed either way; jumbo frames are a member NIC property passed through the "
        "Hyper-V switch, which hvlab treats as working when members and switch ports agree.",
        _SET,
    ),
    _e(
        "SET",
        "rsc",
        "no",
        "Not compatible: RSC is automatically disabled by the Hyper-V switch.",
        _SET,
        "info",
    ),
    _e(
        "SET",
        "host_qos",
        "no",
        "Not compatible: QoS (pacer.exe) in host or native operating systems.",
        _SET,
    ),
    _e("SET", "hnv", "yes", "Compatible (NV-GRE and VxLAN).", _SET),
)

COMPATIBILITY: Final[Mapping[tuple[str, str], CompatEntry]] = MappingProxyType(
    {(e.technology, e.feature): e for e in _ENTRIES}
)
"""Every entry keyed by ``(technology, feature)``."""

#: VMQ queue mode by (TeamingMode class, algorithm class): ``SwitchIndependent`` or
#: ``SwitchDependent`` (Static and Lacp) x ``AddressHash`` (TransportPorts, IPAddresses,
#: MacAddresses), ``HyperVPort``, ``Dynamic``. Source: "Performance Tuning for Hyper-V
#: Servers" (Windows Server 2012 R2) table and "NIC Teaming" (VMQ section).
VMQ_QUEUE_MODE: Final[Mapping[tuple[str, str], str]] = MappingProxyType(
    {
        ("SwitchIndependent", "AddressHash"): "MinQueues",
        ("SwitchIndependent", "HyperVPort"): "SumOfQueues",
        ("SwitchIndependent", "Dynamic"): "SumOfQueues",
        ("SwitchDependent", "AddressHash"): "MinQueues",
        ("SwitchDependent", "HyperVPort"): "MinQueues",
        ("SwitchDependent", "Dynamic"): "MinQueues",
    }
)


def compatibility(technology: str, feature: str) -> CompatEntry:
    """Return the entry for ``feature`` with ``technology`` (``LBFO`` or ``SET``).

    Raises
    ------
    KeyError
        For an unknown technology or feature.
    """
    try:
        return COMPATIBILITY[(technology, feature)]
    except KeyError:
        raise KeyError(
            f"no compatibility entry for {technology}/{feature} (features: {', '.join(FEATURES)})"
        ) from None
