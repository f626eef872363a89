using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Agents.Registry;
using SwarmAgentBot.Agents.Agents.Storage;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Supervisor;
using SwarmAgentBot.Ml.Charts;
using SwarmAgentBot.Ml.Drift;

namespace SwarmAgentBot.Agents.Agents.Drift;

/// <summary>
/// Drift in chat: check a served model now, explain why it drifted, show drift over time, and set up monitoring
/// (schedule, threshold, retrain proposals) that the <see cref="DriftMonitor"/> carries out.
/// </summary>
public sealed class DriftAgent(DriftChecker checker, DriftReportStore reports, DriftCards cards, ChartStore charts, IOptions<SwarmOptions> swarm, TimeProvider clock) : IAgent
{
    /// <summary>The runbook linked from explanations (path under knowledge/).</summary>
    public const string RunbookPath = "runbooks/investigating-drift.md";

    /// <inheritdoc />
    public string Name => "drift";

    /// <inheritdoc />
    public IReadOnlyList<IntentDescriptor> Intents { get; } =
    [
        new("drift.check_drift", "Run a drift check now: the latest window of a model's predictions against its training data.",
            JsonSchemas.Object([], ("model", "string", "Model name."), ("stage", "string", "Alias (default: the version serving the latest predictions)."),
                ("window", "string", "\"500 predictions\", \"1h\", \"7d\" (default 500 predictions).")), Examples: ["check drift on churn-model over the last 500 predictions"]),
        new("drift.explain_drift", "Why did the model drift: which features, how, since when, what it did to performance, what to do.",
            JsonSchemas.Object([], ("model", "string", "Model name."), ("window", "string", "Window to explain.")), Examples: ["why did churn-model drift?"]),
        new("drift.drift_history", "Stored drift reports of a model over time, with a chart.",
            JsonSchemas.Object([], ("model", "string", "Model name."), ("window", "string", "Only reports of this period.")), Examples: ["show drift history of churn-model"]),
        new("drift.configure_monitoring", "Schedule drift checks with an alert threshold and a retrain policy; alerts go to this conversation.",
            JsonSchemas.Object([], ("model", "string", "Model name."), ("stage", "string", "Alias to watch."), ("schedule", "string", "\"1h\", \"30m\" or \"500 predictions\"."),
                ("threshold", "number", "Alert when the drift share reaches this (0–1)."), ("retrain_threshold", "number", "Propose retraining when it reaches this."),
                ("auto_retrain", "string", "propose or off.")), Examples: ["monitor churn-model for drift every hour and alert above 30%"]),
    ];

    /// <inheritdoc />
    public async Task<AgentResult> HandleAsync(AgentRequest request, CancellationToken cancellationToken = default)
    {
        var model = request.Get("model") ?? request.Turn.Memory.GetValueOrDefault("model");
        if (model is null)
            return AgentResult.Ok("Which model? Say for example \"check drift on churn-model\".");
        try
        {
            return request.Intent switch
            {
                "drift.check_drift" => await CheckAsync(request, model, cancellationToken),
                "drift.explain_drift" => await ExplainAsync(request, model, cancellationToken),
                "drift.drift_history" => await HistoryAsync(request, model, cancellationToken),
                "drift.configure_monitoring" => await ConfigureAsync(request, model, cancellationToken),
                _ => AgentResult.Fail($"The drift agent does not handle {request.Intent}."),
            };
        }
        catch (Exception ex) when (ex is ModelNotFoundException or DriftReferenceException)
        {
            return AgentResult.Fail(ex.Message);
        }
    }

    /// <inheritdoc />
    public Task<AgentResult> ExecuteApprovedAsync(ApprovedAction action, CancellationToken cancellationToken = default) =>
        Task.FromResult(AgentResult.Fail("The drift agent has no actions that need approval."));

    private async Task<AgentResult> CheckAsync(AgentRequest request, string model, CancellationToken ct)
    {
        if (DriftWindow.Parse(request.Get("window")) is not { } window)
            return AgentResult.Fail($"I can't read the window \"{request.Get("window")}\"; say \"500 predictions\", \"1h\" or \"7d\".");
        var monitor = await reports.GetMonitorAsync(model, ct);
        var result = await checker.CheckAsync(model, request.Get("stage") ?? monitor?.Stage, window, monitor?.Threshold, "chat", ct);
        return AgentResult.Ok(await cards.SummaryAsync(result!, ct), Remember(model, result!.Version.Version));
    }

    private async Task<AgentResult> ExplainAsync(AgentRequest request, string model, CancellationToken ct)
    {
        var history = await reports.ListAsync(model, limit: 200, cancellationToken: ct);
        var latest = history.LastOrDefault();
        if (request.Get("window") is not null || latest is null)
        {
            if (DriftWindow.Parse(request.Get("window")) is not { } window)
                return AgentResult.Fail($"I can't read the window \"{request.Get("window")}\"; say \"500 predictions\", \"1h\" or \"7d\".");
            var result = await checker.CheckAsync(model, null, window, null, "chat", ct);
            if (result?.Stored is null) return AgentResult.Ok(await cards.SummaryAsync(result!, ct), Remember(model, result!.Version.Version));
            latest = result.Stored;
            history = await reports.ListAsync(model, limit: 200, cancellationToken: ct);
        }
        var text = DriftExplanation.Write(model, latest, history, $"{swarm.Value.PublicBaseUrl.TrimEnd('/')}/knowledge/{RunbookPath}");
        return AgentResult.Ok(new BotReply(text), Remember(model, latest.Version));
    }

