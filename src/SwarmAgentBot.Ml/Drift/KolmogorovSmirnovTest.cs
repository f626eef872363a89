namespace SwarmAgentBot.Ml.Drift;

/// <summary>How a two-sample KS p-value was computed.</summary>
public enum KolmogorovSmirnovPValueMethod
{
    /// <summary>Exact lattice-path count (both samples at most <see cref="KolmogorovSmirnovTest.MaxExactSampleSize"/>).</summary>
    Exact,

    /// <summary>The one-sample distribution of D at n = round(n1·n2/(n1+n2)) (larger samples, or when the exact count fails).</summary>
    Asymptotic,
}

/// <summary>Result of a two-sample KS test: the statistic D, its two-sided p-value and how the p-value was computed.</summary>
public readonly record struct KolmogorovSmirnovResult(double Statistic, double PValue, KolmogorovSmirnovPValueMethod Method);

/// <summary>
/// Two-sided two-sample Kolmogorov–Smirnov test, equal to <c>scipy.stats.ks_2samp(a, b)</c> with its defaults
/// (<c>alternative='two-sided'</c>, <c>method='auto'</c>) as of scipy 1.10.
/// </summary>
/// <remarks>
/// <para>Method choice as scipy's 'auto': exact when both samples have at most 10,000 values, else asymptotic.
/// Exact, n1 = n2: the alternating binomial sum for paths leaving the band |x−y| &lt; h, in Horner form.
/// Exact, n1 ≠ n2: Hodges' "inside" lattice recursion rewritten by Viehmann (2021) to give 1−p directly.
/// If the exact value comes out outside [0, 1] scipy falls back to the asymptotic value, and so do we.
/// Asymptotic: the survival function of the one-sample two-sided statistic D_n with n = round(n1·n2/(n1+n2))
/// (round half to even), as <c>scipy.stats.kstwo.sf</c>.</para>
/// <para>Cost: sorting is O(n log n); the statistic is one merge pass; the exact p-value is O(n1·band) at worst.</para>
/// </remarks>
public static class KolmogorovSmirnovTest
{
    /// <summary>Largest sample for which 'auto' computes the exact p-value (scipy's MAX_AUTO_N).</summary>
    public const int MaxExactSampleSize = 10_000;

    /// <summary>Runs the test on two samples of finite values (order does not matter; they are copied and sorted).</summary>
    /// <exception cref="ArgumentException">Either sample is empty.</exception>
    public static KolmogorovSmirnovResult Compute(ReadOnlySpan<double> reference, ReadOnlySpan<double> current)
    {
        var a = reference.ToArray();
        var b = current.ToArray();
        Array.Sort(a);
        Array.Sort(b);
        return ComputeSorted(a, b);
    }

    /// <summary>Runs the test on two samples already sorted ascending.</summary>
    /// <exception cref="ArgumentException">Either sample is empty.</exception>
    public static KolmogorovSmirnovResult ComputeSorted(ReadOnlySpan<double> sortedReference, ReadOnlySpan<double> sortedCurrent)
    {
        if (sortedReference.IsEmpty || sortedCurrent.IsEmpty)
            throw new ArgumentException("The KS test needs at least one value in each sample.");
        var d = Statistic(sortedReference, sortedCurrent);
        var (p, method, adjusted) = PValue(d, sortedReference.Length, sortedCurrent.Length);
        return new KolmogorovSmirnovResult(adjusted, p, method);
    }

    /// <summary>D = max |F1(x) − F2(x)| over the pooled values, in one merge pass over two sorted samples.</summary>
    public static double Statistic(ReadOnlySpan<double> sortedA, ReadOnlySpan<double> sortedB)
    {
        int n1 = sortedA.Length, n2 = sortedB.Length;
        double max = double.NegativeInfinity, min = double.PositiveInfinity;
        var merge = new SortedMerge(sortedA, sortedB);
        while (merge.MoveNext())
        {
            // Two separate divisions, as scipy forms the two ECDFs, so D is bit-for-bit the same.
            var diff = (double)merge.CountA / n1 - (double)merge.CountB / n2;
            if (diff > max) max = diff;
            if (diff < min) min = diff;
        }
        var below = Math.Clamp(-min, 0, 1);
        return below > max ? below : max;
    }

