"""Each example lab produces exactly the findings its field note predicts.

The examples are deliberately broken where their notes say (DESIGN.md, "Examples that must
exist"); ``PREDICTED`` lists, per example, every (rule, object) the note's story implies.
``INCIDENTAL`` lists the few findings that are true of an example but not part of its
note's story, each with the reason; an example must produce exactly the union of the two.
The clean variants produce none of their broken counterpart's predicted findings.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hvlab.model.load import load_lab
from hvlab.rules import check_lab

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
LABS = sorted(
    str(p.relative_to(EXAMPLES)) for p in [*EXAMPLES.glob("*.yaml"), *EXAMPLES.glob("*/lab.yaml")]
)

Found = set[tuple[str, str]]

PREDICTED: dict[str, Found] = {
    # "NIC Teaming in Windows 8 & Hyper-V": every unsupported team of hv2-hv5, the guest
    # team that breaks all three guest-team constraints, and the two VMs whose SR-IOV is
    # silently lost (team under the switch; port security on the adapter).
    "nic-teaming-host.yaml": {
        ("HV101", "hosts.hv4.teams.SRIOV-Team"),  # SR-IOV NICs teamed
        ("HV102", "hosts.hv5.teams.RDMA-Team"),  # RDMA NICs teamed
        ("HV103", "hosts.hv5.teams.Chimney-Team"),  # TCP Chimney NICs teamed
        ("HV105", "hosts.hv5.teams.Outer"),  # a team of teams
        ("HV106", "hosts.hv5.teams.LBFO-over-ANS"),  # LBFO over Intel ANS teams
        ("HV107", "vms.GUEST-BAD.guest_teams.GuestTeam"),  # Static inside a VM
        ("HV109", "vms.GUEST-BAD.guest_teams.GuestTeam"),  # both members on SRIOV-1
        ("HV110", "vms.GUEST-BAD.guest_teams.GuestTeam"),  # AllowTeaming off
        ("HV112", "hosts.hv5.teams.Mixed-Speed"),  # 1 G + 10 G
        ("HV113", "hosts.hv2.teams.ST-Split"),  # Static over unstacked lab1/lab2
        ("HV114", "hosts.hv3.teams.Lacp-MacAddresses"),  # Lacp against static Po33
        ("HV121", "vms.APP-GUARDED.nics[0]"),  # DHCP/router guard, ACLs vs SR-IOV
        ("HV122", "vms.APP-TEAMED-SRIOV.nics[0]"),  # SR-IOV asked on a teamed switch
    },
    # "Assigning Large Memory To Virtual Machine Fails": the 50 GB VM does not fit (events
    # 3050/3320), the 40 GB one does; Volume1 cannot hold the memory files of the VMs
    # stored on it ("we still needed to expand the LUNS").
    "large-memory-vm.yaml": {
        ("HV302", "vms.MYSERVER.memory"),
        ("HV301", "clusters.HVCLU01.csvs.Volume1"),
    },
    # "Using Host Names in IIS in Combination with a KEMP LoadMaster": the HTTP/1.0 check
    # marks both real servers down, the redirect without http:// loops, and one check
    # cannot cover the two host names ("how to health check two host names").
    "kemp-iis-host-headers.yaml": {
        ("HV501", "load_balancers.KEMP1.virtual_services.surveyor-web.health_check"),
        ("HV504", "web_sites.www-redirect.redirect.destination"),
        ("HV503", "load_balancers.KEMP1.virtual_services.surveyor-web.host_names"),
    },
    # The fix: HTTP/1.1 with Host, the full redirect URL. Still open, as in the note: one
    # health check for two host names.
    "kemp-iis-host-headers-fixed.yaml": {
        ("HV503", "load_balancers.KEMP1.virtual_services.surveyor-web.host_names"),
    },
    # "SCVMM 2008 R2 Error 12711": HopelessVM's resource group id drifted; PhantomVM
    # exists only in VMM.
    "vmm-drift/lab.yaml": {
        ("HV602", "management.vms.HopelessVM.resource_group_id"),
        ("HV603", "management.vms.PhantomVM"),
    },
    # "Direct Connect iSCSI ... VMQ & Jumbo Frames": one switch port at 1500 on fabric B,
    # and both guests whose second iSCSI path crosses it.
    "direct-iscsi-guest-mtu-mismatch.yaml": {
        ("HV213", "switches.iscsi-sw2.ports.24"),
        ("HV217", "vms.SQL01.iscsi"),
        ("HV217", "vms.FS01.iscsi"),
    },
    "direct-iscsi-guest.yaml": set(),
    # "Integration Services Version Check": the four guests older than their hosts.
    "integration-services/lab.yaml": {
        ("HV401", "vms.APP-IMP1.integration_services"),
        ("HV401", "vms.APP-IMP2.integration_services"),
        ("HV401", "vms.DEV-OLD1.integration_services"),
        ("HV401", "vms.TEST-OLD3.integration_services"),
    },
    # "Introducing 10Gbps ... (Part 4/4)": with RSTP, losing the inter-switch LAG sends
    # CSV and live migration over the 1 G core; MSTP keeps the cluster VLANs off the
    # core, and the star into a stack has no loop to block.
    "ten-gig-cluster.yaml": {
        ("HV202", "clusters.clu1.networks.CSV"),
        ("HV202", "clusters.clu1.networks.LiveMigration"),
    },
    "ten-gig-cluster-mstp.yaml": set(),
    "ten-gig-cluster-star.yaml": set(),
    # "Active-Active File sharing with SMB 2.2 Scale Out": the General role's classic
    # share (no continuous availability) loses the copy when its owner dies.
    "scale-out-file-server.yaml": {
        ("HV305", "clusters.FSCLU.file_servers.TraditionalFS.shares.Data"),
    },
    # Data protection: "Hyper-V Replica to a second site or to a hosting provider". LOG1
    # changes more than its fifth of the 200 Mb/s WAN carries each cycle; FS1 boots in DR
    # with its HQ address; one WAN link carries replication and the stretched cluster.
    "two-site-replica.yaml": {
        ("HV701", "vms.LOG1.replica"),
        ("HV702", "vms.FS1.nics[0]"),
        ("HV704", "wan_links.HQ-DR"),
    },
}

INCIDENTAL: dict[str, dict[tuple[str, str], str]] = {
    "kemp-iis-host-headers.yaml": {
        ("HV204", "clusters.WEBCLU.networks.Cluster"): (
            "the two-network web cluster carries heartbeat, CSV and live migration on one "
            "network (uses: [Heartbeat, CSV, LiveMigration]); true, not the note's topic"
        ),
    },
    "kemp-iis-host-headers-fixed.yaml": {
        ("HV204", "clusters.WEBCLU.networks.Cluster"): "same cluster as the broken variant",
    },
    "two-site-replica.yaml": {
        ("HV204", "clusters.HQ-CLU.networks.Cluster"): (
            "HQ-CLU carries heartbeat, CSV and live migration on one network; true, not the "
            "note's topic"
        ),
        ("HV204", "clusters.METRO.networks.Cluster"): "the same network design in METRO",
        ("HV203", "clusters.METRO.networks.Cluster"): (
            "METRO's stretched Cluster VLAN crosses the 200 Mb/s metro link, so CSV and live "
            "migration between the sites get 200M of the nodes' 10G: the price of stretching it"
        ),
        ("HV218", "clusters.METRO.live_migration"): (
            "ERP1 (32 GiB, default dirty rate) cannot be live-migrated between METRO's sites "
            "over 200 Mb/s: true of any busy VM on a stretched cluster over a thin link"
        ),
    },
}

# Examples whose lab file still has to change to match its header; strict, so the test
# fails once the example is fixed and the entry must go.

CLEAN_VARIANTS = {
    "kemp-iis-host-headers-fixed.yaml": "kemp-iis-host-headers.yaml",
    "direct-iscsi-guest.yaml": "direct-iscsi-guest-mtu-mismatch.yaml",
    "ten-gig-cluster-mstp.yaml": "ten-gig-cluster.yaml",
}


def _findings(name: str) -> Found:
    result = check_lab(load_lab(EXAMPLES / name))
    assert not result.skipped, result.skipped
    for f in result.findings:
        assert f.file and f.line, f"{f.rule} {f.object} is not located in the lab file"
        assert "{" not in f.message and "{" not in f.fix, f.message
    return {(f.rule, f.object) for f in result.findings}


def test_every_example_is_listed() -> None:
    assert set(LABS) == set(PREDICTED), "list the findings of every example in PREDICTED"


@pytest.mark.parametrize(
    "name",
    [n for n in LABS],
)
def test_example_findings_are_exactly_predicted(name: str) -> None:
    expected = PREDICTED[name] | set(INCIDENTAL.get(name, {}))
    found = _findings(name)
    assert found - expected == set(), "unexpected findings"
    assert expected - found == set(), "predicted findings missing"


@pytest.mark.parametrize(("clean", "broken"), sorted(CLEAN_VARIANTS.items()))
def test_clean_variant_has_none_of_the_broken_findings(clean: str, broken: str) -> None:
    story = PREDICTED[broken] - PREDICTED[clean]
    assert story, f"{broken} predicts nothing its clean variant lacks"
    assert _findings(clean) & story == set()


def test_rstp_and_mstp_differ_on_the_inter_switch_lag() -> None:
    rstp = {r for r, _ in _findings("ten-gig-cluster.yaml")}
    assert "HV202" in rstp
    for name in ("ten-gig-cluster-mstp.yaml", "ten-gig-cluster-star.yaml"):
        assert "HV202" not in {r for r, _ in _findings(name)}


def test_the_40_gb_retry_fits() -> None:
    # The note: "a smaller amount of memory, 40GB, less than the remaining disk space on
    # the CSV did work".
    found = _findings("large-memory-vm.yaml")
    assert ("HV302", "vms.MYSERVER.memory") in found
    assert ("HV302", "vms.MYSERVER-40.memory") not in found
