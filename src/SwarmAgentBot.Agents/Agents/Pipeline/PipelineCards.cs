using System.Globalization;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Agents.Ports;

namespace SwarmAgentBot.Agents.Agents.Pipeline;

/// <summary>How pipelines and runs look in chat (channel-neutral cards).</summary>
public static class PipelineCards
{
    /// <summary>The pipelines with what they do.</summary>
    public static Card Pipelines(IReadOnlyList<PipelineSummary> pipelines) => new("Pipelines",
        [new CardTable(["Pipeline", "What it does", "Versions"], pipelines.Select(p => (IReadOnlyList<string>)[p.Name, p.Description ?? "", p.Versions.Count.ToString(CultureInfo.InvariantCulture)]).ToList())],
        pipelines.Take(5).Select(p => CardAction.Choose($"Describe {p.Name}", $"describe pipeline {p.Name}")).ToList());

    /// <summary>A pipeline: what it does, its parameters (types, defaults) and steps.</summary>
    public static Card Definition(PipelineDefinition p)
    {
        var elements = new List<CardElement>();
        if (p.Description is { Length: > 0 } d) elements.Add(new CardText(d));
        elements.Add(p.Parameters.Count == 0
            ? new CardText("It takes no parameters.", Subtle: true)
            : new CardTable(["Parameter", "Type", "Default", "Meaning"], p.Parameters.Select(x => (IReadOnlyList<string>)
                [x.Name, x.TypeName, x.Default is not null ? PipelineParameters.Text(x.Default) : x.Required ? "(required)" : "(optional)", x.Description ?? ""]).ToList()));
        elements.Add(new CardTable(["Step", "After", "What it does"], p.Steps.Select(s => (IReadOnlyList<string>)
            [s.Name, s.DependsOn.Count == 0 ? "—" : string.Join(", ", s.DependsOn), s.Description ?? ""]).ToList()));
        var example = string.Join(" ", p.Parameters.Where(x => x.Required).Select(x => $"{x.Name}=<{x.TypeName}>"));
        elements.Add(new CardText($"Run it: \"run {p.Name}{(example.Length == 0 ? "" : " with " + example)}\"", Subtle: true));
        return new Card($"Pipeline {p.Name}", elements);
    }

    /// <summary>A run's state and per-step progress.</summary>
    public static Card Run(PipelineRun run)
    {
        var facts = new List<KeyValuePair<string, string>>
        {
            new("Pipeline", run.Pipeline),
            new("State", run.State.ToWire()),
            new("Progress", Progress(run)),
            new("Created", run.CreatedAt.ToString("u", CultureInfo.InvariantCulture)),
        };
        if (run.FinishedAt is { } f) facts.Add(new("Took", Duration(f - run.CreatedAt)));
        if (run.StartedBy is { } who) facts.Add(new("Started by", who));
        if (run.Error is { } e) facts.Add(new("Error", e));
        if (run.Parameters.Count > 0) facts.Add(new("Parameters", string.Join(", ", run.Parameters.Select(p => $"{p.Key}={PipelineParameters.Text(p.Value)}"))));
        var elements = new List<CardElement> { new CardFacts(facts) };
        if (run.Steps.Count > 0)
            elements.Add(new CardTable(["Step", "State", "Took", "Metrics / note"], run.Steps.Select(s => (IReadOnlyList<string>)
                [s.Name, s.State.ToWire(), s.StartedAt is { } st ? Duration((s.FinishedAt ?? DateTimeOffset.UtcNow) - st) : "", Note(s)]).ToList()));
        var actions = new List<CardAction>();
        if (!run.IsFinished) actions.Add(new CardAction("Cancel", "choose", new Dictionary<string, string> { ["text"] = $"cancel run {run.Id}" }, "destructive"));
        actions.Add(CardAction.Choose("Logs", $"logs of run {run.Id}"));
        return new Card($"Run {run.Id}{(run.DisplayName is { } n ? $" — {n}" : "")}", elements, actions);
    }

    /// <summary>Runs in a table, newest first.</summary>
    public static Card Runs(IReadOnlyList<PipelineRun> runs, string title) => new(title,
        [new CardTable(["Run", "Pipeline", "State", "Progress", "Created", "Metrics"], runs.Select(r => (IReadOnlyList<string>)
            [r.Id, r.Pipeline, r.State.ToWire(), Progress(r), r.CreatedAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), Metrics(r.Metrics, 3)]).ToList())]);

    /// <summary>Runs side by side: parameters and metrics as rows, one column per run.</summary>
    public static Card Comparison(PipelineRunComparison c)
    {
        var rows = new List<IReadOnlyList<string>>
        {
            Row("pipeline", c.Runs.Select(r => r.Pipeline)),
            Row("state", c.Runs.Select(r => r.State.ToWire())),
        };
        rows.AddRange(c.ParameterNames.Select(name => Row("param " + name, c.Runs.Select(r => r.Parameters.TryGetValue(name, out var v) ? PipelineParameters.Text(v) : "—"))));
        rows.AddRange(c.MetricNames.Select(name => Row("metric " + name, c.Runs.Select(r => r.Metrics.TryGetValue(name, out var v) ? Number(v) : "—"))));
        var elements = new List<CardElement> { new CardTable(["", .. c.Runs.Select(r => "run " + r.Id)], rows) };
        if (c.MetricNames.Count == 0) elements.Add(new CardText("None of these runs reported metrics.", Subtle: true));
        return new Card($"Runs {string.Join(" vs ", c.Runs.Select(r => r.Id))}", elements);
    }

    /// <summary>"2/4 steps done".</summary>
    public static string Progress(PipelineRun run) => run.Steps.Count == 0 ? "—" : $"{run.CompletedSteps}/{run.Steps.Count} steps done";

    /// <summary>"accuracy=0.91, f1=0.87" (at most <paramref name="max"/>).</summary>
    public static string Metrics(IReadOnlyDictionary<string, double> metrics, int max = int.MaxValue) =>
        string.Join(", ", metrics.OrderBy(m => m.Key, StringComparer.Ordinal).Take(max).Select(m => $"{m.Key}={Number(m.Value)}")) + (metrics.Count > max ? ", …" : "");

    /// <summary>A number with at most 4 decimals, invariant.</summary>
    public static string Number(double v) => v.ToString("0.####", CultureInfo.InvariantCulture);

    /// <summary>"3m 02s", "45s", "1h 05m".</summary>
    public static string Duration(TimeSpan t)
    {
        if (t < TimeSpan.Zero) t = TimeSpan.Zero;
        if (t.TotalHours >= 1) return $"{(int)t.TotalHours}h {t.Minutes:00}m";
        if (t.TotalMinutes >= 1) return $"{(int)t.TotalMinutes}m {t.Seconds:00}s";
        return $"{t.TotalSeconds:0}s";
    }

    private static string Note(PipelineStepRun s) => s.Metrics.Count > 0 ? Metrics(s.Metrics, 4) : s.Message ?? "";

    private static IReadOnlyList<string> Row(string label, IEnumerable<string> cells) => [label, .. cells];
}
