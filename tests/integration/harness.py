"""Shared pieces of the integration tests: a real redis-server with the module on a
free port in a temp folder, a real sidecar, and a small RESP client (standard library
only, so the tests need nothing beyond python3)."""
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ASAN = os.environ.get("RESV_ASAN") == "1"
MODULE = os.path.join(TOP, "build/asan/resv.so" if ASAN else "module/resv.so")
SIDECAR = os.path.join(TOP, "build/asan/resv-sidecar" if ASAN else "sidecar/resv-sidecar")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def asan_env():
    env = dict(os.environ)
    if ASAN:
        lib = subprocess.run(["gcc", "-print-file-name=libasan.so"], capture_output=True,
                             text=True).stdout.strip()
        env["LD_PRELOAD"] = lib
        env["ASAN_OPTIONS"] = "detect_leaks=0"
    return env


class RespError(Exception):
    pass


class Client:
    """RESP2/RESP3 client: replies become str/int/float/None/list/dict/RespError."""

    def __init__(self, port, resp3=False, host="127.0.0.1"):
        self.sock = socket.create_connection((host, port), timeout=30)
        self.buf = b""
        if resp3:
            self.call("HELLO", "3")

    def close(self):
        self.sock.close()

    def send(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            if isinstance(a, str):
                a = a.encode()
            elif not isinstance(a, bytes):
                a = str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(out))

    def call(self, *args):
        self.send(*args)
        r = self.read()
        if isinstance(r, RespError):
            raise r
        return r

    def try_call(self, *args):
        """Like call, but returns a RespError instead of raising it."""
        self.send(*args)
        return self.read()

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _bytes(self, n):
        while len(self.buf) < n + 2:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def read(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t in (b"+",):
            return rest.decode()
        if t in (b"-", b"!"):
            if t == b"!":
                rest = self._bytes(int(rest))
            return RespError(rest.decode())
        if t == b":":
            return int(rest)
        if t == b",":
            return float(rest)
        if t == b"#":
            return rest == b"t"
        if t == b"_":
            return None
        if t in (b"$", b"="):
            n = int(rest)
            return None if n < 0 else self._bytes(n).decode("utf-8", "surrogateescape")
        if t in (b"*", b"~", b">"):
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        if t == b"%":
            n = int(rest)
            d = {}
            for _ in range(n):
                k = self.read()
                d[k] = self.read()
            return d
        raise ValueError("bad reply type %r" % line)


def pairs(flat):
    """A RESP2 field/value array as a dict (RESP3 maps are dicts already)."""
    if isinstance(flat, dict):
        return flat
    return dict(zip(flat[0::2], flat[1::2]))


class Redis:
    """A redis-server with the module, on a free port, in its own temp folder."""

    def __init__(self, extra=(), replicaof=None, dir=None, aof=True, cluster=False):
        self.dir = dir or tempfile.mkdtemp(prefix="resv-test-")
        self.own_dir = dir is None
        self.extra = list(extra)
        self.replicaof = replicaof
        self.aof = aof
        self.cluster = cluster
        self.port = None
        self.proc = None
        self.start()

    def start(self, port=None):
        """Starts the server, on `port` (a restart where clients expect it) or a free one."""
        self.port = port or free_port()
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                "--dir", self.dir, "--save", "", "--appendonly", "yes" if self.aof else "no",
                "--appendfsync", "always", "--loadmodule", MODULE,
                "--enable-debug-command", "local", "--logfile", "redis.log"]
        if self.replicaof:
            args += ["--replicaof", "127.0.0.1", str(self.replicaof)]
        if self.cluster:
            args += ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"]
        args += self.extra
        # stderr is kept: a sanitizer report of the module lands there.
        with open(os.path.join(self.dir, "stderr.log"), "ab") as err:
            self.proc = subprocess.Popen(args, cwd=self.dir, env=asan_env(),
                                         stdout=subprocess.DEVNULL, stderr=err)
        deadline = time.time() + 20
        while True:
            try:
                c = Client(self.port)
                c.call("PING")
                c.close()
                return
            except (ConnectionError, OSError, RespError):
                if self.proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError("redis-server did not start: " + self.log())
                time.sleep(0.05)

    def log(self):
        out = []
        for name in ("redis.log", "stderr.log"):
            try:
                with open(os.path.join(self.dir, name), errors="replace") as f:
                    out.append(f.read()[-4000:])
            except OSError:
                pass
        return "\n".join(out) or "(no log)"

    def client(self, resp3=False):
        return Client(self.port, resp3=resp3)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def close(self):
        self.stop()
        if self.own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)


class RedisTestCase(unittest.TestCase):
    """One server per test class; self.r is a RESP2 client, self.r3 a RESP3 one."""

    @classmethod
    def setUpClass(cls):
        cls.server = Redis()
        cls.r = cls.server.client()
        cls.r3 = cls.server.client(resp3=True)

    @classmethod
    def tearDownClass(cls):
        cls.r.close()
        cls.r3.close()
        cls.server.close()

    def setUp(self):
        self.r.call("FLUSHALL")

    def digest(self):
        return self.r.call("DEBUG", "DIGEST")

    def refused(self, prefix, *cmd):
        """The command is refused with a one-line error starting with prefix, and the
        data is exactly as before. Returns the error text."""
        before = self.digest()
        e = self.r.try_call(*cmd)
        self.assertIsInstance(e, RespError, cmd)
        self.assertTrue(str(e).startswith(prefix), "%r -> %s" % (cmd, e))
        self.assertNotIn("\n", str(e))
        self.assertEqual(before, self.digest(), "refused command changed data: %r" % (cmd,))
        return str(e)
