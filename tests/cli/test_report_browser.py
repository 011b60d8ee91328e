#!/usr/bin/env python3
"""`vec2face report`'s page opened in headless Chromium (stdlib only, plus
numpy for the identities file). Usage:
  test_report_browser.py PATH/TO/vec2face MODEL_DIR [--screenshot OUT.png]

A tiny-model dataset is generated and reported; the output folder is copied
elsewhere and report.html opened from the copy with Chromium driven over
the DevTools protocol (--remote-debugging-pipe: NUL-delimited JSON on fds
3/4). Checks: no console error, no exception, no request other than file:
or data: (the network is not touched), every <img> loaded with a non-zero
natural size, every <img>/<svg>/<canvas> with a non-empty box. A planted
copy of the page with a broken image reference must fail those checks.
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import MODEL, check, run, session, start  # noqa: E402

SHOT = sys.argv[sys.argv.index("--screenshot") + 1] if "--screenshot" in sys.argv else None
CHROMIUM = os.environ.get("V2F_CHROMIUM", "/usr/bin/chromium")
class Browser:
    """Chromium with the DevTools protocol over a pipe, one page attached."""

    def __init__(self, tmp):
        r3, self.w = os.pipe()     # commands: child reads fd 3
        self.r, w4 = os.pipe()     # replies: child writes fd 4
        def fds():   # runs before close_fds, which keeps only pass_fds
            a, b = os.dup(r3), os.dup(w4)
            os.dup2(a, 3)
            os.dup2(b, 4)
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--disable-extensions", "--remote-debugging-pipe",
             "--user-data-dir=" + os.path.join(tmp, "profile"), "about:blank"],
            pass_fds=(3, 4), preexec_fn=fds, stdout=subprocess.DEVNULL,
            stderr=None if os.environ.get("V2F_BROWSER_DEBUG") else subprocess.DEVNULL)
        os.close(r3)
        os.close(w4)
        self.buf, self.next_id, self.events = b"", 0, []
        targets = self.call("Target.getTargets")["targetInfos"]
        page = [t for t in targets if t["type"] == "page"][0]
        self.session = self.call("Target.attachToTarget", targetId=page["targetId"],
                                 flatten=True)["sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            self.call(domain + ".enable", page=True)

    def _read(self, deadline):
        while b"\0" not in self.buf:
            if time.time() > deadline:
                raise TimeoutError("no reply from Chromium")
            chunk = os.read(self.r, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, page=False, timeout=30, **params):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params}
        if page:
            msg["sessionId"] = self.session
        os.write(self.w, json.dumps(msg).encode() + b"\0")
        deadline = time.time() + timeout
        while True:
            m = self._read(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m["result"]
            self.events.append(m)

    def wait_event(self, method, timeout=30):
        deadline = time.time() + timeout
        while True:
            for i, m in enumerate(self.events):
                if m.get("method") == method:
                    return self.events.pop(i)
            self.events.append(self._read(deadline))

    def close(self):
        try:
            self.call("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


PAGE_CHECK = """(() => {
  const r = [];
  for (const e of document.querySelectorAll('img, svg, canvas')) {
    const b = e.getBoundingClientRect();
    const o = {tag: e.tagName.toLowerCase(), w: b.width, h: b.height};
    if (o.tag === 'img') { o.complete = e.complete; o.nw = e.naturalWidth; o.nh = e.naturalHeight; }
    r.push(o);
  }
  return JSON.stringify({elements: r, title: document.title,
                         height: document.documentElement.scrollHeight});
})()"""


def inspect(br, path):
    """Open path; return (problems, summary) of the checks above."""
    br.events.clear()
    br.call("Page.navigate", page=True, url="file://" + path)
    br.wait_event("Page.loadEventFired")
    time.sleep(0.3)   # late console messages
    res = json.loads(br.call("Runtime.evaluate", page=True, expression=PAGE_CHECK,
                             returnByValue=True)["result"]["value"])
    br.call("Runtime.evaluate", page=True, expression="1")   # drain events
    problems = []
    for m in br.events:
        p = m.get("params", {})
        if m.get("method") == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            problems.append("console error: " + json.dumps(p.get("args"))[:200])
        elif m.get("method") == "Log.entryAdded" and p["entry"]["level"] == "error":
            problems.append("log error: " + p["entry"].get("text", "")[:200])
        elif m.get("method") == "Runtime.exceptionThrown":
            problems.append("exception: " + json.dumps(p)[:200])
        elif m.get("method") == "Network.requestWillBeSent":
            url = p["request"]["url"]
            if not url.startswith(("file:", "data:")):
                problems.append("network request: " + url)
    els = res["elements"]
    for e in els:
        if e["w"] <= 0 or e["h"] <= 0:
            problems.append(f"empty {e['tag']} box {e['w']}x{e['h']}")
        if e["tag"] == "img" and not (e["complete"] and e["nw"] > 0 and e["nh"] > 0):
            problems.append(f"img not loaded (complete {e['complete']}, natural {e['nw']}x{e['nh']})")
    return problems, res


def main():
    if not os.access(CHROMIUM, os.X_OK):
        print(f"skipped: no Chromium at {CHROMIUM} (set V2F_CHROMIUM)")
        sys.exit(77)
    tmp = start("v2f-browser-")
    with session():
        data = os.path.join(tmp, "data")
        ids = os.path.join(tmp, "ids.npy")
        np.save(ids, (np.random.default_rng(19).standard_normal((4, 512)) * 2.0).astype(np.float32))
        r = run(["generate", "--model", MODEL, "--ids", ids, "--out", data,
                 "--per-id", "4", "--seed", "3", "--quiet"])
        check(r.returncode == 0, f"generate: exit 0 ({r.stderr.strip()[-200:]})")
        r = run(["report", data, "--models", MODEL, "--quiet"])
        check(r.returncode == 0, f"report: exit 0 ({r.stderr.strip()[-200:]})")
        # The page from a copied folder (another path; the original gone).
        copy = os.path.join(tmp, "elsewhere", "copy")
        shutil.copytree(data, copy)
        shutil.rmtree(data)
        page = os.path.join(copy, "report.html")
        html = open(page, encoding="utf-8").read()
        br = Browser(tmp)
        try:
            br.call("Emulation.setDeviceMetricsOverride", page=True, width=1000, height=800,
                    deviceScaleFactor=1, mobile=False)
            problems, res = inspect(br, page)
            check(not problems, f"report.html from a copied folder: no error, every image and plot "
                  f"sized {problems[:5]}")
            imgs = [e for e in res["elements"] if e["tag"] == "img"]
            svgs = [e for e in res["elements"] if e["tag"] == "svg"]
            check(len(imgs) >= 1 and len(svgs) >= 2,
                  f"the page has the contact sheet and the plots ({len(imgs)} img, {len(svgs)} svg)")
            # Planted failures: the checks must see them.
            bad = os.path.join(copy, "broken.html")
            i = html.index('src="data:image/png')
            j = html.index('"', i + 5)
            open(bad, "w", encoding="utf-8").write(html[:i] + 'src="no-such-sheet.png' + html[j:])
            problems, _ = inspect(br, bad)
            check(any("img not loaded" in p for p in problems),
                  f"planted: a broken image reference fails the checks {problems[:3]}")
            net = os.path.join(copy, "network.html")
            open(net, "w", encoding="utf-8").write(
                html.replace("</body>", '<img src="http://192.0.2.1/x.png"></body>'))
            problems, _ = inspect(br, net)
            check(any("network request" in p for p in problems),
                  f"planted: a network reference fails the checks {problems[:3]}")
            err = os.path.join(copy, "error.html")
            open(err, "w", encoding="utf-8").write(
                html.replace("</body>", "<script>console.error('planted')</script></body>"))
            problems, _ = inspect(br, err)
            check(any("console error" in p for p in problems),
                  f"planted: a console error fails the checks {problems[:3]}")
            if SHOT:
                inspect(br, page)
                h = int(res["height"])
                br.call("Emulation.setDeviceMetricsOverride", page=True, width=1000, height=h,
                        deviceScaleFactor=1, mobile=False)
                png = base64.b64decode(br.call("Page.captureScreenshot", page=True,
                                               format="png")["data"])
                open(SHOT, "wb").write(png)
                print(f"screenshot: {SHOT} ({len(png)} bytes, 1000x{h})")
        finally:
            br.close()


if __name__ == "__main__":
    main()
