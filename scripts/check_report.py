#!/usr/bin/env python3
"""Opens recpipe report pages in headless Chromium (DevTools protocol over a websocket) and fails
on what a reader would see as broken: console errors or exceptions, any network request (the page
must work offline), elements wider than the page, chart text outside its chart, an empty chart,
or a required section without a drawn chart. Writes a full-page PNG and a PDF of each page.

usage: check_report.py [--require run,customers,models,rules] [--screenshot-top FILE] OUT_DIR PAGE.html...
"""
import argparse, base64, json, os, shutil, subprocess, sys, tempfile, time

import websocket  # PyPI: websocket-client

CHECK = r"""
(() => {
  const problems = [];
  const W = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > W + 1)
    problems.push(`page is wider than the window: ${document.documentElement.scrollWidth} > ${W} px`);
  const name = el => `<${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${typeof el.className === 'string' && el.className ? '.' + el.className.split(' ').join('.') : ''}>`;
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('svg') && el.tagName.toLowerCase() !== 'svg') continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;           // not shown (a closed <details>)
    const parent = el.parentElement && el.parentElement.getBoundingClientRect();
    if (r.right > W + 1 && !(parent && parent.right > W + 1))   // the outermost element only
      problems.push(`${name(el)} sticks out of the page (right edge ${Math.round(r.right)} > ${W} px)`);
    const cs = getComputedStyle(el);
    if (el.scrollWidth > el.clientWidth + 1 && cs.overflowX !== 'visible' && el.clientWidth > 0)
      problems.push(`${name(el)} has hidden overflowing content (${el.scrollWidth} > ${el.clientWidth} px)`);
  }
  const figures = [...document.querySelectorAll('figure')];
  for (const f of figures) {
    const title = (f.querySelector('figcaption strong') || {}).textContent || '(untitled)';
    const svg = f.querySelector('svg');
    if (!svg || svg.classList.contains('empty') || svg.querySelectorAll('.mark').length === 0) {
      problems.push(`empty chart: ${title}`);
      continue;
    }
    const box = svg.getBoundingClientRect();
    for (const t of svg.querySelectorAll('text')) {
      const r = t.getBoundingClientRect();
      if (r.width === 0) continue;
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1)
        problems.push(`text "${t.textContent}" is cut off at the edge of chart "${title}"`);
    }
  }
  const sections = {};
  for (const s of document.querySelectorAll('section'))
    sections[s.id] = [...s.querySelectorAll('figure svg')].filter(svg => svg.querySelectorAll('.mark').length > 0).length;
  return {problems, figures: figures.length, sections, height: document.documentElement.scrollHeight};
})()
"""


