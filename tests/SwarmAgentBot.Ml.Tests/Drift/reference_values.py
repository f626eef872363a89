#!/usr/bin/python3
"""Reference values for the drift statistics tests (DriftStatisticsTests.cs, KolmogorovDistributionTests.cs).

Run with Debian's python (scipy 1.10.1, numpy 1.24.2):  /usr/bin/python3 reference_values.py
It prints C# lines; they were pasted into the tests once. The inputs come from SampleGenerator, a SplitMix64
generator that the C# tests reproduce exactly: every draw uses only integer ops, +, -, * and sqrt, which are
bit-identical in both languages, so both sides see the very same doubles.

The Evidently-style wrappers below restate what Evidently's stattests do (chi-square with expected counts
scaled from the reference, the pooled two-proportion Z-test, Wasserstein normed by the reference std with a
0.001 floor, Jensen-Shannon and PSI on Sturges bins of the pooled sample or on categories, PSI's zero fill).
"""
import math

import numpy as np
from scipy import stats
from scipy.spatial import distance

MASK = (1 << 64) - 1


class SampleGenerator:
    """SplitMix64; uniform() = top 53 bits / 2^53; normal() = Irwin-Hall(4) scaled to unit variance."""

    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def uniform(self):
        return (self.next() >> 11) * (1.0 / 9007199254740992.0)

    def normal(self, mean, sd):
        s = self.uniform() + self.uniform() + self.uniform() + self.uniform()
        return (s - 2.0) * math.sqrt(3.0) * sd + mean

    def normals(self, n, mean, sd):
        return np.array([self.normal(mean, sd) for _ in range(n)])

    def steps(self, n, levels, scale):
        """Values floor(u * levels) * scale: many ties."""
        return np.array([math.floor(self.uniform() * levels) * scale for _ in range(n)])

    def categories(self, n, weights):
        """Index i with probability weights[i] / sum(weights) (cumulative comparison)."""
        total = float(sum(weights))
        out = []
        for _ in range(n):
            u = self.uniform() * total
            acc = 0.0
            idx = len(weights) - 1
            for i, w in enumerate(weights):
                acc += w
                if u < acc:
                    idx = i
                    break
            out.append(idx)
        return np.array(out)


def r(x):
    if isinstance(x, (bool, np.bool_)):
        return "true" if x else "false"
    x = float(x)
    if math.isinf(x):
        return "double.PositiveInfinity" if x > 0 else "double.NegativeInfinity"
    return repr(x)


def counts(ref, cur):
    keys = sorted(set(ref.tolist()) | set(cur.tolist()))
    rc = np.array([int(np.sum(ref == k)) for k in keys])
    cc = np.array([int(np.sum(cur == k)) for k in keys])
    return keys, rc, cc


def chi_evidently(rc, cc):
    k_norm = cc.sum() / rc.sum()
    f_exp = [c * k_norm for c in rc]
    with np.errstate(divide="ignore", invalid="ignore"):
        return stats.chisquare(list(cc), f_exp)


def z_evidently(ref_hits, ref_n, cur_hits, cur_n):
    p1 = float(ref_hits) / ref_n
    p2 = float(cur_hits) / cur_n
    P = float(p1 * ref_n + p2 * cur_n) / (ref_n + cur_n)
    z = (p1 - p2) / np.sqrt(P * (1 - P) * (1.0 / ref_n + 1.0 / cur_n))
    return z, 2 * (1 - stats.norm.cdf(np.abs(z)))


def binned(ref, cur, numeric, fill):
    if numeric and len(np.unique(ref)) > 20:
        bins = np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")
        rp = np.histogram(ref, bins)[0] / len(ref)
        cp = np.histogram(cur, bins)[0] / len(cur)
    else:
        keys = sorted(set(ref.tolist()) | set(cur.tolist()))
        rp = np.array([np.sum(ref == k) / len(ref) for k in keys])
        cp = np.array([np.sum(cur == k) / len(cur) for k in keys])
    if fill:
        for a in (rp, cp):
            m = min(a[a != 0])
            np.place(a, a == 0, m / 10**6 if m <= 0.0001 else 0.0001)
    return rp, cp


def js(ref, cur, numeric=True):
    rp, cp = binned(ref, cur, numeric, False)
    return distance.jensenshannon(rp, cp)


def psi(ref, cur, numeric=True):
    rp, cp = binned(ref, cur, numeric, True)
    return np.sum((rp - cp) * np.log(rp / cp))


def wnorm(ref, cur):
    return stats.wasserstein_distance(ref, cur) / max(np.std(ref), 0.001)


