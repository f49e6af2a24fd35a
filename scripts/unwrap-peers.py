"""Peer columns and the table of scripts/unwrap-peers.sh (measurement only; no peer code here).

  unwrap-peers.py peers STACK Y,X OUT      dolphin's L1 and insar-rs's closure correction on the
                                           stack's unwrapped phase: OUT/{dolphin_l1,insarrs}.npy
  unwrap-peers.py row STACK Y,X WORK ARGS  one markdown row: RMSE (mm) of every run found in WORK

Time series are compared in metres, relative to the reference pixel, against the simulator's
truth. Pixels with water or with any missing interferogram (zero phase) are left out of every
column, as dolphin's L1 and insar-rs invert every pair of every pixel (no per-pixel subsets).
"""
import glob
import json
import os
import sys

import numpy as np


def load_stack(stack):
    t = json.load(open(f'{stack}/truth/truth.json'))
    L, W = t['rows'], t['cols']
    dirs = sorted(glob.glob(f'{stack}/merged/interferograms/*_*'))
    dates = t['dates']
    pairs = [tuple(os.path.basename(d).split('_')) for d in dirs]
    refs = np.array([dates.index(a) for a, _ in pairs], dtype=np.int64)
    secs = np.array([dates.index(b) for _, b in pairs], dtype=np.int64)
    # ISCE .unw: two float32 bands, line interleaved (amplitude line, phase line).
    phase = np.stack([np.fromfile(f'{d}/filt_fine.unw', dtype='<f4').reshape(L, 2, W)[:, 1, :]
                      for d in dirs])
    patch = np.zeros((L, W), bool)
    for d in dirs:
        patch |= np.fromfile(f'{d}/filt_fine.unw.conncomp', dtype=np.uint8).reshape(L, W) == 2
    return t, phase, refs, secs, patch


def peers(stack, ref, out):
    ry, rx = map(int, ref.split(','))
    t, phase, refs, secs, _ = load_stack(stack)
    lam = t['wavelength']
    phase = phase - phase[:, ry:ry + 1, rx:rx + 1]
    n = len(t['dates'])
    # MintPy's sign and unit (sbas's too): range change in metres = -phase * lambda / (4 pi).
    to_m = -lam / (4 * np.pi)
    os.makedirs(out, exist_ok=True)
    try:
        import jax.numpy as jnp
        from dolphin import timeseries as dts
        A = np.zeros((len(refs), n - 1), np.float32)
        for i, (a, b) in enumerate(zip(refs, secs)):
            if a > 0:
                A[i, a - 1] = -1
            A[i, b - 1] = 1
        L, W = phase.shape[1:]
        ts = np.asarray(dts.invert_stack_l1(jnp.asarray(A), jnp.asarray(phase))[0])
        full = np.zeros((n, L, W), np.float32)
        full[1:] = ts.reshape(n - 1, L, W)
        np.save(f'{out}/dolphin_l1.npy', full * to_m)
        print('dolphin L1: ok', file=sys.stderr)
    except Exception as e:  # a missing peer leaves its column empty
        print(f'dolphin L1: {type(e).__name__}: {e}', file=sys.stderr)
    try:
        import insar_rs
        days = np.array([(np.datetime64(f'{d[:4]}-{d[4:6]}-{d[6:]}') -
                          np.datetime64(f'{t["dates"][0][:4]}-{t["dates"][0][4:6]}-{t["dates"][0][6:]}'))
                         .astype(int) for d in t['dates']], dtype=np.int64)
        fixed, corrected, left = insar_rs.correct_unwrap_errors(
            np.ascontiguousarray(phase, np.float32), refs.tolist(), secs.tolist())
        print(f'insar-rs: corrected {corrected}, detected not corrected {left}', file=sys.stderr)
        for name, ph in (('insarrs_l2', phase), ('insarrs', fixed)):
            ph = np.ascontiguousarray(ph, np.float32)
            # Metres with MintPy's sign (-phase * lambda / 4 pi): checked on a one-pair stack,
            # where +1 rad gives -lambda / 4 pi.
            ts = np.asarray(insar_rs.invert_sbas(ph, refs.tolist(), secs.tolist(),
                                                 days.tolist(), lam))
            np.save(f'{out}/{name}.npy', ts)
    except Exception as e:
        print(f'insar-rs: {type(e).__name__}: {e}', file=sys.stderr)


COLUMNS = [
    ('sbas L2', 'sbas_l2/timeseries.h5'),
    ('sbas bridging', 'sbas_br/timeseries.h5'),
    ('sbas closure', 'sbas_pc/timeseries.h5'),
    ('sbas both', 'sbas_both/timeseries.h5'),
    ('sbas L1', 'sbas_l1/timeseries.h5'),
    ('MintPy L2', 'mintpy_no.h5'),
    ('MintPy bridging', 'mintpy_bridging.h5'),
    ('MintPy closure', 'mintpy_phase_closure.h5'),
    ('dolphin L1', 'peers/dolphin_l1.npy'),
    ('insar-rs L2', 'peers/insarrs_l2.npy'),
    ('insar-rs closure', 'peers/insarrs.npy'),
]


def read_ts(path):
    if path.endswith('.npy'):
        return np.load(path)
    import h5py
    return h5py.File(path, 'r')['timeseries'][:]


def header():
    names = [c for c, _ in COLUMNS]
    print('| stack | region | ' + ' | '.join(names) + ' |')
    print('|---|---|' + '---|' * len(names))


def row(stack, ref, work, args):
    ry, rx = map(int, ref.split(','))
    t, phase, _, _, patch = load_stack(stack)
    n, L, W = len(t['dates']), t['rows'], t['cols']
    truth = np.fromfile(f'{stack}/truth/timeseries.f32', dtype='<f4').reshape(n, L, W)
    truth = truth - truth[:, ry:ry + 1, rx:rx + 1]
    water = np.fromfile(f'{stack}/merged/geom_reference/waterMask.rdr', dtype=np.uint8).reshape(L, W) == 0
    keep = ~water & np.all(phase != 0, axis=0)
    cells = {'patches': [], 'elsewhere': []}
    for _, path in COLUMNS:
        p = f'{work}/{path}'
        if not os.path.exists(p):
            cells['patches'].append('–')
            cells['elsewhere'].append('–')
            continue
        ts = read_ts(p).astype(np.float64)
        ts = ts - ts[:, ry:ry + 1, rx:rx + 1]
        for region, sel in (('patches', keep & patch), ('elsewhere', keep & ~patch)):
            d = (ts - truth)[:, sel]
            d = d[np.isfinite(d)]
            cells[region].append(f'{1e3 * np.sqrt(np.mean(d ** 2)):.2f}')
    for region, sel in (('patches', keep & patch), ('elsewhere', keep & ~patch)):
        print(f'| `{args}` | {region} ({sel.sum()} px) | ' + ' | '.join(cells[region]) + ' |')


if __name__ == '__main__':
    cmd = sys.argv[1]
    if cmd == 'peers':
        peers(*sys.argv[2:5])
    elif cmd == 'header':
        header()
    else:
        row(*sys.argv[2:6])
