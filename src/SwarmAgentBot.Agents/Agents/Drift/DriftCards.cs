using System.Globalization;
using SwarmAgentBot.Agents.Agents.Storage;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Ml.Charts;
using SwarmAgentBot.Ml.Drift;

namespace SwarmAgentBot.Agents.Agents.Drift;

/// <summary>A drifted (or tested) feature ranked by importance-weighted score.</summary>
/// <param name="Column">The feature's drift result.</param>
/// <param name="Importance">The model's importance of the feature (0 when unknown).</param>
/// <param name="Score">Importance × strength of the drift: how much this feature's drift matters to the model.</param>
public sealed record RankedFeature(ColumnDrift Column, double Importance, double Score);

/// <summary>Summary cards and charts of drift checks.</summary>
public sealed class DriftCards(ChartStore charts, DriftDetector detector)
{
    /// <summary>Tested features, most important drift first: drifted before not drifted, then importance × strength.</summary>
    public static IReadOnlyList<RankedFeature> Rank(DriftReport report, IReadOnlyDictionary<string, double>? importance)
    {
        var total = importance is { Count: > 0 } ? importance.Values.Sum() : 0;
        return report.Columns.Where(c => c.Status == ColumnDriftStatus.Tested)
            .Select(c =>
            {
                var weight = total > 0 ? importance!.GetValueOrDefault(c.Column) / total : 1.0 / Math.Max(1, report.Columns.Count);
                return new RankedFeature(c, weight, weight * Strength(c));
            })
            .OrderByDescending(r => r.Column.Drifted == true).ThenByDescending(r => r.Score).ToList();
    }

    /// <summary>How strongly a column drifted on a 0–1 scale: 1 − p for tests, distance / (distance + threshold) for distances.</summary>
    public static double Strength(ColumnDrift c) =>
        c.PValue is { } p ? 1 - p : c.Distance is { } d && c.Threshold is { } t ? d / (d + t) : 0;

    /// <summary>The reply to a drift check: summary card with the top drifted features and a reference-vs-current chart.</summary>
    public async Task<BotReply> SummaryAsync(DriftCheckResult result, CancellationToken cancellationToken = default)
    {
        var model = result.Version.ModelName;
        if (result.Report is null)
            return BotReply.Plain($"Only {result.Rows} prediction(s) of {model} v{result.Version.Version} in the {result.Window}; at least {MinRowsText(result)} are needed to decide drift, so I did not decide. Try a longer window.");
        var report = result.Report;
        var ranked = Rank(report, result.Reference.Importance);
        var d = report.Dataset;
        var verdict = result.Stored?.Drifted switch
        {
            true => $"**{model} v{result.Version.Version} has drifted**",
            false => $"**{model} v{result.Version.Version} has not drifted**",
            _ => $"Drift of {model} v{result.Version.Version} was not decided",
        };
        var facts = new List<KeyValuePair<string, string>>
        {
            new("Window", $"{result.Window} ({result.Rows:N0} predictions)"),
            new("Drifted features", $"{d.ColumnsDrifted} of {d.ColumnsTested} ({DriftAgent.Pct(d.DriftShare)})"),
            new("Importance-weighted share", DriftAgent.Pct(d.WeightedDriftShare)),
            new("Threshold", DriftAgent.Pct(result.Stored?.Threshold)),
        };
        if (report.Prediction is { } prediction) facts.Add(new("Prediction drift", prediction.Drifted == true ? "yes" : prediction.Drifted == false ? "no" : "not decided"));
        if (PerformanceText(report.Performance) is { } performance) facts.Add(new("Performance", performance));
        var rows = ranked.Take(5).Select(r => (IReadOnlyList<string>)
        [
            r.Column.Column, r.Column.Drifted == true ? "drifted" : "ok", r.Column.Method?.ToString() ?? "", Num(r.Column.Score), DriftAgent.Pct(r.Importance), Num(r.Score),
        ]).ToList();
        var elements = new List<CardElement>
        {
            new CardFacts(facts),
            new CardTable(["Feature", "Status", "Method", "p-value / distance", "Importance", "Weighted score"], rows),
        };
        if (ranked.FirstOrDefault() is { } top && result.Current is { } current && await ChartAsync(top.Column.Column, result.Reference.Table, current, cancellationToken) is { } chart)
            elements.Add(chart.ToImage($"{top.Column.Column}: reference vs current"));
        foreach (var warning in report.Warnings.Take(3)) elements.Add(new CardText(warning, Subtle: true));
        var topText = ranked.Where(r => r.Column.Drifted == true).Take(3).Select(r => r.Column.Column).ToList();
        var text = verdict + $": {DriftAgent.Pct(d.DriftShare)} of features drifted ({DriftAgent.Pct(d.WeightedDriftShare)} weighted by importance)"
            + (topText.Count > 0 ? $", most of all {string.Join(", ", topText)}." : ".") + (result.Stored is { } s ? $" Stored as drift report #{s.Id}." : "");
        return new BotReply(text, [new Card($"Drift check: {model} v{result.Version.Version}", elements)]);
    }

    /// <summary>Actual performance if labels came back, else the estimate, against the reference.</summary>
    public static string? PerformanceText(PerformanceReport? p)
    {
        if (p is null) return null;
        var reference = p.ReferenceActual is { } r ? $" (reference {Num(r.F1)})" : "";
        if (p.CurrentActual is { } a) return $"actual F1 {Num(a.F1)} on {a.Rows:N0} labelled predictions{reference}";
        if (p.CurrentEstimated is { } e) return $"estimated F1 {Num(e.F1)} (CBPE, no labels yet){reference}";
        return null;
    }

    private async Task<StoredChart?> ChartAsync(string column, DriftTable reference, DriftTable current, CancellationToken ct)
    {
        if (reference.Find(column) is not { } r || current.Find(column) is not { } c) return null;
        Canvas canvas;
        if (r.Numbers is { } rn && c.Numbers is { } cn) canvas = ChartRenderer.Overlay($"{column}: reference vs current", column, rn, cn);
        else
        {
            var rl = r.AsLabels().OfType<string>().ToList();
            var cl = c.AsLabels().OfType<string>().ToList();
            var bins = rl.Concat(cl).GroupBy(x => x).OrderByDescending(g => g.Count()).Take(12).Select(g => g.Key).ToList();
            if (bins.Count == 0 || rl.Count == 0 || cl.Count == 0) return null;
            canvas = ChartRenderer.Overlay($"{column}: reference vs current", column, bins,
                bins.Select(b => rl.Count(x => x == b) / (double)rl.Count).ToList(), bins.Select(b => cl.Count(x => x == b) / (double)cl.Count).ToList());
        }
        return await charts.SaveAsync(canvas, ct);
    }

    private string MinRowsText(DriftCheckResult result) => $"{detector.Options.MinRows} (Swarm:Drift:MinRows)";

    /// <summary>A number with three significant decimals ("–" when unknown).</summary>
    public static string Num(double? v) => v is { } x ? (x != 0 && Math.Abs(x) < 0.001 ? x.ToString("0.##E+0", CultureInfo.InvariantCulture) : x.ToString("0.###", CultureInfo.InvariantCulture)) : "–";
}
