"""IIS sites, bindings and HTTP redirects from ``applicationHost.config``.

Reads ``%windir%\\System32\\inetsrv\\config\\applicationHost.config`` (IIS 7 and
later) with the standard library's ``xml.etree.ElementTree``. The file is local
and trusted, but a document type declaration is still refused (no DTD, no
entities): the file is reported and nothing is read from it.

What is read, following the IIS configuration reference
(https://learn.microsoft.com/en-us/iis/configuration/system.applicationhost/sites/
and .../system.webserver/httpredirect/):

* ``system.applicationHost/sites/site``: ``name``, ``id``, the bindings
  (``protocol``, ``bindingInformation`` = ``IP:port:hostname``; an empty host
  name means the binding answers any host header) and the physical path of the
  root virtual directory of the root application;
* every ``system.webServer/httpRedirect`` element, at server level and under
  ``<location path="Site[/path]">``: ``enabled``, ``destination``,
  ``exactDestination``, ``childOnly``, ``httpResponseStatus`` (``Found`` 302,
  ``Permanent`` 301, ``Temporary`` 307, ``PermRedirect`` 308).

Redirects configured in a site's own ``web.config`` are not in this file and
are not seen.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree as ET

from hvlab.ingest.records import (
    IisBinding,
    IisConfig,
    IisRedirect,
    IisSite,
    IngestWarning,
    decode_text,
)

__all__ = ["parse_application_host", "parse_binding", "read_application_host"]

_DECLARATION = re.compile(r"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_STATUSES = {
    "found": "Found",
    "permanent": "Permanent",
    "temporary": "Temporary",
    "permredirect": "PermRedirect",
    "302": "Found",
    "301": "Permanent",
    "307": "Temporary",
    "308": "PermRedirect",
}


def read_application_host(path: str | Path) -> IisConfig:
    """Read an IIS ``applicationHost.config``.

    Parameters
    ----------
    path
        The file (UTF-8 with or without BOM, or UTF-16).

    Returns
    -------
    IisConfig
        Sites with bindings, physical paths and redirects; warnings for what
        could not be read. Never raises on bad input.
    """
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        return IisConfig(name, (), (), (IngestWarning(name, f"cannot read file: {exc}"),))
    decoded = decode_text(raw, name, what="applicationHost.config")
    result = parse_application_host(decoded.text, name)
    return IisConfig(name, result.sites, result.redirects, decoded.warnings + result.warnings)


def parse_binding(protocol: str | None, information: str | None) -> IisBinding:
    """Split a binding's ``bindingInformation``.

    Parameters
    ----------
    protocol
        ``http``, ``https``, ``ftp``, ``net.tcp``, ...
    information
        ``"IP:port:hostname"`` for http/https/ftp (``"*:80:ntrip.surveyor.lab"``,
        ``"[::1]:443:"``); other protocols use their own forms (``"808:*"``).

    Returns
    -------
    IisBinding
        ``ip``/``port``/``host_header`` filled when the information has the
        ``IP:port:hostname`` form, else ``None``.
    """
    binding = IisBinding(protocol=protocol, binding_information=information)
    if information is None or (protocol or "").lower() not in ("http", "https", "ftp"):
        return binding
    text = information.strip()
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            return binding
        ip, rest = text[: end + 1], text[end + 1 :]
        if not rest.startswith(":"):
            return binding
        parts = rest[1:].split(":", 1)
    else:
        pieces = text.split(":", 2)
        if len(pieces) < 2:
            return binding
        ip, parts = pieces[0], pieces[1:]
    port_text = parts[0]
    host = parts[1] if len(parts) > 1 else ""
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        return binding
    return IisBinding(protocol, information, ip, int(port_text), host)


def parse_application_host(text: str, file: str = "<applicationHost.config>") -> IisConfig:
    """Parse the text of an ``applicationHost.config``.

    Parameters
    ----------
    text
        The XML text.
    file
        Name used in warnings.

    Returns
    -------
    IisConfig
        As :func:`read_application_host`. A file with a ``<!DOCTYPE`` or
        ``<!ENTITY`` declaration, or that is not well-formed XML, gives no
        sites and a warning (with the line of the XML error).
    """
    without_comments = _COMMENT.sub(lambda match: "\n" * match.group(0).count("\n"), text)
    if _DECLARATION.search(without_comments):
        return IisConfig(
            file,
            (),
            (),
            (IngestWarning(file, "document type declarations are refused; file not read"),),
        )
    try:
        root = ET.fromstring(_XML_DECL.sub("", text, count=1))
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else None
        return IisConfig(file, (), (), (IngestWarning(file, f"not well-formed XML: {exc}", line),))
    warnings: list[IngestWarning] = []
    if root.tag != "configuration":
        warnings.append(IngestWarning(file, f"root element is <{root.tag}>, not <configuration>"))
    redirect_lines = [
        without_comments.count("\n", 0, match.start()) + 1
        for match in re.finditer(r"<httpRedirect\b", without_comments)
    ]
    redirects = _redirects(root, redirect_lines)
    sites = [
        _site(element, redirects, file, warnings)
        for container in root.iter("sites")
        for element in container
        if element.tag == "site"
    ]
    return IisConfig(file, tuple(sites), tuple(redirects), tuple(warnings))


def _bool(value: str | None) -> bool | None:
    if value is None:
        return None
    lowered = value.strip().lower()
    return True if lowered == "true" else False if lowered == "false" else None


def _redirects(root: ET.Element, lines: list[int]) -> list[IisRedirect]:
    """Every ``httpRedirect`` in document order with its ``<location path>``."""
    parents = {child: parent for parent in root.iter() for child in parent}
    found: list[IisRedirect] = []
    for index, element in enumerate(root.iter("httpRedirect")):
        location: str | None = None
        node: ET.Element | None = element
        while node is not None:
            if node.tag == "location":
                location = node.get("path", "")
                break
            node = parents.get(node)
        status = element.get("httpResponseStatus")
        found.append(
            IisRedirect(
                location=location,
                enabled=_bool(element.get("enabled")),
                destination=element.get("destination"),
                exact_destination=_bool(element.get("exactDestination")),
                child_only=_bool(element.get("childOnly")),
                http_response_status=None
                if status is None
                else _STATUSES.get(status.strip().lower(), status),
                line=lines[index] if index < len(lines) else None,
            )
        )
    return found


def _site(
    element: ET.Element, redirects: list[IisRedirect], file: str, warnings: list[IngestWarning]
) -> IisSite:
    name = element.get("name")
    site_id: int | None = None
    raw_id = element.get("id")
    if raw_id is not None:
        if raw_id.strip().isdigit():
            site_id = int(raw_id)
        else:
            warnings.append(IngestWarning(file, f"site {name!r} has a non-numeric id {raw_id!r}"))
    bindings = tuple(
        parse_binding(binding.get("protocol"), binding.get("bindingInformation"))
        for container in element.findall("bindings")
        for binding in container.findall("binding")
    )
    physical_path: str | None = None
    for application in element.findall("application"):
        if application.get("path", "/") != "/":
            continue
        for directory in application.findall("virtualDirectory"):
            if directory.get("path", "/") == "/":
                physical_path = directory.get("physicalPath")
                break
        break
    own: list[IisRedirect] = []
    if name:
        prefix = name.lower()
        for redirect in redirects:
            where = (redirect.location or "").strip("/").lower()
            if where == prefix or where.startswith(prefix + "/"):
                own.append(redirect)
    return IisSite(name, site_id, bindings, physical_path, tuple(own))
