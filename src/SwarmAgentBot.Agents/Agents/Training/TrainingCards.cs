using System.Globalization;
using System.Text.Json.Nodes;
using SwarmAgentBot.Agents.Conversation;

namespace SwarmAgentBot.Agents.Agents.Training;

/// <summary>Cards and texts about training runs.</summary>
public static class TrainingCards
{
    /// <summary>One line of progress: trial n, best so far, time left.</summary>
    public static string ProgressLine(TrainingRun run)
    {
        var p = run.Progress;
        if (p is null) return $"Run {run.Id} is {run.Status}; no trial has finished yet.";
        var best = p["best_score"] is JsonValue b ? $"best {p["metric"]} so far {b.GetValue<double>().ToString("0.####", CultureInfo.InvariantCulture)} ({p["best_learner"]})" : "no score yet";
        return $"Run {run.Id}: trial {p["trial"]}, {best}, {Seconds(p["remaining_s"])} left.";
    }

    /// <summary>The result card: test metrics and the top of the leaderboard (and, for a reproduction, the comparison).</summary>
    public static BotReply Result(TrainingRun run, TrainingRun? reproducedFrom = null, string? chartUrl = null)
    {
        if (reproducedFrom is not null)
            return BotReply.Plain(ReproductionReport.Compare(reproducedFrom, run).Summary
                + $"\nOriginal: {ReproductionReport.MetricsText(reproducedFrom.Metrics)}\nReproduced: {ReproductionReport.MetricsText(run.Metrics)}");
        if (run.Status != RunStatus.Succeeded)
            return BotReply.Plain($"Training run {run.Id} ({run.ModelName} on {run.DatasetName}) {run.Status}: {run.Error ?? "no reason recorded"}");
        var facts = new List<KeyValuePair<string, string>> { new("Model", $"{run.ModelName} v{run.ModelVersion}"), new("Dataset", run.DatasetName), new("Target", run.Target) };
        if (run.Metrics is not null)
            foreach (var (k, v) in run.Metrics)
                if (v is JsonValue value && value.TryGetValue<double>(out var d) && k != "seconds") facts.Add(new($"test {k}", d.ToString("0.####", CultureInfo.InvariantCulture)));
        if (run.Metrics?["learner"] is { } learner) facts.Add(new("Winner", learner.ToString()));
        var elements = new List<CardElement> { new CardFacts(facts) };
        var board = Leaderboard(run, 5);
        if (board is not null) elements.Add(board);
        if (chartUrl is not null) elements.Add(new CardImage(chartUrl, "feature importance"));
        var actions = new List<CardAction>
        {
            new("Deploy to staging", "choose", new Dictionary<string, string> { ["text"] = $"deploy {run.ModelName} v{run.ModelVersion} to staging" }),
            new("Explain", "choose", new Dictionary<string, string> { ["text"] = $"explain {run.ModelName} v{run.ModelVersion}" }),
        };
        return new BotReply($"✅ Training run {run.Id} finished: **{run.ModelName} v{run.ModelVersion}** is registered.", [new Card($"Run {run.Id} result", elements, actions)]);
    }

    /// <summary>The leaderboard as a table (top <paramref name="top"/> by score), or null when empty.</summary>
    public static CardTable? Leaderboard(TrainingRun run, int top)
    {
        if (run.Leaderboard is not { Count: > 0 } board) return null;
        var metric = run.Config["metric"]?.ToString() ?? "score";
        var lowerBetter = metric is "rmse" or "mae" or "logloss";
        var entries = board.OfType<JsonObject>()
            .Where(e => e["Score"] is JsonValue s && s.TryGetValue<double>(out var d) && double.IsFinite(d))
            .OrderBy(e => lowerBetter ? e["Score"]!.GetValue<double>() : -e["Score"]!.GetValue<double>())
            .Take(top)
            .Select(e => (IReadOnlyList<string>)[
                e["Trial"]?.ToString() ?? "", e["Learner"]?.ToString() ?? "",
                e["Score"]!.GetValue<double>().ToString("0.####", CultureInfo.InvariantCulture),
                (e["Seconds"]?.GetValue<double>() ?? 0).ToString("0.0", CultureInfo.InvariantCulture),
                Params(e["Parameters"] as JsonObject)])
            .ToList();
        return entries.Count == 0 ? null : new CardTable(["Trial", "Learner", "Validation score", "Seconds", "Key parameters"], entries);
    }

    private static string Params(JsonObject? p)
    {
        if (p is null) return "";
        string[] keys = ["max_depth", "eta", "num_parallel_tree", "min_child_weight", "subsample", "lambda", "alpha"];
        return string.Join(" ", keys.Where(p.ContainsKey).Select(k => $"{k}={p[k]}"));
    }

    private static string Seconds(JsonNode? node)
    {
        var s = node is JsonValue v && v.TryGetValue<double>(out var d) ? d : 0;
        return s >= 90 ? $"{s / 60:0.#} min" : $"{s:0} s";
    }
}
