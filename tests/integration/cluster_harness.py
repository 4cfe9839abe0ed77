"""A real local Redis Cluster for the integration tests: 3 masters and 3 replicas with the
module, started by scripts/cluster.sh in a temp folder and torn down after, and a client
that routes like `redis-cli -c` (slot of the key from CLUSTER SLOTS, MOVED and ASK
followed). Standard library only, like harness.py."""
import os
import random
import shutil
import subprocess
import tempfile

from harness import ASAN, MODULE, TOP, Client, RespError, asan_env

CLUSTER_SH = os.path.join(TOP, "scripts", "cluster.sh")
SLOTS = 16384


def crc16(data):
    """CRC16-CCITT (XMODEM), as the Redis Cluster specification."""
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def key_slot(key):
    """The slot of a key: the hash tag (first '{' to the next '}', when not empty) or the
    whole key."""
    if isinstance(key, str):
        key = key.encode()
    s = key.find(b"{")
    if s >= 0:
        e = key.find(b"}", s + 1)
        if e > s + 1:
            key = key[s + 1:e]
    return crc16(key) % SLOTS


class Cluster:
    """scripts/cluster.sh start in a temp folder; ports in self.ports (created order: the
    first three were made masters)."""

    def __init__(self, node_timeout=3000):
        self.dir = tempfile.mkdtemp(prefix="resv-cluster-")
        env = dict(os.environ)
        # Concurrent test runs on this machine start at different places; cluster.sh
        # still binds each port to be sure it is free.
        env.update(RESV_CLUSTER_DIR=self.dir, RESV_MODULE=MODULE,
                   RESV_CLUSTER_PORT_BASE=str(random.randrange(20000, 29000, 10)),
                   RESV_CLUSTER_NODE_TIMEOUT=str(node_timeout), RESV_CLUSTER_WAIT="90")
        if ASAN:
            srv = asan_env()
            env["RESV_SERVER_PRELOAD"] = srv["LD_PRELOAD"]
            env["ASAN_OPTIONS"] = srv["ASAN_OPTIONS"]
        self.env = env
        self.clients = {}
        p = self.script("start", timeout=150)
        if p.returncode != 0:
            log = p.stdout + p.stderr + self.logs()
            self.close()
            raise RuntimeError("cluster did not start:\n" + log)
        self.status = p.stdout
        with open(os.path.join(self.dir, "ports")) as f:
            self.ports = [int(x) for x in f.read().split()]

    def script(self, action, timeout=60):
        return subprocess.run(["sh", CLUSTER_SH, action], env=self.env, capture_output=True,
                              text=True, timeout=timeout)

    def logs(self):
        out = []
        for n in range(1, 7):
            for name in ("redis.log", "stderr.log"):
                try:
                    with open(os.path.join(self.dir, "node-%d" % n, name), errors="replace") as f:
                        out.append("node-%d %s:\n%s" % (n, name, f.read()[-2000:]))
                except OSError:
                    pass
        return "\n".join(out)

    def node(self, port):
        """A direct (unrouted) connection to one node, kept open."""
        if port not in self.clients:
            self.clients[port] = Client(port)
        return self.clients[port]

    def slot_ranges(self):
        """[(first, last, master port, [replica ports])] from CLUSTER SLOTS."""
        out = []
        for e in self.node(self.ports[0]).call("CLUSTER", "SLOTS"):
            out.append((e[0], e[1], e[2][1], [r[1] for r in e[3:]]))
        return sorted(out)

    def masters(self):
        return sorted({r[2] for r in self.slot_ranges()})

    def close(self):
        for c in self.clients.values():
            try:
                c.close()
            except OSError:
                pass
        self.clients = {}
        if os.path.exists(os.path.join(self.dir, "ports")):
            self.script("stop", timeout=120)
        shutil.rmtree(self.dir, ignore_errors=True)


class ClusterClient:
    """Routes each command like `redis-cli -c`: to the master of the key's slot (from
    CLUSTER SLOTS), following MOVED (reloading the map) and ASK (with ASKING). A command
    without key goes to `start` (a port) and follows redirections from there.
    self.redirects counts the MOVED/ASK replies followed."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.redirects = 0
        self.refresh()

    def refresh(self):
        self.map = [None] * SLOTS
        for first, last, port, _ in self.cluster.slot_ranges():
            for s in range(first, last + 1):
                self.map[s] = port

    def port_for(self, key):
        return self.map[key_slot(key)]

    def call(self, *args, key=None, start=None):
        r = self.try_call(*args, key=key, start=start)
        if isinstance(r, RespError):
            raise r
        return r

    def try_call(self, *args, key=None, start=None):
        port = start or (self.port_for(key) if key is not None else self.cluster.ports[0])
        asking = False
        for _ in range(5):
            c = self.cluster.node(port)
            if asking:
                c.call("ASKING")
            c.send(*args)
            r = c.read()
            if not isinstance(r, RespError):
                return r
            word = str(r).split(" ")
            if word[0] in ("MOVED", "ASK"):
                self.redirects += 1
                port = int(word[2].rsplit(":", 1)[1])
                asking = word[0] == "ASK"
                if word[0] == "MOVED":
                    self.refresh()
                continue
            return r
        raise RuntimeError("too many redirections for %r" % (args,))
