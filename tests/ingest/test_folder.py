"""A whole export folder, and the collector script that writes one."""

from __future__ import annotations

import re
from pathlib import Path

from hvlab.ingest import collect_script, read_folder

SAMPLE = Path(__file__).parents[1] / "data" / "audit-sample"


def test_read_the_audit_sample() -> None:
    folder = read_folder(SAMPLE)
    assert folder.warnings == ()
    assert len(folder.powershell) == 33
    by_name = {Path(result.file).name: result for result in folder.powershell}
    assert by_name["Get-VM.json"].records == ()
    # Six VMs, and the Hyper-V Replica copy of SQL01 on HVDR01.
    assert sum(len(r.records) for r in folder.powershell if r.cmdlet == "Get-VM") == 7
    assert by_name["HV02_Get-VMReplication.json"].warnings == ()  # [] is an answer
    assert [len(scan.events) for scan in folder.events] == [3, 2]
    assert len(folder.vmm[0].vms) == 6
    assert len(folder.registry[0].groups) == 8
    assert [site.name for site in folder.iis[0].sites] == ["ntrip", "www-redirect"]
    warned = {Path(w.file).name for w in folder.all_warnings()}
    assert {"Get-VM.json", "HV02_Get-NetAdapterAdvancedProperty.json"} <= warned


def test_read_folder_is_deterministic() -> None:
    assert read_folder(SAMPLE) == read_folder(SAMPLE)


def test_missing_folder_and_unknown_files(tmp_path: Path) -> None:
    assert read_folder(tmp_path / "nope").warnings[0].message == "not a folder"
    (tmp_path / "notes.docx").write_bytes(b"x")
    assert "notes.docx" in read_folder(tmp_path).warnings[0].message


def test_collect_script_is_read_only_and_complete() -> None:
    script = collect_script()
    assert script.startswith("<#")
    for needle in (
        "Set-StrictMode -Version Latest",
        "ConvertTo-Json -InputObject $items -Depth 4",
        "Get-VM -ComputerName $node",
        "Get-NetLbfoTeam -CimSession",
        "Get-ClusterSharedVolume -Cluster",
        "Get-VMReplication -ComputerName $node",
        "Get-VMNetworkAdapterFailoverConfiguration -VMNetworkAdapter $adapter",
        "Get-ClusterFaultDomain -CimSession $clusterName",
        "Get-Command Get-ClusterFaultDomain",
        "ReplicationMode }",
        "PreferredSite,",
        "Microsoft-Windows-Hyper-V-Integration-Admin",
        "Microsoft-Windows-Hyper-V-Worker-Admin",
        "Microsoft-Windows-Hyper-V-VMMS-Admin",
        "reg.exe export 'HKLM\\Cluster\\Groups'",
        "inetsrv\\config\\applicationHost.config",
        "Write-Progress",
        "catch {",
    ):
        assert needle in script, needle
    verbs = set(re.findall(r"\b([A-Z][a-z]+)-[A-Z][A-Za-z]+\b", script))
    changing = {"Set", "Remove", "Stop", "Start", "Restart", "Enable", "Disable", "Clear", "Move"}
    assert verbs & changing <= {"Set", "Remove"}
    # the only Set-/Remove- uses: strict mode, and closing the CIM sessions we opened
    assert set(re.findall(r"\b(?:Set|Remove)-[A-Za-z]+", script)) == {
        "Set-StrictMode",
        "Remove-CimSession",
    }
    assert script.count("{") == script.count("}")
    assert script.count("(") == script.count(")")
    assert script.isascii()
