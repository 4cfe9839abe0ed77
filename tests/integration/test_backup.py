"""scripts/backup.sh and scripts/restore.sh against a real server with AOF on: back up,
change everything, restore into the stopped server's folder, start it the normal way
(module loaded, AOF on) and get the same DEBUG DIGEST; restart once more to show the
data now lives in the AOF."""
import glob
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import harness
from harness import MODULE, TOP, Redis

BACKUP = os.path.join(TOP, "scripts/backup.sh")
RESTORE = os.path.join(TOP, "scripts/restore.sh")


class PlainRedis(Redis):
    """The harness's server without the module, while module/resv.so is not built yet."""

    def start(self):
        # redis-server has no "no module" spelling of --loadmodule: drop the pair.
        real_popen = harness.subprocess.Popen

        def popen(args, **kw):
            if "--loadmodule" in args:
                i = args.index("--loadmodule")
                args = args[:i] + args[i + 2:]
            return real_popen(args, **kw)
        harness.subprocess.Popen = popen
        try:
            super().start()
        finally:
            harness.subprocess.Popen = real_popen


def run(*args):
    return subprocess.run(["sh", *args], capture_output=True, text=True, timeout=60)


class BackupRestoreTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="resv-backup-test-")
        self.data = os.path.join(self.tmp, "data")
        self.backups = os.path.join(self.tmp, "backups")
        os.mkdir(self.data)
        self.with_module = os.path.exists(MODULE)
        # backup.sh uses a replica-style sync; Redis waits repl-diskless-sync-delay (5 s)
        # for more replicas before streaming. Same path, minus the wait.
        self.server = (Redis if self.with_module else PlainRedis)(
            dir=self.data, extra=["--repl-diskless-sync-delay", "0"])

    def tearDown(self):
        self.server.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def fill(self, r):
        for i in range(50):
            r.call("HSET", "resv:{s1}:r:R%d" % i, "customer_name", "张三%d" % i,
                   "notes", "靠窗位置，需要儿童座椅", "customer_count", str(i % 8 + 1))
            r.call("ZADD", "plain:{s1}:z", str(1707990000 + i * 60), "R%d" % i)
            r.call("XADD", "plain:{s1}:log", "*", "event", "created", "reservation", "R%d" % i)
        r.call("SET", "resv:{s1}:msg:m1", "1", "EX", "86400")
        self.resv_rows = 0
        if not self.with_module:
            return
        for i in range(20):
            got = r.call("RESV.UPSERT", "store-001", "RES-%03d" % i,
                         "customer_name", "李四", "customer_count", "4",
                         "reservation_date", "2024-02-15T00:00:00",
                         "reservation_time", "18:00-20:00", "status", "confirmed")
            self.assertEqual("created", got)
            self.resv_rows += 1

    def test_backup_then_restore_into_aof_server(self):
        r = self.server.client()
        self.fill(r)
        if self.resv_rows:
            self.assertIsNotNone(r.call("RESV.GET", "store-001", "RES-007"))

        out = run(BACKUP, "-p", str(self.server.port), "-o", self.backups)
        self.assertEqual(out.returncode, 0, out.stderr)
        path = out.stdout.strip()
        self.assertRegex(os.path.basename(path), r"^resv-\d{8}-\d{6}\.rdb$")
        self.assertTrue(os.path.isfile(path))
        self.assertEqual(glob.glob(os.path.join(self.backups, "*.part*")), [])
        digest = r.call("DEBUG", "DIGEST")
        dbsize = r.call("DBSIZE")
        self.assertNotEqual(digest, "0" * 40)

        # Lose it all (after a change, so the AOF has more than the snapshot).
        r.call("HSET", "resv:{s1}:r:R1", "customer_name", "changed")
        r.call("FLUSHALL")
        r.call("SET", "after-backup", "x")
        self.assertNotEqual(r.call("DEBUG", "DIGEST"), digest)

        # A running server is refused, and nothing is touched.
        before = sorted(os.listdir(self.data))
        out = run(RESTORE, "-f", path, "--dir", self.data, "-p", str(self.server.port))
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("stop it first", out.stderr)
        self.assertEqual(sorted(os.listdir(self.data)), before)
        r.close()
        old_port = self.server.port
        self.server.stop()

        # Not an RDB: refused.
        junk = os.path.join(self.tmp, "junk.rdb")
        with open(junk, "w") as f:
            f.write("not a snapshot\n")
        out = run(RESTORE, "-f", junk, "--dir", self.data, "-p", str(old_port))
        self.assertNotEqual(out.returncode, 0)
        self.assertEqual(sorted(os.listdir(self.data)), before)

        out = run(RESTORE, "-f", path, "--dir", self.data, "-p", str(old_port))
        self.assertEqual(out.returncode, 0, out.stderr)
        names = os.listdir(self.data)
        self.assertTrue(any(re.match(r"appendonlydir\.before-restore-\d{8}-\d{6}$", n)
                            for n in names), names)

        # Start the normal way: same folder, module, AOF on.
        self.server.start()
        r = self.server.client()
        self.assertEqual(r.call("DEBUG", "DIGEST"), digest)
        self.assertEqual(r.call("DBSIZE"), dbsize)
        self.assertIsNone(r.call("GET", "after-backup"))
        self.assertEqual(r.call("HGET", "resv:{s1}:r:R3", "notes"), "靠窗位置，需要儿童座椅")
        if self.resv_rows:
            got = harness.pairs(r.call("RESV.GET", "store-001", "RES-007"))
            self.assertEqual(got["customer_name"], "李四")
            self.assertEqual(len(r.call("RESV.LIST", "store-001", "LIMIT", "100")[1]),
                             self.resv_rows)
        r.call("SET", "written-after-restore", "y")
        r.close()
        self.server.stop()

        # The data is in the AOF now: without dump.rdb it all comes back, plus the
        # write made after the restore (the incr file on top of the restored base).
        os.remove(os.path.join(self.data, "dump.rdb"))
        self.server.start()
        r = self.server.client()
        self.assertEqual(r.call("GET", "written-after-restore"), "y")
        r.call("DEL", "written-after-restore")
        self.assertEqual(r.call("DEBUG", "DIGEST"), digest)
        r.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
