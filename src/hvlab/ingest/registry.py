"""Cluster groups from a ``.reg`` export of ``HKEY_LOCAL_MACHINE\\Cluster\\Groups``.

``reg export HKLM\\Cluster\\Groups groups.reg`` on a cluster node writes the
*Windows Registry Editor Version 5.00* format: UTF-16 LE with a BOM, one
``[key]`` line per key, then ``"Name"=value`` lines. Value syntaxes read here:
``"text"`` (REG_SZ, with ``\\\\`` and ``\\"`` escapes), ``dword:0000006f``,
``hex(b):`` (QWORD), ``hex:`` (binary), ``hex(2):`` (REG_EXPAND_SZ) and
``hex(7):`` (REG_MULTI_SZ), both UTF-16 LE; long hex lists continue on the next
line after a trailing ``\\``. ``REGEDIT4`` files (ANSI) and UTF-8 files are
accepted too.

The name of each ``Groups\\{id}`` key is the group's id: the value VMM keeps as
``VMResourceGroupID`` in ``tbl_WLC_VMInstance`` (see :mod:`hvlab.ingest.vmm`).
"""

from __future__ import annotations

import re
from pathlib import Path

from hvlab.ingest.records import (
    ClusterGroupRecord,
    IngestWarning,
    RegistryExport,
    decode_text,
    normalize_guid,
)

__all__ = ["CLUSGROUP_TYPES", "RegValue", "parse_reg", "parse_reg_text", "read_cluster_groups"]

CLUSGROUP_TYPES: dict[int, str] = {
    1: "Cluster",
    2: "AvailableStorage",
    3: "Temporary",
    4: "ClusterSharedVolume",
    5: "ClusterStoragePool",
    100: "FileServer",
    101: "PrintServer",
    102: "DhcpServer",
    103: "Dtc",
    104: "Msmq",
    105: "Wins",
    106: "StandAloneDfs",
    107: "GenericApplication",
    108: "GenericService",
    109: "GenericScript",
    110: "IScsiNameService",
    111: "VirtualMachine",
    112: "TsSessionBroker",
    113: "IScsiTarget",
    114: "ScaleoutFileServer",
    115: "VMReplicaBroker",
    116: "TaskScheduler",
    117: "ClusterUpdateAgent",
    118: "ScaleoutCluster",
    119: "StorageReplica",
    120: "VMReplicaCoordinator",
    121: "CrossClusterOrchestrator",
    122: "InfrastructureFileServer",
    9999: "Unknown",
}
"""``CLUSGROUP_TYPE`` (clusapi.h) numbers and names, as the ``GroupType`` value stores them.

Source: https://learn.microsoft.com/en-us/windows/win32/api/clusapi/ne-clusapi-clusgroup_type
(names as PowerShell's ``GroupType`` enum spells them: ``VirtualMachine`` = 111).
"""

RegValue = str | int | bytes | tuple[str, ...]
"""A decoded registry value: REG_SZ/EXPAND_SZ → str, DWORD/QWORD → int,
REG_MULTI_SZ → tuple of str, anything else → bytes."""

_HEADERS = ("Windows Registry Editor Version 5.00", "REGEDIT4")
_VALUE_RE = re.compile(r'^(?:"((?:[^"\\]|\\.)*)"|(@))\s*=\s*(.*)$', re.DOTALL)
_TYPED_RE = re.compile(
    r"^(dword|hex(?:\(([0-9a-fA-F]+)\))?)\s*:\s*(.*)$", re.IGNORECASE | re.DOTALL
)


def read_cluster_groups(path: str | Path) -> RegistryExport:
    """Read the cluster groups of a ``.reg`` export of ``HKLM\\Cluster\\Groups``.

    Parameters
    ----------
    path
        The ``.reg`` file (UTF-16 LE with BOM as ``reg export`` writes it, or
        UTF-8; another encoding is decoded as Windows-1252 with a warning).

    Returns
    -------
    RegistryExport
        One :class:`~hvlab.ingest.records.ClusterGroupRecord` per key
        ``...\\Cluster\\Groups\\<id>`` whose name is a GUID, in file order, and
        warnings for lines that could not be read. Never raises on bad input.
    """
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        return RegistryExport(name, (), (IngestWarning(name, f"cannot read file: {exc}"),))
    decoded = decode_text(raw, name, what=".reg export")
    result = parse_reg_text(decoded.text, name)
    return RegistryExport(name, result.groups, decoded.warnings + result.warnings)


