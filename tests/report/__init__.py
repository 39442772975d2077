"""Tests of hvlab.report: the HTML report, the topology picture, the browser checks."""

from __future__ import annotations

import functools
from html.parser import HTMLParser
from pathlib import Path

from hvlab.model.lab import Lab
from hvlab.model.load import load_lab

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
LABS = sorted([*EXAMPLES.glob("*.yaml"), *EXAMPLES.glob("*/lab.yaml")])
ARTIFACTS = ROOT / "test-artifacts" / "report"
TEN_GIG = EXAMPLES / "ten-gig-cluster.yaml"
MSTP = EXAMPLES / "ten-gig-cluster-mstp.yaml"
# One member of tor1's uplink LAG down: tor1's path to the root costs as much as tor2's,
# so the tie goes to tor1 (lower bridge id) and tor2 blocks its end of the ISL.
ISL_BLOCKED = ("link:core1:1~tor1:45",)


def lab_id(path: Path) -> str:
    """Return a short test id for an example path."""
    return str(path.relative_to(EXAMPLES)).removesuffix(".yaml").replace("/lab", "")


@functools.cache
def lab(path: Path) -> Lab:
    """Return the lab in ``path`` (loaded once per test session)."""
    return load_lab(path)


class Ids(HTMLParser):
    """Collect the id, class and data-targets attributes of every element."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.classes: dict[str, str] = {}
        self.targets: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        d = dict(attrs)
        self.tags.append((tag, d))
        ident = d.get("id")
        if ident:
            self.ids.append(ident)
            self.classes[ident] = d.get("class") or ""
        targets = d.get("data-targets")
        if targets:
            self.targets.extend(targets.split())

    handle_startendtag = handle_starttag


def parse(html: str) -> Ids:
    """Return the ids, classes and link targets of an HTML (or SVG) text."""
    parser = Ids()
    parser.feed(html)
    return parser
