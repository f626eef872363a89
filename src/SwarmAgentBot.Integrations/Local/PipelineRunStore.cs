using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Ports;

namespace SwarmAgentBot.Integrations.Local;

/// <summary>A local pipeline run as stored, with the manifest it runs (a snapshot: editing the YAML later does not change it).</summary>
public sealed record StoredPipelineRun(
    string Id,
    string Pipeline,
    string? DisplayName,
    PipelineRunState State,
    IReadOnlyDictionary<string, JsonNode?> Parameters,
    PipelineManifest Manifest,
    string? Error,
    string? StartedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt,
    int? OwnerPid,
    DateTimeOffset? OwnerStartedAt,
    IReadOnlyList<StoredPipelineStep> Steps)
{
    /// <summary>The run as the service-neutral record.</summary>
    public PipelineRun ToRun()
    {
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var step in Steps) foreach (var (k, v) in step.Metrics) metrics[k] = v;
        return new PipelineRun(Id, Pipeline, DisplayName, State, Parameters,
            Steps.Select(s => new PipelineStepRun(s.Name, s.State, s.StartedAt, s.FinishedAt, s.Message, s.Metrics)).ToList(),
            metrics, CreatedAt, FinishedAt, Error, StartedBy);
    }
}

/// <summary>One step of a stored run.</summary>
public sealed record StoredPipelineStep(
    string Name,
    int Position,
    PipelineRunState State,
    string? JobId,
    int Attempt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    string? Message,
    IReadOnlyDictionary<string, double> Metrics,
    IReadOnlyDictionary<string, string> Outputs);

/// <summary>Local pipeline runs in the metadata database (tables <c>pipeline_runs</c>, <c>pipeline_run_steps</c>).</summary>
public sealed class PipelineRunStore(SwarmDatabase database)
{
    /// <summary>The tables.</summary>
    public static readonly IMigration Migration = new SqlMigration("0301-pipeline-runs", """
        CREATE TABLE pipeline_runs (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          pipeline TEXT NOT NULL,
          display_name TEXT,
          state TEXT NOT NULL,
          parameters_json TEXT NOT NULL,
          manifest_json TEXT NOT NULL,
          error TEXT,
          started_by TEXT,
          created_at TEXT NOT NULL,
          finished_at TEXT,
          owner_pid INTEGER,
          owner_started_at TEXT
        );
        CREATE INDEX ix_pipeline_runs_pipeline ON pipeline_runs(pipeline, id);
        CREATE INDEX ix_pipeline_runs_state ON pipeline_runs(state, id);
        CREATE TABLE pipeline_run_steps (
          run_id INTEGER NOT NULL REFERENCES pipeline_runs(id),
          step TEXT NOT NULL,
          position INTEGER NOT NULL,
          state TEXT NOT NULL,
          job_id TEXT,
          attempt INTEGER NOT NULL DEFAULT 0,
          started_at TEXT,
          finished_at TEXT,
          message TEXT,
          metrics_json TEXT NOT NULL DEFAULT '{}',
          outputs_json TEXT NOT NULL DEFAULT '{}',
          PRIMARY KEY (run_id, step)
        );
        """);

    private static readonly string[] FinalStates = ["SUCCEEDED", "FAILED", "CANCELED", "SKIPPED"];

