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
/// returns labels with per-class probabilities, or values. It keeps one loaded Booster per ensemble member; single-record
/// calls go through a pre-allocated in-place scorer, and members are scored in managed code where a managed scorer
/// reproduces XGBoost's outputs (<see cref="TreeScorer"/> for trees, <see cref="LinearScorer"/> for linear models; checked at load). Thread-safe (single-record calls are serialised on a lock).
/// </summary>
public sealed class Predictor : IDisposable
{
    private readonly Booster[] _boosters;
    private readonly DenseScorer[] _scorers;
    private readonly double[] _weights;
    private readonly bool[] _inplace;
    private readonly IManagedScorer?[] _managed;
    private readonly float[] _average;
    private readonly float[] _memberRow;
    private readonly bool _canSplitRows;
    private readonly object _gate = new();
    private readonly int _threads;

    private Predictor(ModelBundle bundle, int threads, bool managedScoring)
    {
        Bundle = bundle;
        _threads = threads;
        var members = bundle.AllMembers;
        _weights = members.Select(m => m.Weight).ToArray();
        _inplace = members.Select(m => m.Learner != LearnerNames.Linear).ToArray();
        _boosters = new Booster[members.Count];
        _scorers = new DenseScorer[members.Count];
        _managed = new IManagedScorer?[members.Count];
        try
        {
            for (var i = 0; i < members.Count; i++)
            {
                _boosters[i] = Booster.Load(members[i].ModelJson);
                // One record at a time is fastest on one thread: no fork/join overhead.
                _boosters[i].SetParameter("nthread", "1");
                _scorers[i] = new DenseScorer(_boosters[i], bundle.Preparation.FeatureCount, maxRows: 1, inplace: _inplace[i]);
                // Members are scored in managed code when that gives XGBoost's own numbers (checked here, once): a single
                // record then costs a walk over the trees rather than an XGBoost call per member.
                if (managedScoring) _managed[i] = ManagedScorer(members[i].ModelJson, _boosters[i], _inplace[i], bundle.Preparation.FeatureCount);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
        _average = new float[Math.Max(1, bundle.Task == TaskKind.MulticlassClassification ? bundle.ClassLabels.Count : 1)];
        _memberRow = new float[_average.Length];
        _canSplitRows = _inplace.Select((inplace, m) => inplace || _managed[m] is not null).All(ok => ok);
    }

    private static IManagedScorer? ManagedScorer(byte[] modelJson, Booster booster, bool trees, int columns) =>
        trees ? TreeScorer.TryCreate(modelJson, booster, columns) : LinearScorer.TryCreate(modelJson, booster, columns);

    /// <summary>Members scored in managed code (<see cref="TreeScorer"/>, <see cref="LinearScorer"/>) rather than through XGBoost.</summary>
    public int ManagedMembers => _managed.Count(l => l is not null);

    /// <summary>Creates a predictor for a bundle in memory.</summary>
    /// <param name="bundle">The model bundle.</param>
    /// <param name="batchThreads">Threads for <see cref="PredictTable"/> (0 = all cores).</param>
    /// <param name="managedScoring">False to score every member through XGBoost (e.g. to compare the two in a benchmark).</param>
    public static Predictor Create(ModelBundle bundle, int batchThreads = 0, bool managedScoring = true) => new(bundle, batchThreads, managedScoring);

    /// <summary>Loads a bundle (folder or zip) and creates a predictor.</summary>
    public static async Task<Predictor> LoadAsync(string path, CancellationToken cancellationToken = default) =>
        new(await ModelBundle.LoadAsync(path, cancellationToken), 0, managedScoring: true);

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
            Bundle.Preparation.TransformRecord(record, _scorers[0].Input);
            return ScorePreparedRowLocked();
        }
    }

    /// <summary>
    /// Predicts rows already prepared by <see cref="FeaturePreparation"/> (row-major, <see cref="FeaturePreparation.FeatureCount"/>
    /// values per row, NaN = missing): one row goes through the pre-allocated single-row scorer, more rows through one
    /// in-place XGBoost call.
    /// </summary>
    public Prediction[] PredictPrepared(ReadOnlySpan<float> features, int rows)
    {
        var width = Bundle.Preparation.FeatureCount;
        if (rows < 1 || features.Length < rows * width) throw new ArgumentException($"Expected {rows} rows of {width} features, got {features.Length} values.", nameof(features));
        if (rows == 1)
        {
            lock (_gate)
            {
                features[..width].CopyTo(_scorers[0].Input);
                return [ScorePreparedRowLocked()];
            }
        }
        var scores = ScoreDense(features[..(rows * width)], rows, width);
        var k = scores.Length / rows;
        var result = new Prediction[rows];
        for (var r = 0; r < rows; r++) result[r] = Interpret(scores.AsSpan(r * k, k));
        return result;
    }

