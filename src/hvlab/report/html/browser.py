"""A minimal headless Chromium driver: open a page, run script, collect errors, screenshot.

Used by the tests and the benchmark to check a report the way a reader sees it. It
speaks the Chrome DevTools Protocol over a pipe (``--remote-debugging-pipe``: commands
on file descriptor 3, answers on 4, each message JSON ended by a NUL byte), so it needs
nothing but the ``chromium`` binary: no websocket library, no network port.

>>> with Browser() as browser:  # doctest: +SKIP
...     page = browser.open(Path("report.html"))
...     page.evaluate("document.title")
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

__all__ = ["CHROMIUM_FLAGS", "Browser", "BrowserError", "Page", "find_chromium"]

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-dev-shm-usage",
    "--mute-audio",
    "--hide-scrollbars",
)
"""Flags every launch uses (plus an empty ``--user-data-dir`` and the debugging pipe)."""

_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class BrowserError(RuntimeError):
    """Chromium could not be started, or did not answer in time."""


def find_chromium() -> str | None:
    """Return the path of a Chromium binary (``$HVLAB_CHROMIUM`` first), or None."""
    env = os.environ.get("HVLAB_CHROMIUM")
    if env and Path(env).exists():
        return env
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class Page:
    """One tab attached through a flat DevTools session.

    Attributes
    ----------
    errors : list of str
        Console errors, uncaught exceptions and error log entries seen so far.
    load_ms : float
        Wall time from the navigation command to the load event and two animation
        frames (the page laid out and painted).
    """

    browser: Browser
    session: str
    errors: list[str] = field(default_factory=list)
    load_ms: float = 0.0

    def send(self, method: str, params: dict[str, Any] | None = None, timeout: float = 30) -> Any:
        """Send a command to this page and return its result."""
        return self.browser.send(method, params, session=self.session, timeout=timeout)

    def evaluate(self, expression: str, timeout: float = 30) -> Any:
        """Return the value of a JavaScript expression (promises are awaited).

        Raises
        ------
        BrowserError
            When the expression throws.
        """
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            timeout=timeout,
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise BrowserError(f"script error: {text}")
        return result.get("result", {}).get("value")

    def screenshot(self, path: Path, *, full_page: bool = True) -> Path:
        """Save a PNG screenshot of the page (the whole page by default) to ``path``."""
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            size = self.evaluate(
                "[Math.ceil(document.documentElement.scrollWidth),"
                " Math.ceil(document.documentElement.scrollHeight)]"
            )
            width, height = int(size[0]), min(int(size[1]), 16000)
            params["clip"] = {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}
            params["captureBeyondViewport"] = True
        data = self.send("Page.captureScreenshot", params, timeout=60)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    def screenshot_element(self, selector: str, path: Path) -> Path:
        """Save a PNG screenshot of the element matching a CSS selector."""
        box = self.evaluate(
            "(() => { const r = document.querySelector(" + json.dumps(selector) + ")"
            ".getBoundingClientRect(); return [r.left + window.scrollX, r.top + window.scrollY,"
            " r.width, r.height]; })()"
        )
        x, y, w, h = (float(v) for v in box)
        data = self.send(
            "Page.captureScreenshot",
            {
                "format": "png",
                "clip": {"x": x, "y": y, "width": max(1, w), "height": max(1, h), "scale": 1},
                "captureBeyondViewport": True,
            },
            timeout=60,
        )["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path


class Browser:
    """A headless Chromium process driven over ``--remote-debugging-pipe``.

    Parameters
    ----------
    executable
        The Chromium binary; :func:`find_chromium` by default.
    width, height
        Viewport size of new pages.

    Raises
    ------
    BrowserError
        No Chromium, or it did not start.
    """

    def __init__(
        self, executable: str | None = None, *, width: int = 1400, height: int = 1000
    ) -> None:
        exe = executable or find_chromium()
        if exe is None:
            raise BrowserError("no Chromium found (install Debian's chromium package)")
        self.width, self.height = width, height
        self.profile = tempfile.mkdtemp(prefix="hvlab-chromium-")
        cmd_r, cmd_w = os.pipe()
        res_r, res_w = os.pipe()
        # Park the child's ends above 10 so the dup2 onto 3 and 4 cannot clobber them.
        child_in = fcntl.fcntl(cmd_r, fcntl.F_DUPFD_CLOEXEC, 10)
        child_out = fcntl.fcntl(res_w, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(cmd_r)
        os.close(res_w)

        def wire() -> None:  # runs in the child before exec
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)

        args = [
            exe,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={self.profile}",
            f"--window-size={width},{height}",
            "--remote-debugging-pipe",
            "about:blank",
        ]
        try:
            self.proc = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                close_fds=False,
                preexec_fn=wire,  # a pipe on fds 3 and 4 needs the child to dup2 them
            )
        except OSError as exc:
            shutil.rmtree(self.profile, ignore_errors=True)
            raise BrowserError(f"cannot start {exe}: {exc}") from None
        finally:
            os.close(child_in)
            os.close(child_out)
        self._w = cmd_w
        self._r = res_r
        self._buffer = b""
        self._next = 0
        self._events: list[dict[str, Any]] = []
        self.pages: list[Page] = []
        try:
            self.version = self.send("Browser.getVersion", timeout=30)
        except BrowserError:
            self.close()
            raise

    # -- transport -----------------------------------------------------------------------
    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("Chromium did not answer in time")
            ready, _, _ = select.select([self._r], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._r, 1 << 20)
            if not chunk:
                raise BrowserError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        message: dict[str, Any] = json.loads(raw)
        return message

    def send(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        session: str | None = None,
        timeout: float = 30,
    ) -> Any:
        """Send one command and return its result (events that arrive meanwhile are kept)."""
        self._next += 1
        ident = self._next
        message: dict[str, Any] = {"id": ident, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        payload = json.dumps(message).encode() + b"\0"
        try:
            os.write(self._w, payload)
        except OSError as exc:
            raise BrowserError(f"cannot talk to Chromium: {exc}") from None
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == ident:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            self._dispatch(reply)

    def _dispatch(self, event: dict[str, Any]) -> None:
        method = event.get("method", "")
        params = event.get("params", {})
        page = next((p for p in self.pages if p.session == event.get("sessionId")), None)
        if page is not None:
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                args = params.get("args", [])
                page.errors.append(
                    "console: "
                    + " ".join(str(a.get("value", a.get("description", ""))) for a in args)
                )
            elif method == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                text = details.get("exception", {}).get("description") or details.get("text")
                page.errors.append(f"exception: {text}")
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                entry = params["entry"]
                page.errors.append(f"log: {entry.get('text')} {entry.get('url', '')}".strip())
        self._events.append(event)

    def _wait_event(self, method: str, session: str, timeout: float) -> dict[str, Any]:
        for i, event in enumerate(self._events):
            if event.get("method") == method and event.get("sessionId") == session:
                del self._events[: i + 1]
                return event
        deadline = time.monotonic() + timeout
        while True:
            event = self._read(deadline)
            self._dispatch(event)
            if event.get("method") == method and event.get("sessionId") == session:
                self._events.clear()
                return event

    # -- pages ---------------------------------------------------------------------------
    def open(self, path: Path | str, timeout: float = 60) -> Page:
        """Open a file (or URL) in a new tab, wait until it is loaded and painted."""
        url = (
            Path(path).resolve().as_uri()
            if not str(path).startswith(("file:", "about:"))
            else str(path)
        )
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        page = Page(self, session)
        self.pages.append(page)
        for method in ("Page.enable", "Runtime.enable", "Log.enable"):
            page.send(method)
        page.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": False},
        )
        self._events.clear()
        start = time.perf_counter()
        page.send("Page.navigate", {"url": url}, timeout=timeout)
        self._wait_event("Page.loadEventFired", session, timeout)
        page.evaluate(
            "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(1))))",
            timeout=timeout,
        )
        page.load_ms = (time.perf_counter() - start) * 1000
        return page

    def close(self) -> None:
        """Close Chromium and remove its profile directory."""
        with contextlib.suppress(BrowserError, OSError):
            self.send("Browser.close", timeout=5)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        for fd in (self._w, self._r):
            with contextlib.suppress(OSError):
                os.close(fd)
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
