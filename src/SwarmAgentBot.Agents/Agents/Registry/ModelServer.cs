using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Ml.AutoMl;

namespace SwarmAgentBot.Agents.Agents.Registry;

/// <summary>Predictions of one call, with the version that made them.</summary>
/// <param name="ModelName">The model.</param>
/// <param name="Version">The version that served the call (fixed at the start of the call).</param>
/// <param name="Alias">The alias the caller named, if any.</param>
/// <param name="ClassLabels">Class labels in probability order (empty for regression).</param>
/// <param name="Predictions">One per record, in order.</param>
/// <param name="PredictionIds">Prediction-log ids (for feedback), one per record; empty when logging is off.</param>
public sealed record ServedPredictions(string ModelName, int Version, string? Alias, IReadOnlyList<string> ClassLabels, IReadOnlyList<Prediction> Predictions, PredictionIds PredictionIds);

/// <summary>Record <see cref="Index"/> (0-based) of a batch failed validation; <see cref="Inner"/> names the field.</summary>
public sealed class BatchRecordException(int index, SwarmAgentBot.Ml.Preparation.RecordValidationException inner)
    : Exception($"Record {index}: {inner.Message}", inner)
{
    /// <summary>Position of the bad record in the batch.</summary>
    public int Index { get; } = index;

    /// <summary>The validation failure, naming the field.</summary>
    public SwarmAgentBot.Ml.Preparation.RecordValidationException Inner { get; } = inner;
}

/// <summary>A model or version that cannot be served (unknown name, alias or version); the message is for the user.</summary>
public sealed class ModelNotFoundException(string message) : Exception(message);

/// <summary>
/// Serves registered model versions. Each call resolves the alias once, so a call already running
/// finishes on the version it started with while an alias moves; loaded predictors are kept per
/// version (a version is immutable once registered), so switching is just a different lookup.
/// </summary>
public sealed class ModelServer(ModelRegistry registry, IObjectStore store, PredictionLog log, IOptions<RegistryOptions> options, TimeProvider clock, ILogger<ModelServer> logger) : IDisposable
{
    private readonly ConcurrentDictionary<(string Model, int Version), Lazy<Task<Predictor>>> _predictors = new();

    /// <summary>Largest batch a predict call accepts (Swarm:Registry:MaxBatchRecords).</summary>
    public int MaxBatchRecords => options.Value.MaxBatchRecords;

