using System.Globalization;
using System.Text;
using SwarmAgentBot.Ml.Preparation;
using SwarmAgentBot.Ml.Tabular;
using SwarmAgentBot.Ml.Xgboost;

namespace SwarmAgentBot.Ml.AutoMl;

/// <summary>One prediction.</summary>
/// <param name="Label">Classification: the predicted class label (after the bundle's decision rule); regression: null.</param>
/// <param name="Value">Regression: the predicted value; classification: null.</param>
/// <param name="Probabilities">Classification: one probability per class, in <see cref="Predictor.ClassLabels"/> order; regression: null.</param>
public sealed record Prediction(string? Label, double? Value, double[]? Probabilities);

/// <summary>
/// Serves a <see cref="ModelBundle"/>: applies the bundle's preparation to raw records (or a CSV table) and
/// returns labels with per-class probabilities, or values. It keeps one loaded Booster; single-record calls go
/// through a pre-allocated in-place scorer. Thread-safe (single-record calls are serialised on a lock).
/// </summary>
public sealed class Predictor : IDisposable
{
    private readonly Booster _booster;
    private readonly DenseScorer _scorer;
    private readonly object _gate = new();
    private readonly int _threads;

    private Predictor(ModelBundle bundle, int threads)
    {
        Bundle = bundle;
        _threads = threads;
        _booster = Booster.Load(bundle.ModelJson);
        // One record at a time is fastest on one thread: no fork/join overhead.
        _booster.SetParameter("nthread", "1");
        _scorer = new DenseScorer(_booster, bundle.Preparation.FeatureCount, maxRows: 1, inplace: bundle.Learner != LearnerNames.Linear);
    }

    /// <summary>Creates a predictor for a bundle in memory.</summary>
    /// <param name="bundle">The model bundle.</param>
    /// <param name="batchThreads">Threads for <see cref="PredictTable"/> (0 = all cores).</param>
    public static Predictor Create(ModelBundle bundle, int batchThreads = 0) => new(bundle, batchThreads);

    /// <summary>Loads a bundle (folder or zip) and creates a predictor.</summary>
    public static async Task<Predictor> LoadAsync(string path, CancellationToken cancellationToken = default) =>
        new(await ModelBundle.LoadAsync(path, cancellationToken), 0);

    /// <summary>The bundle served.</summary>
    public ModelBundle Bundle { get; }

    /// <summary>The task.</summary>
    public TaskKind Task => Bundle.Task;

    /// <summary>Class labels by index (empty for regression).</summary>
    public IReadOnlyList<string> ClassLabels => Bundle.ClassLabels;

    /// <summary>Fields a record must carry.</summary>
    public IReadOnlyList<string> InputColumns => Bundle.Preparation.InputColumns;

    /// <summary>Predicts one raw record (field → string, number, bool, JsonElement or null).</summary>
    /// <exception cref="RecordValidationException">A field is missing or mistyped; the exception names it.</exception>
    public Prediction Predict(IReadOnlyDictionary<string, object?> record)
    {
        lock (_gate)
        {
            var input = _scorer.Input;
            Bundle.Preparation.TransformRecord(record, input);
            return Interpret(_scorer.Score(1));
        }
    }

    /// <summary>
    /// Predicts every row of a table (e.g. a CSV), in order. Columns are matched by name; a missing column or a bad
    /// cell raises <see cref="RecordValidationException"/> naming the column and line.
    /// </summary>
    public IReadOnlyList<Prediction> PredictTable(TabularData data)
    {
        var features = Bundle.Preparation.Transform(data);
        var scores = ScoreMatrix(features);
        var width = scores.Length / Math.Max(1, data.RowCount);
        var result = new Prediction[data.RowCount];
        for (var r = 0; r < result.Length; r++) result[r] = Interpret(scores.AsSpan(r * width, width));
        return result;
    }

    /// <summary>Raw model output for a prepared matrix: P(class 1) per row (binary), rows × classes (multiclass) or values (regression).</summary>
    public float[] ScoreMatrix(FeatureMatrix features)
    {
        if (features.Rows == 0) return [];
        using var matrix = DMatrix.FromDense(features.Values, features.Rows, features.Columns, _threads);
        lock (_gate)
        {
            _booster.SetParameter("nthread", _threads.ToString(CultureInfo.InvariantCulture));
            try
            {
                return _booster.Predict(matrix);
            }
            finally
            {
                _booster.SetParameter("nthread", "1");
            }
        }
    }

    /// <summary>
    /// Writes predictions as CSV, one line per input row in order: <c>prediction</c> (label or value), then for
    /// classification one <c>proba_&lt;class&gt;</c> column per class.
    /// </summary>
    public async Task WriteCsvAsync(IReadOnlyList<Prediction> predictions, TextWriter writer, CancellationToken cancellationToken = default)
    {
        var header = new StringBuilder("prediction");
        foreach (var label in ClassLabels) header.Append(',').Append(CsvTable.Quote("proba_" + label));
        await writer.WriteLineAsync(header, cancellationToken);
        var line = new StringBuilder();
        foreach (var p in predictions)
        {
            line.Clear();
            if (p.Label is not null) line.Append(CsvTable.Quote(p.Label));
            else line.Append(p.Value!.Value.ToString("R", CultureInfo.InvariantCulture));
            if (p.Probabilities is not null)
                foreach (var q in p.Probabilities) line.Append(',').Append(q.ToString("0.######", CultureInfo.InvariantCulture));
            await writer.WriteLineAsync(line, cancellationToken);
        }
    }

    private Prediction Interpret(ReadOnlySpan<float> scores)
    {
        switch (Task)
        {
            case TaskKind.Regression:
                return new Prediction(null, scores[0], null);
            case TaskKind.BinaryClassification:
            {
                var p1 = scores[0];
                var label = ClassLabels[Bundle.DecisionRule.Decide(scores[..1])];
                return new Prediction(label, null, [1 - (double)p1, p1]);
            }
            default:
            {
                var probabilities = new double[scores.Length];
                for (var i = 0; i < scores.Length; i++) probabilities[i] = scores[i];
                return new Prediction(ClassLabels[Bundle.DecisionRule.Decide(scores)], null, probabilities);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _scorer.Dispose();
        _booster.Dispose();
    }
}