    /// <summary>Creates a PENDING run with all its steps PENDING, in one transaction; returns its id.</summary>
    public async Task<string> CreateAsync(PipelineManifest manifest, IReadOnlyDictionary<string, JsonNode?> parameters, string? displayName, string? startedBy, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var values = new JsonObject();
        foreach (var (k, v) in parameters) values[k] = v?.DeepClone();
        var id = await connection.ExecuteScalarAsync<long>(
            """
            INSERT INTO pipeline_runs (pipeline, display_name, state, parameters_json, manifest_json, started_by, created_at)
            VALUES (@pipeline, @displayName, 'PENDING', @parameters, @manifest, @startedBy, @now);
            SELECT last_insert_rowid();
            """,
            new { pipeline = manifest.Name, displayName, parameters = values.ToJsonString(), manifest = JsonSerializer.Serialize(manifest), startedBy, now = now.ToString("O") }, tx);
        var position = 0;
        foreach (var step in PipelineManifests.Order(manifest))
            await connection.ExecuteAsync("INSERT INTO pipeline_run_steps (run_id, step, position, state) VALUES (@id, @step, @position, 'PENDING')",
                new { id, step = step.Name, position = position++ }, tx);
        await tx.CommitAsync(cancellationToken);
        return id.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The run with its steps, or null (also for an id that is not a number).</summary>
    public async Task<StoredPipelineRun?> GetAsync(string runId, CancellationToken cancellationToken = default)
    {
        if (!long.TryParse(runId, NumberStyles.None, CultureInfo.InvariantCulture, out var id)) return null;
        await using var connection = await database.OpenAsync(cancellationToken);
        var run = await connection.QuerySingleOrDefaultAsync<RunRow>(RunColumns + " WHERE id = @id", new { id });
        if (run is null) return null;
        var steps = await connection.QueryAsync<StepRow>(StepColumns + " WHERE run_id = @id ORDER BY position", new { id });
        return run.ToRecord(steps.Select(s => s.ToRecord()).ToList());
    }

    /// <summary>Runs, newest first; the page token is the id to continue below.</summary>
    public async Task<(IReadOnlyList<StoredPipelineRun> Runs, string? Next, int Total)> ListAsync(string? pipeline, PipelineRunState? state, int pageSize, string? pageToken, CancellationToken cancellationToken = default)
    {
        long? below = null;
        if (!string.IsNullOrEmpty(pageToken))
            below = long.TryParse(pageToken, NumberStyles.None, CultureInfo.InvariantCulture, out var b) ? b : throw new PipelineException($"'{pageToken}' is not a page token from an earlier listing.");
        var stateText = state?.ToWire();
        await using var connection = await database.OpenAsync(cancellationToken);
        const string where = " WHERE (@pipeline IS NULL OR pipeline = @pipeline) AND (@stateText IS NULL OR state = @stateText)";
        var total = await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM pipeline_runs" + where, new { pipeline, stateText });
        var rows = (await connection.QueryAsync<RunRow>(RunColumns + where + " AND (@below IS NULL OR id < @below) ORDER BY id DESC LIMIT @limit",
            new { pipeline, stateText, below, limit = pageSize + 1 })).ToList();
        var more = rows.Count > pageSize;
        if (more) rows.RemoveAt(rows.Count - 1);
        var runs = new List<StoredPipelineRun>();
        foreach (var row in rows)
        {
            var steps = await connection.QueryAsync<StepRow>(StepColumns + " WHERE run_id = @id ORDER BY position", new { id = long.Parse(row.Id, CultureInfo.InvariantCulture) });
            runs.Add(row.ToRecord(steps.Select(s => s.ToRecord()).ToList()));
        }
        return (runs, more ? runs[^1].Id : null, total);
    }

    /// <summary>Ids of runs that have not ended.</summary>
    public async Task<IReadOnlyList<string>> ActiveRunIdsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var ids = await connection.QueryAsync<long>("SELECT id FROM pipeline_runs WHERE state NOT IN @FinalStates ORDER BY id", new { FinalStates });
        return ids.Select(i => i.ToString(CultureInfo.InvariantCulture)).ToList();
    }

    /// <summary>Makes this process the run's driver if the owner is still <paramref name="expectedPid"/> (compare-and-set).</summary>
    public async Task<bool> TryClaimAsync(string runId, int? expectedPid, int pid, DateTimeOffset processStartedAt, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(
            "UPDATE pipeline_runs SET owner_pid = @pid, owner_started_at = @ps WHERE id = @runId AND owner_pid IS @expectedPid",
            new { runId = long.Parse(runId, CultureInfo.InvariantCulture), expectedPid, pid, ps = processStartedAt.ToString("O") }) == 1;
    }

    /// <summary>Sets the run's state unless it already ended (a retry passes <paramref name="reopen"/>).</summary>
    public async Task<bool> SetRunStateAsync(string runId, PipelineRunState state, string? error, DateTimeOffset? finishedAt, bool reopen = false, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(
            "UPDATE pipeline_runs SET state = @s, error = @error, finished_at = @f WHERE id = @runId" + (reopen ? "" : " AND state NOT IN @FinalStates"),
            new { runId = long.Parse(runId, CultureInfo.InvariantCulture), s = state.ToWire(), error, f = finishedAt?.ToString("O"), FinalStates }) == 1;
    }

