using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Ports;

namespace SwarmAgentBot.Agents.Agents.Registry;

/// <summary>
/// In a serving pod (<c>Swarm:Serving</c> set): ships the calls this host logged to the shared object store, every
/// <see cref="PinnedServingOptions.ShipLogsEverySeconds"/> and once more on shutdown, as immutable segments
/// (<see cref="PredictionLogSegment"/>) that the bot imports (<see cref="PredictionLogImporter"/>).
/// </summary>
/// <remarks>
/// What was shipped is a watermark (the last shipped row of <c>prediction_calls</c>) in this host's own database.
/// Before uploading, the segment's key and last row are recorded as pending; after, the watermark moves. A crash in
/// between resends exactly the same range under the same key, where the upload is skipped when the object is already
/// there: no segment is ever rewritten, none is lost, and a restart resends nothing already shipped.
/// </remarks>
public sealed class PredictionLogShipper(
    IOptions<PinnedServingOptions> options,
    PredictionLog log,
    SwarmDatabase database,
    IObjectStore store,
    TimeProvider clock,
    ILogger<PredictionLogShipper> logger) : BackgroundService
{
    /// <summary>Most calls in one segment.</summary>
    public const int MaxCallsPerSegment = 2_000;

    /// <summary>Once a segment holds this many predictions it is closed (keeps segments of large batches bounded).</summary>
    public const int MaxRowsPerSegment = 50_000;

    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>The id this host ships under: <c>Swarm:Serving:PodId</c>, else the pod's host name.</summary>
    public string PodId { get; } = options.Value.EffectivePodId();

    /// <summary>Ships every call logged since the last shipment; returns how many calls were shipped.</summary>
    public async Task<int> ShipAsync(CancellationToken cancellationToken = default)
    {
        var o = options.Value;
        if (!o.Enabled) return 0;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return await ShipCallsUnderGateAsync(o.Model!, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Sends labels this pod accepted as feedback on to the bot: first ships every call logged so far (so the calls the
    /// labels belong to are in the store before them), then writes one feedback segment
    /// (<see cref="PredictionLogSegment.WriteFeedback"/>) that the bot's import attaches. Without it a label sent to a
    /// pod stayed in the pod's own database, where no drift check or evaluation ever reads.
    /// </summary>
    /// <exception cref="ObjectStoreException">The store refused the upload; the caller should say so (nothing reached the bot).</exception>
    public async Task ShipFeedbackAsync(IReadOnlyList<ShippedLabel> labels, CancellationToken cancellationToken = default)
    {
        var o = options.Value;
        if (!o.Enabled || labels.Count == 0) return;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await ShipCallsUnderGateAsync(o.Model!, cancellationToken);
            var key = PredictionLogSegment.FeedbackKey(o.Model!, PodId, clock.GetUtcNow());
            using var content = new MemoryStream(PredictionLogSegment.WriteFeedback(PodId, labels));
            await store.PutAsync(key, content, "application/json", cancellationToken);
            logger.LogInformation("Shipped {Labels} feedback labels of {Model} to {Key}", labels.Count, o.Model, key);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<int> ShipCallsUnderGateAsync(string model, CancellationToken ct)
    {
        await log.FlushAsync(ct);
        var shipped = 0;
        while (await ShipOneSegmentAsync(model, ct) is var n && n > 0) shipped += n;
        return shipped;
    }

    private async Task<int> ShipOneSegmentAsync(string model, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var state = await connection.QuerySingleOrDefaultAsync<(long Shipped, string? PendingKey, long? PendingLast)>(
            "SELECT shipped_rowid, pending_key, pending_last_rowid FROM prediction_log_shipping WHERE id = 1");
        string key;
        long last;
        if (state.PendingKey is { } pendingKey && state.PendingLast is { } pendingLast)
        {
            // An upload was under way when this host stopped: redo exactly that range under that key.
            (key, last) = (pendingKey, pendingLast);
        }
        else
        {
            var next = (await connection.QueryAsync<(long RowId, string CallId, long Rows)>(
                "SELECT rowid, call_id, row_count FROM prediction_calls WHERE rowid > @after ORDER BY rowid LIMIT @limit",
                new { after = state.Shipped, limit = MaxCallsPerSegment })).ToList();
            if (next.Count == 0) return 0;
            var take = 0;
            for (long rows = 0; take < next.Count && rows < MaxRowsPerSegment; take++) rows += next[take].Rows;
            key = PredictionLogSegment.Key(model, PodId, next[0].CallId);
            last = next[take - 1].RowId;
            await connection.ExecuteAsync(
                """
                INSERT INTO prediction_log_shipping (id, shipped_rowid, pending_key, pending_last_rowid, updated_at) VALUES (1, @shipped, @key, @last, @now)
                ON CONFLICT (id) DO UPDATE SET pending_key = excluded.pending_key, pending_last_rowid = excluded.pending_last_rowid, updated_at = excluded.updated_at
                """, new { shipped = state.Shipped, key, last, now = clock.GetUtcNow().ToString("O") });
        }
        var calls = (await connection.QueryAsync<CallRow>(
            """
            SELECT call_id AS CallId, model_name AS ModelName, version AS Version, alias AS Alias, created_at AS CreatedAt, row_count AS RowCount,
                   class_labels_json AS ClassLabelsJson, features_json AS Features, predictions AS Predictions
            FROM prediction_calls WHERE rowid > @after AND rowid <= @last ORDER BY rowid
            """, new { after = state.Shipped, last })).Select(r => r.ToCall()).ToList();
        if (await store.StatAsync(key, ct) is null)
        {
            using var content = new MemoryStream(PredictionLogSegment.Write(PodId, calls));
            await store.PutAsync(key, content, "application/json", ct);
        }
        await connection.ExecuteAsync(
            "UPDATE prediction_log_shipping SET shipped_rowid = @last, pending_key = NULL, pending_last_rowid = NULL, updated_at = @now WHERE id = 1",
            new { last, now = clock.GetUtcNow().ToString("O") });
        logger.LogInformation("Shipped {Calls} logged calls of {Model} to {Key}", calls.Count, model, key);
        return Math.Max(1, calls.Count);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (!o.Enabled) return;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(o.ShipLogsEverySeconds), clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try { await ShipAsync(stoppingToken); }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The calls stay in the local log past the watermark: the next pass ships them.
                logger.LogWarning(ex, "Shipping the prediction log to {Store} failed; retrying in {Seconds} s", store.Describe(), o.ShipLogsEverySeconds);
            }
        }
    }

    /// <summary>Stops the periodic pass, then ships what was logged since the last one (a graceful stop loses nothing).</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (!options.Value.Enabled) return;
        try
        {
            await ShipAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Shipping the prediction log on shutdown failed; the calls ship at the next start");
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _gate.Dispose();
        base.Dispose();
    }

    private sealed class CallRow
    {
        public string CallId { get; set; } = "";
        public string ModelName { get; set; } = "";
        public long Version { get; set; }
        public string? Alias { get; set; }
        public string CreatedAt { get; set; } = "";
        public long RowCount { get; set; }
        public string ClassLabelsJson { get; set; } = "[]";
        public byte[] Features { get; set; } = [];
        public byte[] Predictions { get; set; } = [];

        public ShippedCall ToCall() => new(CallId, ModelName, (int)Version, Alias, CreatedAt, (int)RowCount, ClassLabelsJson, Features, Predictions);
    }
}
