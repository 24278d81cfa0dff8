"""A small Chrome DevTools Protocol client over ``--remote-debugging-pipe``: no driver, no websocket.

Chromium reads NUL-terminated JSON commands from file descriptor 3 and writes responses and events
to descriptor 4. One page is opened in a fresh profile; console errors, uncaught exceptions, log
errors (CSP violations, failed loads) and JavaScript dialogs are recorded for the tests to inspect.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import queue
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--mute-audio", "--hide-scrollbars",
)
TIMEOUT = 30.0


def find_chromium() -> str | None:
    """The Chromium executable, if one is installed."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


class BrowserError(RuntimeError):
    pass


def _above_nine(fd: int) -> int:
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return moved


class Browser:
    """A headless Chromium with one page, driven over the DevTools pipe."""

    def __init__(self, executable: str, width: int = 1400, height: int = 1000) -> None:
        self._profile = tempfile.mkdtemp(prefix="rolescope-chromium-")
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()
        # Move the child's ends above 9, so that the shell's "3<&N 4>&M" cannot clobber one with the other.
        to_browser_read, from_browser_write = (_above_nine(fd) for fd in (to_browser_read, from_browser_write))
        command = [executable, *FLAGS, f"--user-data-dir={self._profile}", "--remote-debugging-pipe",
                   f"--window-size={width},{height}", "about:blank"]
        self.log = Path(self._profile) / "chromium.log"
        # posix_spawn places the pipe ends at descriptors 3 and 4 in the child, where Chromium expects them
        # (the ends were moved above 9 first, so neither dup2 clobbers the other).
        self._pid = os.posix_spawn(executable, command, dict(os.environ), file_actions=[
            (os.POSIX_SPAWN_DUP2, to_browser_read, 3),
            (os.POSIX_SPAWN_DUP2, from_browser_write, 4),
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
            (os.POSIX_SPAWN_OPEN, 2, str(self.log), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
        ])
        self._exit: int | None = None
        os.close(to_browser_read)
        os.close(from_browser_write)
        self._next_id = 0
        self._responses: dict[int, dict[str, Any]] = {}
        self._events: queue.Queue[dict[str, Any]] = queue.Queue()
        self._lock = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.session = ""
        self.problems: list[str] = []
        self.dialogs: list[str] = []
        self.events: list[dict[str, Any]] = []
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True},
                                 session=False)["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1,
                                                          "mobile": False})

    def _read(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self._from_browser, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                with self._lock:
                    self._lock.notify_all()
                return
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                message = json.loads(raw)
                if "id" in message:
                    with self._lock:
                        self._responses[message["id"]] = message
                        self._lock.notify_all()
                else:
                    self._events.put(message)

    def send(self, method: str, params: dict[str, Any] | None = None, *, session: bool = True) -> dict[str, Any]:
        """Send one command and wait for its result."""
        self._next_id += 1
        ident = self._next_id
        message: dict[str, Any] = {"id": ident, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        with self._lock:
            while ident not in self._responses:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.exited():
                    raise BrowserError(f"no answer to {method}; chromium said: {self._tail()}")
                self._lock.wait(remaining)
            response = self._responses.pop(ident)
        self.drain()
        if "error" in response:
            raise BrowserError(f"{method}: {response['error']}")
        result: dict[str, Any] = response.get("result", {})
        return result

    def drain(self) -> None:
        """Record the events received so far."""
        while True:
            try:
                event = self._events.get_nowait()
            except queue.Empty:
                return
            self._record(event)

    def _record(self, event: dict[str, Any]) -> None:
        self.events.append(event)
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in {"error", "assert"}:
            self.problems.append("console: " + " ".join(str(a.get("value", a.get("description", "")))
                                                        for a in params.get("args", ())))
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            self.problems.append("exception: " + str(details.get("exception", {}).get("description")
                                                     or details.get("text")))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            self.problems.append("log: " + str(params["entry"].get("text")))
        elif method == "Page.javascriptDialogOpening":
            self.dialogs.append(str(params.get("message")))
            threading.Thread(target=self.send, args=("Page.handleJavaScriptDialog", {"accept": True}),
                             daemon=True).start()

    def wait_for_event(self, method: str) -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                event = self._events.get(timeout=0.1)
            except queue.Empty:
                continue
            self._record(event)
            if event.get("method") == method:
                return event
        raise BrowserError(f"no {method} event")

    def open(self, path: Path) -> None:
        """Load a local file and wait for its load event."""
        self.events.clear()
        self.problems.clear()
        self.dialogs.clear()
        self.send("Page.navigate", {"url": path.resolve().as_uri()})
        self.wait_for_event("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (returned by value)."""
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True})
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression!r}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def click(self, selector: str) -> None:
        """A real mouse click at the centre of the first element ``selector`` matches."""
        box = self.evaluate(
            f"(() => {{ const el = document.querySelector({json.dumps(selector)}); if (!el) return null;"
            " el.scrollIntoView({block: 'center'}); const r = el.getBoundingClientRect();"
            " return [r.left + r.width / 2, r.top + r.height / 2]; })()")
        if box is None:
            raise BrowserError(f"nothing matches {selector!r}")
        self.click_at(box[0], box[1])

    def click_at(self, x: float, y: float) -> None:
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1})

    def wheel(self, x: float, y: float, delta_y: float) -> None:
        self.send("Input.dispatchMouseEvent", {"type": "mouseWheel", "x": x, "y": y, "deltaX": 0, "deltaY": delta_y})

    def type_text(self, selector: str, text: str) -> None:
        """Focus ``selector`` and type ``text`` as keyboard input."""
        self.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")
        self.send("Input.insertText", {"text": text})

    def screenshot(self, height: int | None = None, top: int = 0) -> bytes:
        """A PNG of the viewport, or of ``height`` pixels of the page from ``top`` (beyond the viewport if need be)."""
        params: dict[str, Any] = {"format": "png"}
        if height is not None:
            width = self.evaluate("document.documentElement.clientWidth")
            params.update(captureBeyondViewport=True, clip={"x": 0, "y": top, "width": width, "height": height,
                                                            "scale": 1})
        return base64.b64decode(self.send("Page.captureScreenshot", params)["data"])

    def exited(self) -> bool:
        """Whether the browser process has ended (it is reaped here)."""
        if self._exit is None:
            pid, status = os.waitpid(self._pid, os.WNOHANG)
            if pid:
                self._exit = status
        return self._exit is not None

    def _tail(self) -> str:
        try:
            return " | ".join(self.log.read_text(errors="replace").splitlines()[-5:])
        except OSError:
            return "(no log)"

    def close(self) -> None:
        with contextlib.suppress(BrowserError, OSError):
            self.send("Browser.close", session=False)
        deadline = time.monotonic() + 10
        while not self.exited() and time.monotonic() < deadline:
            time.sleep(0.05)
        if not self.exited():
            os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            self._exit = -9
        for fd in (self._to_browser, self._from_browser):
            with contextlib.suppress(OSError):
                os.close(fd)
        shutil.rmtree(self._profile, ignore_errors=True)
