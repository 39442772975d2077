"""Tests of :mod:`hvlab.services`, and the small labs they build.

:func:`incident_lab` is the field note "Using Host Names in IIS in Combination with a
KEMP LoadMaster" reduced to what the services engine reads: a LoadMaster VIP in front of
two IIS servers whose two sites are told apart only by host name, one of them a
redirect whose destination lacks ``http://``.
"""

from __future__ import annotations

from typing import Any

from hvlab.model.lab import Lab
from hvlab.model.load import load_lab_text

NOTE_URL = (
    "http://www.surveyors.lab/www.bussines.lab/surveyors/services/"
    "www.bussines.lab/surveyors/services/www.bussines.lab/surveyors/services"
)
"""The looping URL exactly as the field note shows it."""


def _yaml_map(values: dict[str, Any]) -> str:
    parts = []
    for key, value in values.items():
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, (list, tuple)):
            text = "[" + ", ".join(str(v) for v in value) + "]"
        elif isinstance(value, str):
            text = f'"{value}"'
        else:
            text = str(value)
        parts.append(f"{key}: {text}")
    return "{" + ", ".join(parts) + "}"


def incident_lab(
    *,
    vendor: str = "Kemp",
    check: dict[str, Any] | None = None,
    destination: str = "www.bussines.lab/surveyors/services",
    redirect_host: str = "www.surveyors.lab",
    extra_sites: str = "",
    web2_state: str = "Running",
) -> Lab:
    """Return the field note's lab: VIP 192.168.50.10 → WEB1, WEB2 with host-header sites.

    ``check`` is the virtual service's health check (default: the LoadMaster's default
    HTTP/1.0 ``HEAD /`` with no Host, written out as the field note describes it).
    """
    if check is None:
        check = {"protocol": "HTTP", "http_version": "1.0", "method": "HEAD", "url": "/"}
    text = f"""
name: kemp-iis-incident
vms:
  WEB1:
    memory: 4GiB
    nics: [{{switch: DMZ, ip: 192.168.50.11}}]
  WEB2:
    memory: 4GiB
    state: {web2_state}
    nics: [{{switch: DMZ, ip: 192.168.50.12}}]
load_balancers:
  LB:
    vendor: {vendor}
    virtual_services:
      web:
        address: 192.168.50.10
        port: 80
        real_servers: ["WEB1:80", "WEB2:80"]
        host_names: [ntrip.surveyor.lab, {redirect_host}]
        health_check: {_yaml_map(check)}
web_sites:
  ntrip:
    servers: [WEB1, WEB2]
    bindings: ["http/*:80:ntrip.surveyor.lab"]
  www-redirect:
    servers: [WEB1, WEB2]
    bindings: ["http/*:80:{redirect_host}"]
    redirect: {{destination: "{destination}", status: 302}}
{extra_sites}
"""
    return load_lab_text(text, "incident.yaml")
