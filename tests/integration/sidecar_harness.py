"""Starting the real sidecar for integration tests, beside harness.Redis.

    from harness import Redis
    from sidecar_harness import Sidecar
    redis = Redis()
    sc = Sidecar(redis.port)
    status, headers, body = sc.request("GET", "/api/v1/integrations/systems",
                                       token=sc.token("admin"))
    sc.stop()

Tokens are HS256 JWTs signed here with hmac/hashlib (independent of the C code under
test); webhook signatures likewise (Standard Webhooks)."""
import base64
import hashlib
import hmac
import http.client
import http.server
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
import unittest

import openapi_check
from harness import SIDECAR as DEFAULT_SIDECAR
from harness import Redis, free_port

# RESV_SIDECAR_BIN runs the tests against another build (e.g. build/asan/resv-sidecar)
# without the sanitizer module that RESV_ASAN=1 also asks for.
SIDECAR = os.environ.get("RESV_SIDECAR_BIN", DEFAULT_SIDECAR)

API = "/api/v1/integrations"


class StackTest(unittest.TestCase):
    """One redis-server with the module (no AOF) and one sidecar for the whole class:
    self.redis, self.r (a client) and self.sc. SIDECAR_ARGS are the sidecar's own
    options; a class adding tokens or state extends setUpClass after calling this one.
    The sidecar must exit 0 at the end (a crash or leak under ASan fails the class)."""
    SIDECAR_ARGS = ()

    @classmethod
    def setUpClass(cls):
        cls.redis = Redis(aof=False)
        cls.r = cls.redis.client()
        cls.sc = Sidecar(cls.redis.port, extra_args=cls.SIDECAR_ARGS)

    @classmethod
    def tearDownClass(cls):
        rc = cls.sc.close()
        cls.r.close()
        cls.redis.close()
        assert rc == 0, "sidecar exit code %r: %s" % (rc, cls.sc.log())


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(secret, claims, alg="HS256"):
    header = b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    payload = b64url(json.dumps(claims).encode())
    sig = hmac.new(secret, ("%s.%s" % (header, payload)).encode(), hashlib.sha256).digest()
    return "%s.%s.%s" % (header, payload, b64url(sig))


