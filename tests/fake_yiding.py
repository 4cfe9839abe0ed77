#!/usr/bin/env python3
"""A fake Yiding for tests: implements docs/provider.md (ping, status push, pull),
standard library only.

    python3 tests/fake_yiding.py --port N [--api-key KEY]

Port 0 picks a free port; the first stdout line is always "listening on <port>".
With --api-key, provider calls must carry "Authorization: Bearer KEY" (else 401).

Control API (never recorded, never subject to the mode or the key):
    POST /_control/mode          {"mode": "ok"|"fail"|"hang"|"refuse_key", "status": 503,
                                  "body_b64": "..."} (optional: the bytes mode fail sends,
                                  as they are, instead of its JSON error)
    GET  /_control/received      every provider request so far, oldest first
    POST /_control/reset         forget requests, reservations, change ids; mode ok
    POST /_control/reservations  {"reservations": [...]} added for the pull endpoint
                                 (each needs reservation_id, store_id, updated_at;
                                 the same reservation_id replaces the earlier one)
    GET  /_control/reservations  what the pull endpoint holds

In tests: from fake_yiding import FakeYiding; f = FakeYiding(api_key="k").start(); f.url ...
"""
import argparse
import base64
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODES = ("ok", "fail", "hang", "refuse_key")
TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")
STATUS_PATH_RE = re.compile(r"^/reservations/([^/]+)/status$")
KEPT_HEADERS = ("authorization", "content-type", "content-length", "user-agent",
                "idempotency-key")
# A hanging request gives up after this long even if nobody releases it, so a test
# that forgets to switch the mode back cannot keep threads around forever.
HANG_MAX = 600


class State:
    def __init__(self, api_key):
        self.api_key = api_key
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.mode = "ok"
        self.fail_status = 503
        self.fail_body = None  # bytes mode fail sends instead of its JSON error
        self.received = []
        self.reservations = {}  # reservation_id -> dict
        self.change_ids = set()
        # Set when the mode leaves "hang": hanging requests then drop their connection.
        old = getattr(self, "release", None)
        self.release = threading.Event()
        if old:
            old.set()


def page_key(r):
    return (r["updated_at"], r["reservation_id"])


def encode_cursor(key):
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode()


