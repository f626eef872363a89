"""Peer for `./build.sh bench profile`: pandas read_csv + describe(include='all') on the same file.

Prints one JSON line: rows, seconds, rows_per_s, peak_rss_mb (resource.getrusage maxrss).
Run with Debian's python (/usr/bin/python3), which has pandas.
"""
import json
import resource
import sys
import time

import pandas as pd


def main(path: str) -> None:
    start = time.perf_counter()
    cpu_start = resource.getrusage(resource.RUSAGE_SELF)
    frame = pd.read_csv(path)
    summary = frame.describe(include="all")
    missing = frame.isna().mean()
    elapsed = time.perf_counter() - start
    cpu_end = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu_end.ru_utime - cpu_start.ru_utime) + (cpu_end.ru_stime - cpu_start.ru_stime)
    rows = len(frame)
    # Touch the results so nothing is optimised away.
    assert summary.shape[1] == frame.shape[1] and len(missing) == frame.shape[1]
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({
        "rows": rows,
        "columns": frame.shape[1],
        "seconds": round(elapsed, 3),
        "cpu_seconds": round(cpu, 3),
        "rows_per_s": round(rows / elapsed),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "pandas": pd.__version__,
    }))


if __name__ == "__main__":
    main(sys.argv[1])
