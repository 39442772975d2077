"""JSON output: deterministic (same input, same bytes), UTF-8, two-space indented."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["to_json"]


def to_json(data: Any) -> str:
    """Return ``data`` as JSON text with a trailing newline.

    Keys keep their insertion order (engines build them in a stable order) so the
    same lab and seed give byte-identical output.
    """
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