def decode_cursor(c):
    try:
        k = json.loads(base64.urlsafe_b64decode(c.encode()))
        if isinstance(k, list) and len(k) == 2 and all(isinstance(x, str) for x in k):
            return tuple(k)
    except ValueError:
        pass
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real API would
    state = None  # set by serve()

    def log_message(self, fmt, *args):
        pass  # quiet: tests read /_control/received instead

    def reply(self, status, obj):
        # Recorded before the bytes leave, so a client that reads /_control/received
        # right after its reply always sees the status.
        if getattr(self, "entry", None) is not None:
            self.entry["reply"] = status
        data = json.dumps(obj, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def reply_raw(self, status, data):
        """Bytes as they are: what a provider that is not quite right may send."""
        if getattr(self, "entry", None) is not None:
            self.entry["reply"] = status
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, code, message):
        self.reply(status, {"error": {"code": code, "message": message}})

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def do_GET(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def do_PUT(self):
        self.handle_any()

    def do_DELETE(self):
        self.handle_any()

    def handle_any(self):
        st = self.state
        url = urllib.parse.urlsplit(self.path)
        raw = self.read_body()
        body = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
        self.entry = None
        if url.path.startswith("/_control/"):
            return self.control(url.path, body)

        entry = {
            "method": self.command,
            "path": url.path,
            "query": dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True)),
            "headers": {h: self.headers[h] for h in KEPT_HEADERS if self.headers[h] is not None},
            "body": body,
            "raw": raw.decode("utf-8", "replace"),
            "time": time.time(),
            "reply": None,
        }
        self.entry = entry
        with st.lock:
            st.received.append(entry)
            mode, fail_status, fail_body, release = (st.mode, st.fail_status, st.fail_body,
                                                     st.release)
        if mode == "hang":
            release.wait(HANG_MAX)
            self.close_connection = True  # never answer: drop the connection
            return
        if mode == "fail" and fail_body is not None:
            return self.reply_raw(fail_status, fail_body)
        if mode == "fail":
            return self.error(fail_status, "fake_failure", "mode fail")
        if mode == "refuse_key":
            return self.error(401, "unauthorized", "api key refused (mode refuse_key)")
        self.provider(url, body, raw)

    def provider(self, url, body, raw):
        """The calls of docs/provider.md; returns the status sent."""
        st = self.state
        auth = self.headers.get("Authorization") or ""
        if st.api_key is not None and auth != "Bearer " + st.api_key:
            self.error(401, "unauthorized", "missing or wrong api key")
            return 401
        if url.path == "/ping" and self.command == "GET":
            self.reply(200, {"ok": True})
            return 200
        m = STATUS_PATH_RE.match(url.path)
        if m and self.command == "POST":
            return self.push_status(urllib.parse.unquote(m.group(1)), body, raw)
        if url.path == "/reservations" and self.command == "GET":
            return self.pull(urllib.parse.parse_qs(url.query))
        self.error(404, "not_found", "no route %s %s" % (self.command, url.path))
        return 404

    def push_status(self, rid, body, raw):
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if ctype != "application/json":
            self.error(415, "bad_content_type", "Content-Type must be application/json")
            return 415
        if not isinstance(body, dict):
            self.error(400, "bad_json", "body must be a JSON object")
            return 400
        for f in ("reservation_id", "status", "change_id"):
            if not isinstance(body.get(f), str) or not body[f]:
                self.error(400, "bad_field", "%s is required (string)" % f)
                return 400
        if body["reservation_id"] != rid:
            self.error(400, "bad_field", "reservation_id differs from the path")
            return 400
        with self.state.lock:
            dup = body["change_id"] in self.state.change_ids
            self.state.change_ids.add(body["change_id"])
        self.reply(200, {"accepted": True, "duplicate": dup})
        return 200

    def pull(self, q):
        def one(name):
            v = q.get(name)
            return v[-1] if v else None
        store = one("store_id")
        since = one("updated_since")
        cursor = one("cursor")
        limit = one("limit")
        if not store:
            self.error(400, "bad_query", "store_id is required")
            return 400
        if since is not None and not TIME_RE.match(since):
            self.error(400, "bad_query", "updated_since must be YYYY-MM-DDTHH:MM:SS")
            return 400
        after = None
        if cursor:
            after = decode_cursor(cursor)
            if after is None:
                self.error(400, "bad_query", "cursor is not one of ours")
                return 400
        n = 100
        if limit is not None:
            if not limit.isdigit() or not 1 <= int(limit) <= 1000:
                self.error(400, "bad_query", "limit must be 1..1000")
                return 400
            n = int(limit)
        with self.state.lock:
            rows = [r for r in self.state.reservations.values()
                    if r.get("store_id") == store
                    and (since is None or r["updated_at"] >= since)
                    and (after is None or page_key(r) > after)]
        rows.sort(key=page_key)
        page = rows[:n]
        nxt = encode_cursor(page_key(page[-1])) if len(rows) > n else None
        self.reply(200, {"reservations": page, "next_cursor": nxt})
        return 200

    def control(self, path, body):
        st = self.state
        if path == "/_control/received" and self.command == "GET":
            with st.lock:
                return self.reply(200, list(st.received))
        if path == "/_control/reservations" and self.command == "GET":
            with st.lock:
                rows = sorted(st.reservations.values(), key=page_key)
            return self.reply(200, {"reservations": rows})
        if self.command != "POST":
            return self.error(404, "not_found", "no control route %s %s" % (self.command, path))
        if path == "/_control/reset":
            with st.lock:
                st.reset()
            return self.reply(200, {"ok": True})
        if path == "/_control/mode":
            if not isinstance(body, dict) or body.get("mode") not in MODES:
                return self.error(400, "bad_mode", "mode must be one of %s" % ", ".join(MODES))
            status = body.get("status", 503)
            if not isinstance(status, int) or not 100 <= status <= 599:
                return self.error(400, "bad_status", "status must be an HTTP status")
            fail_body = body.get("body_b64")
            try:
                fail_body = None if fail_body is None else base64.b64decode(fail_body,
                                                                             validate=True)
            except (TypeError, ValueError):
                return self.error(400, "bad_body", "body_b64 must be base64")
            with st.lock:
                st.mode, st.fail_status, st.fail_body = body["mode"], status, fail_body
                if st.mode != "hang":
                    st.release.set()
                    st.release = threading.Event()
            return self.reply(200, {"mode": body["mode"], "status": status})
        if path == "/_control/reservations":
            rows = body.get("reservations") if isinstance(body, dict) else None
            if not isinstance(rows, list):
                return self.error(400, "bad_json", 'body must be {"reservations": [...]}')
            for r in rows:
                if not isinstance(r, dict):
                    return self.error(400, "bad_json", "each reservation is an object")
                for f in ("reservation_id", "store_id", "updated_at"):
                    if not isinstance(r.get(f), str) or not r[f]:
                        return self.error(400, "bad_field", "%s is required (string)" % f)
                if not TIME_RE.match(r["updated_at"]):
                    return self.error(400, "bad_field", "updated_at must be YYYY-MM-DDTHH:MM:SS")
            with st.lock:
                for r in rows:
                    st.reservations[r["reservation_id"]] = r
                count = len(st.reservations)
            return self.reply(200, {"added": len(rows), "total": count})
        return self.error(404, "not_found", "no control route %s" % path)