def parse_reg_text(text: str, file: str = "<reg>") -> RegistryExport:
    """Parse the text of a ``.reg`` export into cluster groups.

    Parameters
    ----------
    text
        Decoded ``.reg`` text.
    file
        Name used in records and warnings.

    Returns
    -------
    RegistryExport
        As :func:`read_cluster_groups`.
    """
    keys, warnings = parse_reg(text, file)
    groups: list[ClusterGroupRecord] = []
    for key, (line, values) in keys.items():
        parent, _, leaf = key.rpartition("\\")
        if not parent.upper().endswith("\\CLUSTER\\GROUPS"):
            continue
        group_id = normalize_guid(leaf)
        if group_id is None:
            warnings.append(IngestWarning(file, f"group key name {leaf!r} is not a GUID", line))
            continue
        name_value = _value(values, "Name")
        type_value = _value(values, "GroupType")
        contains_value = _value(values, "Contains")
        group_type: str | None = None
        if isinstance(type_value, int):
            group_type = CLUSGROUP_TYPES.get(type_value, str(type_value))
        elif type_value is not None:
            warnings.append(IngestWarning(file, "GroupType is not a DWORD", line))
        if isinstance(contains_value, str):
            contains: tuple[str, ...] = (contains_value,)
        elif isinstance(contains_value, tuple):
            contains = contains_value
        else:
            contains = ()
        groups.append(
            ClusterGroupRecord(
                group_id=group_id,
                name=name_value if isinstance(name_value, str) else None,
                type=group_type,
                contains=contains,
                file=file,
                line=line,
            )
        )
    return RegistryExport(file, tuple(groups), tuple(warnings))


def parse_reg(
    text: str, file: str = "<reg>"
) -> tuple[dict[str, tuple[int, dict[str, RegValue]]], list[IngestWarning]]:
    """Parse any ``.reg`` text into keys and decoded values.

    Parameters
    ----------
    text
        Decoded ``.reg`` text.
    file
        Name used in warnings.

    Returns
    -------
    tuple
        ``({key path: (line of the [key], {value name: value})}, warnings)``;
        the default value is named ``""``. Value deletions (``=-``) and
        key deletions (``[-key]``) are ignored. See :data:`RegValue`.

    Notes
    -----
    Follows the format regedit writes, as described in *How to add, modify, or
    delete registry subkeys and values by using a .reg file*
    (https://learn.microsoft.com/en-us/troubleshoot/windows-server/performance/
    add-modify-delete-registry-subkeys-values).
    """
    warnings: list[IngestWarning] = []
    keys: dict[str, tuple[int, dict[str, RegValue]]] = {}
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    first = next((line.strip() for line in lines if line.strip()), "")
    if first.lstrip("\ufeff") not in _HEADERS:
        warnings.append(
            IngestWarning(
                file, "missing 'Windows Registry Editor Version 5.00' header; read anyway", 1
            )
        )
    ansi = first.lstrip("\ufeff") == "REGEDIT4"
    current: dict[str, RegValue] | None = None
    index = 0
    while index < len(lines):
        number = index + 1
        line = lines[index].strip().lstrip("\ufeff")
        index += 1
        while line.endswith("\\") and index < len(lines):
            line = line[:-1] + lines[index].strip()
            index += 1
        if not line or line.startswith(";") or line in _HEADERS:
            continue
        if line.startswith("["):
            if not line.endswith("]"):
                warnings.append(IngestWarning(file, "unterminated key line", number))
                current = None
                continue
            path = line[1:-1].strip()
            if path.startswith("-"):
                current = None
                continue
            current = keys.setdefault(path, (number, {}))[1]
            continue
        if current is None:
            warnings.append(IngestWarning(file, "value outside of any key", number))
            continue
        match = _VALUE_RE.match(line)
        if not match:
            warnings.append(IngestWarning(file, "unreadable line", number))
            continue
        value_name = "" if match.group(2) else _unescape(match.group(1))
        data = match.group(3).strip()
        if data == "-":
            continue
        value = _decode_value(data, ansi=ansi)
        if value is None:
            warnings.append(IngestWarning(file, f"unreadable value {value_name!r}", number))
            continue
        current[value_name] = value
    return keys, warnings


def _value(values: dict[str, RegValue], name: str) -> RegValue | None:
    for key, value in values.items():
        if key.lower() == name.lower():
            return value
    return None


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text, flags=re.DOTALL)


def _decode_value(data: str, *, ansi: bool = False) -> RegValue | None:
    if data.startswith('"'):
        match = re.fullmatch(r'"((?:[^"\\]|\\.)*)"', data, re.DOTALL)
        return _unescape(match.group(1)) if match else None
    typed = _TYPED_RE.match(data)
    if not typed:
        return None
    kind, type_hex, body = typed.group(1).lower(), typed.group(2), typed.group(3)
    if kind == "dword":
        return int(body, 16) if re.fullmatch(r"[0-9a-fA-F]{1,8}", body.strip()) else None
    hex_text = re.sub(r"[\s\\]", "", body)
    if hex_text and not re.fullmatch(r"[0-9a-fA-F]{1,2}(,[0-9a-fA-F]{1,2})*,?", hex_text):
        return None
    raw = bytes(int(part, 16) for part in hex_text.split(",") if part)
    reg_type = 3 if type_hex is None else int(type_hex, 16)
    encoding = "cp1252" if ansi else "utf-16-le"  # REGEDIT4 stores strings as ANSI
    if reg_type in (1, 2):  # REG_SZ / REG_EXPAND_SZ written as hex
        return raw.decode(encoding, errors="replace").split("\x00", 1)[0]
    if reg_type == 7:  # REG_MULTI_SZ: strings, each NUL-terminated, the list ends NUL NUL
        text = raw.decode(encoding, errors="replace")
        return tuple(part for part in text.split("\x00") if part)
    if reg_type == 4 and len(raw) == 4:
        return int.from_bytes(raw, "little")
    if reg_type == 0xB and len(raw) == 8:
        return int.from_bytes(raw, "little")
    return raw