    /// <summary>SHA-256 of the model's XGBoost JSON: the "model hash" reproduction compares.</summary>
    public static string ModelHash(ModelBundle bundle) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bundle.ModelJson));

    /// <summary>Resolves a version number, "latest" or an alias to a registered version.</summary>
    public async Task<ModelVersion> ResolveAsync(string modelName, string versionOrAlias, CancellationToken cancellationToken = default)
    {
        var version = await registry.ResolveAsync(modelName, versionOrAlias, cancellationToken);
        if (version is not null) return version;
        var models = await registry.ListModelsAsync(cancellationToken);
        if (!models.Contains(modelName))
            throw new ModelNotFoundException($"There is no model \"{modelName}\"." + (models.Count > 0 ? $" Registered models: {string.Join(", ", models)}." : " No model is registered yet."));
        throw new ModelNotFoundException(int.TryParse(versionOrAlias.TrimStart('v', 'V'), out _)
            ? $"{modelName} has no version {versionOrAlias.TrimStart('v', 'V')}."
            : $"{modelName} has no \"{versionOrAlias}\" alias: nothing is deployed there yet.");
    }

    /// <summary>The loaded predictor of a version (loaded once, then shared).</summary>
    public Task<Predictor> GetPredictorAsync(ModelVersion version, CancellationToken cancellationToken = default)
    {
        var lazy = _predictors.GetOrAdd((version.ModelName, version.Version), _ => new Lazy<Task<Predictor>>(() => LoadAsync(version)));
        var task = lazy.Value;
        if (task.IsFaulted) _predictors.TryRemove(new KeyValuePair<(string, int), Lazy<Task<Predictor>>>((version.ModelName, version.Version), lazy));
        return task.WaitAsync(cancellationToken);
    }

    /// <summary>Predicts records with a version or alias and logs each prediction.</summary>
    /// <exception cref="ModelNotFoundException">Unknown model, version or alias.</exception>
    /// <exception cref="SwarmAgentBot.Ml.Preparation.RecordValidationException">A record lacks a field or has a mistyped one.</exception>
    public async Task<ServedPredictions> PredictAsync(string modelName, string versionOrAlias, IReadOnlyList<IReadOnlyDictionary<string, object?>> records, CancellationToken cancellationToken = default)
    {
        if (records.Count > options.Value.MaxBatchRecords)
            throw new ArgumentException($"A call takes at most {options.Value.MaxBatchRecords:N0} records; this one has {records.Count:N0}.");
        var version = await ResolveAsync(modelName, versionOrAlias, cancellationToken);
        var predictor = await GetPredictorAsync(version, cancellationToken);
        var predictions = records.Count > 1 ? PredictBatch(predictor, records) : [predictor.Predict(records[0])];
        var features = options.Value.LogPredictions ? records.Select(r => (ReadOnlyMemory<byte>)System.Text.Encoding.UTF8.GetBytes(ToJson(r).ToJsonString())).ToArray() : [];
        return await ServeAsync(modelName, versionOrAlias, version, predictor, predictions, i => features[i], cancellationToken);
    }

    /// <summary>
    /// Predicts the records of a request body with a version or alias and logs each prediction. Each record is read
    /// from its JSON straight into a feature row; the batch is scored in one XGBoost call.
    /// </summary>
    /// <exception cref="ModelNotFoundException">Unknown model, version or alias.</exception>
    /// <exception cref="SwarmAgentBot.Ml.Preparation.RecordValidationException">The only record lacks a field or has a mistyped one.</exception>
    /// <exception cref="BatchRecordException">A record of a batch is bad (the first one, by position).</exception>
    public async Task<ServedPredictions> PredictAsync(string modelName, string versionOrAlias, PredictionRequest request, CancellationToken cancellationToken = default)
    {
        var version = await ResolveAsync(modelName, versionOrAlias, cancellationToken);
        var predictor = await GetPredictorAsync(version, cancellationToken);
        var encoder = predictor.Bundle.Preparation.JsonRecords;
        var width = encoder.FeatureCount;
        var rows = request.Count;
        var buffer = System.Buffers.ArrayPool<float>.Shared.Rent(rows * width);
        Prediction[] predictions;
        try
        {
            var features = buffer.AsSpan(0, rows * width);
            var bad = rows < ParallelEncodingRows ? Encode(encoder, request, buffer, 0, rows) : EncodeInParallel(encoder, request, buffer);
            if (bad is (var index, var error)) throw rows == 1 ? error : new BatchRecordException(index, error);
            predictions = predictor.PredictPrepared(features, rows);
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(buffer);
        }
        return await ServeAsync(modelName, versionOrAlias, version, predictor, predictions, request.Record, cancellationToken);
    }

    /// <summary>Batches from this many records are read into feature rows on every core (below it, splitting costs more than it saves).</summary>
    private const int ParallelEncodingRows = 2048;

    /// <summary>Reads records [<paramref name="from"/>, <paramref name="to"/>) into their rows; the first bad one, if any.</summary>
    private static (int Index, SwarmAgentBot.Ml.Preparation.RecordValidationException Error)? Encode(SwarmAgentBot.Ml.Preparation.JsonRecordEncoder encoder, PredictionRequest request, float[] features, int from, int to)
    {
        var width = encoder.FeatureCount;
        for (var i = from; i < to; i++)
            if (encoder.Encode(request.Record(i).Span, features.AsSpan(i * width, width)) is { } error) return (i, error);
        return null;
    }

    /// <summary>A large batch read in one contiguous slice per core; the first bad record is still the lowest-numbered one.</summary>
    private static (int Index, SwarmAgentBot.Ml.Preparation.RecordValidationException Error)? EncodeInParallel(SwarmAgentBot.Ml.Preparation.JsonRecordEncoder encoder, PredictionRequest request, float[] features)
    {
        var slices = Math.Min(Environment.ProcessorCount, request.Count / (ParallelEncodingRows / 2));
        var bad = new (int, SwarmAgentBot.Ml.Preparation.RecordValidationException)?[slices];
        Parallel.For(0, slices, s => bad[s] = Encode(encoder, request, features, (int)((long)request.Count * s / slices), (int)((long)request.Count * (s + 1) / slices)));
        return bad.FirstOrDefault(b => b is not null);
    }

    /// <summary>Queues the predictions of a call for the log (when logging is on) and returns them with their ids.</summary>
    private async Task<ServedPredictions> ServeAsync(string modelName, string versionOrAlias, ModelVersion version, Predictor predictor, IReadOnlyList<Prediction> predictions,
        Func<int, ReadOnlyMemory<byte>> features, CancellationToken cancellationToken)
    {
        var alias = int.TryParse(versionOrAlias.TrimStart('v', 'V'), out _) || versionOrAlias == "latest" ? null : versionOrAlias.ToLowerInvariant();
        var ids = PredictionIds.None;
        if (options.Value.LogPredictions)
        {
            var now = clock.GetUtcNow();
            var callId = PredictionLog.NewCallId(now);
            ids = new PredictionIds(callId, predictions.Count);
            await log.EnqueueAsync(new PendingPredictions(modelName, version.Version, alias, now.ToString("O"), callId, features, predictions, predictor.ClassLabels), cancellationToken);
        }
        return new ServedPredictions(modelName, version.Version, alias, predictor.ClassLabels, predictions, ids);
    }

    /// <summary>
    /// Scores a batch in one pass (one matrix for XGBoost instead of a call per record). When a record
    /// is bad, the records are checked one by one to name the first bad one and its field.
    /// </summary>
    private static IReadOnlyList<Prediction> PredictBatch(Predictor predictor, IReadOnlyList<IReadOnlyDictionary<string, object?>> records)
    {
        var columns = predictor.InputColumns;
        var rows = new List<IReadOnlyList<string?>>(records.Count);
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            // A field left out is an error for a record (a null value is a missing value): let Predict name it.
            if (columns.Any(c => !record.ContainsKey(c)))
            {
                try { predictor.Predict(record); }
                catch (SwarmAgentBot.Ml.Preparation.RecordValidationException ex) { throw new BatchRecordException(i, ex); }
            }
            var cells = new string?[columns.Count];
            for (var c = 0; c < columns.Count; c++)
                cells[c] = record.TryGetValue(columns[c], out var v) ? Cell(v) : null;
            rows.Add(cells);
        }
        try
        {
            return predictor.PredictTable(SwarmAgentBot.Ml.Tabular.TabularData.FromRows(columns, rows));
        }
        catch (SwarmAgentBot.Ml.Preparation.RecordValidationException)
        {
            for (var i = 0; i < records.Count; i++)
            {
                try { predictor.Predict(records[i]); }
                catch (SwarmAgentBot.Ml.Preparation.RecordValidationException ex) { throw new BatchRecordException(i, ex); }
            }
            throw;
        }
    }

    private static string? Cell(object? value) => value switch
    {
        null => null,
        string s => s,
        bool b => b ? "true" : "false",
        System.Text.Json.JsonElement e => e.ValueKind == System.Text.Json.JsonValueKind.String ? e.GetString() : e.ValueKind == System.Text.Json.JsonValueKind.Null ? null : e.GetRawText(),
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    /// <summary>
    /// Writes the properties of a prediction (label or value, and class probabilities rounded to 6 decimals) into the
    /// object the writer is in: the same shape as <see cref="ToJson(Prediction, IReadOnlyList{string})"/>.
    /// </summary>
    public static void WritePrediction(System.Text.Json.Utf8JsonWriter writer, Prediction p, IReadOnlyList<string> classLabels, bool asObject = true)
    {
        if (asObject) writer.WriteStartObject();
        if (p.Label is not null) writer.WriteString("label"u8, p.Label);
        if (p.Value is { } v) writer.WriteNumber("value"u8, v);
        if (p.Probabilities is { } probabilities)
        {
            writer.WriteStartObject("probabilities"u8);
            for (var i = 0; i < probabilities.Length && i < classLabels.Count; i++) writer.WriteNumber(classLabels[i], Math.Round(probabilities[i], 6));
            writer.WriteEndObject();
        }
        if (asObject) writer.WriteEndObject();
    }

    /// <summary>A prediction as JSON: label or value, and class probabilities.</summary>
    public static JsonObject ToJson(Prediction p, IReadOnlyList<string> classLabels)
    {
        var o = new JsonObject();
        if (p.Label is not null) o["label"] = p.Label;
        if (p.Value is { } v) o["value"] = v;
        if (p.Probabilities is { } probabilities)
        {
            var probs = new JsonObject();
            for (var i = 0; i < probabilities.Length && i < classLabels.Count; i++) probs[classLabels[i]] = Math.Round(probabilities[i], 6);
            o["probabilities"] = probs;
        }
        return o;
    }

    private static JsonObject ToJson(IReadOnlyDictionary<string, object?> record)
    {
        var o = new JsonObject();
        foreach (var (k, v) in record)
            o[k] = v switch
            {
                null => null,
                System.Text.Json.JsonElement e => JsonNode.Parse(e.GetRawText()),
                JsonNode n => n.DeepClone(),
                string s => s,
                bool b => b,
                IConvertible c when v is not string => c.ToDouble(System.Globalization.CultureInfo.InvariantCulture),
                _ => v.ToString(),
            };
        return o;
    }

    /// <summary>Reads a model bundle (zip) from the object store.</summary>
    /// <exception cref="ObjectStoreException">The object is missing or unreadable.</exception>
    public async Task<ModelBundle> ReadBundleAsync(string artifactKey, CancellationToken cancellationToken = default)
    {
        await using var stream = await store.OpenReadAsync(artifactKey, cancellationToken);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken);
        buffer.Position = 0;
        return await ModelBundle.LoadAsync(buffer, cancellationToken);
    }

    /// <summary>Serves <paramref name="version"/> from a bundle already read (no second read of its artifact).</summary>
    public void UseLoaded(ModelVersion version, ModelBundle bundle) =>
        _predictors.TryAdd((version.ModelName, version.Version), new Lazy<Task<Predictor>>(Task.FromResult(Predictor.Create(bundle, batchThreads: 1))));

    private async Task<Predictor> LoadAsync(ModelVersion version)
    {
        logger.LogInformation("Loading {Model} v{Version} from {Key}", version.ModelName, version.Version, version.ArtifactKey);
        return Predictor.Create(await ReadBundleAsync(version.ArtifactKey), batchThreads: 1);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var lazy in _predictors.Values)
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully) lazy.Value.Result.Dispose();
    }
}
