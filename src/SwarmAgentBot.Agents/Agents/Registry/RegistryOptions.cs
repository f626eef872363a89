namespace SwarmAgentBot.Agents.Agents.Registry;

/// <summary>Deployment policy and serving settings (section <c>Swarm:Registry</c>).</summary>
public sealed class RegistryOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Swarm:Registry";

    /// <summary>
    /// Minimum test metrics a version needs to be deployed to production, e.g. {"f1": 0.7, "auc": 0.75}.
    /// A metric the version does not report is not checked. Regression metrics where lower is better
    /// (rmse, mae, logloss) are read as maximums.
    /// </summary>
    public Dictionary<string, double> ProductionMinimums { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Largest batch a predict call accepts.</summary>
    public int MaxBatchRecords { get; set; } = 100_000;

    /// <summary>Whether every served prediction is logged (the drift agent needs it).</summary>
    public bool LogPredictions { get; set; } = true;

    /// <summary>Returns an error naming the setting, or null when valid.</summary>
    public string? Validate() => MaxBatchRecords < 1 ? "Swarm:Registry:MaxBatchRecords must be at least 1." : null;

    /// <summary>True for metrics where lower is better.</summary>
    public static bool LowerIsBetter(string metric) => metric.ToLowerInvariant() is "rmse" or "mae" or "logloss";

    /// <summary>Why a version may not go to production, or null when it meets every minimum.</summary>
    public string? ProductionRefusal(IReadOnlyDictionary<string, double> metrics)
    {
        foreach (var (metric, bound) in ProductionMinimums)
        {
            if (!metrics.TryGetValue(metric.ToLowerInvariant(), out var actual) && !metrics.TryGetValue(metric, out actual)) continue;
            var ok = LowerIsBetter(metric) ? actual <= bound : actual >= bound;
            if (!ok)
                return $"its {metric} is {actual:0.####}, and production needs {(LowerIsBetter(metric) ? "at most" : "at least")} {bound:0.####} (Swarm:Registry:ProductionMinimums)";
        }
        return null;
    }
}
