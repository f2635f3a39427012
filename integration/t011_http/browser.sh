#!/usr/bin/env bash
# The status page at GET / in headless Chromium, against a real node started with --http:
# it loads, fills in the node's name and the process table, gets SSE events and draws the
# rate chart, shows a process's details on a click, sorts on a header click, and logs no
# console error. Chromium is driven over the DevTools protocol (--remote-debugging-pipe)
# rather than with --dump-dom/--screenshot and --virtual-time-budget: virtual time stands
# still while a fetch is pending, and the page's EventSource is a fetch that never ends.
# usage: browser.sh ENODE OUTDIR   (ERL_EPMD_PORT: a port where nothing listens)
# OUTDIR gets status_page.png, dom.html, details.txt, console_errors.txt, chromium.log and
# enode.log. Exit 0: all checks passed; 1: some failed; 77: no chromium (or python3).
set -u
if [ $# -ne 2 ]; then
  echo "usage: browser.sh ENODE OUTDIR" >&2
  exit 2
fi
enode=$1
outdir=$2
export ERL_EPMD_PORT=${ERL_EPMD_PORT:-4511}
chromium=$(command -v chromium || true)
if [ -z "$chromium" ]; then
  echo "skip: chromium is not installed"
  exit 77
fi
if ! command -v python3 >/dev/null; then
  echo "skip: python3 (to drive chromium) is not installed"
  exit 77
fi
mkdir -p "$outdir"
rm -f "$outdir"/{status_page.png,dom.html,details.txt,console_errors.txt,chromium.log}
source "$(dirname "$0")/../common/checks.sh"
fail_now() {
  echo "FAIL: $1"
  exit 1
}

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
name=web_$RANDOM$$
"$enode" run --sname "$name" --cookie c --http "127.0.0.1:$port" >"$outdir/enode.log" 2>&1 &
enode_pid=$!
pids+=($enode_pid)
for ((i = 0; i < 200; i++)); do # until the ready line, the program's end, or 20 s
  grep -q "^enode $name@[^ ]* ready" "$outdir/enode.log" && break
  kill -0 $enode_pid 2>/dev/null || break
  sleep 0.1
done
if ! grep -q "^enode $name@[^ ]* ready" "$outdir/enode.log"; then
  sed 's/^/  /' "$outdir/enode.log"
  kill -0 $enode_pid 2>/dev/null && fail_now "enode run --http did not print 'enode $name@HOST ready' within 20 s"
  wait $enode_pid
  fail_now "enode run --sname $name --http 127.0.0.1:$port exited ($?) before it was ready"
fi
node=$(sed -n "s/^enode \($name@[^ ]*\) ready.*/\1/p" "$outdir/enode.log" | head -n 1)
echo "ok: $node ready, HTTP on 127.0.0.1:$port"
for ((i = 0; i < 100; i++)); do
  curl -sf "http://127.0.0.1:$port/health" >/dev/null && break
  sleep 0.1
done
check "GET /health answers" curl -sf -o /dev/null "http://127.0.0.1:$port/health"

# The browser session; what it saw goes to OUTDIR, the checks below read it.
python3 - "$chromium" "http://127.0.0.1:$port/" "$outdir" "$work/profile" <<'PY'
# Chromium's DevTools protocol over --remote-debugging-pipe: JSON messages ending in NUL,
# commands on the child's fd 3, answers and events on its fd 4.
import base64, json, os, queue, subprocess, sys, threading, time
chromium, url, outdir, profile = sys.argv[1:5]
r3, w3 = os.pipe()
r4, w4 = os.pipe()
def child_fds():
    a, b = os.dup(r3), os.dup(w4)
    os.dup2(a, 3)
    os.dup2(b, 4)
log = open(os.path.join(outdir, "chromium.log"), "wb")
proc = subprocess.Popen(
    [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
     "--remote-debugging-pipe", "--window-size=1280,900", "--hide-scrollbars",
     "--user-data-dir=" + profile, "about:blank"],
    stdin=subprocess.DEVNULL, stdout=log, stderr=log, preexec_fn=child_fds, pass_fds=(3, 4))
os.close(r3)
os.close(w4)
inbox = queue.Queue()
def reader():
    buf = b""
    with os.fdopen(r4, "rb", 0) as f:
        while chunk := f.read(65536):
            *msgs, buf = (buf + chunk).split(b"\0")
            for m in msgs:
                inbox.put(json.loads(m))
    inbox.put(None)
threading.Thread(target=reader, daemon=True).start()

problems, timeouts, last_id = [], [], [0]
def note(msg):  # an event: keep console errors, uncaught exceptions, error log entries
    m, p = msg.get("method"), msg.get("params", {})
    if m == "Runtime.exceptionThrown":
        d = p["exceptionDetails"]
        problems.append("uncaught: " + d.get("exception", {}).get("description", d.get("text", "")))
    elif m == "Runtime.consoleAPICalled" and p["type"] in ("error", "assert"):
        args = " ".join(str(a.get("value", a.get("description", ""))) for a in p["args"])
        problems.append("console.%s: %s" % (p["type"], args))
    elif m == "Log.entryAdded" and p["entry"]["level"] == "error":
        problems.append("log error: %s (%s)" % (p["entry"]["text"], p["entry"].get("url", "")))
def call(method, params=None, session=None, timeout=20):
    last_id[0] += 1
    msg = {"id": last_id[0], "method": method, "params": params or {}}
    if session:
        msg["sessionId"] = session
    os.write(w3, json.dumps(msg).encode() + b"\0")
    deadline = time.monotonic() + timeout
    while True:
        try:
            m = inbox.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            raise RuntimeError("no answer to %s within %d s" % (method, timeout))
        if m is None:
            raise RuntimeError("chromium exited (see chromium.log)")
        if m.get("id") == last_id[0]:
            if "error" in m:
                raise RuntimeError("%s: %s" % (method, m["error"]))
            return m["result"]
        note(m)
def js(expr, s):
    return call("Runtime.evaluate", {"expression": expr, "returnByValue": True}, s)["result"].get("value")
def wait_js(expr, s, seconds, what):  # poll a condition in the page, with a deadline
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if js(expr, s):
            print("browser: " + what)
            return True
        time.sleep(0.2)
    print("browser: timed out after %d s waiting for: %s" % (seconds, what))
    timeouts.append(what)
    return False
def save(name, data):
    with open(os.path.join(outdir, name), "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)
status = 0
try:
    target = call("Target.createTarget", {"url": "about:blank"})["targetId"]
    s = call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    for m in ("Runtime.enable", "Log.enable", "Page.enable"):
        call(m, session=s)
    call("Emulation.setDeviceMetricsOverride",
         {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}, s)
    call("Page.navigate", {"url": url}, s)
    wait_js("document.body && document.body.dataset.ready === '1'", s, 20,
            "page ready (/api/node, /api/processes and an SSE event received)")
    wait_js("+(document.getElementById('rate-chart').dataset.points || 0) >= 3", s, 15,
            "3 rate points in the chart (4 SSE events)")
    save("status_page.png", base64.b64decode(call("Page.captureScreenshot", {"format": "png"}, s)["data"]))
    save("dom.html", js("'<!DOCTYPE html>\\n' + document.documentElement.outerHTML", s))
    js("document.querySelector('#process-table tbody tr').click()", s)
    if wait_js("!!document.querySelector('#details dl')", s, 10, "a process's details after a click on its row"):
        save("details.txt", js("document.querySelector('#details dl').innerText", s))
    js("document.querySelector('th[data-sort=memory]').click()", s)
    wait_js("document.getElementById('process-table').dataset.shown === 'memory,desc'", s, 10,
            "the rows sorted by memory after a click on its header")
    call("Browser.close")
except Exception as e:
    print("browser: " + str(e))
    status = 1
finally:
    while True:  # the events still queued
        try:
            m = inbox.get_nowait()
        except queue.Empty:
            break
        if m:
            note(m)
    save("console_errors.txt", "".join(p + "\n" for p in problems))
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
sys.exit(1 if status or timeouts else 0)
PY
browser_status=$?

check "the browser session: every step above happened" test $browser_status -eq 0
dom=$(cat "$outdir/dom.html" 2>/dev/null)
check "the DOM after the scripts ran has data-ready=\"1\"" has "$dom" 'data-ready="1"'
check "#node-name is $node" has "$dom" "id=\"node-name\">$node<"
rows=$(grep -o '<tr data-pid=' <<<"$dom" | wc -l)
check "#process-table has rows ($rows)" test "$rows" -ge 1
check "the screenshot $outdir/status_page.png is there, not empty" test -s "$outdir/status_page.png"
check "the process details were shown" test -s "$outdir/details.txt"
check "no console error, uncaught exception or failed request (DevTools)" test ! -s "$outdir/console_errors.txt"
[ -s "$outdir/console_errors.txt" ] && sed 's/^/  /' "$outdir/console_errors.txt"
console_lines=$(grep -E 'Uncaught|(ERROR|FATAL):CONSOLE' "$outdir/chromium.log" 2>/dev/null)
check "chromium's stderr has no console error line" test -z "$console_lines"
[ -n "$console_lines" ] && sed 's/^/  /' <<<"$console_lines"
if [ "$failed" -ne 0 ]; then
  echo "browser.sh: some checks failed; see $outdir (enode.log, chromium.log, dom.html)"
fi
exit $failed
