#!/usr/bin/env python3
"""Content checksums of every output file under a folder, one line per file, sorted by path.

HDF5 files are hashed by content (every dataset's dtype, shape and bytes, every attribute, in name
order), since HDF5 stores object times that differ from run to run; every other file by its bytes.
Run bookkeeping that legitimately differs between runs (locks, manifests with times, logs) is left
out. Used by scripts/checksums.sh to show that a refactor leaves every output bit-identical.

    python3 scripts/checksums.py DIR
"""
import hashlib
import os
import sys

SKIP_DIRS = {".sbas"}
SKIP_SUFFIXES = (".lock", ".log")


def h5_digest(path):
    import h5py
    import numpy as np

    h = hashlib.sha256()

    def attrs(obj):
        for k in sorted(obj.attrs.keys()):
            v = obj.attrs[k]
            h.update(k.encode())
            h.update(repr(np.asarray(v).tolist()).encode())

    with h5py.File(path, "r") as f:
        attrs(f)
        names = []
        f.visit(names.append)
        for n in sorted(names):
            o = f[n]
            h.update(n.encode())
            attrs(o)
            if isinstance(o, h5py.Dataset):
                h.update(str(o.dtype).encode())
                h.update(str(o.shape).encode())
                a = o[()]
                h.update(np.ascontiguousarray(a).tobytes() if hasattr(a, "tobytes") else repr(a).encode())
    return h.hexdigest()


def main(root):
    rows = []
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if x not in SKIP_DIRS)
        for f in sorted(files):
            if f.endswith(SKIP_SUFFIXES):
                continue
            p = os.path.join(d, f)
            rel = os.path.relpath(p, root)
            if f.endswith(".h5"):
                digest = "h5:" + h5_digest(p)
            else:
                with open(p, "rb") as fh:
                    digest = hashlib.sha256(fh.read()).hexdigest()
            rows.append(f"{digest[:24]}  {rel}")
    print("\n".join(rows))


if __name__ == "__main__":
    main(sys.argv[1])
