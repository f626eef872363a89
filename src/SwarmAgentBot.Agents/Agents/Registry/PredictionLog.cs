using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Ml.AutoMl;

namespace SwarmAgentBot.Agents.Agents.Registry;

/// <summary>One logged prediction (what the drift agent compares with the reference).</summary>
public sealed record LoggedPrediction(string Id, string ModelName, int Version, string? Alias, JsonObject Features, JsonObject Prediction, DateTimeOffset CreatedAt, JsonNode? Label, DateTimeOffset? LabelledAt);

/// <summary>Predictions of one call waiting to be logged: the records' JSON text, what was predicted, the call's id.</summary>
/// <param name="ModelName">The model.</param>
/// <param name="Version">The version that served the call.</param>
/// <param name="Alias">The alias the caller named, if any.</param>
/// <param name="CreatedAt">When the call was served (ISO 8601).</param>
/// <param name="CallId">The call's id (<see cref="PredictionLog.NewCallId"/>); its predictions' ids derive from it.</param>
/// <param name="Features">The JSON object of each record, as sent.</param>
/// <param name="Predictions">One per record.</param>
/// <param name="ClassLabels">Class labels in probability order.</param>
public sealed record PendingPredictions(string ModelName, int Version, string? Alias, string CreatedAt, string CallId,
    Func<int, ReadOnlyMemory<byte>> Features, IReadOnlyList<Prediction> Predictions, IReadOnlyList<string> ClassLabels)
{
    internal TaskCompletionSource Written { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// The prediction ids of one call (<c>p-{call}-{index}</c>), made when asked for: a 10,000-row batch does not build
/// 10,000 strings up front, and <see cref="TryFormat"/> writes one without any.
/// </summary>
/// <param name="CallId">The call's id.</param>
/// <param name="Count">Predictions in the call.</param>
public sealed record PredictionIds(string CallId, int Count) : IReadOnlyList<string>
{
    /// <summary>No ids: the call was not logged.</summary>
    public static PredictionIds None { get; } = new("", 0);

    /// <inheritdoc />
    public string this[int index] => (uint)index < (uint)Count ? PredictionLog.PredictionId(CallId, index) : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>Writes id <paramref name="index"/> into <paramref name="destination"/>; false past <see cref="Count"/>.</summary>
    public bool TryFormat(int index, Span<char> destination, out int written)
    {
        written = 0;
        return (uint)index < (uint)Count && destination.TryWrite(CultureInfo.InvariantCulture, $"p-{CallId}-{index}", out written);
    }

    /// <inheritdoc />
    public IEnumerator<string> GetEnumerator()
    {
        for (var i = 0; i < Count; i++) yield return this[i];
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>
/// Every served prediction with its features, model version and time; true labels arrive later
/// by prediction id (feedback). The drift agent reads windows of it.
/// A call is one row (table <c>prediction_calls</c>): its records as one JSON array and its predictions as one blob
/// (<see cref="PredictionCallFormat"/>); prediction <c>i</c> of call <c>c</c> has id <c>p-c-i</c>, and labels live
/// beside it by call and index. Rows of the earlier one-row-per-prediction table (<c>prediction_log</c>) stay
/// readable and labellable by their ids.
/// Serving does not wait for SQLite: <see cref="EnqueueAsync"/> hands the call's predictions to one background writer,
/// which writes whatever is waiting in one transaction. Every read here (and feedback) first waits for what was
/// enqueued before it, so a prediction id just returned is always found; disposing writes everything still
/// queued, so a graceful shutdown loses nothing.
/// </summary>
public sealed class PredictionLog : IAsyncDisposable, IDisposable
{
    /// <summary>Calls waiting to be written; when that many wait, callers wait too (nothing is dropped).</summary>
    private const int QueueCapacity = 1024;

    /// <summary>Predictions per transaction: large enough to amortise the commit, small enough to keep readers moving.</summary>
    private const int RowsPerTransaction = 20_000;

    /// <summary>How long the writer lets a commit gather calls.</summary>
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(2);

    private readonly SwarmDatabase _database;
    private readonly TimeProvider _clock;
    private readonly ILogger<PredictionLog> _logger;
    private readonly Channel<PendingPredictions> _queue = Channel.CreateBounded<PendingPredictions>(new BoundedChannelOptions(QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly Lock _enqueueGate = new();
    private readonly Task _writer;
    private Task _lastEnqueued = Task.CompletedTask;
    private SqliteConnection? _connection;
    private SqliteCommand? _insert;

    /// <summary>Creates the log and starts its writer.</summary>
    public PredictionLog(SwarmDatabase database, TimeProvider clock, ILogger<PredictionLog>? logger = null)
    {
        _database = database;
        _clock = clock;
        _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger<PredictionLog>.Instance;
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>
    /// A new call id: the time in milliseconds (11 hex digits), then 16 random hex digits (64 bits from the secure
    /// generator). The time prefix keeps the calls' primary key growing at its end.
    /// </summary>
    public static string NewCallId(DateTimeOffset now)
    {
        Span<byte> random = stackalloc byte[8];
        System.Security.Cryptography.RandomNumberGenerator.Fill(random);
        Span<char> id = stackalloc char[11 + 16];
        now.ToUnixTimeMilliseconds().TryFormat(id[..11], out _, "x11", CultureInfo.InvariantCulture);
        Convert.TryToHexStringLower(random, id[11..], out _);
        return new string(id);
    }

    /// <summary>The id of prediction <paramref name="index"/> of a call: "p-", the call id, "-", the index.</summary>
    public static string PredictionId(string callId, int index) => string.Create(CultureInfo.InvariantCulture, $"p-{callId}-{index}");

    /// <summary>Splits a prediction id of a logged call into its call id and index; false for any other text (e.g. an id of the earlier one-row-per-prediction log).</summary>
    public static bool TryParsePredictionId(string predictionId, out string callId, out int index)
    {
        callId = "";
        index = -1;
        var dash = predictionId.LastIndexOf('-');
        if (!predictionId.StartsWith("p-", StringComparison.Ordinal) || dash <= 2) return false;
        var digits = predictionId.AsSpan(dash + 1);
        // One spelling per prediction: no sign, no leading zero.
        if (digits.IsEmpty || (digits.Length > 1 && digits[0] == '0') || !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out index)) return false;
        callId = predictionId[2..dash];
        return true;
    }

    /// <summary>
    /// Queues the predictions of one call for writing; returns once they are queued (waits only when the queue is full).
    /// Their ids can be used at once: reads and feedback wait for queued writes.
    /// </summary>
    public async ValueTask EnqueueAsync(PendingPredictions pending, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            // Queue order is write order, so waiting for the last call queued waits for every earlier one;
            // queuing and remembering the last one happen together so no flush misses a call queued before it.
            lock (_enqueueGate)
            {
                if (_queue.Writer.TryWrite(pending))
                {
                    _lastEnqueued = pending.Written.Task;
                    return;
                }
            }
            if (!await _queue.Writer.WaitToWriteAsync(cancellationToken))
                throw new ObjectDisposedException(nameof(PredictionLog), "The prediction log is shut down.");
        }
    }

    /// <summary>Waits until every prediction queued before this call is in the database.</summary>
    public Task FlushAsync(CancellationToken cancellationToken = default)
    {
        Task last;
        lock (_enqueueGate) last = _lastEnqueued;
        return last.IsCompleted ? last : last.WaitAsync(cancellationToken);
    }

    private async Task WriteLoopAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<PendingPredictions>();
        try
        {
            while (await reader.WaitToReadAsync())
            {
                // Let calls arriving right behind this one share its commit: one-record traffic then costs one
                // transaction per few calls instead of one per call. A flush waits at most this much longer.
                await Task.Delay(Linger);
                var rows = 0;
                while (rows < RowsPerTransaction && reader.TryRead(out var pending))
                {
                    batch.Add(pending);
                    rows += pending.Predictions.Count;
                }
                try
                {
                    await WriteWithRetryAsync(batch);
                    foreach (var written in batch) written.Written.TrySetResult();
                }
                catch (Exception ex)
                {
                    _logger.LogError(ex, "Could not log {Count} predictions of {Model}", rows, batch[0].ModelName);
                    foreach (var failed in batch) failed.Written.TrySetException(ex);
                }
                batch.Clear();
            }
        }
        finally
        {
            CloseConnection();
        }
    }

    private async Task WriteWithRetryAsync(List<PendingPredictions> batch)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await WriteAsync(batch);
                return;
            }
            catch (SqliteException ex) when (attempt < 3)
            {
                // The busy timeout already waited 30 s for a lock; a retry (on a fresh connection) covers a transient I/O error.
                _logger.LogWarning(ex, "Logging predictions failed (attempt {Attempt}); retrying", attempt);
                CloseConnection();
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt));
            }
        }
    }

    private async Task WriteAsync(List<PendingPredictions> batch)
    {
        // The writer keeps its connection and prepared INSERT: no pool round trip, pragmas or statement parse per commit.
        if (_connection is null)
        {
            _connection = await _database.OpenAsync();
            _insert = _connection.CreateCommand();
            _insert.CommandText = """
                INSERT INTO prediction_calls (call_id, model_name, version, alias, created_at, row_count, class_labels_json, features_json, predictions)
                VALUES ($call, $model, $version, $alias, $at, $rows, $classes, $features, $predictions)
                """;
            foreach (var (name, type) in InsertParameters) _insert.Parameters.Add(name, type);
            _insert.Prepare();
        }
        using var tx = _connection.BeginTransaction();
        _insert!.Transaction = tx;
        var values = _insert.Parameters;
        foreach (var call in batch)
        {
            values[0].Value = call.CallId;
            values[1].Value = call.ModelName;
            values[2].Value = call.Version;
            values[3].Value = (object?)call.Alias ?? DBNull.Value;
            values[4].Value = call.CreatedAt;
            values[5].Value = call.Predictions.Count;
            values[6].Value = JsonSerializer.Serialize(call.ClassLabels);
            values[7].Value = PredictionCallFormat.Features(call.Features, call.Predictions.Count);
            values[8].Value = PredictionCallFormat.Predictions(call.Predictions, call.ClassLabels);
            _insert.ExecuteNonQuery();
        }
        tx.Commit();
    }

    private static readonly (string Name, SqliteType Type)[] InsertParameters =
    [
        ("$call", SqliteType.Text), ("$model", SqliteType.Text), ("$version", SqliteType.Integer), ("$alias", SqliteType.Text), ("$at", SqliteType.Text),
        ("$rows", SqliteType.Integer), ("$classes", SqliteType.Text), ("$features", SqliteType.Blob), ("$predictions", SqliteType.Blob),
    ];

    private void CloseConnection()
    {
        _insert?.Dispose();
        _insert = null;
        _connection?.Dispose();
        _connection = null;
    }

    /// <summary>Completes when the writer has stopped, after shutdown wrote everything that was queued.</summary>
    public Task Completion => _writer;

    /// <summary>Writes everything still queued, then stops the writer (graceful shutdown loses no prediction).</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer;
    }

    /// <inheritdoc />
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Attaches a true label to a logged prediction of the model; false when no such prediction exists.</summary>
    public async Task<bool> AttachLabelAsync(string modelName, string predictionId, JsonNode label, CancellationToken cancellationToken = default)
    {
        await FlushAsync(cancellationToken);
        await using var connection = await _database.OpenAsync(cancellationToken);
        var now = _clock.GetUtcNow().ToString("O");
        var labelJson = label.ToJsonString();
        if (TryParsePredictionId(predictionId, out var callId, out var index))
        {
            // Only an index the call really has, of a call of this model, gets a label.
            var n = await connection.ExecuteAsync(
                """
                INSERT INTO prediction_labels (call_id, row_index, label_json, labelled_at)
                SELECT call_id, @index, @labelJson, @now FROM prediction_calls WHERE call_id = @callId AND model_name = @modelName AND @index < row_count
                ON CONFLICT (call_id, row_index) DO UPDATE SET label_json = excluded.label_json, labelled_at = excluded.labelled_at
                """, new { callId, index, modelName, labelJson, now });
            if (n == 1) return true;
        }
        return await connection.ExecuteAsync("UPDATE prediction_log SET label_json = @labelJson, labelled_at = @now WHERE id = @predictionId AND model_name = @modelName",
            new { modelName, predictionId, labelJson, now }) == 1;
    }

    /// <summary>The most recent predictions of a model (newest last), optionally since a time.</summary>
    public async Task<IReadOnlyList<LoggedPrediction>> RecentAsync(string modelName, int limit, DateTimeOffset? since = null, CancellationToken cancellationToken = default)
    {
        await FlushAsync(cancellationToken);
        if (limit <= 0) return [];
        await using var connection = await _database.OpenAsync(cancellationToken);
        var sinceText = since?.ToString("O");
        var calls = await RecentCallsAsync(connection, modelName, limit, sinceText, cancellationToken);
        // Rows of the earlier per-prediction table: it is no longer written, so it only holds older rows.
        var legacy = await connection.QueryAsync<LegacyRow>(
            """
            SELECT id AS Id, model_name AS ModelName, version AS Version, alias AS Alias, features_json AS FeaturesJson, prediction_json AS PredictionJson,
                   created_at AS CreatedAt, label_json AS LabelJson, labelled_at AS LabelledAt
            FROM prediction_log WHERE model_name = @modelName AND (@since IS NULL OR created_at >= @since)
            ORDER BY created_at DESC, rowid DESC LIMIT @limit
            """, new { modelName, limit, since = sinceText });
        var result = legacy.Select(r => r.ToPrediction()).Reverse().ToList();
        result.AddRange(calls);
        // Oldest first, stable: a call's rows keep their order, the earlier table's rows come before calls of the same instant.
        var ordered = result.Select((p, i) => (p, i)).OrderBy(x => x.p.CreatedAt).ThenBy(x => x.i).Select(x => x.p).ToList();
        return ordered.Count > limit ? ordered.GetRange(ordered.Count - limit, limit) : ordered;
    }

    /// <summary>The newest <paramref name="limit"/> predictions of logged calls, oldest first; calls are read newest first until enough rows are found.</summary>
    private static async Task<List<LoggedPrediction>> RecentCallsAsync(SqliteConnection connection, string modelName, int limit, string? since, CancellationToken cancellationToken)
    {
        var calls = new List<(string CallId, int Version, string? Alias, string CreatedAt, IReadOnlyList<string> Classes, byte[] Features, byte[] Predictions, int First, int Count)>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = """
                SELECT call_id, version, alias, created_at, row_count, class_labels_json, features_json, predictions
                FROM prediction_calls WHERE model_name = $model AND ($since IS NULL OR created_at >= $since)
                ORDER BY created_at DESC, rowid DESC
                """;
            command.Parameters.AddWithValue("$model", modelName);
            command.Parameters.AddWithValue("$since", (object?)since ?? DBNull.Value);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var rows = 0;
            while (rows < limit && await reader.ReadAsync(cancellationToken))
            {
                var count = reader.GetInt32(4);
                var take = Math.Min(count, limit - rows);
                calls.Add((reader.GetString(0), reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3),
                    JsonSerializer.Deserialize<string[]>(reader.GetString(5))!, (byte[])reader[6], (byte[])reader[7], count - take, take));
                rows += take;
            }
        }
        if (calls.Count == 0) return [];
        var labels = new Dictionary<(string, int), (string Json, string At)>();
        var oldest = calls[^1].CreatedAt;
        foreach (var l in await connection.QueryAsync<(string CallId, long Index, string Json, string At)>(
            """
            SELECT l.call_id, l.row_index, l.label_json, l.labelled_at FROM prediction_labels l JOIN prediction_calls c ON c.call_id = l.call_id
            WHERE c.model_name = @modelName AND c.created_at >= @oldest
            """, new { modelName, oldest }))
            labels[(l.CallId, (int)l.Index)] = (l.Json, l.At);

        var result = new List<LoggedPrediction>(calls.Sum(c => c.Count));
        for (var c = calls.Count - 1; c >= 0; c--)
        {
            var call = calls[c];
            var records = PredictionRequest.Parse(call.Features, int.MaxValue);
            var at = DateTimeOffset.Parse(call.CreatedAt, CultureInfo.InvariantCulture);
            for (var i = call.First; i < call.First + call.Count; i++)
            {
                var prediction = PredictionCallFormat.Prediction(call.Predictions, i, call.Classes);
                var label = labels.TryGetValue((call.CallId, i), out var l) ? l : default;
                result.Add(new LoggedPrediction(PredictionId(call.CallId, i), modelName, call.Version, call.Alias, JsonNode.Parse(records.Record(i).Span)!.AsObject(),
                    ModelServer.ToJson(prediction, call.Classes), at, label.Json is null ? null : JsonNode.Parse(label.Json),
                    label.At is null ? null : DateTimeOffset.Parse(label.At, CultureInfo.InvariantCulture)));
            }
        }
        return result;
    }

    /// <summary>How many predictions a model has served.</summary>
    public async Task<long> CountAsync(string modelName, CancellationToken cancellationToken = default)
    {
        await FlushAsync(cancellationToken);
        await using var connection = await _database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(
            "SELECT (SELECT COALESCE(SUM(row_count), 0) FROM prediction_calls WHERE model_name = @modelName) + (SELECT COUNT(*) FROM prediction_log WHERE model_name = @modelName)",
            new { modelName });
    }

    /// <summary>A row of the earlier one-row-per-prediction table.</summary>
    private sealed class LegacyRow
    {
        public string Id { get; set; } = "";
        public string ModelName { get; set; } = "";
        public long Version { get; set; }
        public string? Alias { get; set; }
        public string FeaturesJson { get; set; } = "{}";
        public string PredictionJson { get; set; } = "{}";
        public string CreatedAt { get; set; } = "";
        public string? LabelJson { get; set; }
        public string? LabelledAt { get; set; }

        public LoggedPrediction ToPrediction() => new(Id, ModelName, (int)Version, Alias, JsonNode.Parse(FeaturesJson)!.AsObject(), JsonNode.Parse(PredictionJson)!.AsObject(),
            DateTimeOffset.Parse(CreatedAt, CultureInfo.InvariantCulture), LabelJson is null ? null : JsonNode.Parse(LabelJson),
            LabelledAt is null ? null : DateTimeOffset.Parse(LabelledAt, CultureInfo.InvariantCulture));
    }
}