    private async Task<AgentResult> HistoryAsync(AgentRequest request, string model, CancellationToken ct)
    {
        var window = DriftWindow.Parse(request.Get("window"));
        var since = window?.Span is { } span ? clock.GetUtcNow() - span : (DateTimeOffset?)null;
        var history = (await reports.ListAsync(model, limit: 50, cancellationToken: ct)).Where(r => since is null || r.CreatedAt >= since).ToList();
        if (history.Count == 0)
            return AgentResult.Ok($"No drift report is stored for {model} yet. Run one: \"check drift on {model}\".", Remember(model, null));
        var rows = history.Select(r => (IReadOnlyList<string>)
        [
            "#" + r.Id, r.CreatedAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), "v" + r.Version, r.Rows.ToString("N0", CultureInfo.InvariantCulture),
            Pct(r.DriftShare), Pct(r.WeightedShare), r.Drifted == true ? "drifted" : "ok", Recovery(r),
        ]).ToList();
        var labels = history.Select(r => r.CreatedAt.ToString("MM-dd HH:mm", CultureInfo.InvariantCulture)).ToList();
        var series = new List<LineSeries> { new("drift share", history.Select(r => r.DriftShare ?? double.NaN).ToList()) };
        if (history.Any(r => r.WeightedShare is not null)) series.Add(new LineSeries("weighted share", history.Select(r => r.WeightedShare ?? double.NaN).ToList()));
        var threshold = history[^1].Threshold;
        var chart = await charts.SaveAsync(ChartRenderer.Line($"Drift of {model} per window", "share", labels, series, threshold), ct);
        var recoveries = history.Where(r => r.IsRecovery).Select(r => r.WindowsSinceAlert!.Value).ToList();
        var card = new Card($"Drift history of {model}",
        [
            new CardTable(["Report", "Checked", "Version", "Rows", "Drift share", "Weighted", "Status", "Alert"], rows),
            chart.ToImage($"Drift share of {model} per window with the {Pct(threshold)} threshold"),
            new CardText(recoveries.Count == 0 ? "No alert has recovered yet." : $"Recoveries took {string.Join(", ", recoveries)} window(s) after the alert.", Subtle: true),
        ]);
        var drifted = history.Count(r => r.Drifted == true);
        return AgentResult.Ok(new BotReply($"{history.Count} drift report(s) for {model}; {drifted} over the threshold.", [card]), Remember(model, history[^1].Version));
    }

    private async Task<AgentResult> ConfigureAsync(AgentRequest request, string model, CancellationToken ct)
    {
        var schedule = request.Get("schedule");
        var window = DriftWindow.Parse(schedule ?? "1h");
        if (window is null)
            return AgentResult.Fail($"I can't read the schedule \"{schedule}\"; say \"every hour\", \"every 30 minutes\" or \"every 500 predictions\". Nothing was changed.");
        var threshold = request.GetNumber("threshold") ?? checker.DefaultThreshold;
        var retrain = request.GetNumber("retrain_threshold") ?? Math.Max(threshold, Math.Min(1, threshold * 1.5));
        if (!(threshold is > 0 and <= 1) || !(retrain is > 0 and <= 1))
            return AgentResult.Fail("Thresholds are shares of the features between 0 and 1 (e.g. 0.3 or 30%). Nothing was changed.");
        var policy = (request.Get("auto_retrain") ?? "propose").ToLowerInvariant() switch { "off" or "no" or "false" or "never" => "off", _ => "propose" };
        await checker.ResolveAsync(model, request.Get("stage"), ct);
        var existing = await reports.GetMonitorAsync(model, ct);
        var config = new DriftMonitorConfig(model, request.Get("stage"), window.Span is { } s ? (int)Math.Max(1, s.TotalMinutes) : null, window.Predictions,
            threshold, retrain, policy, request.Turn.Conversation, request.Turn.User.Id, existing?.LastCheckAt, existing?.LastCheckCount ?? 0);
        await reports.SaveMonitorAsync(config, ct);
        var text = $"I'll check **{model}** for drift {config.ScheduleText} and post here when the drift share reaches {Pct(threshold)}"
            + (policy == "propose" ? $"; at {Pct(retrain)} I'll propose retraining (which still needs approval)." : "; retraining is not proposed (policy off).");
        return AgentResult.Ok(text, Remember(model, null));
    }

    private static Dictionary<string, string> Remember(string model, int? version)
    {
        var memory = new Dictionary<string, string> { ["model"] = model };
        if (version is { } v) memory["version"] = v.ToString(CultureInfo.InvariantCulture);
        return memory;
    }

    private static string Recovery(StoredDriftReport r) =>
        r.IsRecovery ? $"recovered after {r.WindowsSinceAlert} window(s)" : r.Drifted == true ? (r.WindowsSinceAlert == 0 ? "alert" : $"alert +{r.WindowsSinceAlert}") : "";

    /// <summary>A share as a percentage ("–" when unknown).</summary>
    public static string Pct(double? share) => share is { } s ? s.ToString("0%", CultureInfo.InvariantCulture) : "–";
}
