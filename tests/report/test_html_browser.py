"""The HTML report in headless Chromium: no console errors, the VLAN selector, paths, size.

Issue 8. Needs Debian's ``chromium`` (``apt-get install -y chromium``); skips with a
message where none can be started. Screenshots go to ``test-artifacts/report/``.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from hvlab.model.load import load_lab_text
from hvlab.report.html import ReportOptions, render_report, write_report
from hvlab.report.html.browser import Browser, BrowserError, Page, find_chromium
from tests.report import ARTIFACTS, EXAMPLES, ISL_BLOCKED, LABS, MSTP, ROOT, TEN_GIG, lab, lab_id

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    exe = find_chromium()
    if exe is None:
        pytest.skip("no Chromium to open the report in (install Debian's chromium package)")
    try:
        started = Browser(exe)
    except BrowserError as exc:
        pytest.skip(f"Chromium cannot start here: {exc}")
    yield started
    started.close()


def open_report(browser: Browser, name: str, html: str) -> Page:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.html"
    path.write_text(html, encoding="utf-8")
    page = browser.open(path)
    page.evaluate("document.querySelector('header').style.position = 'static'")
    return page


def select(page: Page, element: str, value: str) -> None:
    """Choose an option the way a reader does: set the value and fire ``change``."""
    page.evaluate(
        f"(() => {{ const s = document.getElementById({json.dumps(element)});"
        f" s.value = {json.dumps(value)}; s.dispatchEvent(new Event('change')); }})()"
    )


def classes(page: Page, ident: str) -> list[str]:
    value = page.evaluate(f"document.getElementById({json.dumps(ident)}).getAttribute('class')")
    return str(value).split()


@pytest.mark.parametrize("path", LABS, ids=lab_id)
def test_every_example_opens_without_errors(browser: Browser, path: Path) -> None:
    name = lab_id(path).replace("/", "-")
    page = open_report(browser, name, render_report(lab(path)))
    assert page.errors == []
    assert page.evaluate("typeof window.hvlabReport") == "object", "the script ran"
    assert page.evaluate("document.querySelectorAll('#topo-svg .links .link').length") > 0
    # every view applies without an error
    keys = page.evaluate(
        "Array.from(document.querySelectorAll('#view-select option'), o => o.value)"
    )
    for key in keys:
        select(page, "view-select", key)
        assert page.evaluate("window.hvlabReport.view()") == key
    select(page, "view-select", keys[0])
    assert page.errors == []
    # the page's style sheet leaves the charts' geometry alone
    assert page.evaluate(
        "Array.from(document.querySelectorAll('.gantt rect.bar')).every(r =>"
        " Math.abs(r.getBBox().width - parseFloat(r.getAttribute('width'))) < 0.5)"
    )
    shot = page.screenshot_element("#topology", ARTIFACTS / f"{name}-topology.png")
    assert shot.stat().st_size > 1000


def test_vlan_selector_changes_which_links_are_blocked(browser: Browser) -> None:
    page = open_report(browser, "mstp-selector", render_report(lab(MSTP)))
    uplink = "link-core2-Po2-tor2-Po2"
    select(page, "view-select", "vlan:10")
    assert page.evaluate("window.hvlabReport.blocked()") == [uplink]
    assert "s-B" in classes(page, uplink)
    assert "tor2:Po2" in page.evaluate("document.getElementById('blocked-list').textContent")
    page.screenshot_element("#topology", ARTIFACTS / "mstp-vlan10.png")
    select(page, "view-select", "vlan:30")
    assert page.evaluate("window.hvlabReport.blocked()") == []
    assert "s-N" in classes(page, uplink), "VLAN 30 is not on the uplink"
    assert "is-root" in classes(page, "sw-tor1"), "tor1 is the MSTI 1 root"
    page.screenshot_element("#topology", ARTIFACTS / "mstp-vlan30.png")
    select(page, "view-select", "tree:0")
    assert page.evaluate("window.hvlabReport.blocked()") == [uplink]
    assert "is-root" in classes(page, "sw-core1")
    assert page.errors == []


def test_ten_gig_isl_blocked_and_live_migration_path_over_the_core(browser: Browser) -> None:
    html = render_report(
        lab(TEN_GIG), ReportOptions(down=ISL_BLOCKED, path="clu1:LiveMigration:node1:node3")
    )
    page = open_report(browser, "ten-gig-isl-blocked", html)
    isl = "link-tor1-Po1-tor2-Po1"
    core = ["link-core1-Po2-tor1-Po2", "link-core1-Po1-core2-Po1", "link-core2-Po2-tor2-Po2"]
    assert page.evaluate("window.hvlabReport.blocked()") == [isl]
    for line in core:
        assert "on-path" in classes(page, line)
    page.screenshot_element("#topology", ARTIFACTS / "ten-gig-isl-blocked-lm-path.png")
    page.screenshot(ARTIFACTS / "ten-gig-isl-blocked-page.png")
    # the same through the picker
    page.evaluate("document.getElementById('path-clear').click()")
    assert "on-path" not in classes(page, core[1])
    select(
        page,
        "path-network",
        page.evaluate(
            "Array.from(document.querySelectorAll('#path-network option'))"
            ".find(o => o.textContent.includes('LiveMigration')).value"
        ),
    )
    page.evaluate("document.getElementById('path-from').value = 'node1'")
    page.evaluate("document.getElementById('path-to').value = 'node3'")
    page.evaluate("document.getElementById('path-show').click()")
    for line in core:
        assert "on-path" in classes(page, line)
    assert "bottleneck 1G" in page.evaluate("document.getElementById('path-text').textContent")
    assert page.errors == []


def test_ten_gig_isl_down_path_over_the_core(browser: Browser) -> None:
    html = render_report(lab(TEN_GIG), ReportOptions(down=("lag:tor1:Po1",)))
    page = open_report(browser, "ten-gig-isl-down", html)
    assert "s-D" in classes(page, "link-tor1-Po1-tor2-Po1")
    shown = page.evaluate("window.hvlabReport.showPath('clu1', 'LiveMigration', 'node1', 'node3')")
    assert shown["switches"] == ["core1", "core2", "tor1", "tor2"]
    assert "on-path" in classes(page, "link-core1-Po1-core2-Po1")
    page.screenshot_element("#topology", ARTIFACTS / "ten-gig-isl-down-lm-path.png")
    assert page.errors == []


def test_a_finding_link_finds_the_object(browser: Browser) -> None:
    path = EXAMPLES / "integration-services" / "lab.yaml"
    page = open_report(browser, "findings-link", render_report(lab(path)))
    target = page.evaluate(
        "(() => { const a = document.querySelector('table.findings a.goto'); a.click();"
        " return a.getAttribute('data-targets').split(' ')[0]; })()"
    )
    assert "flash" in classes(page, target)
    assert page.errors == []


def _bench_site(hosts: int) -> str:
    spec = importlib.util.spec_from_file_location(
        "bench_report", ROOT / "benchmarks" / "bench_report.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text: str = module.site_yaml(hosts)
    return text


def test_200_hosts_render_under_3s_and_5mb(browser: Browser, tmp_path: Path) -> None:
    model = load_lab_text(_bench_site(200), "bench-report.yaml")
    assert len(model.hosts) == 200
    target = write_report(model, tmp_path / "big.html")
    size = target.stat().st_size
    assert size < 5_000_000, f"{size} bytes"
    page = open_report(browser, "200-hosts", target.read_text(encoding="utf-8"))
    assert page.load_ms < 3000, f"loaded and painted in {page.load_ms:.0f} ms"
    assert page.errors == []
    select(page, "view-select", "vlan:30")
    assert page.evaluate("window.hvlabReport.view()") == "vlan:30"
    page.screenshot_element("#canvas", ARTIFACTS / "200-hosts-canvas.png")
