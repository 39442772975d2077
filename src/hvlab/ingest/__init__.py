"""Importers: exports of a real Hyper-V environment → plain, typed records.

This package is the only code in hvlab that knows PowerShell JSON shapes, EVTX
records, registry exports, VMM tables or IIS configuration. It produces frozen
dataclasses (:mod:`hvlab.ingest.records`); mapping them into the lab model is
someone else's job. Every importer is tolerant: bad, corrupt or unexpected
input yields :class:`~hvlab.ingest.records.IngestWarning` s and keeps whatever
was readable; it never raises on bad input. A value an export does not carry
is ``None``, never guessed.

=================================  =========================================  ==================
module                             reads                                      result
=================================  =========================================  ==================
:mod:`hvlab.ingest.evtx`           ``.evtx``; ``wevtutil qe /f:xml`` and      ``EventScan``
                                   ``Get-WinEvent | % ToXml`` XML
:mod:`hvlab.ingest.powershell`     ``<host>_<Cmdlet>.json`` (``ConvertTo-Json``)  ``PsFile``
:mod:`hvlab.ingest.vmm`            ``tbl_WLC_VMInstance`` CSV; writes the     ``VmmExport``
                                   12711 fix (T-SQL)
:mod:`hvlab.ingest.registry`       ``reg export HKLM\\Cluster\\Groups``         ``RegistryExport``
:mod:`hvlab.ingest.iis`            ``applicationHost.config``                 ``IisConfig``
=================================  =========================================  ==================

:func:`read_folder` reads a whole folder as ``Collect-HvLab.ps1`` writes it
(:func:`collect_script` returns that script: read-only, run on a cluster node).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from hvlab.ingest.evtx import read_events
from hvlab.ingest.iis import read_application_host
from hvlab.ingest.powershell import read_powershell_json
from hvlab.ingest.records import (
    EventScan,
    IisConfig,
    IngestWarning,
    PsFile,
    RegistryExport,
    VmmExport,
)
from hvlab.ingest.registry import read_cluster_groups
from hvlab.ingest.vmm import read_vmm_csv

__all__ = ["AuditFolder", "collect_script", "read_folder"]

SCRIPT_NAME = "Collect-HvLab.ps1"


def collect_script() -> str:
    """Return the text of ``Collect-HvLab.ps1``, the read-only collector.

    Returns
    -------
    str
        The PowerShell script shipped as package data of ``hvlab.ingest``
        (read with :mod:`importlib.resources`). An admin runs it on one node of
        a failover cluster; it writes the folder :func:`read_folder` reads.
    """
    return resources.files(__name__).joinpath(SCRIPT_NAME).read_text(encoding="utf-8")


@dataclass(frozen=True)
class AuditFolder:
    """Everything read from one export folder, by kind, plus folder-level warnings."""

    path: str
    powershell: tuple[PsFile, ...] = ()
    events: tuple[EventScan, ...] = ()
    vmm: tuple[VmmExport, ...] = ()
    registry: tuple[RegistryExport, ...] = ()
    iis: tuple[IisConfig, ...] = ()
    warnings: tuple[IngestWarning, ...] = ()

    def all_warnings(self) -> tuple[IngestWarning, ...]:
        """Every warning of the folder and of each file in it, in reading order."""
        collected: list[IngestWarning] = list(self.warnings)
        for group in (self.powershell, self.events, self.vmm, self.registry, self.iis):
            for result in group:
                collected.extend(result.warnings)
        return tuple(collected)


def read_folder(path: str | Path) -> AuditFolder:
    """Read an export folder (what ``Collect-HvLab.ps1`` writes), recursively.

    Parameters
    ----------
    path
        The folder. Files are recognised by name: ``*.json`` → PowerShell
        exports; ``*.evtx`` and ``*.xml`` → event logs; ``*.csv`` whose name
        contains ``VMInstance`` → VMM export; ``*.reg`` → cluster registry;
        ``applicationHost.config`` (any prefix) → IIS. Other files are listed
        in a warning and ignored.

    Returns
    -------
    AuditFolder
        One result per file, in sorted path order (deterministic). A missing
        folder gives an empty result with a warning. Never raises on bad input.
    """
    root = Path(path)
    if not root.is_dir():
        return AuditFolder(str(root), warnings=(IngestWarning(str(root), "not a folder"),))
    powershell: list[PsFile] = []
    events: list[EventScan] = []
    vmm: list[VmmExport] = []
    registry: list[RegistryExport] = []
    iis: list[IisConfig] = []
    ignored: list[str] = []
    for file in sorted(item for item in root.rglob("*") if item.is_file()):
        name = file.name.lower()
        if name.endswith(".json"):
            powershell.append(read_powershell_json(file))
        elif name.endswith((".evtx", ".xml")):
            events.append(read_events(file))
        elif name.endswith(".csv") and "vminstance" in name:
            vmm.append(read_vmm_csv(file))
        elif name.endswith(".reg"):
            registry.append(read_cluster_groups(file))
        elif name.endswith("applicationhost.config"):
            iis.append(read_application_host(file))
        elif name not in ("readme.md", "readme.txt", "collect-hvlab.log"):
            ignored.append(str(file.relative_to(root)))
    warnings: list[IngestWarning] = []
    if ignored:
        warnings.append(IngestWarning(str(root), "files not read: " + ", ".join(ignored)))
    return AuditFolder(
        str(root),
        tuple(powershell),
        tuple(events),
        tuple(vmm),
        tuple(registry),
        tuple(iis),
        tuple(warnings),
    )
