#!/usr/bin/env python3
"""Drives the `sbas serve` page in headless Chromium over the DevTools protocol.

Loads the page, switches to the time-series layer, moves the date slider (the map must change),
checks that the radar map is flipped as MintPy flips it, clicks two known pixels with real mouse
events at their places on the flipped map (the plotted values must equal `sbas ts --yx`'s CSV for
them, the cursor line must name them), checks that the map's notes name the page's "north up"
control (not `sbas view`'s --noflip), turns the flip off, checks that a request climbing out of
the run folder is refused, and saves screenshots. With --descending, then does the same on a
descending copy of the run served at URL2: the map must be mirrored left-right, and a click on a
known pixel at its mirrored place must plot `sbas ts --yx`'s series. Exits non-zero with a message
on the first failed check.

Usage: check-serve-browser.py URL OUT_DIR Y,X:CSV Y,X:CSV [Y,X:CSV Y,X:CSV]
                              [--descending URL2 Y,X:CSV]
Needs: chromium, and python3's `websocket` module (Debian: python3-websocket).
"""

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket

ARGS = sys.argv[1:]
DESCENDING = None
if "--descending" in ARGS:
    k = ARGS.index("--descending")
    DESCENDING = ARGS[k + 1:]
    ARGS = ARGS[:k]
URL, OUT = ARGS[0], ARGS[1]


def read_pixels(args):
    out = []
    for arg in args:
        yx, csv = arg.split(":", 1)
        y, x = (int(v) for v in yx.split(","))
        rows = [line.strip().split(",") for line in open(csv)][1:]
        out.append((y, x, [(d, float(v)) for d, v in rows]))
    return out