    /// <summary>Records that a step started as job <paramref name="jobId"/>.</summary>
    public async Task StepStartedAsync(string runId, string step, string jobId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            "UPDATE pipeline_run_steps SET state = 'RUNNING', job_id = @jobId, started_at = @now, finished_at = NULL, message = NULL WHERE run_id = @runId AND step = @step",
            new { runId = long.Parse(runId, CultureInfo.InvariantCulture), step, jobId, now = now.ToString("O") });
    }

    /// <summary>Records a step's outcome with what it reported.</summary>
    public async Task StepFinishedAsync(string runId, string step, PipelineRunState state, string? message, IReadOnlyDictionary<string, double>? metrics, IReadOnlyDictionary<string, string>? outputs, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            """
            UPDATE pipeline_run_steps SET state = @s, message = @message, finished_at = @now,
              metrics_json = @metrics, outputs_json = @outputs
            WHERE run_id = @runId AND step = @step
            """,
            new
            {
                runId = long.Parse(runId, CultureInfo.InvariantCulture), step, s = state.ToWire(), message, now = now.ToString("O"),
                metrics = JsonSerializer.Serialize(metrics ?? new Dictionary<string, double>()), outputs = JsonSerializer.Serialize(outputs ?? new Dictionary<string, string>()),
            });
    }

    /// <summary>Marks every step not yet ended as <paramref name="state"/> (a canceled or failed run's leftovers).</summary>
    public async Task CloseOpenStepsAsync(string runId, PipelineRunState state, string message, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            "UPDATE pipeline_run_steps SET state = @s, message = COALESCE(message, @message), finished_at = @now WHERE run_id = @runId AND state IN ('PENDING', 'RUNNING')",
            new { runId = long.Parse(runId, CultureInfo.InvariantCulture), s = state.ToWire(), message, now = now.ToString("O") });
    }

    /// <summary>For a retry: failed and canceled steps go back to PENDING (next attempt), the run to PENDING.</summary>
    public async Task ReopenAsync(string runId, CancellationToken cancellationToken = default)
    {
        var id = long.Parse(runId, CultureInfo.InvariantCulture);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(
            """
            UPDATE pipeline_run_steps SET state = 'PENDING', attempt = attempt + 1, job_id = NULL, started_at = NULL, finished_at = NULL, message = NULL,
              metrics_json = '{}', outputs_json = '{}'
            WHERE run_id = @id AND state IN ('FAILED', 'CANCELED')
            """, new { id }, tx);
        await connection.ExecuteAsync("UPDATE pipeline_runs SET state = 'PENDING', error = NULL, finished_at = NULL, owner_pid = NULL, owner_started_at = NULL WHERE id = @id", new { id }, tx);
        await tx.CommitAsync(cancellationToken);
    }

    private const string RunColumns = """
        SELECT CAST(id AS TEXT) AS Id, pipeline AS Pipeline, display_name AS DisplayName, state AS State, parameters_json AS ParametersJson, manifest_json AS ManifestJson,
               error AS Error, started_by AS StartedBy, created_at AS CreatedAt, finished_at AS FinishedAt, owner_pid AS OwnerPid, owner_started_at AS OwnerStartedAt
        FROM pipeline_runs
        """;

    private const string StepColumns = """
        SELECT step AS Step, position AS Position, state AS State, job_id AS JobId, attempt AS Attempt, started_at AS StartedAt, finished_at AS FinishedAt,
               message AS Message, metrics_json AS MetricsJson, outputs_json AS OutputsJson
        FROM pipeline_run_steps
        """;

    private static DateTimeOffset? Time(string? s) => s is null ? null : DateTimeOffset.Parse(s, CultureInfo.InvariantCulture);

    private static PipelineRunState State(string s) => PipelineRunStates.Parse(s) ?? PipelineRunState.Unspecified;

    private sealed class RunRow
    {
        public string Id { get; set; } = "";
        public string Pipeline { get; set; } = "";
        public string? DisplayName { get; set; }
        public string State { get; set; } = "";
        public string ParametersJson { get; set; } = "{}";
        public string ManifestJson { get; set; } = "{}";
        public string? Error { get; set; }
        public string? StartedBy { get; set; }
        public string CreatedAt { get; set; } = "";
        public string? FinishedAt { get; set; }
        public long? OwnerPid { get; set; }
        public string? OwnerStartedAt { get; set; }

        public StoredPipelineRun ToRecord(IReadOnlyList<StoredPipelineStep> steps)
        {
            var parameters = JsonNode.Parse(ParametersJson)!.AsObject().ToDictionary(p => p.Key, p => p.Value?.DeepClone(), StringComparer.Ordinal);
            return new StoredPipelineRun(Id, Pipeline, DisplayName, PipelineRunStore.State(State), parameters,
                JsonSerializer.Deserialize<PipelineManifest>(ManifestJson)!, Error, StartedBy, Time(CreatedAt)!.Value, Time(FinishedAt),
                OwnerPid is null ? null : (int)OwnerPid, Time(OwnerStartedAt), steps);
        }
    }

    private sealed class StepRow
    {
        public string Step { get; set; } = "";
        public long Position { get; set; }
        public string State { get; set; } = "";
        public string? JobId { get; set; }
        public long Attempt { get; set; }
        public string? StartedAt { get; set; }
        public string? FinishedAt { get; set; }
        public string? Message { get; set; }
        public string MetricsJson { get; set; } = "{}";
        public string OutputsJson { get; set; } = "{}";

        public StoredPipelineStep ToRecord() => new(Step, (int)Position, PipelineRunStore.State(State), JobId, (int)Attempt, Time(StartedAt), Time(FinishedAt), Message,
            JsonSerializer.Deserialize<Dictionary<string, double>>(MetricsJson) ?? [], JsonSerializer.Deserialize<Dictionary<string, string>>(OutputsJson) ?? []);
    }
}
