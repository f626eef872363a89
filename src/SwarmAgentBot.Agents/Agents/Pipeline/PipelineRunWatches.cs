using System.Text.Json;
using Dapper;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Agents.Metadata;

namespace SwarmAgentBot.Agents.Agents.Pipeline;

/// <summary>A run someone started from a conversation: where to report its end, and the plan key to resume.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Pipeline">Its pipeline.</param>
/// <param name="Conversation">Where it was started.</param>
/// <param name="StartedBy">Who started it.</param>
/// <param name="ContinuationKey">The key a parked plan waits under ("pipeline-run:12").</param>
public sealed record PipelineRunWatch(string RunId, string Pipeline, ConversationRef Conversation, string? StartedBy, string ContinuationKey);

/// <summary>
/// Runs to report on, in the metadata database (table <c>pipeline_watches</c>), so a restart of the
/// host does not lose the conversation a run must report to. Works for every pipeline backend.
/// </summary>
public sealed class PipelineRunWatches(SwarmDatabase database)
{
    /// <summary>The table.</summary>
    public static readonly IMigration Migration = new SqlMigration("0302-pipeline-watches", """
        CREATE TABLE pipeline_watches (
          run_id TEXT PRIMARY KEY,
          pipeline TEXT NOT NULL,
          conversation_json TEXT NOT NULL,
          started_by TEXT,
          continuation_key TEXT NOT NULL,
          created_at TEXT NOT NULL,
          notified_at TEXT
        );
        CREATE INDEX ix_pipeline_watches_open ON pipeline_watches(notified_at);
        """);

    /// <summary>Remembers a run to report on.</summary>
    public async Task AddAsync(PipelineRunWatch watch, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            """
            INSERT INTO pipeline_watches (run_id, pipeline, conversation_json, started_by, continuation_key, created_at)
            VALUES (@RunId, @Pipeline, @conversation, @StartedBy, @ContinuationKey, @at)
            ON CONFLICT(run_id) DO UPDATE SET conversation_json = excluded.conversation_json, notified_at = NULL
            """,
            new { watch.RunId, watch.Pipeline, conversation = JsonSerializer.Serialize(watch.Conversation), watch.StartedBy, watch.ContinuationKey, at = DateTimeOffset.UtcNow.ToString("O") });
    }

    /// <summary>Runs not reported yet, oldest first.</summary>
    public async Task<IReadOnlyList<PipelineRunWatch>> OpenAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string RunId, string Pipeline, string Conversation, string? StartedBy, string Key)>(
            "SELECT run_id, pipeline, conversation_json, started_by, continuation_key FROM pipeline_watches WHERE notified_at IS NULL ORDER BY created_at");
        return rows.Select(r => new PipelineRunWatch(r.RunId, r.Pipeline, JsonSerializer.Deserialize<ConversationRef>(r.Conversation)!, r.StartedBy, r.Key)).ToList();
    }

    /// <summary>Claims the report (compare-and-set): true for exactly one caller, so a run is reported once.</summary>
    public async Task<bool> TryMarkNotifiedAsync(string runId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync("UPDATE pipeline_watches SET notified_at = @at WHERE run_id = @runId AND notified_at IS NULL",
            new { runId, at = DateTimeOffset.UtcNow.ToString("O") }) == 1;
    }
}
