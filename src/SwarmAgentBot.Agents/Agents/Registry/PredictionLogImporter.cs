using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Ports;

namespace SwarmAgentBot.Agents.Agents.Registry;

/// <summary>What one import pass did.</summary>
/// <param name="Segments">Segments imported.</param>
/// <param name="Calls">Calls that were new to this host's log.</param>
/// <param name="Skipped">Segments that did not parse (each logged with its key, never tried again).</param>
/// <param name="Deleted">Imported segments removed from the object store (this pass's and earlier passes' left behind).</param>
/// <param name="Labels">Feedback labels that pods received, attached here.</param>
public sealed record PredictionLogImport(int Segments, int Calls, int Skipped, int Deleted, int Labels);

/// <summary>
/// In the bot: brings the segments serving pods shipped (<see cref="PredictionLogShipper"/>) into this host's
/// <c>prediction_calls</c>, so drift checks see the pods' traffic and feedback finds a pod's prediction ids. Called
/// before a drift check reads the log, by the drift monitor's pass, and by feedback for an id it does not know.
/// Idempotent: a call already logged is left as it is, and each imported key is remembered.
/// A segment that does not parse is skipped with a warning naming its key and never blocks the others, and stays in
/// the store for someone to look at. An imported segment is deleted from the store once its calls are committed here:
/// the calls live on in <c>prediction_calls</c>, and without this the store and every listing grew with each shipping
/// pass for as long as the pods served. A delete that fails is retried at the next pass.
/// Feedback segments (labels a pod received) are applied after the pass's call segments, since their calls were
/// shipped first; one naming a prediction not imported yet is left for the next pass.
/// A serving pod itself (<c>Swarm:Serving</c> set) imports nothing: it only ships.
/// </summary>
public sealed class PredictionLogImporter(
    SwarmDatabase database,
    IObjectStore store,
    PredictionLog log,
    IOptions<PinnedServingOptions> serving,
    TimeProvider clock,
    ILogger<PredictionLogImporter> logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>How long feedback waits for the calls it labels before it is set aside as skipped.</summary>
    public static readonly TimeSpan FeedbackPatience = TimeSpan.FromDays(1);

    /// <summary>Imports every shipped segment not imported yet.</summary>
    public async Task<PredictionLogImport> ImportAsync(CancellationToken cancellationToken = default)
    {
        if (serving.Value.Enabled) return new PredictionLogImport(0, 0, 0, 0, 0);
        // One pass at a time: a drift check and a feedback call arriving together list the store once each, not import twice.
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return await ImportUnderGateAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<PredictionLogImport> ImportUnderGateAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        // Imported keys (error null) are deleted from the store; skipped ones are kept there and only remembered.
        var known = (await connection.QueryAsync<(string Key, string? Error)>("SELECT object_key, error FROM prediction_log_imports"))
            .ToDictionary(r => r.Key, r => r.Error is null, StringComparer.Ordinal);
        var pending = new List<string>();
        var leftBehind = new List<string>();
        try
        {
            await foreach (var info in store.ListAsync(PredictionLogSegment.Prefix, ct))
            {
                if (!known.TryGetValue(info.Key, out var imported)) pending.Add(info.Key);
                else if (imported) leftBehind.Add(info.Key);
            }
        }
        catch (ObjectStoreException ex)
        {
            // The local log still answers; the pods' traffic arrives at the next pass.
            logger.LogWarning(ex, "Could not list shipped prediction logs in {Store}", store.Describe());
            return new PredictionLogImport(0, 0, 0, 0, 0);
        }
        var deleted = 0;
        foreach (var key in leftBehind)
            if (await DeleteImportedAsync(key, ct)) deleted++;
        if (pending.Count == 0) return new PredictionLogImport(0, 0, 0, deleted, 0);
        // Imported rows go beside the ones this host's writer has queued; let those land first.
        await log.FlushAsync(ct);
        int segments = 0, calls = 0, skipped = 0, labels = 0;
        foreach (var key in pending.Where(k => !PredictionLogSegment.IsFeedbackKey(k)))
        {
            var (segment, unusable) = await ReadAsync(connection, key, PredictionLogSegment.Read, ct);
            if (unusable) skipped++;
            if (segment is null) continue;
            using var tx = connection.BeginTransaction();
            var added = 0;
            foreach (var call in segment)
                added += await connection.ExecuteAsync(
                    """
                    INSERT OR IGNORE INTO prediction_calls (call_id, model_name, version, alias, created_at, row_count, class_labels_json, features_json, predictions)
                    VALUES (@CallId, @ModelName, @Version, @Alias, @CreatedAt, @RowCount, @ClassLabelsJson, @Features, @Predictions)
                    """, call, tx);
            await RememberAsync(connection, tx, key, added, null, ct);
            tx.Commit();
            segments++;
            calls += added;
            if (await DeleteImportedAsync(key, ct)) deleted++;
        }
        foreach (var key in pending.Where(PredictionLogSegment.IsFeedbackKey))
        {
            var (feedback, unusable) = await ReadAsync(connection, key, PredictionLogSegment.ReadFeedback, ct);
            if (unusable) skipped++;
            if (feedback is null) continue;
            // prediction-logs/{model}/{pod}/feedback/…: the model the pod serves.
            var model = key[PredictionLogSegment.Prefix.Length..key.IndexOf('/', PredictionLogSegment.Prefix.Length)];
            var missing = new List<string>();
            foreach (var label in feedback)
                if (!await log.AttachLabelAsync(model, label.PredictionId, label.Label, ct)) missing.Add(label.PredictionId);
            if (missing.Count > 0)
            {
                // A pod ships the calls before their feedback, so they arrive within a pass or two; after a day they never
                // will (their segment was unreadable): stop retrying, keep the segment in the store, and say which ids.
                if (PredictionLogSegment.FeedbackWrittenAt(key) is { } written && clock.GetUtcNow() - written > FeedbackPatience)
                {
                    var reason = $"its predictions never arrived: {string.Join(", ", missing)}";
                    logger.LogWarning("Gave up on shipped feedback {Key}: {Reason}", key, reason);
                    await RememberAsync(connection, null, key, feedback.Count - missing.Count, reason, ct);
                    skipped++;
                    continue;
                }
                // Attaching is idempotent, so the labels that did attach are simply attached again then.
                logger.LogInformation("Feedback {Key} names predictions not imported yet ({Missing}); trying again at the next pass", key, string.Join(", ", missing));
                continue;
            }
            await RememberAsync(connection, null, key, feedback.Count, null, ct);
            segments++;
            labels += feedback.Count;
            if (await DeleteImportedAsync(key, ct)) deleted++;
        }
        if (segments + skipped > 0)
            logger.LogInformation("Imported {Calls} calls and {Labels} feedback labels from {Segments} shipped segments ({Skipped} skipped)", calls, labels, segments, skipped);
        return new PredictionLogImport(segments, calls, skipped, deleted, labels);
    }

    /// <summary>
    /// Reads and parses one shipped segment. Null when it could not be read (tried again at the next pass) or does not
    /// parse (<c>Unusable</c>: remembered as skipped and never tried again, since segments are written whole and never
    /// rewritten, so one that does not parse never will).
    /// </summary>
    private async Task<(T? Parsed, bool Unusable)> ReadAsync<T>(SqliteConnection connection, string key, Func<ReadOnlyMemory<byte>, T> parse, CancellationToken ct)
        where T : class
    {
        byte[] bytes;
        try
        {
            await using var stream = await store.OpenReadAsync(key, ct);
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, ct);
            bytes = buffer.ToArray();
        }
        catch (ObjectStoreException ex)
        {
            logger.LogWarning(ex, "Could not read shipped segment {Key}; trying again at the next pass", key);
            return (null, false);
        }
        try
        {
            return (parse(bytes), false);
        }
        catch (PredictionLogSegmentException ex)
        {
            logger.LogWarning("Skipped shipped segment {Key}: {Reason}", key, ex.Message);
            await RememberAsync(connection, null, key, 0, ex.Message, ct);
            return (null, true);
        }
    }

    private async Task<bool> DeleteImportedAsync(string key, CancellationToken ct)
    {
        try
        {
            return await store.DeleteAsync(key, ct);
        }
        catch (ObjectStoreException ex)
        {
            // Its calls are already committed here, and the key is remembered: the next pass deletes it without importing again.
            logger.LogWarning(ex, "Could not delete imported prediction log {Key}; trying again at the next pass", key);
            return false;
        }
    }

    private Task RememberAsync(SqliteConnection connection, SqliteTransaction? tx, string key, int calls, string? error, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(
            "INSERT OR IGNORE INTO prediction_log_imports (object_key, calls, error, imported_at) VALUES (@key, @calls, @error, @now)",
            new { key, calls, error, now = clock.GetUtcNow().ToString("O") }, tx, cancellationToken: ct));
}
