namespace SwarmAgentBot.Ml.Xgboost;

/// <summary>
/// A booster scored in managed code with XGBoost's own arithmetic (<see cref="LinearScorer"/> for gblinear,
/// <see cref="TreeScorer"/> for gbtree). Read-only after creation: safe to call from several threads at once.
/// </summary>
public interface IManagedScorer
{
    /// <summary>Values per row: 1 for regression and binary (probability of class 1), the class count for multi:softprob.</summary>
    int Outputs { get; }

    /// <summary>
    /// Scores <paramref name="rows"/> rows of <paramref name="columns"/> values (row-major, NaN = missing) into
    /// <paramref name="output"/> (rows × <see cref="Outputs"/>), as XGBoost's prediction (not margin) would.
    /// </summary>
    void Score(ReadOnlySpan<float> values, int rows, int columns, Span<float> output);
}
