using System.Globalization;
using System.Text;
using SwarmAgentBot.Ml.Drift;

namespace SwarmAgentBot.Agents.Agents.Drift;

/// <summary>Writes "why did my model drift?" in plain words from stored reports: which features, how, since when, the effect, what to do.</summary>
public static class DriftExplanation
{
    /// <summary>The explanation of <paramref name="latest"/>, with <paramref name="history"/> (oldest first) for when it started.</summary>
    public static string Write(string model, StoredDriftReport latest, IReadOnlyList<StoredDriftReport> history, string runbookUrl)
    {
        var report = DriftChecker.Parse(latest);
        var text = new StringBuilder();
        var d = report.Dataset;
        text.Append(CultureInfo.InvariantCulture, $"**{model} v{latest.Version}**, drift report #{latest.Id} ({latest.Rows:N0} predictions, {latest.WindowStart:yyyy-MM-dd HH:mm} to {latest.WindowEnd:yyyy-MM-dd HH:mm} UTC): ");
        text.Append(CultureInfo.InvariantCulture, $"{d.ColumnsDrifted} of {d.ColumnsTested} features drifted ({DriftAgent.Pct(d.DriftShare)}; {DriftAgent.Pct(d.WeightedDriftShare)} of the model's feature importance), ");
        text.Append(latest.Drifted == true ? $"which is over the {DriftAgent.Pct(latest.Threshold)} threshold.\n\n" : $"which is under the {DriftAgent.Pct(latest.Threshold)} threshold, so the model as a whole has not drifted.\n\n");

        var drifted = report.Columns.Where(c => c.Drifted == true)
            .OrderByDescending(c => DriftCards.Strength(c)).ToList();
        if (drifted.Count == 0) text.Append("No feature drifted in this window.\n");
        else
        {
            text.Append("**What moved** (strongest first):\n");
            foreach (var c in drifted.Take(5)) text.Append("- ").Append(Describe(c)).Append('\n');
        }
        if (report.Prediction is { Drifted: true } p) text.Append("- The model's predictions shifted too (").Append(Describe(p)).Append(").\n");

        var start = StartOfDrift(history, latest);
        if (start is not null)
            text.Append(CultureInfo.InvariantCulture, $"\n**Since when**: the first report over the threshold in this episode is #{start.Id} at {start.CreatedAt:yyyy-MM-dd HH:mm} UTC ({DriftAgent.Pct(start.Score)}).\n");
        else if (history.FirstOrDefault(r => r.Drifted == true) is { } first)
            text.Append(CultureInfo.InvariantCulture, $"\n**Since when**: drift last went over the threshold in report #{first.Id} ({first.CreatedAt:yyyy-MM-dd HH:mm} UTC).\n");
        else text.Append("\n**Since when**: no stored report has been over the threshold before.\n");

        text.Append("\n**Effect on performance**: ").Append(DriftCards.PerformanceText(report.Performance) ?? "unknown (no labels and no probabilities).").Append('\n');
        text.Append(CultureInfo.InvariantCulture, $"\n**What to do**: check the upstream data of the drifted features first (a pipeline or unit change is the usual cause), then decide whether to retrain on recent data (\"retrain {model}\", which needs approval). The runbook: [Investigating drift]({runbookUrl})");
        return text.ToString();
    }

    /// <summary>One drifted column in words: the test and how the values moved.</summary>
    public static string Describe(ColumnDrift c)
    {
        var parts = new List<string>();
        var test = c.PValue is { } p ? $"{c.Method} p = {DriftCards.Num(p)}" : $"{c.Method} distance {DriftCards.Num(c.Distance)} (threshold {DriftCards.Num(c.Threshold)})";
        if (c.Numeric is { } n)
        {
            parts.Add($"mean {DriftCards.Num(n.ReferenceMean)} → {DriftCards.Num(n.CurrentMean)} ({n.MeanShiftInReferenceStd.ToString("+0.0;-0.0", CultureInfo.InvariantCulture)} reference std)");
            parts.Add($"median {DriftCards.Num(n.ReferenceMedian)} → {DriftCards.Num(n.CurrentMedian)}");
            if (n.Quantiles.FirstOrDefault(q => q.Probability == 0.95) is { } q95)
                parts.Add($"95th percentile {DriftCards.Num(q95.Reference)} → {DriftCards.Num(q95.Current)}");
        }
        if (c.Categories is { } cat)
        {
            if (cat.NewCount > 0) parts.Add($"{cat.NewCount} new categor{(cat.NewCount == 1 ? "y" : "ies")} ({string.Join(", ", cat.NewCategories.Take(3).Select(x => $"{x.Category} {DriftAgent.Pct(x.CurrentShare)}"))})");
            if (cat.VanishedCount > 0) parts.Add($"{cat.VanishedCount} vanished ({string.Join(", ", cat.VanishedCategories.Take(3).Select(x => x.Category))})");
            if (c.Numeric is null && cat.BiggestChanges.FirstOrDefault() is { } big)
                parts.Add($"'{big.Category}' {DriftAgent.Pct(big.ReferenceShare)} → {DriftAgent.Pct(big.CurrentShare)}");
        }
        return $"**{c.Column}**: {string.Join("; ", parts)} [{test}]";
    }

    private static StoredDriftReport? StartOfDrift(IReadOnlyList<StoredDriftReport> history, StoredDriftReport latest)
    {
        if (latest.Drifted != true) return null;
        var before = history.Where(r => r.Id <= latest.Id && r.Drifted is not null).ToList();
        StoredDriftReport? start = null;
        for (var i = before.Count - 1; i >= 0 && before[i].Drifted == true; i--) start = before[i];
        return start;
    }
}
