"""docs/cluster.md documents every default the cluster modules read from the table."""

from __future__ import annotations

import re
from pathlib import Path

from hvlab.defaults import DEFAULTS

SRC = Path(__file__).resolve().parents[2] / "src" / "hvlab" / "cluster"
DOC = Path(__file__).resolve().parents[2] / "docs" / "cluster.md"


def test_every_default_the_cluster_modules_read_exists_and_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    keys = set()
    for module in SRC.glob("*.py"):
        keys |= set(re.findall(r'get_default\("([\w.]+)"\)', module.read_text()))
    assert keys, "the cluster modules read their defaults from hvlab.defaults"
    for key in sorted(keys):
        assert key in DEFAULTS, key
        assert f"`{key}`" in text, f"docs/cluster.md does not mention {key}"
