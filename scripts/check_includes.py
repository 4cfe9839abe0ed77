#!/usr/bin/env python3
"""Structure checks of the C code, cheap enough for every `make test`:

1. No include circle: a unit is a .c file and the .h of the same name; unit A depends
   on unit B when a file of A includes B's header ("..." includes only). A circle
   among units means a header is the front door of more than one room.
2. In sidecar/, a header declares only its own unit's functions: every function it
   declares is defined in the .c of the same name (a header without a .c declares
   none).

Prints each problem and exits 1, or exits 0 quietly."""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DIRS = ["include", "module", "sidecar"]
OWN_HEADER_DIRS = ["sidecar"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def units():
    """unit name (dir/base) -> list of its files."""
    out = {}
    for d in DIRS:
        path = os.path.join(ROOT, d)
        if not os.path.isdir(path):
            continue
        for f in sorted(os.listdir(path)):
            if f.endswith((".c", ".h")):
                out.setdefault(d + "/" + f[:-2], []).append(os.path.join(path, f))
    return out


def resolve(name, fromdir, known):
    for d in (fromdir, "include"):
        unit = d + "/" + os.path.basename(name)[:-2]
        if name.endswith(".h") and unit in known:
            return unit
    return None


def graph(us):
    g = {u: set() for u in us}
    for u, files in us.items():
        d = u.split("/")[0]
        for f in files:
            for inc in INCLUDE.findall(open(f, encoding="utf-8").read()):
                v = resolve(inc, d, us)
                if v and v != u:
                    g[u].add(v)
    return g


def cycles(g):
    """Strongly connected components of more than one unit (Tarjan)."""
    index, low, stack, on, out, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(g[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def strip_comments(text):
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


PROTO = re.compile(r"^(?!typedef|struct|enum|union|#|static)[A-Za-z_][\w \t\*]*?\b(\w+)\s*\(", re.M)


def foreign_declarations(us):
    problems = []
    for u, files in sorted(us.items()):
        if u.split("/")[0] not in OWN_HEADER_DIRS:
            continue
        h = [f for f in files if f.endswith(".h")]
        c = [f for f in files if f.endswith(".c")]
        if not h:
            continue
        decls = PROTO.findall(strip_comments(open(h[0], encoding="utf-8").read()))
        body = strip_comments(open(c[0], encoding="utf-8").read()) if c else ""
        for name in decls:
            if not re.search(r"^[A-Za-z_][^;\n]*\b" + name + r"\([^;]*\{", body, re.M | re.S):
                problems.append("%s.h declares %s, which is not defined in %s"
                                % (u, name, u + ".c" if c else "a .c of the same name (there is none)"))
    return problems


def main():
    us = units()
    problems = ["include circle: " + " <-> ".join(c) for c in cycles(graph(us))]
    problems += foreign_declarations(us)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
