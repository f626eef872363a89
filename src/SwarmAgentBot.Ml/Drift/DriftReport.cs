namespace SwarmAgentBot.Ml.Drift;

/// <summary>Whether a column could be tested, and if not why.</summary>
public enum ColumnDriftStatus
{
    /// <summary>Tested; the result is in the score fields.</summary>
    Tested,

    /// <summary>A window has fewer non-missing values than Swarm:Drift:MinRows; not decided.</summary>
    NotEnoughValues,

    /// <summary>Every value is missing in at least one window; not decided.</summary>
    AllMissing,

    /// <summary>The column is in the reference but not in the current data.</summary>
    MissingInCurrent,

    /// <summary>The configured method cannot test this kind of column (e.g. KS on labels).</summary>
    MethodNotApplicable,
}

/// <summary>The drift result for one column.</summary>
public sealed record ColumnDrift
{
    /// <summary>Column name.</summary>
    public required string Column { get; init; }

    /// <summary>Numeric or categorical (as tested).</summary>
    public required DriftColumnKind Kind { get; init; }

    /// <summary>Tested, or why not.</summary>
    public required ColumnDriftStatus Status { get; init; }

    /// <summary>Method used (null when not tested).</summary>
    public DriftMethod? Method { get; init; }

    /// <summary>The method's statistic: D for KS, χ² for chi-square, z for the Z-test, the distance for distances.</summary>
    public double? Statistic { get; init; }

    /// <summary>p-value for KS, chi-square and Z.</summary>
    public double? PValue { get; init; }

    /// <summary>Distance for Wasserstein (normed), Jensen–Shannon and PSI.</summary>
    public double? Distance { get; init; }

    /// <summary>Threshold the score was compared with.</summary>
    public double? Threshold { get; init; }

    /// <summary>True when the column drifted; null when it was not decided.</summary>
    public bool? Drifted { get; init; }

    /// <summary>Non-missing values in the reference window.</summary>
    public int ReferenceValues { get; init; }

    /// <summary>Non-missing values in the current window.</summary>
    public int CurrentValues { get; init; }

    /// <summary>Missing values in the reference window.</summary>
    public int ReferenceMissing { get; init; }

    /// <summary>Missing values in the current window.</summary>
    public int CurrentMissing { get; init; }

    /// <summary>How a numeric column moved (null for categorical or untested columns).</summary>
    public NumericShift? Numeric { get; init; }

    /// <summary>How a categorical column (or a numeric one tested by value) moved.</summary>
    public CategoryShift? Categories { get; init; }

    /// <summary>A sentence for the reader: why it was not tested, or something odd about it.</summary>
    public string? Note { get; init; }

    /// <summary>The score compared with the threshold: the p-value or the distance.</summary>
    public double? Score => PValue ?? Distance;
}

/// <summary>Summary statistics of a numeric column in both windows.</summary>
/// <param name="ReferenceMean">Mean in the reference.</param>
/// <param name="CurrentMean">Mean in the current window.</param>
/// <param name="ReferenceMedian">Median in the reference.</param>
/// <param name="CurrentMedian">Median in the current window.</param>
/// <param name="ReferenceStd">Standard deviation (ddof 0) in the reference.</param>
/// <param name="CurrentStd">Standard deviation (ddof 0) in the current window.</param>
/// <param name="MeanShiftInReferenceStd">(current mean − reference mean) / max(reference std, 0.001).</param>
/// <param name="Quantiles">The 5th, 25th, 75th and 95th percentiles in both windows (linear interpolation, numpy's default).</param>
public sealed record NumericShift(
    double ReferenceMean,
    double CurrentMean,
    double ReferenceMedian,
    double CurrentMedian,
    double ReferenceStd,
    double CurrentStd,
    double MeanShiftInReferenceStd,
    IReadOnlyList<QuantileShift> Quantiles);

/// <summary>One quantile in both windows.</summary>
public sealed record QuantileShift(double Probability, double Reference, double Current);

