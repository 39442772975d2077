"""The HTML report and the topology picture (``hvlab report``, ``hvlab draw``).

Modules
-------
netview
    What the picture shows, from the layer-2 engine: one line per cable or LAG, and the
    state of every line in every spanning tree and VLAN (precomputed for the page).
layout
    Where things go: tiers (core / distribution / access / hosts), barycentre order,
    coordinates. Deterministic.
svg
    The picture as SVG text with stable ids (``sw-tor1``, ``host-node1``,
    ``link-tor1-Po1-tor2-Po1``).
charts
    The Gantt chart of a scenario.
sections
    Findings, teams, scenarios, defaults and assumptions as plain data.
page
    The self-contained page (template, style sheet and script inlined), the atomic
    write, the standalone drawing and its PNG form.
browser
    A minimal headless-Chromium driver (DevTools protocol over a pipe) used by the tests
    and the benchmark to open a report.
"""

from hvlab.report.html.netview import L2Picture, View, analyse_picture, host_id, line_id, switch_id
from hvlab.report.html.page import (
    ReportOptions,
    build_report,
    cluster_paths,
    render_drawing,
    render_report,
    svg_to_png,
    write_report,
)

__all__ = [
    "L2Picture",
    "ReportOptions",
    "View",
    "analyse_picture",
    "build_report",
    "cluster_paths",
    "host_id",
    "line_id",
    "render_drawing",
    "render_report",
    "svg_to_png",
    "switch_id",
    "write_report",
]
