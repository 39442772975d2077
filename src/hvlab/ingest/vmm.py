"""VMM's view of clustered VMs (``tbl_WLC_VMInstance``) and the fix for error 12711.

When a clustered VM is exported and imported again outside VMM, the failover
cluster gives it a new group id but VMM keeps the old one in
``tbl_WLC_VMInstance.VMResourceGroupID``; VMM then fails with error 12711
(“The cluster group could not be found (0x1395)”). The field notes
(shared/seed, *SCVMM 2008 R2 Error 12711*) fix it by reading the id from the
cluster registry (``HKLM\\Cluster\\Groups\\<id>``, see
:mod:`hvlab.ingest.registry`) and updating the VMM database.

**CSV export read here** (one row per VM, a header row, comma separated; ``;``
and tab are recognised too; column names are matched case-insensitively and
other columns are ignored):

=====================  ==========================================  =========
column                 meaning                                     required
=====================  ==========================================  =========
``VMResourceGroupID``  the cluster group id VMM holds for the VM   yes
``ComputerName``       the guest's FQDN (``hopelessvm.test.lab``)  one of
``Name``               the VM name (``VMName``, ``ObjectName``)    these two
``VMInstanceID``       the row's key in ``tbl_WLC_VMInstance``     no
``VMResourceID``       the VM's cluster resource id                no
``HostName``           the owner host (``VMHostName``)             no
``ClusterName``        the host cluster (``HostClusterName``)      no
=====================  ==========================================  =========

For example ``Invoke-Sqlcmd -ServerInstance <sql> -Database VirtualManagerDB
-Query "SELECT * FROM tbl_WLC_VMInstance" | Export-Csv -NoTypeInformation
-Encoding UTF8 tbl_WLC_VMInstance.csv``. ``ComputerName`` and
``VMResourceGroupID`` are the columns the field notes query; the other column
names are hvlab's assumption about the VMM schema, which Microsoft does not
document. ``NULL`` cells are read as missing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from hvlab.ingest.records import (
    ClusterGroupRecord,
    IngestWarning,
    ResourceGroupDrift,
    VmmExport,
    VmmVmRecord,
    decode_text,
    normalize_guid,
)

__all__ = ["COLUMNS", "find_drifts", "fix_sql", "parse_vmm_csv", "read_vmm_csv", "sql_nstring"]

COLUMNS: dict[str, tuple[str, ...]] = {
    "vm_resource_group_id": ("vmresourcegroupid",),
    "computer_name": ("computername",),
    "name": ("name", "vmname", "objectname"),
    "vm_instance_id": ("vminstanceid",),
    "vm_resource_id": ("vmresourceid",),
    "host_name": ("hostname", "vmhostname"),
    "cluster_name": ("clustername", "hostclustername"),
}
"""Record field → accepted CSV column names (compared case-insensitively)."""

_GUID_FIELDS = ("vm_resource_group_id", "vm_instance_id", "vm_resource_id")
_STRICT_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def read_vmm_csv(path: str | Path) -> VmmExport:
    """Read a CSV export of ``tbl_WLC_VMInstance``.

    Parameters
    ----------
    path
        The CSV file (UTF-8/UTF-16 with or without BOM; see the module
        docstring for the columns).

    Returns
    -------
    VmmExport
        One :class:`~hvlab.ingest.records.VmmVmRecord` per data row; rows or
        cells that cannot be read give warnings with their line. Never raises on
        bad input.
    """
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        return VmmExport(name, (), (IngestWarning(name, f"cannot read file: {exc}"),))
    decoded = decode_text(raw, name, what="VMM CSV export")
    result = parse_vmm_csv(decoded.text, name)
    return VmmExport(name, result.vms, decoded.warnings + result.warnings)


def parse_vmm_csv(text: str, file: str = "<csv>") -> VmmExport:
    """Parse the text of a ``tbl_WLC_VMInstance`` CSV export.

    Parameters
    ----------
    text
        The CSV text, header row first (a leading ``#TYPE`` line written by
        ``Export-Csv`` without ``-NoTypeInformation`` is skipped).
    file
        Name used in records and warnings.

    Returns
    -------
    VmmExport
        As :func:`read_vmm_csv`.
    """
    warnings: list[IngestWarning] = []
    lines = text.replace("\x00", "").splitlines()
    offset = 0
    while offset < len(lines) and (not lines[offset].strip() or lines[offset].startswith("#")):
        offset += 1
    if offset >= len(lines):
        return VmmExport(file, (), (IngestWarning(file, "no header row"),))
    header_line = lines[offset]
    delimiter = max(",;\t|", key=header_line.count)
    reader = csv.reader(io.StringIO("\n".join(lines[offset:])), delimiter=delimiter)
    try:
        header = next(reader)
    except (csv.Error, StopIteration):
        return VmmExport(file, (), (IngestWarning(file, "unreadable header row", offset + 1),))
    positions: dict[str, int] = {}
    normalized = [cell.strip().strip('"').lower() for cell in header]
    for field_name, names in COLUMNS.items():
        for index, column in enumerate(normalized):
            if column in names:
                positions.setdefault(field_name, index)
    if "vm_resource_group_id" not in positions or not (
        "name" in positions or "computer_name" in positions
    ):
        return VmmExport(
            file,
            (),
            (
                IngestWarning(
                    file,
                    "header lacks VMResourceGroupID and Name/ComputerName columns "
                    f"(found: {', '.join(cell for cell in header if cell) or 'none'})",
                    offset + 1,
                ),
            ),
        )
    vms: list[VmmVmRecord] = []
    line_number = offset + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            line_number = offset + reader.line_num
            warnings.append(IngestWarning(file, f"unreadable row: {exc}", line_number))
            continue
        line_number = offset + reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        record = _row_record(row, positions, file, line_number, warnings)
        if record is not None:
            vms.append(record)
    return VmmExport(file, tuple(vms), tuple(warnings))


def _row_record(
    row: Sequence[str],
    positions: dict[str, int],
    file: str,
    line: int,
    warnings: list[IngestWarning],
) -> VmmVmRecord | None:
    values: dict[str, str | None] = {}
    for field_name, index in positions.items():
        cell = row[index].strip() if index < len(row) else ""
        values[field_name] = None if cell == "" or cell.upper() == "NULL" else cell
    for field_name in _GUID_FIELDS:
        value = values.get(field_name)
        if value is not None:
            guid = normalize_guid(value)
            if guid is None:
                warnings.append(IngestWarning(file, f"{field_name} {value!r} is not a GUID", line))
            values[field_name] = guid
    if values.get("name") is None and values.get("computer_name") is None:
        warnings.append(IngestWarning(file, "row without Name or ComputerName skipped", line))
        return None
    return VmmVmRecord(
        file=file,
        line=line,
        name=values.get("name"),
        computer_name=values.get("computer_name"),
        vm_instance_id=values.get("vm_instance_id"),
        vm_resource_group_id=values.get("vm_resource_group_id"),
        vm_resource_id=values.get("vm_resource_id"),
        host_name=values.get("host_name"),
        cluster_name=values.get("cluster_name"),
    )


# --------------------------------------------------------------------------- drift


def _group_names(group: ClusterGroupRecord) -> set[str]:
    if not group.name:
        return set()
    name = group.name.strip().lower()
    names = {name}
    # VMM 2008 R2 names the groups it creates "SCVMM <vm> Resources".
    match = re.fullmatch(r"scvmm (.+) resources", name)
    if match:
        names.add(match.group(1))
    return names


def _vm_names(vm: VmmVmRecord) -> set[str]:
    names = set()
    if vm.name:
        names.add(vm.name.strip().lower())
    if vm.computer_name:
        names.add(vm.computer_name.strip().lower().split(".", 1)[0])
    return names


def find_drifts(
    vms: Iterable[VmmVmRecord], groups: Iterable[ClusterGroupRecord]
) -> list[ResourceGroupDrift]:
    """Find VMs whose VMM ``VMResourceGroupID`` is not their cluster group's id.

    Parameters
    ----------
    vms
        Rows of ``tbl_WLC_VMInstance`` (:func:`read_vmm_csv`).
    groups
        Groups of the cluster registry (:func:`hvlab.ingest.registry.read_cluster_groups`).

    Returns
    -------
    list of ResourceGroupDrift
        One per VM whose ``VMResourceGroupID`` is not a group id of the
        cluster, and for which exactly one cluster group of type
        ``VirtualMachine`` (or of unknown type) has the VM's name (its ``Name``,
        or the host part of its ``ComputerName``; ``SCVMM <vm> Resources`` also
        matches). VMs with no match or with several are left out, never guessed.
    """
    group_list = [group for group in groups if group.type in (None, "VirtualMachine")]
    known_ids = {group.group_id for group in group_list}
    drifts: list[ResourceGroupDrift] = []
    for vm in vms:
        if vm.vm_resource_group_id is None or vm.vm_resource_group_id in known_ids:
            continue
        names = _vm_names(vm)
        matches = [group for group in group_list if names & _group_names(group)]
        if len(matches) != 1:
            continue
        drifts.append(
            ResourceGroupDrift(
                vm_name=vm.name or matches[0].name or vm.computer_name or "",
                vmm_group_id=vm.vm_resource_group_id,
                cluster_group_id=matches[0].group_id,
                computer_name=vm.computer_name,
                vm_instance_id=vm.vm_instance_id,
            )
        )
    return drifts


# --------------------------------------------------------------------------- T-SQL


def sql_nstring(value: str) -> str:
    """Quote text as a T-SQL Unicode literal that cannot end early.

    Parameters
    ----------
    value
        Any text, including quotes, semicolons and line breaks.

    Returns
    -------
    str
        ``N'...'`` with every ``'`` doubled (the T-SQL rule for a quote inside a
        string literal); control characters (line breaks included) are written
        as ``NCHAR(n)`` joined with ``+`` so that the literal stays on one line
        and no batch separator (``GO``) can appear inside it.
    """
    parts: list[str] = []
    buffer: list[str] = []
    for char in value:
        if ord(char) < 0x20 or ord(char) == 0x7F:
            if buffer:
                parts.append("N'" + "".join(buffer).replace("'", "''") + "'")
                buffer = []
            parts.append(f"NCHAR({ord(char)})")
        else:
            buffer.append(char)
    if buffer or not parts:
        parts.append("N'" + "".join(buffer).replace("'", "''") + "'")
    return " + ".join(parts)


def _comment(value: str) -> str:
    """Text safe inside a ``--`` comment: no line breaks or other control characters."""
    return "".join("?" if ord(char) < 0x20 or ord(char) == 0x7F else char for char in value)


def _guid_literal(value: str) -> str | None:
    guid = normalize_guid(value)
    return None if guid is None or not _STRICT_GUID.match(guid) else f"'{guid}'"


def fix_sql(drifts: Iterable[ResourceGroupDrift], *, database: str = "VirtualManagerDB") -> str:
    """Write the reviewed T-SQL that realigns VMM with the cluster (error 12711).

    Parameters
    ----------
    drifts
        From :func:`find_drifts`.
    database
        The VMM database name (``VirtualManagerDB`` by default), written as a
        bracketed identifier.

    Returns
    -------
    str
        A script that says to back up the VMM database and stop the VMM service
        first, opens a transaction, and for each VM ``SELECT`` s the current row
        then ``UPDATE`` s ``tbl_WLC_VMInstance.VMResourceGroupID`` to the id
        from the cluster registry, keyed by ``VMInstanceID`` (or
        ``ComputerName``) *and* the stale id so that it changes nothing else.
        It ends with ``COMMIT``/``ROLLBACK`` commented out: the reviewer
        chooses. Names are quoted with :func:`sql_nstring`, GUIDs are validated
        and a drift with an invalid GUID is skipped with a comment.

    Notes
    -----
    Follows the update shown in the field notes (shared/seed, *SCVMM 2008 R2
    Error 12711*: ``UPDATE tbl_WLC_VMInstance SET VMResourceGroupID = '<id from
    the registry>' WHERE VMResourceGroupID = '<old id>'``). Editing the VMM
    database is not supported by Microsoft; the script says so.
    """
    items = list(drifts)
    database_id = "[" + database.replace("]", "]]") + "]"
    out: list[str] = [
        "-- hvlab: VMM error 12711 fix - realign tbl_WLC_VMInstance.VMResourceGroupID",
        "-- with the cluster group ids of HKLM\\Cluster\\Groups.",
        f"-- Generated by hvlab for {len(items)} VM(s). REVIEW BEFORE RUNNING.",
        "--",
        "-- WARNING: editing the VMM database directly is not supported by Microsoft.",
        "-- 1. Take a full backup of the VMM database first, for example:",
        f"--      BACKUP DATABASE {_comment(database_id)}",
        "--        TO DISK = N'<path>\\VMM-before-12711.bak';",
        "-- 2. Stop the System Center Virtual Machine Manager service (vmmservice) on the VMM",
        "--    server so that it does not write while you edit; start it again afterwards and",
        "--    refresh the VMs (Refresh-VM) in the VMM console.",
        "-- 3. Run this script, check that every UPDATE affected exactly 1 row, then run",
        "--    COMMIT TRANSACTION (or ROLLBACK TRANSACTION) at the end.",
        "",
        f"USE {database_id};",
        "SET XACT_ABORT ON;",
        "BEGIN TRANSACTION;",
        "",
    ]
    for drift in items:
        old = _guid_literal(drift.vmm_group_id)
        new = _guid_literal(drift.cluster_group_id)
        instance = _guid_literal(drift.vm_instance_id) if drift.vm_instance_id else None
        label = _comment(drift.vm_name)
        if old is None or new is None or (drift.vm_instance_id and instance is None):
            out.append(f"-- SKIPPED VM {label}: a GUID is not valid; fix it by hand.")
            out.append("")
            continue
        if instance is not None:
            where = f"VMInstanceID = {instance} AND VMResourceGroupID = {old}"
        elif drift.computer_name:
            where = (
                f"ComputerName = {sql_nstring(drift.computer_name)} AND VMResourceGroupID = {old}"
            )
        else:
            where = f"VMResourceGroupID = {old}"
        out += [
            f"-- VM {label}"
            + (f" (ComputerName {_comment(drift.computer_name)})" if drift.computer_name else ""),
            f"--   VMM holds {old}, the cluster registry has {new}.",
            "SELECT VMInstanceID, ComputerName, VMResourceGroupID FROM dbo.tbl_WLC_VMInstance",
            f"  WHERE {where};",
            f"UPDATE dbo.tbl_WLC_VMInstance SET VMResourceGroupID = {new}",
            f"  WHERE {where};",
            "SELECT @@ROWCOUNT AS rows_updated;  -- expect 1",
            "",
        ]
    out += [
        "-- Check the results above, then run exactly one of:",
        "-- COMMIT TRANSACTION;",
        "-- ROLLBACK TRANSACTION;",
        "",
    ]
    return "\n".join(out)
