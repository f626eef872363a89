using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using SwarmAgentBot.Agents.Agents.Registry;
using SwarmAgentBot.Agents.Agents.Training;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Ml.AutoMl;
using SwarmAgentBot.Ml.Drift;

namespace SwarmAgentBot.Agents.Agents.Drift;

/// <summary>What a model version is compared with: a sample of its training data, scored by the model, and its feature importance.</summary>
/// <param name="Table">Input features, plus <see cref="DriftColumns.Label"/>, <see cref="DriftColumns.Prediction"/> and <see cref="DriftColumns.Probability"/>.</param>
/// <param name="Features">The feature columns (the model's inputs present in the training data).</param>
/// <param name="Importance">Feature importance by column (may be empty).</param>
/// <param name="PositiveLabel">Positive class of a binary classifier (null otherwise).</param>
/// <param name="DatasetKey">Object-store key of the training CSV.</param>
public sealed record DriftReferenceSample(DriftTable Table, IReadOnlyList<string> Features, IReadOnlyDictionary<string, double> Importance, string? PositiveLabel, string DatasetKey);

/// <summary>Names of the model columns added next to the features.</summary>
public static class DriftColumns
{
    /// <summary>True label.</summary>
    public const string Label = "__label";

    /// <summary>Predicted label or value.</summary>
    public const string Prediction = "__prediction";

    /// <summary>Predicted probability of the positive class.</summary>
    public const string Probability = "__probability";
}

/// <summary>There is no reference for a model version (no training run, or its data is gone); the message is for the user.</summary>
public sealed class DriftReferenceException(string message) : Exception(message);

/// <summary>
/// Builds the reference of a model version from its training run: the run's <c>dataset_key</c> CSV from the object
/// store (a deterministic sample of at most <see cref="MaxRows"/> rows), scored by the version itself so prediction
/// drift and performance compare like with like. Versions are immutable, so a reference is built once per version.
/// </summary>
public sealed class DriftReference(TrainingRunStore runs, ModelServer server, IObjectStore store, ILogger<DriftReference> logger)
{
    /// <summary>Most reference rows kept.</summary>
    public const int MaxRows = 5000;

    private readonly ConcurrentDictionary<(string, int), Lazy<Task<DriftReferenceSample>>> _samples = new();

    /// <summary>The reference of a version (cached).</summary>
    /// <exception cref="DriftReferenceException">The version has no training run or dataset.</exception>
    public Task<DriftReferenceSample> GetAsync(ModelVersion version, CancellationToken cancellationToken = default)
    {
        var lazy = _samples.GetOrAdd((version.ModelName, version.Version), _ => new Lazy<Task<DriftReferenceSample>>(() => BuildAsync(version)));
        if (lazy.Value.IsFaulted) _samples.TryRemove(new KeyValuePair<(string, int), Lazy<Task<DriftReferenceSample>>>((version.ModelName, version.Version), lazy));
        return lazy.Value.WaitAsync(cancellationToken);
    }

    /// <summary>Feature importance of a version by column (summed over one-hot slots by the trainer already).</summary>
    public async Task<IReadOnlyDictionary<string, double>> ImportanceAsync(ModelVersion version, CancellationToken cancellationToken = default)
    {
        var predictor = await server.GetPredictorAsync(version, cancellationToken);
        return Importance(predictor.Bundle);
    }

    private static Dictionary<string, double> Importance(ModelBundle bundle)
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var f in bundle.FeatureImportance) result[f.Column] = result.GetValueOrDefault(f.Column) + f.Importance;
        return result;
    }

    private async Task<DriftReferenceSample> BuildAsync(ModelVersion version)
    {
        var run = version.RunId is { } runId ? await runs.GetAsync(runId) : null;
        var key = run?.Config["dataset_key"]?.ToString()
            ?? throw new DriftReferenceException($"{version.ModelName} v{version.Version} has no training run with a dataset I can read, so there is no reference to compare with.");
        DriftTable table;
        try
        {
            await using var stream = await store.OpenReadAsync(key);
            using var reader = new StreamReader(stream);
            table = DriftTable.ReadCsv(reader, key);
        }
        catch (ObjectNotFoundException)
        {
            throw new DriftReferenceException($"The training data of {version.ModelName} v{version.Version} ({key}) is no longer in the object store.");
        }
        if (table.RowCount > MaxRows)
        {
            // A fixed seed keeps the reference (and so every stored report) reproducible.
            var rng = new Random(20240);
            var rows = Enumerable.Range(0, table.RowCount).OrderBy(_ => rng.Next()).Take(MaxRows).Order().ToArray();
            table = table.Select(rows);
        }
        var predictor = await server.GetPredictorAsync(version);
        var features = predictor.InputColumns.Where(c => table.Find(c) is not null).ToList();
        var positive = predictor.ClassLabels.Count == 2 ? predictor.ClassLabels[1] : null;
        var predicted = new string?[table.RowCount];
        var probability = new double[table.RowCount];
        for (var i = 0; i < table.RowCount; i++)
        {
            var record = features.ToDictionary(c => c, c => Cell(table.Find(c)!, i));
            var p = predictor.Predict(record);
            predicted[i] = p.Label ?? p.Value?.ToString("R", CultureInfo.InvariantCulture);
            probability[i] = positive is not null && p.Probabilities is { Length: 2 } probs ? probs[1] : double.NaN;
        }
        var columns = features.Select(c => table.Find(c)!).ToList();
        columns.Add(DriftColumn.Categorical(DriftColumns.Prediction, predicted));
        if (positive is not null) columns.Add(DriftColumn.Numeric(DriftColumns.Probability, probability));
        if (table.Find(run!.Target) is { } target) columns.Add(Rename(target, DriftColumns.Label));
        logger.LogInformation("Built the drift reference of {Model} v{Version}: {Rows} rows from {Key}", version.ModelName, version.Version, table.RowCount, key);
        return new DriftReferenceSample(new DriftTable(columns), features, Importance(predictor.Bundle), positive, key);
    }

    private static object? Cell(DriftColumn column, int row) =>
        column.Numbers is { } n ? (double.IsNaN(n[row]) ? null : n[row]) : column.Labels![row];

    private static DriftColumn Rename(DriftColumn column, string name) =>
        column.Numbers is { } n ? DriftColumn.Numeric(name, n) : DriftColumn.Categorical(name, column.Labels!);
}
