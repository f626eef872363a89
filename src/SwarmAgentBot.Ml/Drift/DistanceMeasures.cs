namespace SwarmAgentBot.Ml.Drift;

/// <summary>
/// Distances between two distributions used as drift scores: normed Wasserstein, Jensen–Shannon and PSI.
/// Each equals the scipy/Evidently computation named in its documentation on the same inputs.
/// </summary>
public static class DistanceMeasures
{
    /// <summary>Smallest reference standard deviation used to norm the Wasserstein distance (Evidently's floor).</summary>
    public const double MinimumNormStd = 0.001;

    /// <summary>
    /// First Wasserstein distance between two sorted samples, <c>scipy.stats.wasserstein_distance(a, b)</c>:
    /// the area between the two empirical CDFs, one merge pass.
    /// </summary>
    public static double Wasserstein(ReadOnlySpan<double> sortedA, ReadOnlySpan<double> sortedB)
    {
        if (sortedA.IsEmpty || sortedB.IsEmpty) throw new ArgumentException("The Wasserstein distance needs at least one value in each sample.");
        int n1 = sortedA.Length, n2 = sortedB.Length;
        var sum = new CompensatedSum();
        var merge = new SortedMerge(sortedA, sortedB);
        while (merge.MoveNext() && merge.HasNext)
            sum.Add(Math.Abs((double)merge.CountA / n1 - (double)merge.CountB / n2) * (merge.Next - merge.Value));
        return sum.Value;
    }

    /// <summary>
    /// Evidently's <c>wasserstein_distance_norm</c>: the Wasserstein distance divided by
    /// max(std(reference), 0.001), std with ddof = 0.
    /// </summary>
    public static double WassersteinNormed(ReadOnlySpan<double> sortedReference, ReadOnlySpan<double> sortedCurrent) =>
        Wasserstein(sortedReference, sortedCurrent) / Math.Max(PopulationStd(sortedReference), MinimumNormStd);

    /// <summary>
    /// <c>scipy.spatial.distance.jensenshannon(p, q)</c> (natural log): each vector is first scaled to sum to one;
    /// the result is sqrt((KL(p‖m) + KL(q‖m)) / 2) with m = (p + q) / 2, between 0 and sqrt(ln 2).
    /// </summary>
    public static double JensenShannon(ReadOnlySpan<double> p, ReadOnlySpan<double> q)
    {
        if (p.Length != q.Length) throw new ArgumentException("Both distributions need the same bins.");
        double sumP = 0, sumQ = 0;
        foreach (var x in p) sumP += x;
        foreach (var x in q) sumQ += x;
        double left = 0, right = 0;
        for (var i = 0; i < p.Length; i++)
        {
            double pi = p[i] / sumP, qi = q[i] / sumQ, mi = (pi + qi) / 2.0;
            left += RelativeEntropy(pi, mi);
            right += RelativeEntropy(qi, mi);
        }
        return Math.Sqrt((left + right) / 2.0);
    }

    /// <summary>
    /// Population stability index Σ (r − c)·ln(r / c) over bins, Evidently's <c>psi</c>: the shares come from
    /// <see cref="DistributionBinning"/> with zero shares filled (<see cref="DistributionBinning.FillEmptyBins"/>).
    /// </summary>
    public static double PopulationStabilityIndex(ReadOnlySpan<double> referenceShares, ReadOnlySpan<double> currentShares)
    {
        if (referenceShares.Length != currentShares.Length) throw new ArgumentException("Both distributions need the same bins.");
        var sum = 0.0;
        for (var i = 0; i < referenceShares.Length; i++)
            sum += (referenceShares[i] - currentShares[i]) * Math.Log(referenceShares[i] / currentShares[i]);
        return sum;
    }

    /// <summary>Standard deviation with ddof = 0 (numpy's default), two passes with compensated sums.</summary>
    public static double PopulationStd(ReadOnlySpan<double> values)
    {
        if (values.IsEmpty) return double.NaN;
        var total = new CompensatedSum();
        foreach (var x in values) total.Add(x);
        var mean = total.Value / values.Length;
        var squares = new CompensatedSum();
        foreach (var x in values) squares.Add((x - mean) * (x - mean));
        return Math.Sqrt(squares.Value / values.Length);
    }

    /// <summary>scipy.special.rel_entr: x·ln(x/y), 0 when x = 0, +∞ when x &gt; 0 and y = 0.</summary>
    private static double RelativeEntropy(double x, double y)
    {
        if (x > 0 && y > 0) return x * Math.Log(x / y);
        if (x == 0 && y >= 0) return 0;
        return double.PositiveInfinity;
    }
}

/// <summary>Neumaier's compensated sum: long sums of small terms without drifting in the last digits.</summary>
internal struct CompensatedSum
{
    private double _sum;
    private double _compensation;

    public void Add(double value)
    {
        var next = _sum + value;
        _compensation += Math.Abs(_sum) >= Math.Abs(value) ? (_sum - next) + value : (value - next) + _sum;
        _sum = next;
    }

    public readonly double Value => _sum + _compensation;
}
