namespace SwarmAgentBot.Ml.Drift;

/// <summary>
/// Drift check settings (section <c>Swarm:Drift</c>). Defaults are Evidently's: p-value threshold 0.05,
/// distance threshold 0.1, reference of up to 1000 values counts as small, dataset drift when half the columns drift.
/// </summary>
public sealed class DriftOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Swarm:Drift";

    /// <summary>Fewest non-missing values a window needs before a column is tested (fewer: reported, not decided).</summary>
    public int MinRows { get; set; } = 30;

    /// <summary>A reference with at most this many values gets statistical tests (KS, chi-square, Z), a larger one distances.</summary>
    public int SmallReferenceRows { get; set; } = 1000;

    /// <summary>Numeric columns with at most this many distinct values are tested as categories.</summary>
    public int MaxDistinctForCategoryTests { get; set; } = 5;

    /// <summary>Threshold for p-value methods (drift below it).</summary>
    public double PValueThreshold { get; set; } = 0.05;

    /// <summary>Threshold for distance methods (drift at or above it).</summary>
    public double DistanceThreshold { get; set; } = 0.1;

    /// <summary>Dataset drift when at least this share of the tested columns drifted.</summary>
    public double DatasetDriftShare { get; set; } = 0.5;

    /// <summary>Expected calibration error on the reference above which probabilities count as poorly calibrated.</summary>
    public double CalibrationErrorThreshold { get; set; } = 0.05;

    /// <summary>Equal-width probability bins for the expected calibration error.</summary>
    public int CalibrationBins { get; set; } = 10;

    /// <summary>How many categories with the biggest share change a report lists per column.</summary>
    public int TopCategoryChanges { get; set; } = 3;

    /// <summary>Per-column overrides of method and threshold, by column name.</summary>
    public Dictionary<string, ColumnDriftOptions> Columns { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Returns an error naming the setting, or null when valid.</summary>
    public string? Validate()
    {
        if (MinRows < 1) return "Swarm:Drift:MinRows must be at least 1.";
        if (SmallReferenceRows < 0) return "Swarm:Drift:SmallReferenceRows must not be negative.";
        if (MaxDistinctForCategoryTests < 2) return "Swarm:Drift:MaxDistinctForCategoryTests must be at least 2.";
        if (!(PValueThreshold is > 0 and < 1)) return "Swarm:Drift:PValueThreshold must be between 0 and 1.";
        if (!(DistanceThreshold > 0) || double.IsInfinity(DistanceThreshold)) return "Swarm:Drift:DistanceThreshold must be a positive number.";
        if (!(DatasetDriftShare is > 0 and <= 1)) return "Swarm:Drift:DatasetDriftShare must be in (0, 1].";
        if (!(CalibrationErrorThreshold is > 0 and < 1)) return "Swarm:Drift:CalibrationErrorThreshold must be between 0 and 1.";
        if (CalibrationBins is < 2 or > 1000) return "Swarm:Drift:CalibrationBins must be between 2 and 1000.";
        if (TopCategoryChanges < 0) return "Swarm:Drift:TopCategoryChanges must not be negative.";
        foreach (var (name, column) in Columns)
        {
            if (column.Method is { } text && DriftMethods.Parse(text) is null)
                return $"Swarm:Drift:Columns:{name}:Method '{text}' is unknown; use ks, chisquare, z, wasserstein, jensenshannon or psi.";
            if (column.Threshold is { } t && !(t > 0 && double.IsFinite(t)))
                return $"Swarm:Drift:Columns:{name}:Threshold must be a positive number.";
        }
        return null;
    }
}

/// <summary>Override for one column: its method (Evidently name or enum name) and/or threshold.</summary>
public sealed class ColumnDriftOptions
{
    /// <summary>Method: ks, chisquare, z, wasserstein, jensenshannon or psi; null keeps the default choice.</summary>
    public string? Method { get; set; }

    /// <summary>Threshold for that method; null keeps the method's default.</summary>
    public double? Threshold { get; set; }
}
