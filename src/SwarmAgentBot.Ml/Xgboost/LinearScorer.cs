using System.Text.Json;

namespace SwarmAgentBot.Ml.Xgboost;

/// <summary>
/// A gblinear model scored in managed code with XGBoost 1.7's arithmetic: per output, the bias plus the base margin,
/// then weight × value added in float over the present (non-NaN) features in feature order, then the objective's
/// transform (sigmoid, softmax or none). XGBoost has no in-place path for gblinear, so each of its predictions
/// builds a DMatrix and goes through the learner's configuration and caches: for a bagged bundle of linear models
/// that machinery, not the dot products, is nearly all of the serving time. Use <see cref="TryCreate"/>, which
/// returns a scorer only when it gives XGBoost's own outputs on probe rows.
/// </summary>
public sealed class LinearScorer : IManagedScorer
{
    private readonly float[] _weights; // feature-major: weight of feature f for output g at f × outputs + g; then one bias per output
    private readonly int _features;
    private readonly ModelOutput _output;

    private LinearScorer(float[] weights, int features, ModelOutput output)
    {
        _weights = weights;
        _features = features;
        _output = output;
    }

    /// <inheritdoc />
    public int Outputs => _output.Outputs;

    /// <summary>
    /// A scorer for a booster saved as JSON when it is a gblinear model with an objective this class knows
    /// (binary:logistic, reg:logistic, reg:squarederror, reg:linear, multi:softprob) and, checked on probe rows of
    /// <paramref name="columns"/> features, it gives what <paramref name="booster"/> predicts to within float rounding;
    /// otherwise null (keep predicting with XGBoost).
    /// </summary>
    public static LinearScorer? TryCreate(ReadOnlySpan<byte> modelJson, Booster booster, int columns)
    {
        var scorer = Parse(modelJson);
        return scorer is not null && scorer._output.Agrees(columns, (probe, rows) => PredictThroughDMatrix(booster, probe, rows, columns),
            (values, rows, output) => scorer.Score(values, rows, columns, output)) ? scorer : null;
    }

    // gblinear has no in-place path in 1.7: the Predictor scores it through a DMatrix, so the probe does too.
    private static float[] PredictThroughDMatrix(Booster booster, float[] probe, int rows, int columns)
    {
        using var matrix = DMatrix.FromDense(probe, rows, columns, threads: 1);
        return booster.Predict(matrix);
    }

    private static LinearScorer? Parse(ReadOnlySpan<byte> modelJson) =>
        ModelOutput.ParseModel(modelJson, "gblinear", (model, output) =>
        {
            var weights = model.GetProperty("weights").EnumerateArray().Select(w => w.GetSingle()).ToArray();
            return weights.Length == (output.Features + 1) * output.Outputs ? new LinearScorer(weights, output.Features, output) : null;
        });

    /// <inheritdoc />
    public void Score(ReadOnlySpan<float> values, int rows, int columns, Span<float> output)
    {
        if (values.Length < rows * columns || output.Length < rows * Outputs) throw new ArgumentException($"Expected {rows}×{columns} values and room for {rows}×{Outputs} outputs.");
        var k = Outputs;
        var used = Math.Min(columns, _features);
        var bias = _features * k;
        var baseMargin = _output.BaseMargin;
        for (var r = 0; r < rows; r++)
        {
            var row = values.Slice(r * columns, used);
            var scores = output.Slice(r * k, k);
            for (var g = 0; g < k; g++)
            {
                var sum = _weights[bias + g] + baseMargin;
                for (var f = 0; f < row.Length; f++)
                {
                    var x = row[f];
                    // XGBoost drops missing values when it builds the matrix. The product is rounded before it is added,
                    // as in XGBoost's build (.NET never fuses the two into one multiply-add by itself).
                    if (!float.IsNaN(x)) sum += x * _weights[f * k + g];
                }
                scores[g] = sum;
            }
            _output.Apply(scores);
        }
    }
}
