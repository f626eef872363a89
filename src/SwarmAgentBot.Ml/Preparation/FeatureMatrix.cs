namespace SwarmAgentBot.Ml.Preparation;

/// <summary>A dense, row-major feature matrix (NaN = missing) ready for XGBoost.</summary>
/// <param name="Values">rows × columns values.</param>
/// <param name="Rows">Row count.</param>
/// <param name="Columns">Feature count.</param>
public sealed record FeatureMatrix(float[] Values, int Rows, int Columns)
{
    /// <summary>One row's features.</summary>
    public ReadOnlySpan<float> Row(int row) => Values.AsSpan(row * Columns, Columns);

    /// <summary>A matrix with the given rows, in order.</summary>
    public FeatureMatrix SelectRows(IReadOnlyList<int> rows)
    {
        var values = new float[rows.Count * Columns];
        for (var i = 0; i < rows.Count; i++) Row(rows[i]).CopyTo(values.AsSpan(i * Columns, Columns));
        return new FeatureMatrix(values, rows.Count, Columns);
    }
}
