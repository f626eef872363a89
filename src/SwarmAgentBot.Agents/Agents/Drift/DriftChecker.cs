using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using SwarmAgentBot.Agents.Agents.Registry;
using SwarmAgentBot.Ml.Drift;

namespace SwarmAgentBot.Agents.Agents.Drift;

/// <summary>Outcome of one drift check.</summary>
/// <param name="Version">The model version whose reference was used.</param>
/// <param name="Window">The window asked for.</param>
/// <param name="Rows">Predictions found in the window.</param>
/// <param name="Report">The comparison (null when there were too few rows to compare).</param>
/// <param name="Stored">The stored report (null when nothing was decided).</param>
/// <param name="Reference">The reference used.</param>
/// <param name="Current">The current window as a table (for charts).</param>
public sealed record DriftCheckResult(ModelVersion Version, DriftWindow Window, int Rows, DriftReport? Report, StoredDriftReport? Stored, DriftReferenceSample Reference, DriftTable? Current);

/// <summary>
/// Runs a drift check of a served model: the latest window of its prediction log against the reference of the version
/// that served it, with prediction drift and performance (actual where feedback labels came back, else estimated).
/// Shared by the chat agent and the monitor.
/// </summary>
public sealed class DriftChecker(PredictionLog log, PredictionLogImporter importer, ModelServer server, DriftReference references, DriftDetector detector, DriftReportStore reports, TimeProvider clock)
{
    /// <summary>Most predictions read for a time window.</summary>
    public const int MaxWindowRows = 20_000;

    /// <summary>JSON settings for stored reports (enums as names).</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() }, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>The default share at which a model counts as drifted.</summary>
    public double DefaultThreshold => detector.Options.DatasetDriftShare;

    /// <summary>Fewest rows a window needs.</summary>
    public int MinRows => detector.Options.MinRows;

    /// <summary>The version a stage (or "latest") points at.</summary>
    /// <exception cref="ModelNotFoundException">Unknown model or stage.</exception>
    public Task<ModelVersion> ResolveAsync(string model, string? stage, CancellationToken cancellationToken = default) =>
        server.ResolveAsync(model, stage ?? "latest", cancellationToken);

    /// <summary>Checks a model; stores the report when drift could be decided.</summary>
    /// <exception cref="ModelNotFoundException">Unknown model or stage.</exception>
    /// <exception cref="DriftReferenceException">No reference for the version.</exception>
    public async Task<DriftCheckResult?> CheckAsync(string model, string? stage, DriftWindow window, double? threshold, string source, CancellationToken cancellationToken = default)
    {
        // Predictions served by pods reach this host's log as shipped segments: bring in what arrived.
        await importer.ImportAsync(cancellationToken);
        var since = window.Span is { } span ? clock.GetUtcNow() - span : (DateTimeOffset?)null;
        var logged = await log.RecentAsync(model, window.Predictions ?? MaxWindowRows, since, cancellationToken);
        ModelVersion version;
        if (stage is not null) version = await server.ResolveAsync(model, stage, cancellationToken);
        else if (logged.Count > 0) version = await server.ResolveAsync(model, logged[^1].Version.ToString(CultureInfo.InvariantCulture), cancellationToken);
        else version = await server.ResolveAsync(model, "latest", cancellationToken);
        // Only the predictions of the version being judged: another version has another reference.
        var rows = logged.Where(p => p.Version == version.Version).ToList();
        var reference = await references.GetAsync(version, cancellationToken);
        if (rows.Count < detector.Options.MinRows)
            return new DriftCheckResult(version, window, rows.Count, null, null, reference, null);

        var current = CurrentTable(rows, reference);
        var report = detector.Compare(reference.Table, current, new DriftRequest
        {
            Target = DriftColumns.Label, Prediction = DriftColumns.Prediction, Probability = reference.PositiveLabel is null ? null : DriftColumns.Probability,
            PositiveLabel = reference.PositiveLabel, FeatureImportance = reference.Importance.Count > 0 ? reference.Importance : null,
        }, cancellationToken);
        StoredDriftReport? stored = null;
        if (report.Dataset.DriftShare is not null)
            stored = await reports.SaveAsync(model, version.Version, rows[0].CreatedAt, rows[^1].CreatedAt, rows.Count, report.Dataset.DriftShare, report.Dataset.WeightedDriftShare,
                threshold ?? DefaultThreshold, source, JsonSerializer.Serialize(report, Json), cancellationToken);
        return new DriftCheckResult(version, window, rows.Count, report, stored, reference, current);
    }

    /// <summary>Reads a stored report's JSON back.</summary>
    public static DriftReport Parse(StoredDriftReport stored) => JsonSerializer.Deserialize<DriftReport>(stored.ReportJson, Json)!;

    private static DriftTable CurrentTable(IReadOnlyList<LoggedPrediction> rows, DriftReferenceSample reference)
    {
        var columns = new List<DriftColumn>();
        foreach (var feature in reference.Features)
        {
            var numeric = reference.Table.Find(feature)!.Kind == DriftColumnKind.Numeric;
            var nodes = rows.Select(r => r.Features[feature]).ToList();
            if (numeric && nodes.All(n => n is null || (n is JsonValue v && v.TryGetValue<double>(out _))))
                columns.Add(DriftColumn.Numeric(feature, nodes.Select(n => n is null ? double.NaN : n.GetValue<double>()).ToArray()));
            else
                columns.Add(DriftColumn.Categorical(feature, nodes.Select(Text).ToArray()));
        }
        columns.Add(DriftColumn.Categorical(DriftColumns.Prediction, rows.Select(r => Text(r.Prediction["label"] ?? r.Prediction["value"])).ToArray()));
        if (reference.PositiveLabel is { } positive)
            columns.Add(DriftColumn.Numeric(DriftColumns.Probability, rows.Select(r => r.Prediction["probabilities"]?[positive] is JsonValue p ? p.GetValue<double>() : double.NaN).ToArray()));
        if (rows.Any(r => r.Label is not null))
            columns.Add(DriftColumn.Categorical(DriftColumns.Label, rows.Select(r => Text(r.Label)).ToArray()));
        return new DriftTable(columns);
    }

    private static string? Text(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<double>(out var d) => d.ToString("R", CultureInfo.InvariantCulture),
        _ => node.ToJsonString(),
    };
}
