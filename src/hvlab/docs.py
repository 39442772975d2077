"""Regenerate the documentation pages that are generated from code (``make docs``).

Each page has a test that fails when the committed file differs from what the
code generates, so docs cannot drift.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from hvlab.defaults import render_markdown as render_defaults
from hvlab.model.reference import render_lab_reference
from hvlab.report.files import write_atomic
from hvlab.rules.docs import rule_pages

__all__ = ["GENERATED", "main"]

GENERATED: dict[str, Callable[[], str]] = {
    "lab-file.md": render_lab_reference,
    "defaults.md": render_defaults,
}
"""docs/ file name → function returning its text."""


def main(argv: list[str] | None = None) -> int:
    """Write every generated page into the docs folder (default ``docs``); return 0."""
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0] if args else "docs")
    folder.mkdir(parents=True, exist_ok=True)
    pages = {name: render() for name, render in GENERATED.items()}
    pages.update(rule_pages())
    for name, text in pages.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        write_atomic(folder / name, text)
    stale = {p for p in (folder / "rules").glob("HV*.md")} - {folder / n for n in pages}
    for path in stale:
        path.unlink()
    print(f"wrote {len(pages)} pages under {folder}" + (f", removed {len(stale)}" if stale else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
