using System.Buffers;
using System.Globalization;
using System.Text;
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

/// <summary>Predictions of one call waiting to be logged: the records' JSON text, what was predicted, the ids given out.</summary>
/// <param name="ModelName">The model.</param>
/// <param name="Version">The version that served the call.</param>
/// <param name="Alias">The alias the caller named, if any.</param>
/// <param name="CreatedAt">When the call was served (ISO 8601).</param>
/// <param name="Ids">Prediction ids, one per record.</param>
/// <param name="Features">The JSON object of each record, as sent.</param>
/// <param name="Predictions">One per record.</param>
/// <param name="ClassLabels">Class labels in probability order.</param>
public sealed record PendingPredictions(string ModelName, int Version, string? Alias, string CreatedAt, string[] Ids,
    Func<int, ReadOnlyMemory<byte>> Features, IReadOnlyList<Prediction> Predictions, IReadOnlyList<string> ClassLabels)
{
    internal TaskCompletionSource Written { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// Every served prediction with its features, model version and time; true labels arrive later
/// by prediction id (feedback). The drift agent reads windows of it.
/// Serving does not wait for SQLite: <see cref="EnqueueAsync"/> hands the call's predictions to one background writer,
/// which writes whatever is waiting in one transaction. Every read here (and feedback) first waits for what was
/// enqueued before it, so a prediction id just returned is always found; disposing writes everything still
/// queued, so a graceful shutdown loses nothing.
/// </summary>
public sealed class PredictionLog : IAsyncDisposable, IDisposable
{
    /// <summary>Calls waiting to be written; when that many wait, callers wait too (nothing is dropped).</summary>
    private const int QueueCapacity = 1024;

    /// <summary>Rows per transaction: large enough to amortise the commit, small enough to keep readers moving.</summary>
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
    private LogInsert? _insert;

    /// <summary>Creates the log and starts its writer.</summary>
    public PredictionLog(SwarmDatabase database, TimeProvider clock, ILogger<PredictionLog>? logger = null)
    {
        _database = database;
        _clock = clock;
        _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger<PredictionLog>.Instance;
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>
    /// New prediction ids: "p-", the time in milliseconds (11 hex digits), then 16 random hex digits (64 bits)
    /// from one draw of the secure generator for the whole call. The time prefix makes the log's primary key
    /// grow at its end, so a batch's inserts append to the index instead of landing at random pages.
    /// </summary>
    public static string[] NewIds(int count, DateTimeOffset now)
    {
        const int randomBytes = 8;
        var random = count * randomBytes <= 4096 ? stackalloc byte[count * randomBytes] : new byte[count * randomBytes];
        System.Security.Cryptography.RandomNumberGenerator.Fill(random);
        var ids = new string[count];
        Span<char> id = stackalloc char[2 + 11 + 2 * randomBytes];
        id[0] = 'p';
        id[1] = '-';
        now.ToUnixTimeMilliseconds().TryFormat(id.Slice(2, 11), out _, "x11", System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < count; i++)
        {
            Convert.TryToHexStringLower(random.Slice(i * randomBytes, randomBytes), id[13..], out _);
            ids[i] = new string(id);
        }
        return ids;
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
                    rows += pending.Ids.Length;
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
            _insert = new LogInsert(_connection);
        }
        using var tx = _connection.BeginTransaction();
        _insert!.Transaction = tx;
        var json = new ArrayBufferWriter<byte>(256);
        using var writer = new Utf8JsonWriter(json);
        foreach (var call in batch)
        {
            for (var i = 0; i < call.Ids.Length; i++)
            {
                json.ResetWrittenCount();
                writer.Reset(json);
                ModelServer.WritePrediction(writer, call.Predictions[i], call.ClassLabels);
                writer.Flush();
                _insert.Add(call.Ids[i], call.ModelName, call.Version, call.Alias, Encoding.UTF8.GetString(call.Features(i).Span), Encoding.UTF8.GetString(json.WrittenSpan), call.CreatedAt);
            }
        }
        _insert.Flush();
        tx.Commit();
    }

    private void CloseConnection()
    {
        _insert?.Dispose();
        _insert = null;
        _connection?.Dispose();
        _connection = null;
    }

    /// <summary>
    /// Prepared INSERTs reused for every row of a transaction: one that writes <see cref="RowsPerStatement"/> rows
    /// at a time (a batch costs one statement step per that many rows, not per row) and one for the rest.
    /// </summary>
    private sealed class LogInsert : IDisposable
    {
        private const int RowsPerStatement = 32;
        private readonly SqliteCommand _many, _one;
        private readonly SqliteParameter[] _manyValues, _oneValues;
        private int _pending;

        public LogInsert(SqliteConnection connection)
        {
            (_many, _manyValues) = Prepare(connection, RowsPerStatement);
            (_one, _oneValues) = Prepare(connection, 1);
        }

        private static (SqliteCommand, SqliteParameter[]) Prepare(SqliteConnection connection, int rows)
        {
            var command = connection.CreateCommand();
            var values = new SqliteParameter[rows * Columns.Length];
            var text = new StringBuilder("INSERT INTO prediction_log (id, model_name, version, alias, features_json, prediction_json, created_at) VALUES ");
            for (var r = 0; r < rows; r++)
            {
                text.Append(r == 0 ? "(" : ",(");
                for (var c = 0; c < Columns.Length; c++)
                {
                    var name = $"$p{r}_{c}";
                    text.Append(c == 0 ? name : "," + name);
                    values[r * Columns.Length + c] = command.Parameters.Add(name, Columns[c]);
                }
                text.Append(')');
            }
            command.CommandText = text.ToString();
            command.Prepare();
            return (command, values);
        }

        private static readonly SqliteType[] Columns =
            [SqliteType.Text, SqliteType.Text, SqliteType.Integer, SqliteType.Text, SqliteType.Text, SqliteType.Text, SqliteType.Text];

        public SqliteTransaction? Transaction
        {
            set
            {
                _many.Transaction = value;
                _one.Transaction = value;
                _pending = 0;
            }
        }

        /// <summary>Adds a row; every <see cref="RowsPerStatement"/> rows go out in one statement.</summary>
        public void Add(string id, string model, int version, string? alias, string features, string prediction, string at)
        {
            var offset = _pending * Columns.Length;
            _manyValues[offset].Value = id;
            _manyValues[offset + 1].Value = model;
            _manyValues[offset + 2].Value = version;
            _manyValues[offset + 3].Value = (object?)alias ?? DBNull.Value;
            _manyValues[offset + 4].Value = features;
            _manyValues[offset + 5].Value = prediction;
            _manyValues[offset + 6].Value = at;
            if (++_pending < RowsPerStatement) return;
            _many.ExecuteNonQuery();
            _pending = 0;
        }

        /// <summary>Writes the rows added since the last full statement, one by one.</summary>
        public void Flush()
        {
            for (var r = 0; r < _pending; r++)
            {
                for (var c = 0; c < Columns.Length; c++) _oneValues[c].Value = _manyValues[r * Columns.Length + c].Value;
                _one.ExecuteNonQuery();
            }
            _pending = 0;
        }

        public void Dispose()
        {
            _many.Dispose();
            _one.Dispose();
        }
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
        var n = await connection.ExecuteAsync("UPDATE prediction_log SET label_json = @label, labelled_at = @now WHERE id = @predictionId AND model_name = @modelName",
            new { modelName, predictionId, label = label.ToJsonString(), now = _clock.GetUtcNow().ToString("O") });
        return n == 1;
    }

    /// <summary>The most recent predictions of a model (newest last), optionally since a time.</summary>
    public async Task<IReadOnlyList<LoggedPrediction>> RecentAsync(string modelName, int limit, DateTimeOffset? since = null, CancellationToken cancellationToken = default)
    {
        await FlushAsync(cancellationToken);
        await using var connection = await _database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(
            """
            SELECT id AS Id, model_name AS ModelName, version AS Version, alias AS Alias, features_json AS FeaturesJson, prediction_json AS PredictionJson,
                   created_at AS CreatedAt, label_json AS LabelJson, labelled_at AS LabelledAt
            FROM prediction_log WHERE model_name = @modelName AND (@since IS NULL OR created_at >= @since)
            ORDER BY created_at DESC, rowid DESC LIMIT @limit
            """, new { modelName, limit, since = since?.ToString("O") });
        return rows.Select(r => r.ToPrediction()).Reverse().ToList();
    }

    /// <summary>How many predictions a model has served.</summary>
    public async Task<long> CountAsync(string modelName, CancellationToken cancellationToken = default)
    {
        await FlushAsync(cancellationToken);
        await using var connection = await _database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM prediction_log WHERE model_name = @modelName", new { modelName });
    }

    private sealed class Row
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
