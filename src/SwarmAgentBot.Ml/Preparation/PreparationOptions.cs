using SwarmAgentBot.Ml.AutoMl;

namespace SwarmAgentBot.Ml.Preparation;

/// <summary>How to turn a raw table into features.</summary>
public sealed record PreparationOptions
{
    /// <summary>The column to predict.</summary>
    public required string Target { get; init; }

    /// <summary>The task; null infers it from the target (non-numeric or few integer values → classification).</summary>
    public TaskKind? Task { get; init; }

    /// <summary>Columns never used as features (besides those the leakage guards drop).</summary>
    public IReadOnlyList<string> DropColumns { get; init; } = [];

    /// <summary>Categorical columns with at most this many distinct values are one-hot encoded; above it, frequency + target encoding.</summary>
    public int OneHotMaxCardinality { get; init; } = 10;

    /// <summary>Folds for out-of-fold target encoding of the training rows.</summary>
    public int TargetEncodingFolds { get; init; } = 5;

    /// <summary>Pseudo-count pulling rare categories' target means towards the overall mean.</summary>
    public double TargetEncodingSmoothing { get; init; } = 10;

    /// <summary>For binary tasks, the label counted as positive (class index 1); null: the truthy/greater label.</summary>
    public string? PositiveClass { get; init; }

    /// <summary>Seed for the target-encoding folds.</summary>
    public int Seed { get; init; }

    /// <summary>
    /// Whether to insist on 20 rows and two rows per class. The trainer checks the whole table once, then fits on its
    /// training part, where a two-row class may keep a single row.
    /// </summary>
    internal bool CheckRowCounts { get; init; } = true;
}

/// <summary>A column not used as a feature, and why (identifier, free text, all missing, copy of the target, asked to drop).</summary>
public sealed record DroppedColumn(string Column, string Reason);

/// <summary>How one source column becomes features. Serialised with the model so serving repeats it exactly.</summary>
public sealed record ColumnEncoding
{
    /// <summary>Source column name (the field name in records).</summary>
    public required string Column { get; init; }

    /// <summary>Inferred kind at training time.</summary>
    public required Tabular.ColumnKind Kind { get; init; }

    /// <summary>numeric, boolean, onehot, frequency_target, datetime or text.</summary>
    public required string Encoding { get; init; }

    /// <summary>First feature index produced by this column.</summary>
    public int Offset { get; init; }

    /// <summary>Features produced by this column.</summary>
    public int Width { get; init; }

    /// <summary>One-hot categories in feature order.</summary>
    public string[]? Categories { get; init; }

    /// <summary>Category → share of training rows (frequency encoding).</summary>
    public Dictionary<string, double>? Frequencies { get; init; }

    /// <summary>Category → smoothed target statistics (one value for binary/regression, one per class for multiclass).</summary>
    public Dictionary<string, double[]>? TargetMeans { get; init; }

    /// <summary>Target statistics over all training rows: the value for unseen or missing categories.</summary>
    public double[]? TargetPrior { get; init; }

    /// <summary>For text columns, the words flagged as 0/1 features (after length and word count), lower case.</summary>
    public string[]? Words { get; init; }

    /// <summary>For datetime columns, the format that parsed every training value.</summary>
    public string? DateFormat { get; init; }

    /// <summary>For datetime columns, the parts produced: year, month, day, dayofweek, hour, days (since 1970-01-01).</summary>
    public string[]? DateParts { get; init; }
}
