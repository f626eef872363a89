namespace SwarmAgentBot.Ml.AutoMl;

/// <summary>What to train and within which limits.</summary>
public sealed record AutoMlOptions
{
    /// <summary>Longest time budget accepted.</summary>
    public static readonly TimeSpan MaxTimeBudget = TimeSpan.FromHours(24);

    /// <summary>The column to predict.</summary>
    public required string Target { get; init; }

    /// <summary>The task; null detects it from the target (see <see cref="Preparation.FeaturePreparation.Fit"/>).</summary>
    public TaskKind? Task { get; init; }

    /// <summary>Metric to optimise (f1, macro_f1, auc, accuracy, logloss, rmse, mae, r2); null: the task's default (auc, logloss, r2).</summary>
    public string? Metric { get; init; }

    /// <summary>Wall-clock budget for the whole run (search, refit, test evaluation). 1 s to 24 h.</summary>
    public TimeSpan TimeBudget { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Seed for splits, folds, the search and XGBoost.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Share of rows held out (stratified) for the test metrics in the bundle; 0 keeps every row for training (no test metrics).</summary>
    public double TestFraction { get; init; } = 0.2;

    /// <summary>Learners to try: "xgb_tree" (gbtree, hist), "xgb_forest" (random-forest mode), "xgb_linear" (gblinear). Null: all three.</summary>
    public IReadOnlyList<string>? Learners { get; init; }

    /// <summary>Stop after this many trials even if time is left (null: time decides). With a trial cap that the budget does not cut short, runs are reproducible.</summary>
    public int? MaxTrials { get; init; }

    /// <summary>XGBoost threads; 0 uses every core.</summary>
    public int Threads { get; init; }

    /// <summary>Columns never used as features.</summary>
    public IReadOnlyList<string> DropColumns { get; init; } = [];

    /// <summary>Cross-validation folds; null: 10-fold up to 1,000 training rows, 3-fold up to 5,000, else a 20% validation split.</summary>
    public int? Folds { get; init; }

    /// <summary>For f1/macro_f1: tune the decision threshold (binary) or prior-based class weights (multiclass) on validation predictions; kept only when it gains on validation.</summary>
    public bool TuneDecisionRule { get; init; } = true;

    /// <summary>For binary tasks, the positive class for f1 (null: the truthy/greater label).</summary>
    public string? PositiveClass { get; init; }

    /// <summary>Learners, normalised; throws <see cref="TrainingInputException"/> on unknown names.</summary>
    public IReadOnlyList<string> ResolveLearners()
    {
        if (Learners is null || Learners.Count == 0) return LearnerNames.All;
        var unknown = Learners.Where(l => !LearnerNames.All.Contains(l)).ToList();
        if (unknown.Count > 0) throw new TrainingInputException($"Unknown learner(s) {string.Join(", ", unknown)}. Use {string.Join(", ", LearnerNames.All)}.");
        return Learners.Distinct().ToList();
    }

    /// <summary>Checks the limits; throws <see cref="TrainingInputException"/> with a user-facing message.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Target)) throw new TrainingInputException("Say which column to predict (the target).");
        if (TimeBudget <= TimeSpan.Zero) throw new TrainingInputException($"The time budget must be positive (got {TimeBudget.TotalSeconds:0.#} s): give at least 1 second, e.g. 60.");
        if (TimeBudget < TimeSpan.FromSeconds(1)) throw new TrainingInputException($"The time budget of {TimeBudget.TotalMilliseconds:0} ms is too short: give at least 1 second.");
        if (TimeBudget > MaxTimeBudget) throw new TrainingInputException($"The time budget of {TimeBudget.TotalHours:0.#} h is too long: at most 24 hours (86400 s).");
        if (TestFraction is < 0 or > 0.5) throw new TrainingInputException($"The test fraction must be between 0 and 0.5 (got {TestFraction}).");
        if (MaxTrials is < 1) throw new TrainingInputException("MaxTrials must be at least 1.");
        if (Folds is < 2 or > 20) throw new TrainingInputException("Folds must be between 2 and 20.");
        if (Threads < 0) throw new TrainingInputException("Threads must be 0 (all cores) or more.");
        ResolveLearners();
    }
}

