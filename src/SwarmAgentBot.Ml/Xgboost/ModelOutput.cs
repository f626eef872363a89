using System.Globalization;
using System.Text.Json;

namespace SwarmAgentBot.Ml.Xgboost;

/// <summary>
/// What the managed scorers (<see cref="LinearScorer"/>, <see cref="TreeScorer"/>) share about a saved XGBoost 1.7 model:
/// the number of outputs per row, the base margin every output starts from, and the objective's transform from margins
/// to predictions, all read from the learner's JSON; and the check on probe rows that a scorer reproduces the booster.
/// </summary>
internal sealed class ModelOutput
{
    private enum Transform { Identity, Sigmoid, Softmax }

    private readonly Transform _transform;

    private ModelOutput(int outputs, float baseMargin, Transform transform)
    {
        Outputs = outputs;
        BaseMargin = baseMargin;
        _transform = transform;
    }

    /// <summary>Values per row: 1 for regression and binary (probability of class 1), the class count for multi:softprob.</summary>
    public int Outputs { get; }

    /// <summary>The margin each output starts from: base_score, or its logit for the logistic objectives (as XGBoost turns it).</summary>
    public float BaseMargin { get; }

    /// <summary>Features the model was trained on (learner_model_param.num_feature).</summary>
    public int Features { get; private init; }

    /// <summary>
    /// Reads the learner's outputs for an objective the managed scorers know (binary:logistic, reg:logistic,
    /// reg:squarederror, reg:linear, multi:softprob) with one target; otherwise null (keep predicting with XGBoost).
    /// </summary>
    private static ModelOutput? Read(JsonElement learner)
    {
        var parameters = learner.GetProperty("learner_model_param");
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
        return transform is null ? null : new ModelOutput(Math.Max(1, classes), baseMargin, transform.Value) { Features = Number(parameters, "num_feature") };
    }

    /// <summary>An integer parameter as XGBoost writes it (a JSON string).</summary>
    public static int Number(JsonElement parameters, string name) =>
        int.Parse(parameters.GetProperty(name).GetString()!, NumberStyles.Integer, CultureInfo.InvariantCulture);

    /// <summary>
    /// Reads a saved model whose gradient booster is <paramref name="boosterName"/> (gbtree, gblinear) and whose objective
    /// <see cref="Read"/> knows, and hands its booster's "model" object to <paramref name="build"/>; null for any other model
    /// or one that does not read as XGBoost 1.7's JSON schema.
    /// </summary>
    public static T? ParseModel<T>(ReadOnlySpan<byte> modelJson, string boosterName, Func<JsonElement, ModelOutput, T?> build) where T : class
    {
        try
        {
            using var document = JsonDocument.Parse(modelJson.ToArray());
            var learner = document.RootElement.GetProperty("learner");
            var booster = learner.GetProperty("gradient_booster");
            if (booster.GetProperty("name").GetString() != boosterName) return null;
            return Read(learner) is { } output ? build(booster.GetProperty("model"), output) : null;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or OverflowException)
        {
            return null;
        }
    }

    /// <summary>Turns one row's margins into predictions in place, with XGBoost's float arithmetic.</summary>
    public void Apply(Span<float> scores)
    {
        switch (_transform)
        {
            case Transform.Sigmoid:
                for (var g = 0; g < scores.Length; g++) scores[g] = 1f / (1f + MathF.Exp(-scores[g]));
                break;
            case Transform.Softmax:
                Softmax(scores);
                break;
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

    /// <summary>
    /// Whether <paramref name="score"/> gives <paramref name="predict"/>'s outputs (XGBoost, over the path the caller serves
    /// with) to within float rounding on probe rows: zeros, missing values, ±1, large and random values, then
    /// <paramref name="extraRows"/> (e.g. values on a tree's split thresholds).
    /// </summary>
    /// <param name="columns">Features per row.</param>
    /// <param name="predict">XGBoost's predictions for rows (row-major values, row count).</param>
    /// <param name="score">The managed scorer: values, rows, output (rows × <see cref="Outputs"/>).</param>
    /// <param name="extraRows">Further probe rows of <paramref name="columns"/> values each.</param>
    public bool Agrees(int columns, Func<float[], int, float[]> predict, ScoreRows score, IReadOnlyList<float[]>? extraRows = null)
    {
        const int randomRows = 64;
        var extra = extraRows ?? [];
        var rows = randomRows + extra.Count;
        var probe = new float[rows * columns];
        var random = new Random(20_231);
        for (var i = 0; i < randomRows * columns; i++)
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
        for (var r = 0; r < extra.Count; r++) extra[r].AsSpan(0, columns).CopyTo(probe.AsSpan((randomRows + r) * columns, columns));
        var expected = predict(probe, rows);
        if (expected.Length != rows * Outputs) return false;
        var actual = new float[rows * Outputs];
        score(probe, rows, actual);
        for (var i = 0; i < actual.Length; i++)
            if (!(Math.Abs(actual[i] - expected[i]) <= 1e-6 * Math.Max(1, Math.Abs(expected[i])))) return false;
        return true;
    }

    /// <summary>A managed scorer's entry point for <see cref="Agrees"/>.</summary>
    public delegate void ScoreRows(ReadOnlySpan<float> values, int rows, Span<float> output);
}
