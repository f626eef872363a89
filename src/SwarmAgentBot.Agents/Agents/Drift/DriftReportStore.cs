using System.Globalization;
using System.Text.Json;
using Dapper;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Agents.Metadata;

namespace SwarmAgentBot.Agents.Agents.Drift;

/// <summary>A drift check as stored: which model version, which window, the scores and the full report JSON.</summary>
/// <param name="Id">Report id.</param>
/// <param name="Model">Model name.</param>
/// <param name="Version">Model version whose reference was used.</param>
/// <param name="WindowStart">Time of the first prediction in the window.</param>
/// <param name="WindowEnd">Time of the last prediction in the window.</param>
/// <param name="Rows">Predictions in the window.</param>
/// <param name="DriftShare">Share of tested features that drifted (null: not decided).</param>
/// <param name="WeightedShare">Share of feature importance held by drifted features (null without importances).</param>
/// <param name="Threshold">The share at which the model counts as drifted.</param>
/// <param name="Drifted">Score ≥ threshold (null: not decided).</param>
/// <param name="WindowsSinceAlert">Open alert: reports since the first one over the threshold (0 on that one); on the first report back under it, how many windows the recovery took; otherwise null.</param>
/// <param name="Source">"chat" or "monitor".</param>
/// <param name="ReportJson">The <see cref="SwarmAgentBot.Ml.Drift.DriftReport"/> as JSON.</param>
/// <param name="CreatedAt">When the check ran.</param>
public sealed record StoredDriftReport(
    long Id, string Model, int Version, DateTimeOffset WindowStart, DateTimeOffset WindowEnd, int Rows, double? DriftShare, double? WeightedShare,
    double Threshold, bool? Drifted, int? WindowsSinceAlert, string Source, string ReportJson, DateTimeOffset CreatedAt)
{
    /// <summary>The share compared with the threshold: importance-weighted when available.</summary>
    public double? Score => WeightedShare ?? DriftShare;

    /// <summary>True when this report ended an alert (the first one back under the threshold).</summary>
    public bool IsRecovery => Drifted == false && WindowsSinceAlert is not null;
}

/// <summary>Monitoring settings of one model.</summary>
/// <param name="Model">Model name.</param>
/// <param name="Stage">Alias checked (null: the version serving the latest predictions).</param>
/// <param name="EveryMinutes">Check every so many minutes (null: by predictions).</param>
/// <param name="EveryPredictions">Check after so many new predictions (null: by time).</param>
/// <param name="Threshold">Alert when the (weighted) drift share reaches this.</param>
/// <param name="RetrainThreshold">Propose retraining when it reaches this.</param>
/// <param name="AutoRetrain">"propose" (a button that asks the training agent, behind approval) or "off".</param>
/// <param name="Conversation">Where alerts go.</param>
/// <param name="ConfiguredBy">Who set it up.</param>
/// <param name="LastCheckAt">Last monitor check, if any.</param>
/// <param name="LastCheckCount">Predictions logged at the last check.</param>
public sealed record DriftMonitorConfig(
    string Model, string? Stage, int? EveryMinutes, int? EveryPredictions, double Threshold, double RetrainThreshold, string AutoRetrain,
    ConversationRef Conversation, string ConfiguredBy, DateTimeOffset? LastCheckAt, long LastCheckCount)
{
    /// <summary>The schedule in words.</summary>
    public string ScheduleText => EveryPredictions is { } n ? $"every {n:N0} predictions" : $"every {DriftWindow.Describe(TimeSpan.FromMinutes(EveryMinutes ?? 60))}";
}