    /// <summary>Scores the row in the first scorer's input (every ensemble member, weighted); call under <see cref="_gate"/>.</summary>
    private Prediction ScorePreparedRowLocked()
    {
        if (_scorers.Length == 1) return Interpret(ScoreRowLocked(0));
        var input = _scorers[0].Input;
        Array.Clear(_average);
        for (var m = 0; m < _scorers.Length; m++)
        {
            if (m > 0 && _managed[m] is null) input.CopyTo(_scorers[m].Input);
            var scores = ScoreRowLocked(m);
            for (var k = 0; k < _average.Length; k++) _average[k] += (float)(_weights[m] * scores[k]);
        }
        return Interpret(_average);
    }

    /// <summary>Member <paramref name="m"/>'s output for the row in the first scorer's input; valid until the next call.</summary>
    private ReadOnlySpan<float> ScoreRowLocked(int m)
    {
        if (_managed[m] is not { } managed) return _scorers[m].Score(1);
        var width = Bundle.Preparation.FeatureCount;
        var outputs = _memberRow.AsSpan(0, managed.Outputs);
        managed.Score(_scorers[0].Input[..width], 1, width, outputs);
        return outputs;
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
    public float[] ScoreMatrix(FeatureMatrix features) =>
        features.Rows == 0 ? [] : ScoreDense(features.Values, features.Rows, features.Columns);

    /// <summary>
    /// Batches from this many rows go through XGBoost's in-place prediction for tree members even when a managed scorer
    /// reproduces them: per row the two cost about the same (measured with the serving bench's 10-member bundle on 10,000
    /// rows, XGBoost slightly less), and only its fixed cost per call, which makes single records slow, favours the managed walk.
    /// </summary>
    private const int ManagedBatchRows = 1024;

    /// <summary>Batches from this many rows per core are scored on every core (below it, splitting costs more than it saves).</summary>
    private const int ParallelRowsPerSlice = 2048;

    /// <summary>
    /// Scores a dense matrix with every member. A large batch on one-thread boosters is split into contiguous row slices,
    /// one per core, when every member can be scored from several threads at once (tree boosters in place, which XGBoost
    /// documents as thread-safe since 1.4, and managed scorers); each slice goes through every member in the same
    /// order, so each row gets exactly the arithmetic of an unsplit call.
    /// </summary>
    private unsafe float[] ScoreDense(ReadOnlySpan<float> values, int rows, int columns)
    {
        lock (_gate)
        {
            var slices = _threads == 1 && _canSplitRows ? Math.Min(Environment.ProcessorCount, rows / ParallelRowsPerSlice) : 1;
            if (slices <= 1) return ScoreRows(values, rows, columns);
            var parts = new float[slices][];
            fixed (float* pinned = values)
            {
                var start = (nint)pinned;
                Parallel.For(0, slices, s =>
                {
                    var from = (int)((long)rows * s / slices);
                    var to = (int)((long)rows * (s + 1) / slices);
                    parts[s] = ScoreRows(new ReadOnlySpan<float>((float*)start + (long)from * columns, (to - from) * columns), to - from, columns);
                });
            }
            var total = new float[parts.Sum(p => p.Length)];
            var at = 0;
            foreach (var part in parts)
            {
                part.CopyTo(total, at);
                at += part.Length;
            }
            return total;
        }
    }

    /// <summary>
    /// Scores rows with every member, weighted: in managed code where a managed scorer reproduces the member, otherwise
    /// trees in place (no DMatrix copy) and linear members through a DMatrix (XGBoost 1.7 has no in-place path for gblinear). Call under <see cref="_gate"/>.
    /// </summary>
    private float[] ScoreRows(ReadOnlySpan<float> values, int rows, int columns)
    {
        DMatrix? matrix = null;
        try
        {
            float[]? total = null;
            for (var m = 0; m < _boosters.Length; m++)
            {
                // Changing nthread makes XGBoost reconfigure on the next call: only do it when the batch wants other than 1.
                if (_threads != 1) _boosters[m].SetParameter("nthread", _threads.ToString(CultureInfo.InvariantCulture));
                try
                {
                    float[] scores;
                    if (_managed[m] is { } managed && (!_inplace[m] || rows < ManagedBatchRows))
                    {
                        scores = new float[rows * managed.Outputs];
                        managed.Score(values, rows, columns, scores);
                    }
                    else if (_inplace[m]) scores = _boosters[m].PredictDense(values, rows, columns);
                    else
                    {
                        matrix ??= DMatrix.FromDense(values, rows, columns, _threads);
                        scores = _boosters[m].Predict(matrix);
                    }
                    if (_boosters.Length == 1) return scores;
                    total ??= new float[scores.Length];
                    for (var i = 0; i < scores.Length; i++) total[i] += (float)(_weights[m] * scores[i]);
                }
                finally
                {
                    if (_threads != 1) _boosters[m].SetParameter("nthread", "1");
                }
            }
            return total!;
        }
        finally
        {
            matrix?.Dispose();
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
        foreach (var s in _scorers) s?.Dispose();
        foreach (var b in _boosters) b?.Dispose();
    }
}
