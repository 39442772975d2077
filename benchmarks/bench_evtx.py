"""Throughput of hvlab.ingest.evtx: event XML streams and real .evtx files, in MB/s.

Generates (deterministically) an event XML stream in the shape ``wevtutil qe
<channel> /f:xml`` writes (concatenated ``<Event>`` elements, no root), one
Hyper-V event (4010/3050/3320/18500) in every four, the rest System-log events,
and times :func:`hvlab.ingest.evtx.parse_event_xml` on it and
:func:`~hvlab.ingest.evtx.read_event_xml` on the same stream written as a file.
When ``shared/data/evtx/system.evtx`` is present, it also times
:func:`~hvlab.ingest.evtx.read_evtx` on that real log, read repeatedly.

Prints one JSON document to stdout. ``--small`` makes a quick run (CI smoke).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

from hvlab.ingest.evtx import parse_event_xml, read_event_xml, read_evtx

NS = "http://schemas.microsoft.com/win/2004/08/events/event"
VMS = ("SQL01", "FILE01", "HopelessVM", "MYSERVER", "WEB01", "O'Brien's VM")
SYSTEM_EVTX = (
    Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "evtx" / "system.evtx"
)


def _hyperv_event(number: int) -> str:
    event_id, provider, channel = (
        (4010, "Microsoft-Windows-Hyper-V-Integration-KvpExchange", "Integration-Admin"),
        (3050, "Microsoft-Windows-Hyper-V-Worker", "Worker-Admin"),
        (3320, "Microsoft-Windows-Hyper-V-Worker", "Worker-Admin"),
        (18500, "Microsoft-Windows-Hyper-V-VMMS", "VMMS-Admin"),
    )[number % 4]
    vm = VMS[number % len(VMS)].replace("'", "&apos;")
    vm_id = f"{number:08X}-7A32-4654-835D-ACE32EEB60EE"
    seconds = number % 60
    return (
        f"<Event xmlns='{NS}'><System><Provider Name='{provider}'/><EventID>{event_id}</EventID>"
        "<Version>0</Version><Level>3</Level><Task>0</Task><Opcode>0</Opcode>"
        "<Keywords>0x8000000000000000</Keywords>"
        f"<TimeCreated SystemTime='2012-11-05T09:14:{seconds:02d}.1234567Z'/>"
        f"<EventRecordID>{number}</EventRecordID><Correlation/>"
        "<Execution ProcessID='2744' ThreadID='3120'/>"
        f"<Channel>Microsoft-Windows-Hyper-V-{channel}</Channel><Computer>HV01.test.lab</Computer>"
        "<Security UserID='S-1-5-18'/></System><UserData>"
        "<VmlEventLog xmlns='http://www.microsoft.com/Windows/Virtualization/Events'>"
        f"<VmName>{vm}</VmName><VmId>{vm_id}</VmId></VmlEventLog></UserData></Event>"
    )


def _system_event(number: int) -> str:
    return (
        f"<Event xmlns='{NS}'><System><Provider Name='Service Control Manager' "
        "Guid='{555908d1-a6d7-4695-8e1e-26931d2012f4}' EventSourceName='Service Control Manager'/>"
        "<EventID Qualifiers='16384'>7036</EventID><Version>0</Version><Level>4</Level>"
        "<Task>0</Task><Opcode>0</Opcode><Keywords>0x8080000000000000</Keywords>"
        f"<TimeCreated SystemTime='2012-11-05T09:15:{number % 60:02d}.000000000Z'/>"
        f"<EventRecordID>{number}</EventRecordID><Correlation/>"
        "<Execution ProcessID='560' ThreadID='4412'/><Channel>System</Channel>"
        "<Computer>HV01.test.lab</Computer><Security/></System><EventData>"
        "<Data Name='param1'>Windows Modules Installer</Data><Data Name='param2'>running</Data>"
        "<Binary>540072007500730074006500640049006E007300740061006C006C00650072002F0034000000</Binary>"
        "</EventData></Event>"
    )


def generate_stream(target_bytes: int) -> tuple[str, int]:
    """An event XML stream of about ``target_bytes`` bytes and its event count."""
    parts: list[str] = []
    size = 0
    number = 0
    while size < target_bytes:
        number += 1
        part = _hyperv_event(number) if number % 4 == 0 else _system_event(number)
        parts.append(part)
        size += len(part) + 2
    return "\r\n".join(parts), number


def _timed(label: str, size: int, action: object) -> dict[str, object]:
    assert callable(action)
    start = time.perf_counter()
    scan = action()
    seconds = time.perf_counter() - start
    return {
        "name": label,
        "bytes": size,
        "records_scanned": scan.records_scanned,
        "hyperv_events": len(scan.events),
        "warnings": len(scan.warnings),
        "seconds": round(seconds, 4),
        "mb_per_s": round(size / 1e6 / seconds, 2) if seconds > 0 else None,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print JSON; returns the process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a quick run (2 MB, 3 evtx passes)")
    parser.add_argument("--mb", type=float, default=None, help="size of the XML stream in MB")
    parser.add_argument("--evtx-passes", type=int, default=None, help="reads of system.evtx")
    args = parser.parse_args(argv)
    megabytes = args.mb if args.mb is not None else (2.0 if args.small else 64.0)
    passes = args.evtx_passes if args.evtx_passes is not None else (3 if args.small else 30)

    text, count = generate_stream(int(megabytes * 1e6))
    size = len(text)  # ASCII only: characters are bytes
    results = [_timed("event-xml-parse", size, lambda: parse_event_xml(text, "bench.xml"))]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.xml"
        path.write_text(text, encoding="utf-8")
        results.append(_timed("event-xml-file", size, lambda: read_event_xml(path)))
    text = ""

    if SYSTEM_EVTX.is_file():
        evtx_size = SYSTEM_EVTX.stat().st_size

        class _Total:
            records_scanned = 0
            events: tuple[object, ...] = ()
            warnings: tuple[object, ...] = ()

        def read_many() -> _Total:
            total = _Total()
            for _ in range(passes):
                scan = read_evtx(SYSTEM_EVTX)
                total.records_scanned += scan.records_scanned
                total.events += scan.events
                total.warnings += scan.warnings
            return total

        result = _timed(f"evtx-system-x{passes}", evtx_size * passes, read_many)
        results.append(result)
    else:
        results.append({"name": "evtx-system", "skipped": "shared/data/evtx/system.evtx absent"})

    report = {
        "benchmark": "bench_evtx",
        "small": bool(args.small),
        "generated_events": count,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "results": results,
    }
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