/// <summary>Drift reports and monitoring settings in the metadata store.</summary>
public sealed class DriftReportStore(SwarmDatabase database, TimeProvider clock)
{
    /// <summary>The tables (migration ids 0400, 0401).</summary>
    public static readonly IMigration[] Migrations =
    [
        new SqlMigration("0400-drift-reports",
            """
            CREATE TABLE drift_reports (
              id INTEGER PRIMARY KEY AUTOINCREMENT, model TEXT NOT NULL, version INTEGER NOT NULL,
              window_start TEXT NOT NULL, window_end TEXT NOT NULL, rows INTEGER NOT NULL,
              drift_share REAL, weighted_share REAL, threshold REAL NOT NULL, drifted INTEGER, windows_since_alert INTEGER,
              source TEXT NOT NULL, report_json TEXT NOT NULL, created_at TEXT NOT NULL);
            CREATE INDEX drift_reports_model ON drift_reports (model, id);
            """),
        new SqlMigration("0401-drift-monitors",
            """
            CREATE TABLE drift_monitors (
              model TEXT PRIMARY KEY, stage TEXT, every_minutes INTEGER, every_predictions INTEGER,
              threshold REAL NOT NULL, retrain_threshold REAL NOT NULL, auto_retrain TEXT NOT NULL,
              conversation_json TEXT NOT NULL, configured_by TEXT NOT NULL, last_check_at TEXT, last_check_count INTEGER NOT NULL DEFAULT 0,
              updated_at TEXT NOT NULL);
            """),
    ];

    /// <summary>
    /// Stores a report; works out <see cref="StoredDriftReport.WindowsSinceAlert"/> from the reports before it so
    /// history can show how long each alert lasted.
    /// </summary>
    public async Task<StoredDriftReport> SaveAsync(string model, int version, DateTimeOffset windowStart, DateTimeOffset windowEnd, int rows,
        double? driftShare, double? weightedShare, double threshold, string source, string reportJson, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync("BEGIN IMMEDIATE");
        try
        {
            var previous = (await connection.QueryAsync<long?>(
                "SELECT drifted FROM drift_reports WHERE model = @model AND drifted IS NOT NULL ORDER BY id DESC LIMIT 1000", new { model })).ToList();
            var streak = previous.TakeWhile(d => d == 1).Count();
            var score = weightedShare ?? driftShare;
            bool? drifted = score is { } s ? s >= threshold : null;
            int? sinceAlert = drifted switch { true => streak, false when streak > 0 => streak, _ => null };
            var id = await connection.ExecuteScalarAsync<long>(
                """
                INSERT INTO drift_reports (model, version, window_start, window_end, rows, drift_share, weighted_share, threshold, drifted, windows_since_alert, source, report_json, created_at)
                VALUES (@model, @version, @ws, @we, @rows, @driftShare, @weightedShare, @threshold, @drifted, @sinceAlert, @source, @reportJson, @now);
                SELECT last_insert_rowid();
                """,
                new { model, version, ws = windowStart.ToString("O"), we = windowEnd.ToString("O"), rows, driftShare, weightedShare, threshold,
                      drifted = drifted is null ? (int?)null : drifted.Value ? 1 : 0, sinceAlert, source, reportJson, now = clock.GetUtcNow().ToString("O") });
            await connection.ExecuteAsync("COMMIT");
            return (await GetAsync(id, cancellationToken))!;
        }
        catch
        {
            await connection.ExecuteAsync("ROLLBACK");
            throw;
        }
    }

