#!/usr/bin/python3
"""Peer for `./build.sh bench drift`: scipy/numpy doing the same drift statistics on the same data.

    /usr/bin/python3 bench/peers/drift_peers.py speed ROWS FEATURES

Generates, for each feature, a reference and a current window of ROWS values with the counter-based SplitMix64
generator the C# benchmark uses (identical doubles: only integer ops, +, -, * and sqrt), then times, per feature:
scipy.stats.ks_2samp (statistic and p-value), scipy.stats.wasserstein_distance normed by max(np.std(ref), 0.001)
(Evidently), Sturges bins of the pooled sample with np.histogram (Evidently's get_binned_data),
scipy.spatial.distance.jensenshannon on the shares, and PSI with Evidently's zero fill.
Times are CPU seconds of the working thread (time.thread_time), as on the C# side, so other load on a shared
machine does not distort them; "wall" is the wall-clock total. Data generation is not timed.
Prints one JSON object: seconds per statistic and the values per feature.
"""
import json
import sys
import time

import numpy as np
from scipy import stats
from scipy.spatial import distance

GAMMA = np.uint64(0x9E3779B97F4A7C15)
M1 = np.uint64(0xBF58476D1CE4E5B9)
M2 = np.uint64(0x94D049BB133111EB)


def uniforms(seed, count):
    """u_j = mix(seed + (j+1)*gamma) >> 11 scaled by 2^-53: SplitMix64 outputs, computed for all j at once."""
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + (np.arange(1, count + 1, dtype=np.uint64) * GAMMA)
        z = (z ^ (z >> np.uint64(30))) * M1
        z = (z ^ (z >> np.uint64(27))) * M2
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def normals(seed, count, mean, sd):
    u = uniforms(seed, 4 * count)
    s = u[0::4] + u[1::4] + u[2::4] + u[3::4]
    return (s - 2.0) * np.sqrt(3.0) * sd + mean


def window(feature, which, rows):
    """Feature f: mean f, sd 1 + f/10. Current: features 0-4 shifted by 0.02*(f+1) sd, 5-9 scaled by 1.05."""
    mean, sd = float(feature), 1.0 + feature / 10.0
    if which == 1 and feature < 5:
        mean += 0.02 * (feature + 1) * sd
    elif which == 1 and feature < 10:
        sd *= 1.05
    return normals(1000 * feature + which, rows, mean, sd)


def speed(rows, features):
    timings = {"ks": 0.0, "wasserstein": 0.0, "bins": 0.0, "jensenshannon": 0.0, "psi": 0.0}
    values = []
    wall = 0.0
    for f in range(features):
        a = window(f, 0, rows)
        b = window(f, 1, rows)
        w0 = time.perf_counter()
        t0 = time.thread_time()
        ks = stats.ks_2samp(a, b)
        t1 = time.thread_time()
        w = stats.wasserstein_distance(a, b) / max(np.std(a), 0.001)
        t2 = time.thread_time()
        edges = np.histogram_bin_edges(np.concatenate([a, b]), bins="sturges")
        ra = np.histogram(a, edges)[0] / len(a)
        cb = np.histogram(b, edges)[0] / len(b)
        t3 = time.thread_time()
        js = distance.jensenshannon(ra, cb)
        t4 = time.thread_time()
        ra2, cb2 = ra.copy(), cb.copy()
        for s in (ra2, cb2):
            m = min(s[s != 0])
            np.place(s, s == 0, m / 10**6 if m <= 0.0001 else 0.0001)
        psi = float(np.sum((ra2 - cb2) * np.log(ra2 / cb2)))
        t5 = time.thread_time()
        wall += time.perf_counter() - w0
        timings["ks"] += t1 - t0
        timings["wasserstein"] += t2 - t1
        timings["bins"] += t3 - t2
        timings["jensenshannon"] += t4 - t3
        timings["psi"] += t5 - t4
        values.append([float(ks.statistic), float(ks.pvalue), float(w), float(js), psi])
    timings["total"] = sum(timings.values())
    timings["wall"] = wall
    return {"rows": rows, "features": features, "seconds": timings, "values": values}


def main():
    if len(sys.argv) != 4 or sys.argv[1] != "speed":
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(speed(int(sys.argv[2]), int(sys.argv[3]))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