    /// <summary>Two-sided p-value for statistic <paramref name="d"/> and sample sizes, as scipy's 'auto' method.</summary>
    /// <returns>The p-value, the method used and the statistic as scipy reports it (the exact method snaps D to a multiple of 1/lcm).</returns>
    public static (double PValue, KolmogorovSmirnovPValueMethod Method, double Statistic) PValue(double d, int n1, int n2)
    {
        if (n1 <= 0 || n2 <= 0) throw new ArgumentException("Sample sizes must be positive.");
        if (Math.Max(n1, n2) <= MaxExactSampleSize && TryExact(n1, n2, d, out var exact, out var snapped))
            return (exact, KolmogorovSmirnovPValueMethod.Exact, snapped);
        if (Math.Max(n1, n2) <= MaxExactSampleSize)
            d = SnapToLattice(n1, n2, d);
        return (Asymptotic(d, n1, n2), KolmogorovSmirnovPValueMethod.Asymptotic, d);
    }

    /// <summary>scipy's asymptotic two-sided p-value: kstwo.sf(d, round(n1·n2/(n1+n2))).</summary>
    internal static double Asymptotic(double d, int n1, int n2)
    {
        double m = Math.Max(n1, n2), n = Math.Min(n1, n2);
        var en = m * n / (m + n);
        var effective = (int)Math.Round(en, MidpointRounding.ToEven);
        return Math.Clamp(KolmogorovDistribution.TwoSidedSurvival(effective, d), 0, 1);
    }

    private static double SnapToLattice(int n1, int n2, double d)
    {
        var g = Gcd(n1, n2);
        var lcm = (long)(n1 / g) * n2;
        return Math.Round(d * lcm, MidpointRounding.ToEven) * 1.0 / lcm;
    }

    private static bool TryExact(int n1, int n2, double d, out double p, out double snapped)
    {
        var g = Gcd(n1, n2);
        var lcm = (long)(n1 / g) * n2;
        var h = (long)Math.Round(d * lcm, MidpointRounding.ToEven);
        snapped = h * 1.0 / lcm;
        if (h == 0)
        {
            p = 1.0;
            return true;
        }
        p = n1 == n2 ? OutsideSquare(n1, h) : OutsideBandUnequal(n1, n2, g, h);
        return p is >= 0 and <= 1;
    }

    /// <summary>Pr(D_{n,n} ≥ h/n) = 2·Σ_k (−1)^(k+1) C(2n, n−kh)/C(2n, n), as nested products (no cancellation).</summary>
    private static double OutsideSquare(int n, long h)
    {
        var total = 0.0;
        for (var k = (long)Math.Floor((double)n / h); k >= 0; k--)
        {
            var ratio = 1.0;
            for (long j = 0; j < h; j++)
                ratio = (n - k * h - j) * ratio / (n + k * h + j + 1);
            total = ratio * (1.0 - total);
        }
        return 2 * total;
    }

    /// <summary>
    /// Proportion of monotone lattice paths (0,0)→(m,n) that touch |x/m − y/n| ≥ h/lcm, computed column by
    /// column as 1 − (inside share) so small p-values keep their digits (Viehmann's recursion).
    /// </summary>
    private static double OutsideBandUnequal(int n1, int n2, int g, long h)
    {
        int m = Math.Max(n1, n2), n = Math.Min(n1, n2);
        long mg = m / g, ng = n / g;
        var minJ = 0;
        var maxJ = (int)Math.Min((long)Math.Ceiling((double)h / mg), n + 1);
        var currentLength = maxJ - minJ;
        var column = new double[Math.Min(2 * maxJ + 2, n + 1)];
        Array.Fill(column, 1.0);
        Array.Clear(column, minJ, maxJ - minJ);
        for (var i = 1; i <= m; i++)
        {
            int lastMinJ = minJ, lastLength = currentLength;
            minJ = (int)Math.Min(Math.Max((long)Math.Floor((double)(ng * i - h) / mg) + 1, 0), n);
            maxJ = (int)Math.Min((long)Math.Ceiling((double)(ng * i + h) / mg), n + 1);
            if (maxJ <= minJ) return 1.0;
            var value = minJ == 0 ? 0.0 : 1.0;
            for (var jj = 0; jj < maxJ - minJ; jj++)
            {
                var j = jj + minJ;
                value = (column[jj + minJ - lastMinJ] * i + value * j) / (i + j);
                column[jj] = value;
            }
            currentLength = maxJ - minJ;
            if (lastLength > currentLength)
                Array.Fill(column, 1.0, maxJ - minJ, Math.Min(lastLength - currentLength, column.Length - (maxJ - minJ)));
        }
        return column[maxJ - minJ - 1];
    }

    private static int Gcd(int a, int b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }
}