/// <summary>The learners the search knows.</summary>
public static class LearnerNames
{
    /// <summary>Gradient-boosted trees (booster gbtree, tree_method hist), with early stopping.</summary>
    public const string Tree = "xgb_tree";

    /// <summary>XGBoost random-forest mode: one round of num_parallel_tree trees with row and column subsampling.</summary>
    public const string Forest = "xgb_forest";

    /// <summary>Linear model (booster gblinear) with elastic-net regularisation, with early stopping.</summary>
    public const string Linear = "xgb_linear";

    /// <summary>All of them, in the order the search starts them.</summary>
    public static readonly IReadOnlyList<string> All = [Tree, Forest, Linear];
}

/// <summary>Progress of a training run, reported after every trial and at each stage.</summary>
/// <param name="Trial">Trials finished so far.</param>
/// <param name="Stage">search, refit, evaluate or done.</param>
/// <param name="BestLearner">Learner of the best trial so far.</param>
/// <param name="BestScore">Its validation score (in <paramref name="Metric"/>).</param>
/// <param name="Metric">The metric being optimised.</param>
/// <param name="Elapsed">Time since the run started.</param>
/// <param name="Remaining">Budget left.</param>
public sealed record TrainingProgress(int Trial, string Stage, string? BestLearner, double? BestScore, string Metric, TimeSpan Elapsed, TimeSpan Remaining);

/// <summary>One trial of the search.</summary>
/// <param name="Trial">1-based trial number.</param>
/// <param name="Learner">xgb_tree, xgb_forest or xgb_linear.</param>
/// <param name="Parameters">XGBoost parameters tried (name → value as text).</param>
/// <param name="Score">Validation score in the run's metric (NaN when the trial failed or was cut off).</param>
/// <param name="Seconds">Wall-clock seconds the trial took.</param>
/// <param name="Rounds">Boosting rounds kept (best iteration + 1).</param>
/// <param name="Status">ok, stopped (cut by the deadline) or failed: reason.</param>
public sealed record LeaderboardEntry(int Trial, string Learner, IReadOnlyDictionary<string, string> Parameters, double Score, double Seconds, int Rounds, string Status);

/// <summary>How probabilities become a label: a threshold on P(class 1) for binary tasks, per-class weights (argmax of weight × probability) for multiclass.</summary>
/// <param name="Threshold">Binary: predict class 1 when P(class 1) ≥ this (0.5 unless tuned).</param>
/// <param name="ClassWeights">Multiclass: multipliers per class (null = all 1).</param>
public sealed record DecisionRule(double Threshold = 0.5, double[]? ClassWeights = null)
{
    /// <summary>Picks the class for one row of probabilities (binary: length 1 = P(class 1)).</summary>
    public int Decide(ReadOnlySpan<float> probabilities)
    {
        if (probabilities.Length == 1) return probabilities[0] >= Threshold ? 1 : 0;
        if (ClassWeights is null) return Metrics.ArgMax(probabilities);
        var best = 0;
        var bestValue = double.NegativeInfinity;
        for (var c = 0; c < probabilities.Length; c++)
        {
            var v = probabilities[c] * ClassWeights[c];
            if (v > bestValue) { bestValue = v; best = c; }
        }
        return best;
    }
}

/// <summary>Share of the model's total gain that comes from one original column (features from one-hot, date parts etc. summed).</summary>
public sealed record FeatureImportance(string Column, double Importance);

/// <summary>What a run produced.</summary>
/// <param name="Bundle">The trained model with its preparation, metrics, leaderboard and provenance.</param>
/// <param name="Elapsed">Wall-clock time of the whole run.</param>
public sealed record TrainingResult(ModelBundle Bundle, TimeSpan Elapsed)
{
    /// <summary>Every trial, in order.</summary>
    public IReadOnlyList<LeaderboardEntry> Leaderboard => Bundle.Leaderboard;

    /// <summary>Metrics on the held-out test rows (empty when TestFraction was 0).</summary>
    public IReadOnlyDictionary<string, double> TestMetrics => Bundle.TestMetrics;
}