/// <summary>How the categories of a column changed.</summary>
/// <param name="NewCategories">Values seen in the current window but never in the reference, most frequent first (ten at most).</param>
/// <param name="VanishedCategories">Reference values absent from the current window, most frequent first (ten at most).</param>
/// <param name="BiggestChanges">Categories whose share changed most, biggest change first.</param>
public sealed record CategoryShift(
    IReadOnlyList<CategoryShare> NewCategories,
    IReadOnlyList<CategoryShare> VanishedCategories,
    IReadOnlyList<CategoryShare> BiggestChanges)
{
    /// <summary>How many categories are new (the list shows at most ten).</summary>
    public int NewCount { get; init; }

    /// <summary>How many categories vanished (the list shows at most ten).</summary>
    public int VanishedCount { get; init; }
}

/// <summary>A category's share of the non-missing values in each window.</summary>
public sealed record CategoryShare(string Category, double ReferenceShare, double CurrentShare)
{
    /// <summary>Current share minus reference share.</summary>
    public double Change => CurrentShare - ReferenceShare;
}

/// <summary>Dataset-level result.</summary>
public sealed record DatasetDrift
{
    /// <summary>Rows in the reference window.</summary>
    public int ReferenceRows { get; init; }

    /// <summary>Rows in the current window.</summary>
    public int CurrentRows { get; init; }

    /// <summary>Columns that were tested (decided).</summary>
    public int ColumnsTested { get; init; }

    /// <summary>Tested columns that drifted.</summary>
    public int ColumnsDrifted { get; init; }

    /// <summary>Drifted / tested; null when nothing could be tested.</summary>
    public double? DriftShare { get; init; }

    /// <summary>Share of the feature importance held by drifted columns; null without importances.</summary>
    public double? WeightedDriftShare { get; init; }

    /// <summary>Dataset drift when a share reaches this.</summary>
    public double ShareThreshold { get; init; }

    /// <summary>True when <see cref="DriftShare"/> ≥ <see cref="ShareThreshold"/>; null when not decided.</summary>
    public bool? Drifted { get; init; }

    /// <summary>True when <see cref="WeightedDriftShare"/> ≥ <see cref="ShareThreshold"/>; null without importances.</summary>
    public bool? WeightedDrifted { get; init; }
}

/// <summary>Accuracy, precision, recall and F1 of a binary classifier (actual or estimated).</summary>
public sealed record ClassificationScores(double Accuracy, double Precision, double Recall, double F1, int Rows);

/// <summary>How well predicted probabilities matched outcomes on the labelled reference.</summary>
/// <param name="ExpectedCalibrationError">Σ over equal-width bins of (bin rows / rows) · |positive rate − mean probability|.</param>
/// <param name="Bins">Number of bins.</param>
/// <param name="Threshold">Poorly calibrated above this.</param>
/// <param name="WellCalibrated">ECE ≤ threshold.</param>
/// <param name="Recalibrated">True when the estimate used probabilities recalibrated on the reference (isotonic regression).</param>
public sealed record CalibrationCheck(double ExpectedCalibrationError, int Bins, double Threshold, bool WellCalibrated, bool Recalibrated);

/// <summary>Model performance: actual where labels exist, estimated (CBPE) for the current window.</summary>
public sealed record PerformanceReport
{
    /// <summary>Actual scores on the reference window (labels present).</summary>
    public ClassificationScores? ReferenceActual { get; init; }

    /// <summary>Confidence-based estimate for the current window from its predicted probabilities.</summary>
    public ClassificationScores? CurrentEstimated { get; init; }

    /// <summary>Actual scores on the current window, when it has labels.</summary>
    public ClassificationScores? CurrentActual { get; init; }

    /// <summary>Calibration of the probabilities on the reference.</summary>
    public CalibrationCheck? Calibration { get; init; }
}

/// <summary>Result of comparing a current window with a reference window.</summary>
public sealed record DriftReport
{
    /// <summary>One entry per feature column, in the reference's column order.</summary>
    public required IReadOnlyList<ColumnDrift> Columns { get; init; }

    /// <summary>Dataset-level drift.</summary>
    public required DatasetDrift Dataset { get; init; }

    /// <summary>Drift of the prediction column (or the probability column when there is no prediction column).</summary>
    public ColumnDrift? Prediction { get; init; }

    /// <summary>Drift of the target column, when both windows have it.</summary>
    public ColumnDrift? Target { get; init; }

    /// <summary>Performance, when predictions (and labels or probabilities) are present.</summary>
    public PerformanceReport? Performance { get; init; }

    /// <summary>Things the reader should know: undecided windows, missing columns, poor calibration.</summary>
    public required IReadOnlyList<string> Warnings { get; init; }
}
