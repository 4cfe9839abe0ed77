"""Compile-time bounds of the module: its fixed argument array (RESV_ARGV_MAX,
module/resv.h) must hold an HSET of every field of the model, or the build fails; a
bound one too small is refused by the compiler, the exact one accepted."""
import os
import subprocess
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def compiles(argv_max):
    cmd = [os.environ.get("CC", "cc"), "-std=c11", "-D_GNU_SOURCE", "-Iinclude", "-Ibuild/include",
           "-DRESV_ARGV_MAX=%d" % argv_max, "-fsyntax-only", "module/resv_store.c"]
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    return p.returncode == 0, p.stderr


class BuildBoundsTest(unittest.TestCase):
    def test_argv_bound_follows_the_model(self):
        # 29 reservation fields (overbooked the last): key + 58 = 59 arguments
        ok, err = compiles(58)
        self.assertFalse(ok)
        self.assertIn("RESV_ARGV_MAX", err)
        self.assertIn("reservation field", err)
        ok, err = compiles(59)
        self.assertTrue(ok, err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