def main():
    print("// ---- two-sample KS: (name, statistic, p-value) ----")
    g = SampleGenerator(1)
    ks_cases = [
        ("EqualSizesExact", g.normals(50, 0, 1), g.normals(50, 0.3, 1)),
        ("UnequalSizesExact", g.normals(80, 0, 1), g.normals(120, 0.5, 1.2)),
        ("TiesExact", g.steps(200, 10, 0.5), g.steps(300, 9, 0.5)),
        ("NoDriftExact", g.normals(1000, 5, 2), g.normals(700, 5.05, 2)),
        ("LargestExact", g.normals(10000, 0, 1), g.normals(9000, 0.02, 1)),
        ("NoDriftAsymptotic", g.normals(12000, 0, 1), g.normals(11000, 0, 1)),
        ("SmallCurrentAsymptotic", g.normals(20000, 0, 1), g.normals(130, 0.1, 1)),
        ("DriftAsymptotic", g.normals(15000, 0, 1), g.normals(15000, 0.1, 1)),
        ("StrongDriftAsymptotic", g.normals(11000, 0, 1), g.normals(10500, 1.0, 1)),
        ("ConstantReference", np.full(300, 1.0), g.normals(200, 1, 0.1)),
    ]
    for name, a, b in ks_cases:
        res = stats.ks_2samp(a, b)
        print(f'        ["{name}"] = ({r(res.statistic)}, {r(res.pvalue)}),')

    print("// ---- kstwo.sf(x, n): (n, x, sf) ----")
    grid = [
        (5, 0.05), (5, 0.15), (5, 0.19), (5, 0.5), (5, 0.81), (20, 0.1), (20, 0.3), (20, 0.45),
        (100, 0.04), (100, 0.09), (100, 0.12), (100, 0.22), (140, 0.2),
        (141, 0.05), (141, 0.13), (500, 0.02), (500, 0.04), (500, 0.07), (5000, 0.004), (5000, 0.012),
        (5000, 0.025), (20000, 0.002), (20000, 0.0095), (20000, 0.015), (100000, 0.0004), (100000, 0.003),
        (100001, 0.003), (500000, 0.0012), (500000, 0.0025), (500000, 0.004), (1000, 0.6), (300, 0.0012),
    ]
    for n, x in grid:
        print(f"        ({n}, {r(x)}, {r(stats.kstwo.sf(x, n))}),")

    print("// ---- chi-square on counts (Evidently): (name, reference counts, current counts, statistic, p) ----")
    g = SampleGenerator(2)
    drawn = [
        ("Shifted", g.categories(600, [5, 3, 2, 1]), g.categories(450, [4, 3, 3, 1])),
        ("Same", g.categories(900, [1] * 10), g.categories(800, [1] * 10)),
    ]
    chi_cases = [(name, *counts(ref, cur)[1:]) for name, ref, cur in drawn] + [
        ("NewCategory", np.array([30, 50, 20, 0]), np.array([25, 40, 30, 5])),
        ("VanishedCategories", np.array([30, 50, 20, 7]), np.array([25, 40, 0, 0])),
    ]
    for name, rc, cc in chi_cases:
        res = chi_evidently(rc, cc)
        print(f"        Chi(\"{name}\", {list(rc)}, {list(cc)}, {r(res.statistic)}, {r(res.pvalue)}),")

    print("// ---- two-proportion Z (Evidently): (refHits, refN, curHits, curN, z, p) ----")
    for a, n1, b, n2 in [(120, 400, 150, 420), (500, 1000, 505, 1000), (10, 900, 60, 800), (0, 300, 4, 200)]:
        ref = np.array([1] * a + [0] * (n1 - a))
        cur = np.array([1] * b + [0] * (n2 - b))
        z, p = z_evidently(ref.sum(), n1, cur.sum(), n2)
        print(f"        ({a}, {n1}, {b}, {n2}, {r(z)}, {r(p)}),")

    print("// ---- distances: (name, wasserstein, wasserstein normed, jensen-shannon, psi, std(reference)) ----")
    g = SampleGenerator(3)
    dist_cases = [
        ("Shifted", g.normals(3000, 10, 2), g.normals(2500, 10.8, 2.2)),
        ("Same", g.normals(4000, 0, 1), g.normals(3500, 0, 1)),
        ("Ties", g.steps(2000, 40, 0.25), g.steps(1800, 36, 0.25)),
        ("FewValues", g.steps(1500, 6, 1.0), g.steps(1200, 8, 1.0)),
        ("PowerOfTwoPool", g.normals(1024, 0, 1), g.normals(1024, 0.5, 1)),
        ("ConstantReference", np.full(1200, 3.0), g.normals(1100, 3.0, 0.5)),
    ]
    for name, a, b in dist_cases:
        print(f'        ["{name}"] = ({r(stats.wasserstein_distance(a, b))}, {r(wnorm(a, b))}, {r(js(a, b))}, {r(psi(a, b))}, {r(np.std(a))}),')

    print("// ---- categorical JS / PSI on counts: (name, reference counts, current counts, js, psi) ----")
    for name, rc, cc in [("Categories", [400, 300, 200, 100], [300, 300, 250, 150]),
                         ("WithEmpty", [500, 0, 300, 200], [450, 50, 0, 500])]:
        ref = np.repeat(np.arange(len(rc)), rc)
        cur = np.repeat(np.arange(len(cc)), cc)
        print(f'        Cat("{name}", {rc}, {cc}, {r(js(ref, cur, False))}, {r(psi(ref, cur, False))}),')


if __name__ == "__main__":
    main()