def webhook_signature(secret, msg_id, timestamp, body):
    """'v1,<base64>' over 'id.timestamp.body' keyed with the base64 part of whsec_..."""
    key = base64.b64decode(secret.split("_", 1)[1])
    mac = hmac.new(key, ("%s.%s." % (msg_id, timestamp)).encode() + body, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode()


def webhook_headers(secret, msg_id, body, timestamp=None):
    ts = int(time.time()) if timestamp is None else timestamp
    return {"webhook-id": msg_id, "webhook-timestamp": str(ts),
            "webhook-signature": webhook_signature(secret, msg_id, ts, body)}


def sidecar_env():
    # A sanitizer build is linked with ASan itself: no preload, and leaks found at exit
    # turn into a non-zero exit code, which the tests check. Other builds ignore this.
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    env["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=0"
    return env


class Sidecar:
    """The sidecar binary on a free port, with a temp JWT secret file; its stderr
    (access log) goes to self.log_path."""

    def __init__(self, redis_port, extra_args=(), redis_addr=None):
        self.dir = tempfile.mkdtemp(prefix="resv-sidecar-")
        self.secret = os.urandom(32).hex().encode()
        self.secret_file = os.path.join(self.dir, "jwt.secret")
        with open(self.secret_file, "wb") as f:
            f.write(self.secret + b"\n")
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.log_path = os.path.join(self.dir, "sidecar.log")
        self.args = [SIDECAR, "--listen", "127.0.0.1:%d" % self.port,
                     "--redis", redis_addr or "127.0.0.1:%d" % redis_port,
                     "--jwt-secret-file", self.secret_file,
                     "--public-url", self.url] + list(extra_args)
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.args, stdout=subprocess.DEVNULL, stderr=self._log,
                                     env=sidecar_env())
        deadline = time.time() + 20
        while True:
            try:
                status, _, _ = self.request("GET", "/healthz", check_openapi=False)
                if status == 200 and redis_port is not None and not self.all_loops_up():
                    status = None
                if status == 200 or (redis_port is None and status == 503):
                    self.openapi()  # now, before a test stops the sidecar
                    return
            except OSError:
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("sidecar did not start: " + self.log())
            time.sleep(0.05)

    def all_loops_up(self):
        """Every worker loop connected to Redis (/metrics): /healthz answers from the loop
        its connection landed on, and a test's first request may land on another one,
        still connecting under load (a 503 seen in a fresh-clone run)."""
        _, _, text = self.request("GET", "/metrics", token=self.token("admin"),
                                  check_openapi=False)
        return isinstance(text, str) and "\nresv_sidecar_redis_up 1\n" in text

    def log(self):
        if getattr(self, "_final_log", None) is not None:
            return self._final_log
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return "(no log)"

    def token(self, role, stores=None, sub="tester", ttl=3600):
        claims = {"sub": sub, "role": role, "exp": int(time.time()) + ttl}
        if stores is not None:
            claims["stores"] = list(stores)
        return make_jwt(self.secret, claims)

    def openapi(self):
        """The checker of the document this sidecar serves (openapi_check), fetched once;
        None when it serves none (a test that configures another file)."""
        if getattr(self, "_openapi", False) is False:
            self._openapi = None
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                conn.request("GET", "/openapi.json")
                resp = conn.getresponse()
                text = resp.read().decode("utf-8")
                if resp.status == 200:
                    try:
                        raw = json.loads(text)
                    except ValueError:
                        raw = None
                    if isinstance(raw, dict) and "paths" in raw and "components" in raw:
                        self._openapi = openapi_check.document(text)
            finally:
                conn.close()
        return self._openapi

    def request(self, method, path, body=None, token=None, headers=None, timeout=30,
                check_openapi=True):
        """-> (status, headers with lowercase names, parsed JSON or text). body: a dict or
        list is sent as JSON, bytes/str as they are. The response must be one the served
        openapi.json describes (AssertionError otherwise; check_openapi=False for the
        few requests the document cannot describe, like those before it is served)."""
        resp = self._request(method, path, body, token, headers, timeout)
        if check_openapi and os.environ.get("RESV_OPENAPI_CHECK", "1") != "0":
            doc = self.openapi()
            if doc is not None:
                doc.check(method, path, resp[0], resp[1], resp[2])
        return resp

    def _request(self, method, path, body=None, token=None, headers=None, timeout=30):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            h = dict(headers or {})
            if token:
                h["Authorization"] = "Bearer " + token
            data = body
            if body is not None and not isinstance(body, (bytes, str)):
                data = json.dumps(body, ensure_ascii=False).encode()
            if isinstance(data, str):
                data = data.encode()
            if data is not None:
                h.setdefault("Content-Type", "application/json")
            conn.request(method, path, body=data, headers=h)
            resp = conn.getresponse()
            raw = resp.read()
            hdrs = {k.lower(): v for k, v in resp.getheaders()}
            text = raw.decode("utf-8", "replace")
            if "json" in hdrs.get("content-type", ""):
                try:
                    return resp.status, hdrs, json.loads(text)
                except ValueError:
                    pass
            return resp.status, hdrs, text
        finally:
            conn.close()

    def stop(self, sig=signal.SIGTERM, timeout=15):
        """Stops the sidecar; returns its exit code."""
        rc = self.proc.poll()
        if rc is None and not self._log.closed:
            self.proc.send_signal(sig)
            try:
                rc = self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                rc = self.proc.wait()
        self._log.close()
        return rc

    def close(self):
        """stop() and remove the temp folder; returns the exit code, and log() still
        answers with what the sidecar wrote."""
        rc = self.stop()
        self._final_log = self.log()
        shutil.rmtree(self.dir, ignore_errors=True)
        return rc


class SseReader:
    """A raw SSE client: parses events as they arrive (id, event, data)."""

    def __init__(self, port, path, token, last_event_id=None):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        h = {"Authorization": "Bearer " + token, "Accept": "text/event-stream"}
        if last_event_id:
            h["Last-Event-ID"] = last_event_id
        self.conn.request("GET", path, headers=h)
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.headers = {k.lower(): v for k, v in self.resp.getheaders()}

    def next_event(self, timeout=10.0):
        """The next event with an id (comments and keep-alives skipped)."""
        self.conn.sock.settimeout(timeout)
        ev = {}
        while True:
            line = self.resp.fp.readline()
            if not line:
                raise EOFError("stream ended")
            line = line.decode("utf-8").rstrip("\n")
            if line == "":
                if "id" in ev:
                    ev["data"] = json.loads(ev.get("data", "null"))
                    return ev
                ev = {}
                continue
            if line.startswith(":"):
                continue
            k, _, v = line.partition(":")
            ev[k] = v[1:] if v.startswith(" ") else v

    def close(self):
        self.conn.close()


class NameServer:
    """A UDP name server on 127.0.0.1 knowing one name: an A query for it is answered
    127.0.0.1 after `delay` seconds, an AAAA query with no address; other names with
    NXDOMAIN. mode "silent" answers nothing, "nxdomain" says the name does not exist,
    "no-aaaa" answers A queries only (as some broken resolvers do). lookups counts the A
    queries for the name (one per lookup)."""

    def __init__(self, name):
        self.name = name.lower()
        self.mode, self.delay, self.lookups = "answer", 0.0, 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.stopping = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stopping:
            try:
                data, peer = self.sock.recvfrom(512)
            except socket.timeout:
                continue
            except OSError:
                return
            reply = self.answer(data)
            if reply is None:
                continue
            if self.delay:
                threading.Timer(self.delay, self.send, (reply, peer)).start()
            else:
                self.send(reply, peer)

    def send(self, reply, peer):
        try:
            self.sock.sendto(reply, peer)
        except OSError:
            pass

    def answer(self, q):
        i, labels = 12, []
        while q[i]:
            labels.append(q[i + 1:i + 1 + q[i]].decode("ascii", "replace"))
            i += 1 + q[i]
        qtype = struct.unpack(">H", q[i + 1:i + 3])[0]
        question = q[12:i + 5]  # the name as sent (evdns varies its case), type, class
        ours = ".".join(labels).lower() == self.name
        if ours and qtype == 1:
            self.lookups += 1
        if ours and (self.mode == "silent" or (self.mode == "no-aaaa" and qtype == 28)):
            return None
        rcode = 3 if not ours or self.mode == "nxdomain" else 0
        answers = b""
        if rcode == 0 and qtype == 1:
            answers = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 0, 4) + socket.inet_aton(
                "127.0.0.1")
        return (q[:2] + struct.pack(">HHHHH", 0x8180 | rcode, 1, 1 if answers else 0, 0, 0) +
                question + answers)

    def close(self):
        self.stopping = True
        self.thread.join()
        self.sock.close()


