"""An audit (:class:`hvlab.ingest.audit.AuditResult`) as Rich text, JSON and SARIF 2.1.0.

The JSON document is ``hvlab check --format json``'s (``findings``,
``skipped``, ``summary``) plus an ``audit`` object; SARIF is
:func:`hvlab.report.findings.findings_sarif`'s log with the audit's warnings
as ``toolExecutionNotifications`` of the run's invocation (OASIS SARIF 2.1.0,
§3.20 ``invocation`` and §3.58 ``notification``).
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.rule import Rule as Heading
from rich.table import Table
from rich.text import Text

from hvlab.api import summary
from hvlab.ingest.audit import AuditResult
from hvlab.model.units import format_bytes
from hvlab.report.findings import findings_json, findings_sarif, render_findings
from hvlab.rules import load_rules

__all__ = ["audit_json", "audit_sarif", "render_audit"]

_SHOWN_PATHS = 8


def audit_json(result: AuditResult) -> dict[str, Any]:
    """Return the JSON document of ``hvlab audit --format json``.

    Returns
    -------
    dict
        ``findings``/``skipped``/``summary`` exactly as ``hvlab check`` writes
        them, and ``audit``: the files read, the built lab, the events
        summary, the integration-services comparison, the VMM drifts and their
        T-SQL, the warnings, the unknown parts, the builder's notes and the
        source files of each lab object, and the lab's summary (as ``hvlab show
        --format json`` gives it). Deterministic.
    """
    events = result.events
    ischeck = result.integration_services
    lab = result.lab
    audit: dict[str, Any] = {
        "folder": result.folder,
        "files": [
            {
                "file": f.file,
                "kind": f.kind,
                "what": f.what,
                "host": f.host,
                "records": f.records,
                "warnings": f.warnings,
            }
            for f in result.files
        ],
        "counts": {
            "hosts": len(lab.hosts),
            "clusters": len(lab.clusters),
            "vms": len(lab.vms),
            "web_sites": len(lab.web_sites),
            "managed_vms": len(lab.management.vms) if lab.management else 0,
        },
        "events": {
            "logs": [
                {
                    "file": log.file,
                    "format": log.format,
                    "host": log.host,
                    "records": log.records,
                    "hyperv_events": log.hyperv_events,
                    "by_id": {str(event_id): n for event_id, n in log.by_id},
                    "warnings": log.warnings,
                    "note": log.note,
                }
                for log in events.logs
            ],
            "outdated_guests": [
                {
                    "vm": g.vm,
                    "vm_id": g.vm_id,
                    "host": g.host,
                    "events": g.events,
                    "first": g.first,
                    "last": g.last,
                    "lab_vm": g.lab_vm,
                    "integration_services": g.version,
                    "files": list(g.files),
                }
                for g in events.outdated_guests
            ],
            "memory_failures": [
                {
                    "vm": m.vm,
                    "vm_id": m.vm_id,
                    "host": m.host,
                    "event_id": m.event_id,
                    "time": m.time,
                    "message": m.message,
                    "file": m.file,
                    "lab_vm": m.lab_vm,
                }
                for m in events.memory_failures
            ],
        },
        "integration_services": {
            "events": list(ischeck.events),
            "hv401": list(ischeck.hv401),
            "withheld": list(ischeck.withheld),
            "only_in_events": list(ischeck.only_in_events),
            "only_in_hv401": list(ischeck.only_in_hv401),
            "agree": ischeck.agree,
        },
        "drifts": [
            {
                "vm": d.vm_name,
                "computer_name": d.computer_name,
                "vmm_group_id": d.vmm_group_id,
                "cluster_group_id": d.cluster_group_id,
                "vm_instance_id": d.vm_instance_id,
            }
            for d in result.drifts
        ],
        "sql": result.sql,
        "warnings": [
            {"file": w.file, "line": w.line, "message": w.message} for w in result.warnings
        ],
        "unknown": [
            {"part": u.part, "description": u.description, "paths": list(u.paths)}
            for u in result.unknown
        ],
        "notes": list(result.notes),
        "sources": {key: list(files) for key, files in result.sources.items()},
        "lab": summary(lab),
    }
    return {**findings_json(result.check), "audit": audit}


def audit_sarif(result: AuditResult, base: Path | None = None) -> dict[str, Any]:
    """Return the SARIF 2.1.0 log of an audit: its findings, and its warnings as notifications.

    File URIs of the warnings are the export files, relative to ``base`` when
    they lie under it.
    """
    log = findings_sarif(result.check, load_rules(), base=base)
    notifications: list[dict[str, Any]] = []
    for warning in result.warnings:
        folder = Path(result.folder)
        path = folder if warning.file == folder.as_posix() else folder / warning.file
        uri = path.as_posix()
        if base is not None:
            with contextlib.suppress(ValueError, OSError):
                uri = path.resolve().relative_to(base.resolve()).as_posix()
        physical: dict[str, Any] = {"artifactLocation": {"uri": uri}}
        if warning.line:
            physical["region"] = {"startLine": warning.line}
        notifications.append(
            {
                "level": "warning",
                "message": {"text": warning.message},
                "locations": [{"physicalLocation": physical}],
            }
        )
    log["runs"][0]["invocations"] = [
        {"executionSuccessful": True, "toolExecutionNotifications": notifications}
    ]
    return log


def _table(title: str, columns: list[str]) -> Table:
    table = Table(title=title, title_justify="left", header_style="bold", show_lines=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    return table


def _cell(value: object) -> Text:
    return Text("" if value is None else str(value))


def render_audit(console: Console, result: AuditResult, sql_file: str | None = None) -> None:
    """Print an audit for people: files read, findings, events, 12711 drift, warnings, unknowns.

    ``sql_file`` names the file the T-SQL fix was written to (``--sql``); the
    script is printed in full when it was not written to a file.
    """
    lab = result.lab
    records = sum(f.records for f in result.files)
    counts = ", ".join(
        _plural(n, word)
        for n, word in (
            (len(lab.hosts), "host"),
            (len(lab.clusters), "cluster"),
            (len(lab.vms), "VM"),
            (len(lab.web_sites), "web site"),
        )
    )
    console.print(
        Text.assemble(
            ("Audit of ", "bold"),
            (result.folder, "bold"),
            f": {_plural(len(result.files), 'file')}, {_plural(records, 'record')} → {counts}",
        )
    )
    files = _table("Files read", ["file", "holds", "host", "records", "warnings"])
    for f in result.files:
        files.add_row(
            _cell(f.file),
            _cell(f.what),
            _cell(f.host),
            _cell(f.records),
            Text(str(f.warnings), style="yellow") if f.warnings else _cell(0),
        )
    console.print(files)

    console.print(Heading("Findings"))
    render_findings(console, result.check)

    console.print(Heading("Event logs"))
    _render_events(console, result)

    if lab.web_sites:
        console.print(Heading("Web sites (IIS)"))
        _render_sites(console, result)

    console.print(Heading("VMM and the cluster (error 12711)"))
    _render_drift(console, result, sql_file)

    console.print(Heading("Warnings"))
    if not result.warnings:
        console.print("No warnings.")
    for warning in result.warnings:
        console.print(Text(str(warning), style="yellow"))

    console.print(Heading("What the exports do not say"))
    for unknown in result.unknown:
        line = Text.assemble((unknown.part, "bold"), f": {unknown.description}")
        if unknown.paths:
            shown = ", ".join(unknown.paths[:_SHOWN_PATHS])
            more = len(unknown.paths) - _SHOWN_PATHS
            line.append(f" — {shown}" + (f" and {more} more" if more > 0 else ""), style="dim")
        console.print(line)
    if result.notes:
        console.print(Heading("Notes"))
        for note in result.notes:
            console.print(Text(note, style="dim"))


def _render_events(console: Console, result: AuditResult) -> None:
    events = result.events
    if not events.logs:
        console.print("No event logs in the export.")
        return
    logs = _table("", ["log", "host", "records", "Hyper-V events", "by event id"])
    for log in events.logs:
        ids = ", ".join(f"{event_id}×{n}" for event_id, n in log.by_id)
        logs.add_row(
            _cell(log.file),
            _cell(log.host),
            _cell(log.records),
            _cell(log.hyperv_events) if log.hyperv_events else Text(log.note, style="dim"),
            _cell(ids),
        )
    console.print(logs)
    if events.outdated_guests:
        guests = _table(
            "Guests with older integration services (event 4010)",
            ["host", "VM", "Get-VM version", "events", "last"],
        )
        for g in events.outdated_guests:
            guests.add_row(
                _cell(g.host),
                _cell(g.lab_vm or g.vm),
                _cell(g.version or "(no Get-VM)"),
                _cell(g.events),
                _cell(g.last),
            )
        console.print(guests)
    ischeck = result.integration_services
    if ischeck.events or ischeck.hv401 or ischeck.withheld:
        if ischeck.agree:
            console.print(
                Text(f"Events and HV401 (Get-VM) agree: {', '.join(ischeck.events)}.", "green")
            )
        else:
            if ischeck.withheld:
                console.print(
                    Text(
                        "HV401 could not compare Get-VM versions with the hosts' (host OS "
                        f"unknown) for: {', '.join(ischeck.withheld)}",
                        "yellow",
                    )
                )
                console.print(
                    Text(
                        "Add <host>_Get-ComputerInfo.json (Get-ComputerInfo | ConvertTo-Json) "
                        "for each host to let HV401 compare them.",
                        "dim",
                    )
                )
            else:
                if ischeck.only_in_events:
                    console.print(
                        Text(
                            "In 4010 events, not flagged by HV401: "
                            + ", ".join(ischeck.only_in_events)
                        )
                    )
                if ischeck.only_in_hv401:
                    console.print(
                        Text(f"Flagged by HV401, no 4010 event: {', '.join(ischeck.only_in_hv401)}")
                    )
    if events.memory_failures:
        failures = _table(
            "VMs whose memory could not be saved (events 3050/3320)",
            ["time", "host", "VM", "event", "memory", "storage", "message"],
        )
        for m in events.memory_failures:
            lab_vm = m.lab_vm
            memory = (
                format_bytes(result.lab.vms[lab_vm].memory.startup)
                if lab_vm and lab_vm in result.lab.vms
                else ""
            )
            failures.add_row(
                _cell(m.time),
                _cell(m.host),
                _cell(lab_vm or m.vm),
                _cell(m.event_id),
                _cell(memory),
                _cell(_csv_free(result, lab_vm)),
                _cell(m.message),
            )
        console.print(failures)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _render_sites(console: Console, result: AuditResult) -> None:
    sites = _table("", ["site", "servers", "bindings", "redirect"])
    for name, site in result.lab.web_sites.items():
        bindings = ", ".join(f"{b.protocol}/{b.ip}:{b.port}:{b.host}" for b in site.bindings)
        redirect = ""
        if site.redirect is not None:
            state = "" if site.redirect.enabled else " (disabled)"
            redirect = f"{site.redirect.status} → {site.redirect.destination}{state}"
        sites.add_row(_cell(name), _cell(", ".join(site.servers)), _cell(bindings), _cell(redirect))
    console.print(sites)


def _csv_free(result: AuditResult, vm_name: str | None) -> str:
    lab = result.lab
    vm = lab.vms.get(vm_name or "")
    if vm is None or vm.cluster not in lab.clusters or vm.storage is None:
        return ""
    csv = lab.clusters[vm.cluster].csvs.get(vm.storage)
    return "" if csv is None else f"{format_bytes(csv.size - csv.used)} free on {csv.name}"


def _render_drift(console: Console, result: AuditResult, sql_file: str | None) -> None:
    lab = result.lab
    if lab.management is None:
        console.print("No VMM export (tbl_WLC_VMInstance): nothing to compare.")
        return
    if not result.drifts:
        console.print(
            f"VMM and the cluster agree on the group ids of {len(lab.management.vms)} VMs."
        )
    else:
        drift = _table(
            "VMs whose VMM resource group id is not their cluster group's",
            ["VM", "ComputerName", "VMM VMResourceGroupID", "cluster group id"],
        )
        for d in result.drifts:
            drift.add_row(
                _cell(d.vm_name),
                _cell(d.computer_name),
                _cell(d.vmm_group_id),
                _cell(d.cluster_group_id),
            )
        console.print(drift)
    if sql_file:
        console.print(Text(f"T-SQL fix written to {sql_file}"))
    elif result.drifts:
        console.print(Text("T-SQL fix (review it, back up the VMM database first):", "bold"))
        console.print(Text(result.sql), soft_wrap=True)