class Browser:
    def __init__(self, chromium):
        self.profile = tempfile.mkdtemp(prefix="recpipe-chromium-")
        self.proc = subprocess.Popen(
            [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
             "--no-first-run", "--remote-debugging-port=0", f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        url = None
        deadline = time.time() + 60
        while time.time() < deadline and url is None:
            line = self.proc.stderr.readline()
            if not line and self.proc.poll() is not None:
                raise SystemExit(f"chromium exited with {self.proc.returncode} before it listened")
            if "DevTools listening on" in line:
                url = line.strip().split(" on ", 1)[1]
        if url is None:
            raise SystemExit("chromium did not start its DevTools endpoint within 60 s")
        self.ws = websocket.create_connection(url, timeout=120, suppress_origin=True)
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.ws.send(json.dumps(msg))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for i, e in enumerate(self.events):
                if e.get("method") == method:
                    return self.events.pop(i)
            self.events.append(json.loads(self.ws.recv()))
        raise RuntimeError(f"timed out waiting for {method}")

    def close(self):
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            self.proc.wait(timeout=20)
            shutil.rmtree(self.profile, ignore_errors=True)


def check(browser, page, out_dir, required, top_png):
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    for domain in ("Page", "Runtime", "Log", "Network"):
        browser.send(f"{domain}.enable", session=session)
    browser.send("Emulation.setDeviceMetricsOverride",
                 {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session=session)
    browser.events.clear()
    url = "file://" + os.path.abspath(page)
    browser.send("Page.navigate", {"url": url}, session=session)
    browser.wait_for("Page.loadEventFired")
    result = browser.send("Runtime.evaluate", {"expression": CHECK, "returnByValue": True}, session=session)
    report = result["result"]["value"]
    problems = list(report["problems"])
    for e in browser.events:
        m, p = e.get("method"), e.get("params", {})
        if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert", "warning"):
            problems.append("console %s: %s" % (p["type"], " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))))
        elif m == "Runtime.exceptionThrown":
            problems.append("exception: %s" % p["exceptionDetails"].get("text"))
        elif m == "Log.entryAdded" and p["entry"].get("level") in ("error", "warning"):
            problems.append("console %s: %s" % (p["entry"]["level"], p["entry"].get("text")))
        elif m == "Network.requestWillBeSent":
            req = p["request"]["url"]
            if not (req.startswith("file://") or req.startswith("data:") or req == "about:blank"):
                problems.append(f"the page fetched {req} (it must work offline)")
    for section in required:
        if report["sections"].get(section, 0) == 0:
            problems.append(f"section '{section}' has no chart with data")

    stem = os.path.join(out_dir, os.path.splitext(os.path.basename(page))[0])
    shot = browser.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                                                   "clip": {"x": 0, "y": 0, "width": 1280, "height": report["height"], "scale": 0.5}},
                        session=session)
    with open(stem + ".png", "wb") as f:
        f.write(base64.b64decode(shot["data"]))
    if top_png:
        top = browser.send("Page.captureScreenshot", {"format": "png", "clip": {"x": 0, "y": 0, "width": 1280, "height": 1500, "scale": 0.55},
                                                      "captureBeyondViewport": True}, session=session)
        with open(top_png, "wb") as f:
            f.write(base64.b64decode(top["data"]))
    pdf = browser.send("Page.printToPDF", {"printBackground": True, "preferCSSPageSize": True}, session=session)
    data = base64.b64decode(pdf["data"])
    with open(stem + ".pdf", "wb") as f:
        f.write(data)
    pages = data.count(b"/Type /Page") - data.count(b"/Type /Pages")
    if not data.startswith(b"%PDF") or len(data) < 1000:
        problems.append("the PDF is empty")
    browser.send("Target.closeTarget", {"targetId": target})
    size = os.path.getsize(page)
    print(f"{page}: {size / 1024:.0f} KiB, {report['figures']} charts "
          f"({', '.join(f'{k} {v}' for k, v in report['sections'].items())}), PDF {len(data) / 1024:.0f} KiB"
          f"{'' if pages <= 0 else f', {pages} pages'} → {stem}.png, {stem}.pdf")
    return problems, size


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--require", default="", help="comma-separated section ids that must hold a chart with data")
    ap.add_argument("--max-bytes", type=int, default=2_000_000)
    ap.add_argument("--screenshot-top", help="also write the top of the first page here (small PNG for the README)")
    ap.add_argument("out_dir")
    ap.add_argument("pages", nargs="+")
    args = ap.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not chromium:
        raise SystemExit("chromium not found (Debian: apt-get install chromium)")
    os.makedirs(args.out_dir, exist_ok=True)
    required = [s for s in args.require.split(",") if s]
    browser = Browser(chromium)
    failed = False
    try:
        for i, page in enumerate(args.pages):
            problems, size = check(browser, page, args.out_dir, required, args.screenshot_top if i == 0 else None)
            if size > args.max_bytes:
                problems.append(f"the page is {size} bytes, over the {args.max_bytes} limit")
            for p in problems:
                print(f"  FAIL {page}: {p}")
            failed |= bool(problems)
    finally:
        browser.close()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
