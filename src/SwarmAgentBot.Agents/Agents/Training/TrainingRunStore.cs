using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Agents.Metadata;

namespace SwarmAgentBot.Agents.Agents.Training;

/// <summary>States of a training run.</summary>
public static class RunStatus
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Canceled = "canceled";

    /// <summary>True for states a run never leaves.</summary>
    public static bool IsFinal(string status) => status is Succeeded or Failed or Canceled;
}

/// <summary>A training run as stored: what was asked, where it is, what it produced.</summary>
public sealed record TrainingRun(
    long Id, string ModelName, string DatasetName, int? DatasetVersion, string? DatasetSha256, string Target,
    JsonObject Config, string Status, JsonObject? Progress, JsonObject? Metrics, JsonArray? Leaderboard, int? ModelVersion,
    string? Error, string? JobId, string RequestedBy, ConversationRef? Conversation, long? ReproducesRunId,
    DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt);

/// <summary>Training runs in the metadata store; the worker process and the host share them through SQLite.</summary>
public sealed class TrainingRunStore(SwarmDatabase database, TimeProvider clock)
{
    /// <summary>Records a queued run and returns it.</summary>
    public async Task<TrainingRun> CreateAsync(string modelName, string datasetName, int? datasetVersion, string? datasetSha256, string target, JsonObject config,
        string requestedBy, ConversationRef? conversation, long? reproducesRunId = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var id = await connection.ExecuteScalarAsync<long>(
            """
            INSERT INTO training_runs (model_name, dataset_name, dataset_version, dataset_sha256, target, config_json, status, requested_by, conversation_json, reproduces_run_id, created_at)
            VALUES (@modelName, @datasetName, @datasetVersion, @datasetSha256, @target, @config, 'queued', @requestedBy, @conv, @reproducesRunId, @now);
            SELECT last_insert_rowid();
            """,
            new { modelName, datasetName, datasetVersion, datasetSha256, target, config = config.ToJsonString(), requestedBy,
                  conv = conversation is null ? null : JsonSerializer.Serialize(conversation), reproducesRunId, now = clock.GetUtcNow().ToString("O") });
        return (await GetAsync(id, cancellationToken))!;
    }

    /// <summary>One run, or null.</summary>
    public async Task<TrainingRun?> GetAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QuerySingleOrDefaultAsync<Row>(Select + " WHERE id = @id", new { id }))?.ToRun();
    }

    /// <summary>Recent runs, newest first, optionally of one model or in one status.</summary>
    public async Task<IReadOnlyList<TrainingRun>> ListAsync(string? modelName = null, string? status = null, int limit = 20, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(Select + " WHERE (@modelName IS NULL OR model_name = @modelName) AND (@status IS NULL OR status = @status) ORDER BY id DESC LIMIT @limit",
            new { modelName, status, limit });
        return rows.Select(r => r.ToRun()).ToList();
    }

    /// <summary>Runs trained on a dataset, newest first.</summary>
    public async Task<IReadOnlyList<TrainingRun>> ListByDatasetAsync(string datasetName, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<Row>(Select + " WHERE dataset_name = @datasetName ORDER BY id DESC", new { datasetName })).Select(r => r.ToRun()).ToList();
    }

    /// <summary>Marks the run as started by a job.</summary>
    public async Task MarkStartedAsync(long id, string jobId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync("UPDATE training_runs SET status = 'running', job_id = @jobId, started_at = COALESCE(started_at, @now) WHERE id = @id AND status IN ('queued','running')",
            new { id, jobId, now = clock.GetUtcNow().ToString("O") });
    }

    /// <summary>Stores the latest progress (trial n, best so far, time left).</summary>
    public async Task ReportProgressAsync(long id, JsonObject progress, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync("UPDATE training_runs SET progress_json = @p, status = CASE WHEN status = 'queued' THEN 'running' ELSE status END WHERE id = @id AND status IN ('queued','running')",
            new { id, p = progress.ToJsonString() });
    }

    /// <summary>Records success: metrics, leaderboard and the registered model version.</summary>
    public async Task CompleteAsync(long id, JsonObject metrics, JsonArray leaderboard, int modelVersion, string datasetSha256, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            "UPDATE training_runs SET status = 'succeeded', metrics_json = @m, leaderboard_json = @l, model_version = @modelVersion, dataset_sha256 = @datasetSha256, finished_at = @now WHERE id = @id",
            new { id, m = metrics.ToJsonString(), l = leaderboard.ToJsonString(), modelVersion, datasetSha256, now = clock.GetUtcNow().ToString("O") });
    }

    /// <summary>Records a failure or cancellation with its reason (only for a run not already finished).</summary>
    public async Task<bool> FailAsync(long id, string error, bool canceled = false, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var n = await connection.ExecuteAsync("UPDATE training_runs SET status = @status, error = @error, finished_at = @now WHERE id = @id AND status IN ('queued','running')",
            new { id, status = canceled ? RunStatus.Canceled : RunStatus.Failed, error, now = clock.GetUtcNow().ToString("O") });
        return n == 1;
    }

    private const string Select = """
        SELECT id AS Id, model_name AS ModelName, dataset_name AS DatasetName, dataset_version AS DatasetVersion, dataset_sha256 AS DatasetSha256, target AS Target,
               config_json AS ConfigJson, status AS Status, progress_json AS ProgressJson, metrics_json AS MetricsJson, leaderboard_json AS LeaderboardJson,
               model_version AS ModelVersion, error AS Error, job_id AS JobId, requested_by AS RequestedBy, conversation_json AS ConversationJson,
               reproduces_run_id AS ReproducesRunId, created_at AS CreatedAt, started_at AS StartedAt, finished_at AS FinishedAt
        FROM training_runs
        """;

    private sealed class Row
    {
        public long Id { get; set; }
        public string ModelName { get; set; } = "";
        public string DatasetName { get; set; } = "";
        public long? DatasetVersion { get; set; }
        public string? DatasetSha256 { get; set; }
        public string Target { get; set; } = "";
        public string ConfigJson { get; set; } = "{}";
        public string Status { get; set; } = "";
        public string? ProgressJson { get; set; }
        public string? MetricsJson { get; set; }
        public string? LeaderboardJson { get; set; }
        public long? ModelVersion { get; set; }
        public string? Error { get; set; }
        public string? JobId { get; set; }
        public string RequestedBy { get; set; } = "";
        public string? ConversationJson { get; set; }
        public long? ReproducesRunId { get; set; }
        public string CreatedAt { get; set; } = "";
        public string? StartedAt { get; set; }
        public string? FinishedAt { get; set; }

        public TrainingRun ToRun() => new(Id, ModelName, DatasetName, (int?)DatasetVersion, DatasetSha256, Target, JsonNode.Parse(ConfigJson)!.AsObject(), Status,
            ProgressJson is null ? null : JsonNode.Parse(ProgressJson) as JsonObject, MetricsJson is null ? null : JsonNode.Parse(MetricsJson) as JsonObject,
            LeaderboardJson is null ? null : JsonNode.Parse(LeaderboardJson) as JsonArray, (int?)ModelVersion, Error, JobId, RequestedBy,
            ConversationJson is null ? null : JsonSerializer.Deserialize<ConversationRef>(ConversationJson), ReproducesRunId,
            Parse(CreatedAt)!.Value, Parse(StartedAt), Parse(FinishedAt));

        private static DateTimeOffset? Parse(string? s) => s is null ? null : DateTimeOffset.Parse(s, CultureInfo.InvariantCulture);
    }
}
