using System.Text.Json;
using Dapper;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Ports;

namespace SwarmAgentBot.Integrations.Local;

/// <summary>A local job as stored: its spec, process and outcome.</summary>
public sealed record LocalJobRecord(
    string Id,
    string Kind,
    IReadOnlyList<string> Arguments,
    JobState State,
    string? Message,
    int? ExitCode,
    int? ProcessId,
    DateTimeOffset? ProcessStartedAt,
    string LogPath,
    string ExitPath,
    TimeSpan Timeout,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt)
{
    /// <summary>The record as a <see cref="JobStatus"/>.</summary>
    public JobStatus ToStatus() => new(Id, State, Message, ExitCode, StartedAt, FinishedAt);
}

/// <summary>Local jobs in the metadata database (table <c>jobs</c>), so their status survives a restart.</summary>
public sealed class LocalJobStore(SwarmDatabase database)
{
    /// <summary>The table.</summary>
    public static readonly IMigration Migration = new SqlMigration("0300-jobs", """
        CREATE TABLE jobs (
          id TEXT PRIMARY KEY,
          kind TEXT NOT NULL,
          arguments_json TEXT NOT NULL,
          labels_json TEXT NOT NULL DEFAULT '{}',
          state TEXT NOT NULL,
          message TEXT,
          exit_code INTEGER,
          pid INTEGER,
          process_started_at TEXT,
          log_path TEXT NOT NULL,
          exit_path TEXT NOT NULL,
          timeout_ms INTEGER NOT NULL,
          created_at TEXT NOT NULL,
          started_at TEXT,
          finished_at TEXT
        );
        CREATE INDEX ix_jobs_state ON jobs(state);
        """);

    /// <summary>Inserts a new pending job; false when the id is taken.</summary>
    public async Task<bool> TryInsertAsync(JobSpec spec, string logPath, string exitPath, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.ExecuteAsync(
            """
            INSERT INTO jobs (id, kind, arguments_json, labels_json, state, log_path, exit_path, timeout_ms, created_at)
            VALUES (@JobId, @Kind, @args, @labels, 'Pending', @logPath, @exitPath, @timeout, @now)
            ON CONFLICT(id) DO NOTHING
            """,
            new
            {
                spec.JobId, spec.Kind, args = JsonSerializer.Serialize(spec.Arguments), labels = JsonSerializer.Serialize(spec.Labels ?? new Dictionary<string, string>()),
                logPath, exitPath, timeout = (long)spec.Timeout.TotalMilliseconds, now = now.ToString("O"),
            });
        return rows == 1;
    }

    /// <summary>Records the started process.</summary>
    public async Task MarkRunningAsync(string id, int pid, DateTimeOffset processStartedAt, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            "UPDATE jobs SET state = 'Running', pid = @pid, process_started_at = @ps, started_at = @now WHERE id = @id AND state = 'Pending'",
            new { id, pid, ps = processStartedAt.ToString("O"), now = now.ToString("O") });
    }

    /// <summary>
    /// Records the outcome unless the job already ended (a cancel recorded first wins over the
    /// kill's exit code). Returns true when this call set it.
    /// </summary>
    public async Task<bool> TryFinishAsync(string id, JobState state, string? message, int? exitCode, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.ExecuteAsync(
            "UPDATE jobs SET state = @state, message = @message, exit_code = @exitCode, finished_at = @now WHERE id = @id AND state IN ('Pending', 'Running')",
            new { id, state = state.ToString(), message, exitCode, now = now.ToString("O") });
        return rows == 1;
    }

    /// <summary>The job, or null.</summary>
    public async Task<LocalJobRecord?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(
            """
            SELECT id AS Id, kind AS Kind, arguments_json AS ArgumentsJson, state AS State, message AS Message, exit_code AS ExitCode, pid AS Pid,
                   process_started_at AS ProcessStartedAt, log_path AS LogPath, exit_path AS ExitPath, timeout_ms AS TimeoutMs,
                   created_at AS CreatedAt, started_at AS StartedAt, finished_at AS FinishedAt
            FROM jobs WHERE id = @id
            """, new { id });
        return row?.ToRecord();
    }

    private sealed class Row
    {
        public string Id { get; set; } = "";
        public string Kind { get; set; } = "";
        public string ArgumentsJson { get; set; } = "[]";
        public string State { get; set; } = "";
        public string? Message { get; set; }
        public long? ExitCode { get; set; }
        public long? Pid { get; set; }
        public string? ProcessStartedAt { get; set; }
        public string LogPath { get; set; } = "";
        public string ExitPath { get; set; } = "";
        public long TimeoutMs { get; set; }
        public string CreatedAt { get; set; } = "";
        public string? StartedAt { get; set; }
        public string? FinishedAt { get; set; }

        public LocalJobRecord ToRecord() => new(
            Id, Kind, JsonSerializer.Deserialize<List<string>>(ArgumentsJson) ?? [], Enum.Parse<JobState>(State), Message,
            ExitCode is null ? null : (int)ExitCode, Pid is null ? null : (int)Pid, Parse(ProcessStartedAt), LogPath, ExitPath,
            TimeSpan.FromMilliseconds(TimeoutMs), Parse(CreatedAt)!.Value, Parse(StartedAt), Parse(FinishedAt));

        private static DateTimeOffset? Parse(string? s) => s is null ? null : DateTimeOffset.Parse(s, System.Globalization.CultureInfo.InvariantCulture);
    }
}
