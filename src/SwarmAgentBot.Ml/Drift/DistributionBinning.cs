namespace SwarmAgentBot.Ml.Drift;

/// <summary>
/// Turns two samples into two share vectors over the same bins, the way Evidently's <c>get_binned_data</c> does,
/// for the Jensen–Shannon distance and PSI.
/// </summary>
/// <remarks>
/// <para>Numeric columns whose reference has more than <see cref="MaxDistinctForCategories"/> distinct values:
/// equal-width bins over the pooled range (reference and current together), as many as Sturges' rule gives
/// (<c>numpy.histogram_bin_edges(pooled, bins="sturges")</c>: width = range / (log2(N) + 1), bins = ceil(range / width)).
/// A value belongs to the bin whose left edge it reaches; the last bin also holds its right edge (numpy's rule).
/// Otherwise every distinct value is its own bin.</para>
/// <para>Shares are counts divided by the window's number of values. PSI cannot take a zero share, so
/// <see cref="FillEmptyBins"/> replaces zeros per window by min(non-zero share)/10^6 when that minimum is at most
/// 10^-4, else by 10^-4 (Evidently's rule; the shares then no longer sum exactly to one).</para>
/// </remarks>
public static class DistributionBinning
{
    /// <summary>Up to this many distinct reference values a numeric column is binned by value, not by range.</summary>
    public const int MaxDistinctForCategories = 20;

    /// <summary>Bin edges for the pooled samples by Sturges' rule, as numpy computes them.</summary>
    public static double[] SturgesEdges(double min, double max, long pooledCount)
    {
        var first = min;
        var last = max;
        var range = max - min;
        if (first == last)
        {
            first -= 0.5;
            last += 0.5;
        }
        var bins = 1;
        if (pooledCount > 0)
        {
            var width = range / (Math.Log2(pooledCount) + 1.0);
            if (width != 0) bins = (int)Math.Ceiling((last - first) / width);
        }
        var edges = new double[bins + 1];
        var step = (last - first) / bins;
        for (var i = 0; i < bins; i++) edges[i] = i * step + first;
        edges[bins] = last;
        return edges;
    }

    /// <summary>Counts of values per bin (left-closed bins, the last one closed on both sides; values outside are dropped).</summary>
    public static long[] Histogram(ReadOnlySpan<double> values, double[] edges)
    {
        var bins = edges.Length - 1;
        var counts = new long[bins];
        double first = edges[0], last = edges[bins], step = (last - first) / bins;
        foreach (var x in values)
        {
            if (!(x >= first && x <= last)) continue;
            // Guess from the uniform spacing, then settle against the actual edges so rounding puts
            // a value on the same side of an edge as numpy's comparison does.
            var i = Math.Clamp((int)((x - first) / step), 0, bins - 1);
            while (i > 0 && x < edges[i]) i--;
            while (i < bins - 1 && x >= edges[i + 1]) i++;
            counts[i]++;
        }
        return counts;
    }

    /// <summary>Shares of two numeric samples over Sturges bins of their pooled range.</summary>
    public static (double[] Reference, double[] Current) HistogramShares(ReadOnlySpan<double> reference, ReadOnlySpan<double> current)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (var x in reference) { if (x < min) min = x; if (x > max) max = x; }
        foreach (var x in current) { if (x < min) min = x; if (x > max) max = x; }
        var edges = SturgesEdges(min, max, reference.Length + (long)current.Length);
        return (ToShares(Histogram(reference, edges), reference.Length), ToShares(Histogram(current, edges), current.Length));
    }

    /// <summary>
    /// Shares of two sorted numeric samples as Evidently bins them: Sturges bins of the pooled range when the
    /// reference has more than <see cref="MaxDistinctForCategories"/> distinct values, else one bin per value.
    /// </summary>
    public static (double[] Reference, double[] Current) NumericShares(ReadOnlySpan<double> sortedReference, ReadOnlySpan<double> sortedCurrent)
    {
        if (CountDistinct(sortedReference) > MaxDistinctForCategories)
            return HistogramShares(sortedReference, sortedCurrent);
        var counts = ValueCounts(sortedReference, sortedCurrent);
        return (ToShares(counts.Reference, sortedReference.Length), ToShares(counts.Current, sortedCurrent.Length));
    }

    /// <summary>Number of distinct values in a sorted sample.</summary>
    public static int CountDistinct(ReadOnlySpan<double> sorted)
    {
        if (sorted.IsEmpty) return 0;
        var distinct = 1;
        for (var i = 1; i < sorted.Length; i++) if (sorted[i] != sorted[i - 1]) distinct++;
        return distinct;
    }

    /// <summary>Number of distinct values in two sorted samples together.</summary>
    public static int CountDistinct(ReadOnlySpan<double> sortedA, ReadOnlySpan<double> sortedB)
    {
        var distinct = 0;
        var merge = new SortedMerge(sortedA, sortedB);
        while (merge.MoveNext()) distinct++;
        return distinct;
    }

    /// <summary>Counts per distinct value of two sorted samples, over the union of their values in ascending order.</summary>
    public static NumericValueCounts ValueCounts(ReadOnlySpan<double> sortedA, ReadOnlySpan<double> sortedB)
    {
        var values = new List<double>();
        var countsA = new List<long>();
        var countsB = new List<long>();
        var merge = new SortedMerge(sortedA, sortedB);
        int previousA = 0, previousB = 0;
        while (merge.MoveNext())
        {
            values.Add(merge.Value);
            countsA.Add(merge.CountA - previousA);
            countsB.Add(merge.CountB - previousB);
            (previousA, previousB) = (merge.CountA, merge.CountB);
        }
        return new NumericValueCounts([.. values], [.. countsA], [.. countsB]);
    }

    /// <summary>Divides counts by a total.</summary>
    public static double[] ToShares(IReadOnlyList<long> counts, long total)
    {
        var shares = new double[counts.Count];
        for (var i = 0; i < shares.Length; i++) shares[i] = (double)counts[i] / total;
        return shares;
    }

    /// <summary>Replaces zero shares in place by Evidently's small positive value (see the type remarks).</summary>
    public static void FillEmptyBins(double[] shares)
    {
        var smallest = double.PositiveInfinity;
        foreach (var s in shares) if (s != 0 && s < smallest) smallest = s;
        if (double.IsPositiveInfinity(smallest)) return;
        var fill = smallest <= 0.0001 ? smallest / 1_000_000 : 0.0001;
        for (var i = 0; i < shares.Length; i++) if (shares[i] == 0) shares[i] = fill;
    }
}

/// <summary>Counts per distinct value in two windows, aligned: <c>Reference[i]</c> and <c>Current[i]</c> count <c>Values[i]</c>.</summary>
public sealed record NumericValueCounts(double[] Values, long[] Reference, long[] Current);