# The two pixels' `sbas ts` series, then (optional) their timeseries_demErr series.
PIXELS = read_pixels(ARGS[2:4])
CORRECTED = read_pixels(ARGS[4:6])
# The descending copy's address and one pixel's `sbas ts` series there.
DESC_URL, DESC_PIXELS = (DESCENDING[0], read_pixels(DESCENDING[1:])) if DESCENDING else (None, [])


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Page:
    """One Chromium tab, driven by DevTools commands."""

    def __init__(self, ws_url):
        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    fail(f"{method}: {msg['error']}")
                return msg.get("result", {})

    def eval(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            fail(f"script error in {expr!r}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def wait(self, expr, what, timeout=20.0):
        end = time.time() + timeout
        while time.time() < end:
            if self.eval(expr):
                return
            time.sleep(0.05)
        status = self.eval("document.getElementById('status').textContent")
        fail(f"timed out waiting for {what} (page status: {status!r})")

    def screenshot(self, name):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path = os.path.join(OUT, name)
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        print(f"screenshot {path}")

    def click(self, x, y):
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)


def main():
    os.makedirs(OUT, exist_ok=True)
    exe = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not exe:
        fail("no chromium found (Debian: apt-get install chromium)")
    port = free_port()
    profile = tempfile.mkdtemp(prefix="sbas-chromium-")
    browser = subprocess.Popen(
        [exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-extensions", f"--remote-debugging-port={port}", "--remote-allow-origins=*",
         f"--user-data-dir={profile}", "--window-size=1500,1100", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        run(port)
    finally:
        browser.terminate()
        try:
            browser.wait(10)
        except subprocess.TimeoutExpired:
            browser.kill()
        shutil.rmtree(profile, ignore_errors=True)


def run(port):
    started = time.time()
    targets = None
    for _ in range(100):
        try:
            targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
            break
        except OSError:
            time.sleep(0.1)
    if not targets:
        fail("chromium's DevTools endpoint did not come up")
    page = Page(next(t for t in targets if t["type"] == "page")["webSocketDebuggerUrl"])
    page.call("Page.enable")
    page.call("Runtime.enable")
    page.call("Emulation.setDeviceMetricsOverride", width=1500, height=1100, deviceScaleFactor=1,
              mobile=False)
    page.call("Page.navigate", url=URL)
    page.wait("window.sbasState && sbasState.mapsDrawn > 0", "the first map")
    first = page.eval("sbasState.map.layer")
    print(f"first map ({first}) drawn {time.time() - started:.1f} s after starting chromium")
    page.screenshot("serve-1-first-map.png")

    # The time series layer, then the date slider.
    if not page.eval("sbasState.info.layers.some(l => l.name === 'timeseries')"):
        fail("the page does not list the timeseries layer")
    n = page.eval("sbasState.mapsDrawn")
    page.eval("(() => { const s = document.getElementById('layer'); s.value = 'timeseries';"
              " s.dispatchEvent(new Event('change')); })()")
    page.wait(f"sbasState.mapsDrawn > {n} && sbasState.map.layer === 'timeseries'", "the time-series map")
    before = page.eval("sbasMapChecksum()")
    label_before = page.eval("document.getElementById('dateLabel').textContent")
    n = page.eval("sbasState.mapsDrawn")
    page.eval("(() => { const d = document.getElementById('date'); d.value = String(Math.floor(d.max / 2));"
              " d.dispatchEvent(new Event('input')); })()")
    page.wait(f"sbasState.mapsDrawn > {n}", "the map after moving the date slider")
    after = page.eval("sbasMapChecksum()")
    label_after = page.eval("document.getElementById('dateLabel').textContent")
    title = page.eval("document.getElementById('title').textContent")
    if before == after:
        fail("moving the date slider did not change the map")
    if label_before == label_after or label_after.replace("-", "") not in title.replace("-", ""):
        fail(f"date label {label_before!r} -> {label_after!r}, title {title!r}")
    print(f"date slider: {label_before} -> {label_after}, map checksum {before} -> {after}")

    # MintPy's orientation: the simulated stack is ascending, so the radar map is shown
    # flipped up-down, as `sbas view` shows it (the flip the catalog lists for the layer).
    flipped = page.eval("sbasState.map.flipped")
    listed = page.eval("sbasState.layer.flip")
    if flipped != [False, True] or listed != flipped:
        fail(f"the ascending radar map is shown flipped {flipped} (catalog: {listed}), not up-down")
    if page.eval("document.getElementById('flipBox').hidden"):
        fail("the 'north up' toggle is hidden on a radar-coordinate map")

    # Clicks on known pixels, with real mouse events at the pixel's place on screen, worked out
    # here from the flip the server reports (not with the page's own screenOf).
    check_notes(page, "up-down")
    for k, (y, x, want) in enumerate(PIXELS):
        click_pixel(page, k, y, x, want)
        page.screenshot(f"serve-{k + 2}-click-{k + 1}.png")

    # A corrected series: drawn with the raw one it came from, both equal to sbas ts.
    if CORRECTED:
        n = page.eval("sbasState.picks.length")
        page.eval("(() => { const s = document.getElementById('ts'); s.value = 'timeseries_demErr';"
                  " s.dispatchEvent(new Event('change')); })()")
        page.wait("sbasPlot.series.length === 2 && sbasPlot.series.every(s => s.ts === 'timeseries_demErr')"
                  " && sbasState.picks.length === 2", "the corrected series of both pixels")
        for k, ((y, x, want), (_, _, raw)) in enumerate(zip(CORRECTED, PIXELS)):
            got = page.eval(f"sbasPlot.series[{k}]")
            check_series(page, got, want, y, x)
            if not got.get("raw") or got["raw"]["ts"] != "timeseries":
                fail(f"pixel y={y}, x={x}: the raw series is not drawn beside timeseries_demErr")
            check_series(page, got["raw"], raw, y, x)
        page.screenshot("serve-4-corrected-and-raw.png")

    # The toggle shows the stored orientation (sbas view --noflip): another image, no flip.
    before = page.eval("sbasMapChecksum()")
    n = page.eval("sbasState.mapsDrawn")
    page.eval("(() => { const f = document.getElementById('flip'); f.checked = false;"
              " f.dispatchEvent(new Event('change')); })()")
    page.wait(f"sbasState.mapsDrawn > {n}", "the map in its stored orientation")
    if page.eval("sbasState.map.flipped") != [False, False] or page.eval("sbasMapChecksum()") == before:
        fail("unticking 'north up' did not show the stored orientation")
    page.screenshot("serve-5-stored-orientation.png")
    print("north up: flipped up-down by default, stored orientation when unticked")

    # Traversal refused.
    status = page.eval("fetch('/%2e%2e/%2e%2e/etc/passwd').then(r => r.status)")
    if not 400 <= status < 500:
        fail(f"/%2e%2e/%2e%2e/etc/passwd answered {status}")
    raw = raw_get(URL, "/../../etc/passwd")
    if not raw.startswith(b"HTTP/1.1 4"):
        fail(f"/../../etc/passwd answered {raw[:40]!r}")
    first_line = raw.split(b"\r\n")[0].decode()
    print(f"traversal refused ({status}, {first_line})")
    page.eval("window.scrollTo(0, 0)")
    if DESC_URL:
        run_descending(page)
    print(f"all browser checks passed in {time.time() - started:.1f} s")


def open_timeseries_map(page, url):
    """Loads the page at `url` and shows the time-series layer."""
    page.call("Page.navigate", url=url)
    page.wait("window.sbasState && sbasState.mapsDrawn > 0", f"the first map of {url}")
    n = page.eval("sbasState.mapsDrawn")
    page.eval("(() => { const s = document.getElementById('layer'); s.value = 'timeseries';"
              " s.dispatchEvent(new Event('change')); })()")
    page.wait(f"sbasState.mapsDrawn > {n} && sbasState.map.layer === 'timeseries'", "the time-series map")


def run_descending(page):
    """The descending copy: mirrored left-right by MintPy's rule; a click at the mirrored place of
    a known pixel plots that pixel's `sbas ts` series."""
    open_timeseries_map(page, DESC_URL)
    flipped = page.eval("sbasState.map.flipped")
    listed = page.eval("sbasState.layer.flip")
    if flipped != [True, False] or listed != flipped:
        fail(f"the descending radar map is shown flipped {flipped} (catalog: {listed}), not left-right")
    check_notes(page, "left-right")
    for k, (y, x, want) in enumerate(DESC_PIXELS):
        click_pixel(page, k, y, x, want)
    page.screenshot("serve-6-descending-click.png")
    # Where the pixel was clicked: mirrored left-right, so its column counted from the right.
    m = page.eval("sbasState.map")
    y, x, _ = DESC_PIXELS[0]
    print(f"descending: map flipped left-right; pixel y={y}, x={x} clicked at shown column "
          f"{m['cols'] - 1 - (x - m['window'][2]) // m['step']} of {m['cols']}")


def click_pixel(page, k, y, x, want):
    """Clicks stored pixel (y, x) with real mouse events at its place on the map, worked out here
    from the flip the server reports (not with the page's own screenOf); its plotted series (the
    k-th) must equal `want`."""
    at = page.eval(f"(() => {{ const m = sbasState.map, c = document.getElementById('map');"
                   f" const r = c.getBoundingClientRect();"
                   f" let row = ({y} - m.window[0]) / m.step, col = ({x} - m.window[2]) / m.step;"
                   f" if (m.flipped[1]) row = m.rows - 1 - row;"
                   f" if (m.flipped[0]) col = m.cols - 1 - col;"
                   f" return [r.left + c.clientLeft + (col + 0.5) * c.clientWidth / m.cols,"
                   f" r.top + c.clientTop + (row + 0.5) * c.clientHeight / m.rows]; }})()")
    page.click(at[0], at[1])
    page.wait(f"window.sbasPlot && sbasPlot.series.length === {k + 1}", f"the series of pixel {k + 1}")
    got = page.eval(f"sbasPlot.series[{k}]")
    if (got["y"], got["x"]) != (y, x):
        fail(f"clicked pixel y={y}, x={x} but the page read y={got['y']}, x={got['x']}")
    # The cursor line (row, column, then lat/lon from the lookup) names the same pixel.
    page.wait(f"document.getElementById('cursor').textContent.startsWith('y={y}, x={x}')",
              f"the cursor line of pixel y={y}, x={x}")
    check_series(page, got, want, y, x)


def check_notes(page, how):
    """The notes under the map say how it is flipped and point at the page's own control."""
    notes = page.eval("document.getElementById('notes').textContent")
    if f"flipped {how}" not in notes or "north up" not in notes or "--noflip" in notes:
        fail(f"the map's notes do not describe the {how} flip with the page's control: {notes!r}")
    print(f"notes: {next(l for l in page.eval(NOTE_LINES) if 'flipped' in l)!r}")


NOTE_LINES = "Array.from(document.querySelectorAll('#notes li')).map(l => l.textContent)"


def check_series(page, got, want, y, x):
    pts = got["points"]
    want_finite = [(d, v) for d, v in want if v == v]
    if [p["date"] for p in pts] != [d for d, _ in want_finite]:
        fail(f"pixel y={y}, x={x}: plotted dates differ from sbas ts")
    box = page.eval("sbasPlot.box")
    v0, v1 = page.eval("sbasPlot.v")
    mm_per_px = (v1 - v0) / (box[3] - box[1])
    for p, (d, v) in zip(pts, want_finite):
        if abs(p["mm"] - v) > 1e-9 * max(1.0, abs(v)):
            fail(f"pixel y={y}, x={x}, {d}: plotted {p['mm']} mm, sbas ts {v} mm")
        # Where the point was drawn must say the same value (to the drawing's precision).
        drawn = v1 - (p["px"][1] - box[1]) * mm_per_px
        if abs(drawn - v) > mm_per_px:
            fail(f"pixel y={y}, x={x}, {d}: drawn at {drawn:.3f} mm, sbas ts {v} mm")
    print(f"pixel y={y}, x={x}: {len(pts)} plotted values equal sbas ts --yx")


def raw_get(url, path):
    host, port = url.split("//", 1)[1].rstrip("/").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        return s.recv(4096)


if __name__ == "__main__":
    main()