def serve(port, api_key, host="127.0.0.1"):
    Handler.state = State(api_key)
    srv = ThreadingHTTPServer((host, port), Handler)
    srv.daemon_threads = True  # hanging handlers must not block exit
    print("listening on %d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


class FakeYiding:
    """Runs the fake in a subprocess on a free port, for integration tests.

        f = FakeYiding(api_key="k").start()
        f.url            # "http://127.0.0.1:PORT", the system's api_endpoint
        f.mode("fail", 503); f.mode("hang"); f.mode("ok")
        f.received()     # list of requests
        f.add_reservations([...]); f.reset(); f.stop()
    """

    def __init__(self, api_key=None):
        self.api_key = api_key
        self.proc = None
        self.port = None
        self.url = None

    def start(self):
        args = [sys.executable, os.path.abspath(__file__), "--port", "0"]
        if self.api_key is not None:
            args += ["--api-key", self.api_key]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        m = re.match(r"listening on (\d+)", line)
        if not m:
            self.stop()
            raise RuntimeError("fake_yiding did not start: %r" % line)
        self.port = int(m.group(1))
        self.url = "http://127.0.0.1:%d" % self.port
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()

    def __enter__(self):
        return self.start() if self.proc is None else self

    def __exit__(self, *exc):
        self.stop()

    def _control(self, method, path, obj=None):
        data = None if obj is None else json.dumps(obj).encode()
        req = urllib.request.Request(self.url + "/_control/" + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())

    def mode(self, mode, status=503, body=None):
        """body (bytes): what mode fail sends instead of its JSON error."""
        m = {"mode": mode, "status": status}
        if body is not None:
            m["body_b64"] = base64.b64encode(body).decode()
        return self._control("POST", "mode", m)

    def received(self):
        return self._control("GET", "received")

    def reset(self):
        return self._control("POST", "reset", {})

    def add_reservations(self, reservations):
        return self._control("POST", "reservations", {"reservations": list(reservations)})

    def reservations(self):
        return self._control("GET", "reservations")["reservations"]


def main():
    ap = argparse.ArgumentParser(description="fake Yiding (docs/provider.md)")
    ap.add_argument("--port", type=int, required=True, help="0 picks a free port")
    ap.add_argument("--api-key", default=None, help="the Bearer key provider calls must carry")
    ap.add_argument("--host", default="127.0.0.1")
    a = ap.parse_args()
    serve(a.port, a.api_key, a.host)


if __name__ == "__main__":
    main()
