"""Hyper-V events from Windows event logs: ``.evtx`` files and exported event XML.

Two inputs, one record type (:class:`~hvlab.ingest.records.HyperVEvent`):

* ``.evtx`` files (``wevtutil epl``), read with the ``evtx`` package
  (``PyEvtxParser(...).records_json()``). The file and chunk headers are also
  checked here (signatures and CRC32 checksums, as laid out in libyal's
  *Windows XML Event Log (EVTX) format* notes) so that a corrupt or
  checksum-less file yields a warning naming it, while every readable record
  is kept.
* Event XML as ``wevtutil qe <channel> /f:xml`` and
  ``Get-WinEvent ... | ForEach-Object ToXml`` write it: one ``<Event>`` element
  per record (schema ``http://schemas.microsoft.com/win/2004/08/events/event``),
  concatenated without a root element or wrapped in ``<Events>``. Each
  ``<Event>`` is parsed on its own, so one broken record costs one record.

Every event whose provider or channel starts with ``Microsoft-Windows-Hyper-V``
is kept. Hyper-V writes its insertion strings under
``UserData/VmlEventLog`` (``VmName``, ``VmId``, ...); classic ``EventData/Data``
items are read too. The events hvlab knows by meaning are in
:data:`KNOWN_EVENTS`, each with its source. **Not verified:** Hyper-V-VMMS event
19544 — no public description was found, so such events are kept like any other
VMMS event (``kind`` ``None``).
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO
from xml.etree import ElementTree as ET

from hvlab.ingest.records import EventScan, HyperVEvent, IngestWarning, decode_text

__all__ = [
    "KNOWN_EVENTS",
    "KnownEvent",
    "iter_known",
    "parse_event_xml",
    "read_event_xml",
    "read_events",
    "read_evtx",
]

HYPERV_PREFIX = "Microsoft-Windows-Hyper-V"


@dataclass(frozen=True)
class KnownEvent:
    """A Hyper-V event hvlab attaches a meaning (``kind``) to, with its source."""

    event_id: int
    kind: str
    provider_prefix: str
    channel: str
    template: str
    source: str
    note: str = ""


KNOWN_EVENTS: tuple[KnownEvent, ...] = (
    KnownEvent(
        4010,
        "integration-services-version-mismatch",
        "Microsoft-Windows-Hyper-V-Integration",
        "Microsoft-Windows-Hyper-V-Integration-Admin",
        "Data Exchange connected to virtual machine '%1', but the version does not match "
        "the version expected by Hyper-V (Virtual machine ID %2).",
        "https://learn.microsoft.com/en-us/previous-versions/windows/it-pro/"
        "windows-server-2008-r2-and-2008/dd582073(v=ws.10)",
        "Warning MSWVMIC_MINOR_VERSION_MISMATCH, documented for provider "
        "Microsoft-Windows-Hyper-V-Integration-KvpExchange: the guest's integration "
        "services are older than the host's. Windows Server 2012 R2 appends the "
        "negotiated/expected framework and message versions. Assumed, not verified: "
        "the other integration components (Heartbeat, Shutdown, TimeSync, VSS) log the "
        "same id under their own Microsoft-Windows-Hyper-V-Integration-* providers.",
    ),
    KnownEvent(
        3050,
        "memory-initialization-failed",
        "Microsoft-Windows-Hyper-V-Worker",
        "Microsoft-Windows-Hyper-V-Worker-Admin",
        "'%1' could not initialize memory: There is not enough space on the disk. "
        "(0x80070070). (Virtual machine ID %2)",
        "field notes (shared/seed): 'Assigning Large Memory To Virtual Machine Fails: "
        "Event ID 3320 & 3050'",
        "Logged with 3320 when the saved-state (.bin) file of a VM cannot be created "
        "because the volume lacks space for the VM's memory.",
    ),
    KnownEvent(
        3320,
        "memory-contents-file-failed",
        "Microsoft-Windows-Hyper-V-Worker",
        "Microsoft-Windows-Hyper-V-Worker-Admin",
        "'%1' failed to create memory contents file '<path>.bin' of size <n> MB. "
        "(Virtual machine ID %2)",
        "field notes (shared/seed): 'Assigning Large Memory To Virtual Machine Fails: "
        "Event ID 3320 & 3050'",
        "The .bin file reserves as much disk space as the VM's memory.",
    ),
)
"""The Hyper-V events hvlab gives a meaning to; ``template`` is the message text."""

_KNOWN_BY_ID: dict[int, tuple[KnownEvent, ...]] = {}
for _known in KNOWN_EVENTS:
    _KNOWN_BY_ID[_known.event_id] = (*_KNOWN_BY_ID.get(_known.event_id, ()), _known)

_VM_NAME_KEYS = ("VmName", "VirtualMachineName", "VMName")
_VM_ID_KEYS = ("VmId", "VirtualMachineId", "VMId", "VmID")
_GUID_IN_TEXT = re.compile(
    r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
)
_VM_ID_IN_MESSAGE = re.compile(r"\(Virtual machine ID \{?(" + _GUID_IN_TEXT.pattern + r")\}?\)")
_TIME_RE = re.compile(
    r"^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?\s*(Z|[+-]\d\d:?\d\d)?$"
)
_MAX_PARSER_ERRORS = 10_000

# --------------------------------------------------------------------------- public API


def read_events(path: str | Path, *, event_ids: Collection[int] | None = None) -> EventScan:
    """Read Hyper-V events from an ``.evtx`` file or an exported event XML file.

    Parameters
    ----------
    path
        The file. EVTX files are recognised by their ``ElfFile`` signature,
        anything else is read as event XML.
    event_ids
        Keep only these event ids (all Hyper-V events when ``None``).

    Returns
    -------
    EventScan
        See :func:`read_evtx` and :func:`read_event_xml`. Never raises on bad
        input; an unreadable file gives an empty scan with a warning.
    """
    name = str(path)
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        return EventScan(name, (), 0, (IngestWarning(name, f"cannot read file: {exc}"),))
    if head == b"ElfFile\x00":
        return read_evtx(path, event_ids=event_ids)
    return read_event_xml(path, event_ids=event_ids)


def read_evtx(path: str | Path, *, event_ids: Collection[int] | None = None) -> EventScan:
    """Read the Hyper-V events of an ``.evtx`` file.

    Parameters
    ----------
    path
        An EVTX file as written by the Windows Event Log service or
        ``wevtutil epl``.
    event_ids
        Keep only these event ids (all Hyper-V events when ``None``).

    Returns
    -------
    EventScan
        ``records_scanned`` counts every record the ``evtx`` parser returned,
        ``events`` the Hyper-V ones. Warnings name the file and say what was
        wrong: missing/incorrect CRC32 checksums of the file header or of
        chunks, chunks without the ``ElfChnk`` signature, records the parser
        had to skip. Records that could be read are always kept.

    Notes
    -----
    Uses ``evtx.PyEvtxParser`` (the Rust ``evtx`` crate); a record is only
    JSON-decoded when its raw text mentions ``Hyper-V``, so scanning a large
    log that holds none is cheap. O(size of the file).
    """
    name = str(path)
    try:
        with open(path, "rb") as handle:
            warnings = _check_evtx_structure(handle, name)
    except OSError as exc:
        return EventScan(name, (), 0, (IngestWarning(name, f"cannot read file: {exc}"),))
    wanted = None if event_ids is None else frozenset(event_ids)
    events: list[HyperVEvent] = []
    scanned = 0
    errors: list[str] = []
    try:
        import evtx as evtx_lib

        parser = evtx_lib.PyEvtxParser(name)
        iterator = iter(parser.records_json())
        while len(errors) < _MAX_PARSER_ERRORS:
            try:
                record = next(iterator)
            except StopIteration:
                break
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:  # RuntimeError per bad chunk; a Rust panic too
                errors.append(str(exc) or type(exc).__name__)
                if type(exc).__name__ == "PanicException":
                    break
                continue
            scanned += 1
            event = (
                _event_from_json_record(record, name, wanted)
                if isinstance(record, Mapping)
                else None
            )
            if event is not None:
                events.append(event)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # an unusable file: the parser cannot even start
        errors.append(str(exc) or type(exc).__name__)
    if errors:
        first = errors[0].splitlines()[0][:300] if errors[0] else "unknown error"
        warnings.append(
            IngestWarning(
                name,
                f"the EVTX parser could not read {len(errors)} chunk(s) or record(s); "
                f"{scanned} records were read (first error: {first})",
            )
        )
    return EventScan(name, tuple(events), scanned, tuple(warnings), "evtx")


def read_event_xml(path: str | Path, *, event_ids: Collection[int] | None = None) -> EventScan:
    """Read the Hyper-V events of an exported event XML file.

    Parameters
    ----------
    path
        Output of ``wevtutil qe <channel> /f:xml`` or of
        ``Get-WinEvent -LogName <channel> | ForEach-Object { $_.ToXml() }``,
        in UTF-8 or UTF-16 (with or without BOM).
    event_ids
        Keep only these event ids (all Hyper-V events when ``None``).

    Returns
    -------
    EventScan
        As :func:`parse_event_xml`; a file that cannot be read gives an empty
        scan with one warning.
    """
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        return EventScan(name, (), 0, (IngestWarning(name, f"cannot read file: {exc}"),), "xml")
    decoded = decode_text(raw, name, what="event XML")
    scan = parse_event_xml(decoded.text, name, event_ids=event_ids)
    return EventScan(
        scan.file, scan.events, scan.records_scanned, decoded.warnings + scan.warnings, "xml"
    )


def parse_event_xml(
    text: str, file: str = "<event xml>", *, event_ids: Collection[int] | None = None
) -> EventScan:
    """Parse a stream of ``<Event>`` elements (the Windows event schema) from text.

    Parameters
    ----------
    text
        One or more ``<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">``
        elements, concatenated or inside any wrapper (``<Events>``); an XML
        declaration and surrounding whitespace are ignored.
    file
        Name used in records and warnings.
    event_ids
        Keep only these event ids (all Hyper-V events when ``None``).

    Returns
    -------
    EventScan
        ``records_scanned`` counts the ``<Event>`` elements found; each one that
        is not well-formed XML gives a warning with its line and is skipped.
        Document type declarations are never processed (a ``<!DOCTYPE`` or
        ``<!ENTITY`` is reported and its events skipped).

    Notes
    -----
    Follows the event schema documented at
    https://learn.microsoft.com/en-us/windows/win32/wes/eventschema-schema.
    O(len(text)).
    """
    wanted = None if event_ids is None else frozenset(event_ids)
    warnings: list[IngestWarning] = []
    if "<!--" in text:  # a comment may mention <Event>; keep line numbers
        text = _COMMENT.sub(lambda match: "\n" * match.group(0).count("\n"), text)
    if _DECLARATION.search(text):
        warnings.append(
            IngestWarning(file, "document type declarations are not accepted in event XML")
        )
    events: list[HyperVEvent] = []
    starts = [match.start() for match in _EVENT_START.finditer(text)]
    bad: list[int] = []
    unclosed: list[int] = []
    scanned = 0
    for index, start in enumerate(starts):
        limit = starts[index + 1] if index + 1 < len(starts) else len(text)
        close = _EVENT_END.search(text, start, limit)
        if close is None:
            unclosed.append(start)
            continue
        scanned += 1
        block = text[start : close.end()]
        if "Hyper-V" not in block:
            continue
        if "<!" in block and _DECLARATION.search(block):
            bad.append(start)
            continue
        try:
            element = ET.fromstring(block)
        except ET.ParseError:
            bad.append(start)
            continue
        event = _event_from_element(element, file, wanted)
        if event is not None:
            events.append(event)
    for start in bad[:20]:
        warnings.append(
            IngestWarning(file, "malformed <Event> element skipped", _line_of(text, start))
        )
    if len(bad) > 20:
        warnings.append(IngestWarning(file, f"{len(bad) - 20} more malformed <Event> elements"))
    if unclosed:
        warnings.append(
            IngestWarning(
                file,
                f"{len(unclosed)} <Event> element(s) are not closed (truncated file?)",
                _line_of(text, unclosed[0]),
            )
        )
    if not starts and text.strip() and not warnings:
        warnings.append(IngestWarning(file, "no <Event> elements found"))
    return EventScan(file, tuple(events), scanned, tuple(warnings), "xml")


# --------------------------------------------------------------------------- EVTX structure

_EVENT_START = re.compile(r"<Event[\s>/]")
_EVENT_END = re.compile(r"</Event\s*>")
_DECLARATION = re.compile(r"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def _line_of(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


_FILE_HEADER = 4096
_CHUNK = 65536


def _check_evtx_structure(handle: BinaryIO, file: str) -> list[IngestWarning]:
    """Check the EVTX file header and chunk headers, one chunk in memory at a time."""
    warnings: list[IngestWarning] = []
    data = handle.read(_FILE_HEADER)
    if len(data) < 128 or not data.startswith(b"ElfFile\x00"):
        warnings.append(IngestWarning(file, "not an EVTX file (no ElfFile signature)"))
        return warnings
    stored = struct.unpack_from("<I", data, 124)[0]
    if stored == 0:
        warnings.append(IngestWarning(file, "EVTX file header checksum is missing"))
    elif zlib.crc32(data[:120]) != stored:
        warnings.append(IngestWarning(file, "EVTX file header checksum does not match"))
    chunk_count = struct.unpack_from("<H", data, 42)[0]
    size = handle.seek(0, 2)
    available = max(0, (size - _FILE_HEADER) // _CHUNK)
    if chunk_count > available:
        warnings.append(
            IngestWarning(
                file,
                f"header announces {chunk_count} chunks but the file holds {available} "
                "(truncated file?)",
            )
        )
    unsigned: list[int] = []
    bad_sum: list[int] = []
    missing_sum: list[int] = []
    for index in range(min(chunk_count, available)):
        handle.seek(_FILE_HEADER + index * _CHUNK)
        chunk = handle.read(_CHUNK)
        if not chunk.startswith(b"ElfChnk\x00"):
            unsigned.append(index)
            continue
        header_sum, records_sum = (
            struct.unpack_from("<I", chunk, 124)[0],
            struct.unpack_from("<I", chunk, 52)[0],
        )
        free = struct.unpack_from("<I", chunk, 48)[0]
        if header_sum == 0 and records_sum == 0:
            missing_sum.append(index)
            continue
        header_ok = zlib.crc32(chunk[:120] + chunk[128:512]) == header_sum
        records_ok = 512 <= free <= _CHUNK and zlib.crc32(chunk[512:free]) == records_sum
        if not (header_ok and records_ok):
            bad_sum.append(index)
    total = min(chunk_count, available)
    if missing_sum:
        warnings.append(
            IngestWarning(
                file,
                f"{len(missing_sum)} of {total} chunks have no checksums "
                f"(chunks {_ranges(missing_sum)}); their records were read unverified",
            )
        )
    if bad_sum:
        warnings.append(
            IngestWarning(
                file,
                f"{len(bad_sum)} of {total} chunks fail their CRC32 checksum "
                f"(chunks {_ranges(bad_sum)}); their records were read anyway",
            )
        )
    if unsigned:
        warnings.append(
            IngestWarning(
                file,
                f"{len(unsigned)} of {total} chunks have no ElfChnk signature "
                f"(chunks {_ranges(unsigned)}); records in them cannot be read",
            )
        )
    return warnings


def _ranges(numbers: list[int]) -> str:
    parts: list[str] = []
    start = prev = numbers[0]
    for number in [*numbers[1:], -2]:
        if number == prev + 1:
            prev = number
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        start = prev = number
    return ", ".join(parts)


# --------------------------------------------------------------------------- JSON records


def _event_from_json_record(
    record: Mapping[str, Any], file: str, wanted: frozenset[int] | None
) -> HyperVEvent | None:
    raw = record.get("data")
    if not isinstance(raw, str) or "Hyper-V" not in raw:
        return None
    try:
        document = json.loads(raw)
    except ValueError:
        return None
    event = document.get("Event") if isinstance(document, dict) else None
    if not isinstance(event, dict):
        return None
    system = event.get("System")
    if not isinstance(system, dict):
        return None
    provider_node = system.get("Provider")
    provider = _json_attr(provider_node, "Name")
    channel = _json_text(system.get("Channel"))
    if not _is_hyperv(provider, channel):
        return None
    event_id = _to_int(_json_text(system.get("EventID")))
    if wanted is not None and event_id not in wanted:
        return None
    data: dict[str, str] = {}
    _flatten_json(event.get("UserData"), data, top=True)
    _flatten_json_event_data(event.get("EventData"), data)
    message = None
    rendering = event.get("RenderingInfo")
    if isinstance(rendering, dict):
        message = _json_text(rendering.get("Message"))
    time_created = _parse_time(_json_attr(system.get("TimeCreated"), "SystemTime"))
    record_id = _to_int(_json_text(system.get("EventRecordID")))
    if record_id is None:
        record_id = _to_int(record.get("event_record_id"))
    return _build_event(
        file=file,
        channel=channel,
        provider=provider,
        event_id=event_id,
        level=_to_int(_json_text(system.get("Level"))),
        time_created=time_created,
        computer=_json_text(system.get("Computer")),
        data=data,
        record_id=record_id,
        message=message,
    )


def _json_text(node: object) -> str | None:
    if node is None:
        return None
    if isinstance(node, dict):
        return _json_text(node.get("#text"))
    if isinstance(node, list):
        parts = [_json_text(item) for item in node]
        return "\n".join(part for part in parts if part is not None)
    if isinstance(node, bool):
        return "true" if node else "false"
    return str(node)


def _json_attr(node: object, name: str) -> str | None:
    if isinstance(node, dict):
        attributes = node.get("#attributes")
        if isinstance(attributes, dict) and name in attributes:
            return _json_text(attributes[name])
    return None


def _flatten_json(node: object, data: dict[str, str], *, top: bool = False) -> None:
    """UserData holds one wrapper element (``VmlEventLog``) whose children are the items."""
    if not isinstance(node, dict):
        return
    if top:
        for key, value in node.items():
            if not key.startswith("#"):
                _flatten_json(value, data)
        return
    for key, value in node.items():
        if key.startswith("#"):
            continue
        text = _json_text(value)
        if text is not None:
            data.setdefault(key, text)


def _flatten_json_event_data(node: object, data: dict[str, str]) -> None:
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key.startswith("#") or key == "Binary":
            continue
        if key == "Data":
            items = value if isinstance(value, list) else [value]
            position = 0
            for item in items:
                item_name = _json_attr(item, "Name")
                text = _json_text(item)
                if isinstance(item, dict) and isinstance(item.get("#text"), list):
                    for part in item["#text"]:
                        position += 1
                        data.setdefault(f"Data{position}", "" if part is None else str(part))
                    continue
                position += 1
                if text is not None:
                    data.setdefault(item_name or f"Data{position}", text)
        else:
            text = _json_text(value)
            if text is not None:
                data.setdefault(key, text)


# --------------------------------------------------------------------------- XML records


def _local(tag: object) -> str:
    text = tag if isinstance(tag, str) else ""
    return text.rsplit("}", 1)[-1]


def _child(element: ET.Element, name: str) -> ET.Element | None:
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def _child_text(element: ET.Element | None, name: str) -> str | None:
    if element is None:
        return None
    child = _child(element, name)
    if child is None:
        return None
    return (child.text or "").strip()


def _event_from_element(
    element: ET.Element, file: str, wanted: frozenset[int] | None
) -> HyperVEvent | None:
    if _local(element.tag) != "Event":
        return None
    system = _child(element, "System")
    if system is None:
        return None
    provider_element = _child(system, "Provider")
    provider = None if provider_element is None else provider_element.get("Name")
    channel = _child_text(system, "Channel")
    if not _is_hyperv(provider, channel):
        return None
    event_id = _to_int(_child_text(system, "EventID"))
    if wanted is not None and event_id not in wanted:
        return None
    time_element = _child(system, "TimeCreated")
    time_created = None if time_element is None else _parse_time(time_element.get("SystemTime"))
    data: dict[str, str] = {}
    user_data = _child(element, "UserData")
    if user_data is not None:
        for wrapper in user_data:
            for item in wrapper:
                data.setdefault(_local(item.tag), "".join(item.itertext()).strip())
    event_data = _child(element, "EventData")
    if event_data is not None:
        position = 0
        for item in event_data:
            if _local(item.tag) != "Data":
                continue
            position += 1
            key = item.get("Name") or f"Data{position}"
            data.setdefault(key, "".join(item.itertext()).strip())
    rendering = _child(element, "RenderingInfo")
    message = _child_text(rendering, "Message")
    return _build_event(
        file=file,
        channel=channel,
        provider=provider,
        event_id=event_id,
        level=_to_int(_child_text(system, "Level")),
        time_created=time_created,
        computer=_child_text(system, "Computer"),
        data=data,
        record_id=_to_int(_child_text(system, "EventRecordID")),
        message=message or None,
    )


# --------------------------------------------------------------------------- shared


def _is_hyperv(provider: str | None, channel: str | None) -> bool:
    return bool(
        (provider and provider.startswith(HYPERV_PREFIX))
        or (channel and channel.startswith(HYPERV_PREFIX))
    )


def _kind(provider: str | None, channel: str | None, event_id: int | None) -> str | None:
    if event_id is None:
        return None
    for known in _KNOWN_BY_ID.get(event_id, ()):
        if (provider and provider.startswith(known.provider_prefix)) or (
            channel and channel.replace("/", "-") == known.channel
        ):
            return known.kind
    return None


def _build_event(
    *,
    file: str,
    channel: str | None,
    provider: str | None,
    event_id: int | None,
    level: int | None,
    time_created: datetime | None,
    computer: str | None,
    data: dict[str, str],
    record_id: int | None,
    message: str | None,
) -> HyperVEvent:
    kind = _kind(provider, channel, event_id)
    vm_name = next((data[key] for key in _VM_NAME_KEYS if data.get(key)), None)
    vm_id = next((data[key] for key in _VM_ID_KEYS if data.get(key)), None)
    if kind is not None and (vm_name is None or vm_id is None):
        # Known templates put the VM name in %1 and its id in %2.
        positional = [value for key, value in data.items() if _is_positional(key)]
        if len(positional) >= 2 and _GUID_IN_TEXT.fullmatch(positional[1].strip("{} ")):
            vm_name = vm_name or positional[0]
            vm_id = vm_id or positional[1]
    if vm_id is None and message:
        found = _VM_ID_IN_MESSAGE.search(message)
        if found:
            vm_id = found.group(1)
    if vm_id is not None:
        vm_id = vm_id.strip("{} ").upper()
    return HyperVEvent(
        file=file,
        channel=channel,
        provider=provider,
        event_id=event_id,
        level=level,
        time_created=time_created,
        computer=computer,
        vm_name=vm_name,
        vm_id=vm_id,
        data=data,
        record_id=record_id,
        kind=kind,
        message=message,
    )


def _is_positional(key: str) -> bool:
    return bool(re.fullmatch(r"(Data|Parameter|param)\d+", key))


def _to_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text, 16) if text.lower().startswith("0x") else int(text)
        except ValueError:
            return None
    return None


def _parse_time(value: str | None) -> datetime | None:
    """Parse ``SystemTime`` (``2011-08-17T08:30:36.1234567Z``, 7 fraction digits)."""
    if not value:
        return None
    match = _TIME_RE.match(value.strip())
    if not match:
        return None
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    fraction = (match.group(7) or "0")[:6].ljust(6, "0")
    try:
        moment = datetime(year, month, day, hour, minute, second, int(fraction), tzinfo=UTC)
    except ValueError:
        return None
    zone = match.group(8)
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        offset_minutes = sign * (int(digits[:2]) * 60 + int(digits[2:]))
        moment = moment - timedelta(minutes=offset_minutes)
    return moment


def iter_known(scan: EventScan, kind: str) -> Iterator[HyperVEvent]:
    """Yield the events of ``scan`` whose ``kind`` is ``kind``.

    Parameters
    ----------
    scan
        A result of :func:`read_events`.
    kind
        One of the ``kind`` values of :data:`KNOWN_EVENTS`.

    Returns
    -------
    Iterator[HyperVEvent]
        The matching events in file order.
    """
    return (event for event in scan.events if event.kind == kind)
