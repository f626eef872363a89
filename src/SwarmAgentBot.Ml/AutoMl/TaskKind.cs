namespace SwarmAgentBot.Ml.AutoMl;

/// <summary>The learning task.</summary>
public enum TaskKind
{
    /// <summary>Two classes.</summary>
    BinaryClassification,
    /// <summary>Three or more classes.</summary>
    MulticlassClassification,
    /// <summary>A numeric target.</summary>
    Regression,
}

/// <summary>Names of tasks and metrics as users and the intent contract spell them.</summary>
public static class TaskNames
{
    /// <summary>"binary", "multiclass" or "regression".</summary>
    public static string ToName(this TaskKind task) => task switch
    {
        TaskKind.BinaryClassification => "binary",
        TaskKind.MulticlassClassification => "multiclass",
        _ => "regression",
    };

    /// <summary>
    /// Parses a task name: binary, multiclass, regression, or "classification" (null: binary or multiclass is
    /// decided from the number of classes). Throws <see cref="TrainingInputException"/> for anything else.
    /// </summary>
    public static TaskKind? Parse(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        null or "" or "auto" or "classification" => null,
        "binary" or "binary_classification" => TaskKind.BinaryClassification,
        "multiclass" or "multiclass_classification" or "multi" => TaskKind.MulticlassClassification,
        "regression" or "regress" => TaskKind.Regression,
        _ => throw new TrainingInputException($"Unknown task '{name}'. Use binary, multiclass, classification or regression."),
    };

    /// <summary>True when the name asks for classification without saying binary or multiclass.</summary>
    public static bool IsGenericClassification(string? name) => string.Equals(name?.Trim(), "classification", StringComparison.OrdinalIgnoreCase);
}
