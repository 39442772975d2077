"""The JSON Schema of the lab file, short forms included, for editors and CI.

Pydantic generates the schema of the long forms; the short forms that the
model's before-validators accept (``memory: 64GiB``, ``ports: {1-44: 10G}``, a
link as a bare pair) are added here so an editor does not flag valid labs.
"""

from __future__ import annotations

import json
from typing import Any

from hvlab.model.lab import Lab

__all__ = ["lab_schema"]

_SCALAR = {"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 0}]}
_SHORT_FORMS: dict[str, dict[str, Any]] = {
    "Memory": _SCALAR,
    "Vhd": _SCALAR,
    "Port": _SCALAR,
    "Nic": _SCALAR,
    "Csv": _SCALAR,
    "Binding": {"type": "string", "description": "protocol/IP:port:host, e.g. http/*:80:www.x"},
    "Link": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2},
    "Scenario": {"type": "array", "items": {"$ref": "#/$defs/Step"}},
}


def _relax(node: Any) -> None:
    """Loosen the generated schema where the loader is more lenient than Pydantic's JSON view.

    Named objects take their ``name`` from the mapping key, so it is never required;
    free-text fields accept numbers (``model: 57711``), as the loader does.
    """
    if isinstance(node, dict):
        required = node.get("required")
        if isinstance(required, list) and "name" in required:
            required.remove("name")
            if not required:
                del node["required"]
        if node.get("type") == "string" and not ({"enum", "pattern", "const"} & node.keys()):
            node["type"] = ["string", "number"]
        for value in node.values():
            _relax(value)
    elif isinstance(node, list):
        for value in node:
            _relax(value)


def lab_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of a lab file."""
    doc = Lab.model_json_schema(mode="validation")
    defs = doc.get("$defs", {})
    for name, short in _SHORT_FORMS.items():
        if name in defs:
            long_form = defs[name]
            defs[name] = {
                "anyOf": [short, long_form],
                "title": long_form.get("title", name),
                "description": long_form.get("description", ""),
            }
    for definition in defs.values():
        _relax(definition)
    _relax(doc)
    doc["properties"]["include"] = {
        "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
        "description": "Other lab files whose named objects and links are merged into this one",
    }
    doc["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    doc["title"] = "hvlab lab file"
    return json.loads(json.dumps(doc))  # type: ignore[no-any-return]