class HeldRedis:
    """A byte forwarder between the sidecar and redis-server that holds what the sidecar
    sends, from the first chunk carrying `marker` (one command, as RESP bytes), until
    release(): the test decides when Redis sees that command, where a DEBUG SLEEP of
    fixed length races a loaded machine."""

    def __init__(self, redis_port):
        self.target = redis_port
        self.marker = None
        self.held = threading.Event()  # the marked command reached the forwarder
        self.go = threading.Event()
        self.lock = threading.Lock()
        self.socks = []
        self.server = socket.create_server(("127.0.0.1", 0))
        self.addr = "127.0.0.1:%d" % self.server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def hold(self, *argv):
        self.marker = b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in
                               (x.encode() for x in argv))

    def release(self):
        self.go.set()

    def _accept(self):
        while True:
            try:
                down, _ = self.server.accept()
                up = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                return
            with self.lock:
                self.socks += [down, up]
            threading.Thread(target=self._pipe, args=(down, up, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(up, down, False), daemon=True).start()

    def _pipe(self, src, dst, to_redis):
        tail = b""
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if to_redis and self.marker and not self.held.is_set():
                    seen = tail + data
                    tail = seen[-len(self.marker):]
                    if self.marker in seen:
                        self.held.set()
                        self.go.wait(30)
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self.go.set()
        self.server.close()
        with self.lock:
            for s in self.socks:
                s.close()


def wait_log(sc, text, timeout=10):
    deadline = time.time() + timeout
    while text not in sc.log():
        if sc.proc.poll() is not None or time.time() > deadline:
            raise AssertionError("the sidecar never logged %r: %s" % (text, sc.log()))
        time.sleep(0.02)


class HeldProvider:
    """A provider whose pull page waits while it is held: the test changes Redis (or
    stops the sidecar) while the sidecar waits for the page. Held from the start unless
    held=False; hold() holds it again, go.set() lets the page go."""

    def __init__(self, items, held=True):
        self.items = items
        self.asked = threading.Event()
        self.go = threading.Event()
        if not held:
            self.go.set()
        prov = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                prov.asked.set()
                prov.go.wait(20)
                body = json.dumps({"reservations": prov.items, "next_cursor": None}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def hold(self):
        self.go.clear()
        self.asked.clear()

    def close(self):
        self.go.set()
        self.server.shutdown()
        self.server.server_close()