    /// <summary>One report, or null.</summary>
    public async Task<StoredDriftReport?> GetAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<ReportRow>(ReportSelect + " WHERE id = @id", new { id });
        return row?.ToReport();
    }

    /// <summary>Reports of a model (optionally one version), oldest first, the newest <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<StoredDriftReport>> ListAsync(string model, int? version = null, int limit = 50, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<ReportRow>(
            ReportSelect + " WHERE model = @model AND (@version IS NULL OR version = @version) ORDER BY id DESC LIMIT @limit", new { model, version, limit });
        return rows.Select(r => r.ToReport()).Reverse().ToList();
    }

    /// <summary>Saves (replaces) the monitoring settings of a model.</summary>
    public async Task SaveMonitorAsync(DriftMonitorConfig config, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            """
            INSERT INTO drift_monitors (model, stage, every_minutes, every_predictions, threshold, retrain_threshold, auto_retrain, conversation_json, configured_by, last_check_at, last_check_count, updated_at)
            VALUES (@Model, @Stage, @EveryMinutes, @EveryPredictions, @Threshold, @RetrainThreshold, @AutoRetrain, @conv, @ConfiguredBy, @last, @LastCheckCount, @now)
            ON CONFLICT (model) DO UPDATE SET stage = excluded.stage, every_minutes = excluded.every_minutes, every_predictions = excluded.every_predictions,
              threshold = excluded.threshold, retrain_threshold = excluded.retrain_threshold, auto_retrain = excluded.auto_retrain,
              conversation_json = excluded.conversation_json, configured_by = excluded.configured_by, updated_at = excluded.updated_at
            """,
            new { config.Model, config.Stage, config.EveryMinutes, config.EveryPredictions, config.Threshold, config.RetrainThreshold, config.AutoRetrain,
                  conv = JsonSerializer.Serialize(config.Conversation), config.ConfiguredBy, last = config.LastCheckAt?.ToString("O"), config.LastCheckCount,
                  now = clock.GetUtcNow().ToString("O") });
    }

    /// <summary>The monitoring settings of one model, or null.</summary>
    public async Task<DriftMonitorConfig?> GetMonitorAsync(string model, CancellationToken cancellationToken = default) =>
        (await ListMonitorsAsync(cancellationToken)).FirstOrDefault(m => m.Model == model);

    /// <summary>All monitored models.</summary>
    public async Task<IReadOnlyList<DriftMonitorConfig>> ListMonitorsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<MonitorRow>(
            """
            SELECT model AS Model, stage AS Stage, every_minutes AS EveryMinutes, every_predictions AS EveryPredictions, threshold AS Threshold,
                   retrain_threshold AS RetrainThreshold, auto_retrain AS AutoRetrain, conversation_json AS ConversationJson, configured_by AS ConfiguredBy,
                   last_check_at AS LastCheckAt, last_check_count AS LastCheckCount
            FROM drift_monitors ORDER BY model
            """);
        return rows.Select(r => r.ToConfig()).ToList();
    }

    /// <summary>Records that the monitor checked a model.</summary>
    public async Task MarkCheckedAsync(string model, DateTimeOffset at, long predictionCount, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync("UPDATE drift_monitors SET last_check_at = @at, last_check_count = @predictionCount WHERE model = @model",
            new { model, at = at.ToString("O"), predictionCount });
    }

    private const string ReportSelect =
        """
        SELECT id AS Id, model AS Model, version AS Version, window_start AS WindowStart, window_end AS WindowEnd, rows AS Rows, drift_share AS DriftShare,
               weighted_share AS WeightedShare, threshold AS Threshold, drifted AS Drifted, windows_since_alert AS WindowsSinceAlert, source AS Source,
               report_json AS ReportJson, created_at AS CreatedAt
        FROM drift_reports
        """;

    private static DateTimeOffset Time(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);

    private sealed class ReportRow
    {
        public long Id { get; set; }
        public string Model { get; set; } = "";
        public long Version { get; set; }
        public string WindowStart { get; set; } = "";
        public string WindowEnd { get; set; } = "";
        public long Rows { get; set; }
        public double? DriftShare { get; set; }
        public double? WeightedShare { get; set; }
        public double Threshold { get; set; }
        public long? Drifted { get; set; }
        public long? WindowsSinceAlert { get; set; }
        public string Source { get; set; } = "";
        public string ReportJson { get; set; } = "{}";
        public string CreatedAt { get; set; } = "";

        public StoredDriftReport ToReport() => new(Id, Model, (int)Version, Time(WindowStart), Time(WindowEnd), (int)Rows, DriftShare, WeightedShare, Threshold,
            Drifted is null ? null : Drifted == 1, (int?)WindowsSinceAlert, Source, ReportJson, Time(CreatedAt));
    }

    private sealed class MonitorRow
    {
        public string Model { get; set; } = "";
        public string? Stage { get; set; }
        public long? EveryMinutes { get; set; }
        public long? EveryPredictions { get; set; }
        public double Threshold { get; set; }
        public double RetrainThreshold { get; set; }
        public string AutoRetrain { get; set; } = "";
        public string ConversationJson { get; set; } = "";
        public string ConfiguredBy { get; set; } = "";
        public string? LastCheckAt { get; set; }
        public long LastCheckCount { get; set; }

        public DriftMonitorConfig ToConfig() => new(Model, Stage, (int?)EveryMinutes, (int?)EveryPredictions, Threshold, RetrainThreshold, AutoRetrain,
            JsonSerializer.Deserialize<ConversationRef>(ConversationJson)!, ConfiguredBy, LastCheckAt is null ? null : Time(LastCheckAt), LastCheckCount);
    }
}
