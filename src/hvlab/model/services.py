"""Load balancers with health checks, IIS web sites, and the management (VMM) inventory.

Health-check fields follow a hardware load balancer's vocabulary (KEMP
LoadMaster "Real Server Check": protocol, HTTP version, method, URL, Host
header, check interval, connect timeout, retry count). IIS sites follow
``applicationHost.config``: bindings ``protocol/IP:port:hostname`` and the
``httpRedirect`` element (destination, exactDestination, httpResponseStatus).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field

from hvlab.model.base import Duration, LabModel, keyed

__all__ = [
    "Binding",
    "HealthCheck",
    "HttpRedirect",
    "LoadBalancer",
    "ManagedVm",
    "Management",
    "VirtualService",
    "WebSite",
]


class HealthCheck(LabModel):
    """How a load balancer decides that a real server is up.

    ``interval``, ``timeout`` and ``retries`` unset take the vendor's defaults
    (:mod:`hvlab.defaults`). ``accepted_codes`` unset means the vendor's default set.
    ``http_version`` and ``method`` unset mean the vendor's default probe (KEMP:
    ``HEAD / HTTP/1.0``; HAProxy: ``OPTIONS / HTTP/1.0``).
    """

    protocol: Literal["HTTP", "HTTPS", "TCP", "ICMP"] = "HTTP"
    http_version: Literal["1.0", "1.1"] | None = None
    method: Literal["HEAD", "GET", "POST", "OPTIONS"] | None = None
    url: str = "/"
    host_header: str | None = None
    accepted_codes: tuple[Annotated[int, Field(ge=100, le=599)], ...] | None = None
    interval: Duration | None = None
    timeout: Duration | None = None
    retries: Annotated[int, Field(ge=0)] | None = None
    port: Annotated[int, Field(ge=1, le=65535)] | None = None


class VirtualService(LabModel):
    """A virtual service: VIP:port, the real servers behind it, its health check.

    ``host_names`` are the DNS names that resolve to this VIP.
    """

    name: str
    address: str
    port: Annotated[int, Field(ge=1, le=65535)] = 80
    protocol: Literal["tcp", "udp"] = "tcp"
    real_servers: tuple[str, ...] = ()
    host_names: tuple[str, ...] = ()
    health_check: HealthCheck = HealthCheck()


class LoadBalancer(LabModel):
    """A load balancer appliance (or HAProxy) with its virtual services."""

    name: str
    vendor: Literal["Kemp", "HAProxy", "F5", "NLB", "Generic"] = "Generic"
    model: str = ""
    host: str | None = None
    virtual_services: Annotated[dict[str, VirtualService], keyed()] = {}


_BINDING_RE = re.compile(
    r"^(?:(?P<protocol>https?)/)?(?P<ip>\*|[0-9.]+|\[[0-9a-fA-F:]+\]):(?P<port>\d+):(?P<host>.*)$"
)


def _binding_short(value: object) -> object:
    # "http/*:80:ntrip.surveyor.lab" is how IIS writes protocol + bindingInformation.
    if isinstance(value, str):
        match = _BINDING_RE.match(value.strip())
        if not match:
            raise ValueError(
                f"{value!r} is not an IIS binding; write it like http/*:80:www.example.com"
            )
        return {
            "protocol": match["protocol"] or "http",
            "ip": match["ip"],
            "port": int(match["port"]),
            "host": match["host"],
        }
    return value


class Binding(LabModel):
    """An IIS site binding: protocol, IP (``*`` = all unassigned), port, host name ('' = any)."""

    protocol: Literal["http", "https"] = "http"
    ip: str = "*"
    port: Annotated[int, Field(ge=1, le=65535)] = 80
    host: str = ""


_STATUS = {"301": "Permanent", "302": "Found", "307": "Temporary", "308": "PermRedirect"}


class HttpRedirect(LabModel):
    """IIS ``<httpRedirect>``: where requests go and with which status."""

    enabled: bool = True
    destination: str
    exact_destination: bool = False
    child_only: bool = False
    # 301/302/307/308 are accepted (and listed for editors) and stored by IIS's names.
    status: Annotated[
        Literal["Permanent", "Found", "Temporary", "PermRedirect", 301, 302, 307, 308],
        BeforeValidator(lambda v: _STATUS.get(str(v), v)),
    ] = "Found"


class WebSite(LabModel):
    """An IIS site deployed on one or more servers (VMs or hosts)."""

    name: str
    servers: tuple[str, ...]
    bindings: tuple[Annotated[Binding, BeforeValidator(_binding_short)], ...] = ()
    redirect: HttpRedirect | None = None
    physical_path: str = ""


class ManagedVm(LabModel):
    """A VM as the management server (VMM ``tbl_WLC_VMInstance``) records it."""

    name: str
    computer_name: str | None = None
    host: str | None = None
    cluster: str | None = None
    resource_group_id: str | None = None
    vm_id: str | None = None


class Management(LabModel):
    """A VMM-style management inventory that may disagree with the clusters."""

    server: str = "VMM"
    vms: Annotated[dict[str, ManagedVm], keyed()] = {}
