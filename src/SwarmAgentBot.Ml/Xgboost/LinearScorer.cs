using System.Globalization;
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
public sealed class LinearScorer
{
    private enum Transform { Identity, Sigmoid, Softmax }

    private readonly float[] _weights; // feature-major: weight of feature f for output g at f × outputs + g; then one bias per output
    private readonly int _features;
    private readonly float _baseMargin;
    private readonly Transform _transform;

    private LinearScorer(float[] weights, int features, int outputs, float baseMargin, Transform transform)
    {
        _weights = weights;
        _features = features;
        Outputs = outputs;
        _baseMargin = baseMargin;
        _transform = transform;
    }

    /// <summary>Values per row: 1 for regression and binary (probability of class 1), the class count for multi:softprob.</summary>
    public int Outputs { get; }

    /// <summary>
    /// A scorer for a booster saved as JSON when it is a gblinear model with an objective this class knows
    /// (binary:logistic, reg:logistic, reg:squarederror, reg:linear, multi:softprob) and, checked on probe rows of
    /// <paramref name="columns"/> features, it gives what <paramref name="booster"/> predicts to within float rounding;
    /// otherwise null (keep predicting with XGBoost).
    /// </summary>
    public static LinearScorer? TryCreate(ReadOnlySpan<byte> modelJson, Booster booster, int columns)
    {
        var scorer = Parse(modelJson);
        return scorer is not null && scorer.Agrees(booster, columns) ? scorer : null;
    }

    private static LinearScorer? Parse(ReadOnlySpan<byte> modelJson)
    {
        try
        {
            using var document = JsonDocument.Parse(modelJson.ToArray());
            var learner = document.RootElement.GetProperty("learner");
            var booster = learner.GetProperty("gradient_booster");
            if (booster.GetProperty("name").GetString() != "gblinear") return null;
            var parameters = learner.GetProperty("learner_model_param");
            var features = Number(parameters, "num_feature");
            var classes = Number(parameters, "num_class");
            if (parameters.TryGetProperty("num_target", out _) && Number(parameters, "num_target") > 1) return null;
            var baseScore = float.Parse(parameters.GetProperty("base_score").GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture);
            var (transform, baseMargin) = learner.GetProperty("objective").GetProperty("name").GetString() switch
            {
                "binary:logistic" or "reg:logistic" when baseScore is > 0 and < 1 => (Transform.Sigmoid, -MathF.Log(1f / baseScore - 1f)),
                "reg:squarederror" or "reg:linear" => (Transform.Identity, baseScore),
                "multi:softprob" when classes > 1 => (Transform.Softmax, baseScore),
                _ => ((Transform?)null, 0f),
            };
            if (transform is null) return null;
            var outputs = Math.Max(1, classes);
            var weights = booster.GetProperty("model").GetProperty("weights").EnumerateArray().Select(w => w.GetSingle()).ToArray();
            return weights.Length == (features + 1) * outputs ? new LinearScorer(weights, features, outputs, baseMargin, transform.Value) : null;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    private static int Number(JsonElement parameters, string name) =>
        int.Parse(parameters.GetProperty(name).GetString()!, NumberStyles.Integer, CultureInfo.InvariantCulture);

    /// <summary>
    /// Scores <paramref name="rows"/> rows of <paramref name="columns"/> values (row-major, NaN = missing) into
    /// <paramref name="output"/> (rows × <see cref="Outputs"/>), as XGBoost's prediction (not margin) would.
    /// </summary>
    public void Score(ReadOnlySpan<float> values, int rows, int columns, Span<float> output)
    {
        if (values.Length < rows * columns || output.Length < rows * Outputs) throw new ArgumentException($"Expected {rows}×{columns} values and room for {rows}×{Outputs} outputs.");
        var k = Outputs;
        var used = Math.Min(columns, _features);
        var bias = _features * k;
        for (var r = 0; r < rows; r++)
        {
            var row = values.Slice(r * columns, used);
            var scores = output.Slice(r * k, k);
            for (var g = 0; g < k; g++)
            {
                var sum = _weights[bias + g] + _baseMargin;
                for (var f = 0; f < row.Length; f++)
                {
                    var x = row[f];
                    // XGBoost drops missing values when it builds the matrix. The product is rounded before it is added,
                    // as in XGBoost's build (.NET never fuses the two into one multiply-add by itself).
                    if (!float.IsNaN(x)) sum += x * _weights[f * k + g];
                }
                scores[g] = sum;
            }
            switch (_transform)
            {
                case Transform.Sigmoid:
                    for (var g = 0; g < k; g++) scores[g] = 1f / (1f + MathF.Exp(-scores[g]));
                    break;
                case Transform.Softmax:
                    Softmax(scores);
                    break;
            }
        }
    }

    private static void Softmax(Span<float> scores)
    {
        var max = scores[0];
        for (var i = 1; i < scores.Length; i++) max = MathF.Max(scores[i], max);
        double total = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            scores[i] = MathF.Exp(scores[i] - max);
            total += scores[i];
        }
        for (var i = 0; i < scores.Length; i++) scores[i] /= (float)total;
    }

    /// <summary>Whether this scorer gives the booster's predictions on probe rows: zeros, missing values, large and random values.</summary>
    private bool Agrees(Booster booster, int columns)
    {
        const int rows = 64;
        var probe = new float[rows * columns];
        var random = new Random(20_231);
        for (var i = 0; i < probe.Length; i++)
        {
            var r = i / columns;
            probe[i] = r switch
            {
                0 => 0f,
                1 => float.NaN,
                2 => 1f,
                3 => -1f,
                4 => 1e3f,
                _ => random.Next(8) == 0 ? float.NaN : (float)(random.NextDouble() * 6 - 3) * (random.Next(4) == 0 ? 50f : 1f),
            };
        }
        using var matrix = DMatrix.FromDense(probe, rows, columns, threads: 1);
        var expected = booster.Predict(matrix);
        if (expected.Length != rows * Outputs) return false;
        var actual = new float[rows * Outputs];
        Score(probe, rows, columns, actual);
        for (var i = 0; i < actual.Length; i++)
            if (!(Math.Abs(actual[i] - expected[i]) <= 1e-6 * Math.Max(1, Math.Abs(expected[i])))) return false;
        return true;
    }
}
