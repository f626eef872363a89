namespace SwarmAgentBot.Bench;

/// <summary>Nearest-rank percentiles over a sample.</summary>
public static class Percentiles
{
    /// <summary>The p-th percentile (0..100) of the values.</summary>
    public static double Of(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.OrderBy(v => v).ToArray();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }
}
