namespace SwarmAgentBot.Ml.Drift;

/// <summary>A drift test or distance for one column.</summary>
public enum DriftMethod
{
    /// <summary>Two-sample Kolmogorov–Smirnov test (numeric); drift when p ≤ threshold. Evidently name "ks".</summary>
    KolmogorovSmirnov,

    /// <summary>Chi-square on category counts; drift when p &lt; threshold. Evidently name "chisquare".</summary>
    ChiSquare,

    /// <summary>Two-proportion Z-test (two values); drift when p &lt; threshold. Evidently name "z".</summary>
    ZTest,

    /// <summary>Wasserstein distance normed by the reference std (numeric); drift when ≥ threshold. Evidently name "wasserstein".</summary>
    Wasserstein,

    /// <summary>Jensen–Shannon distance of binned shares; drift when ≥ threshold. Evidently name "jensenshannon".</summary>
    JensenShannon,

    /// <summary>Population stability index of binned shares; drift when ≥ threshold. Evidently name "psi".</summary>
    Psi,
}

/// <summary>Facts about each <see cref="DriftMethod"/> and the default choice per column.</summary>
public static class DriftMethods
{
    /// <summary>True when the method gives a p-value (small means drift), false for distances (large means drift).</summary>
    public static bool GivesPValue(this DriftMethod method) => method is DriftMethod.KolmogorovSmirnov or DriftMethod.ChiSquare or DriftMethod.ZTest;

    /// <summary>True when the method can test a column of this kind.</summary>
    public static bool Accepts(this DriftMethod method, DriftColumnKind kind) =>
        kind == DriftColumnKind.Numeric || method is not (DriftMethod.KolmogorovSmirnov or DriftMethod.Wasserstein);

    /// <summary>Evidently's name for the method (ks, chisquare, z, wasserstein, jensenshannon, psi).</summary>
    public static string ShortName(this DriftMethod method) => method switch
    {
        DriftMethod.KolmogorovSmirnov => "ks",
        DriftMethod.ChiSquare => "chisquare",
        DriftMethod.ZTest => "z",
        DriftMethod.Wasserstein => "wasserstein",
        DriftMethod.JensenShannon => "jensenshannon",
        _ => "psi",
    };

    /// <summary>Reads a method from Evidently's short name or the enum name (any case); null when unknown.</summary>
    public static DriftMethod? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        foreach (var method in Enum.GetValues<DriftMethod>())
            if (string.Equals(text, method.ShortName(), StringComparison.OrdinalIgnoreCase) ||
                string.Equals(text, method.ToString(), StringComparison.OrdinalIgnoreCase))
                return method;
        return null;
    }

    /// <summary>
    /// Evidently's default choice. Reference of at most <paramref name="smallReferenceRows"/> values: numeric columns
    /// with more than 5 distinct values (both windows together) get KS; categorical columns and numeric ones with at most
    /// 5 distinct values get chi-square, or the Z-test when there are only two. Larger reference: Wasserstein (normed)
    /// for numeric columns with more than 5 distinct values, Jensen–Shannon otherwise.
    /// </summary>
    /// <param name="kind">Column kind.</param>
    /// <param name="referenceValues">Non-missing reference values.</param>
    /// <param name="distinctValues">Distinct values in both windows together.</param>
    /// <param name="smallReferenceRows">Largest reference treated as small (1000 in Evidently).</param>
    /// <param name="maxDistinctForCategoryTests">Numeric columns with at most this many distinct values are treated as categories (5).</param>
    public static DriftMethod Choose(DriftColumnKind kind, int referenceValues, int distinctValues, int smallReferenceRows = 1000, int maxDistinctForCategoryTests = 5)
    {
        var fewValues = kind == DriftColumnKind.Categorical || distinctValues <= maxDistinctForCategoryTests;
        if (referenceValues <= smallReferenceRows)
            return fewValues ? distinctValues > 2 ? DriftMethod.ChiSquare : DriftMethod.ZTest : DriftMethod.KolmogorovSmirnov;
        return fewValues ? DriftMethod.JensenShannon : DriftMethod.Wasserstein;
    }

    /// <summary>The default threshold: 0.05 for p-values, 0.1 for distances (Evidently's defaults).</summary>
    public static double DefaultThreshold(this DriftMethod method, DriftOptions options) =>
        method.GivesPValue() ? options.PValueThreshold : options.DistanceThreshold;

    /// <summary>
    /// Whether a score means drift: KS when p ≤ threshold; chi-square and Z when p &lt; threshold; distances when
    /// ≥ threshold (the comparisons Evidently's tests use).
    /// </summary>
    public static bool IsDrift(this DriftMethod method, double score, double threshold) => method switch
    {
        DriftMethod.KolmogorovSmirnov => score <= threshold,
        DriftMethod.ChiSquare or DriftMethod.ZTest => score < threshold,
        _ => score >= threshold,
    };
}
