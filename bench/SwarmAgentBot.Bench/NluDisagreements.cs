using SwarmAgentBot.Agents.Supervisor;
using SwarmAgentBot.Agents.Supervisor.Routing;

namespace SwarmAgentBot.Bench;

/// <summary>
/// Where the rules and the learned classifier disagree on unseen lines, who is right, by how the rules decided and how sure
/// the classifier was. On the cross-validation folds the rules were tuned on every line, so this shows only what trusting
/// the classifier would cost; on a fresh blind file (not yet in the training data) it shows both what it costs and gains.
/// </summary>
internal sealed class NluDisagreements
{
    private static readonly double[] Bins = [0, 0.5, 0.7, 0.8, 0.9, 0.95];
    private readonly Dictionary<(string Kind, int Bin), (int Lines, int RulesRight, int ClassifierRight)> _cells = [];
    private readonly List<string> _lines = [];

    /// <summary>Adds the lines of one labelled set, routed by the rules alone and by the classifier alone.</summary>
    public async Task AddAsync(IReadOnlyList<LabelledUtterance> items, RulesRouter rules, RulesRouter classifier, CancellationToken cancellationToken)
    {
        foreach (var item in items)
        {
            var context = await NluEvaluation.ContextForAsync(rules, item, cancellationToken);
            var r = rules.Route(item.Text, context);
            var c = classifier.Route(item.Text, context);
            if (r.Intent == c.Intent || !c.Reason.StartsWith("learned classifier", StringComparison.Ordinal)) continue;
            var want = item.Expected["intent"]?.ToString();
            var kind = Kind(r) + (c.Intent == Intents.OutOfScope ? " → oos" : Intents.IsMutating(c.Intent) ? " → mutating" : " → request");
            var bin = Array.FindLastIndex(Bins, b => c.Confidence >= b);
            _lines.Add($"  [{kind} p={c.Confidence:0.00}] rules {r.Intent} ({r.Confidence:0.00}), classifier {c.Intent}, want {want}: {item.Text}");
            var cell = _cells.GetValueOrDefault((kind, bin));
            _cells[(kind, bin)] = (cell.Lines + 1, cell.RulesRight + (r.Intent == want ? 1 : 0), cell.ClassifierRight + (c.Intent == want ? 1 : 0));
        }
    }

    /// <summary>How the rules reached a decision, in the blend's terms.</summary>
    private static string Kind(RouteResult r) => r.Reason switch
    {
        _ when r.Reason.StartsWith("cues for ", StringComparison.Ordinal) =>
            Intents.IsMutating(r.Intent) ? "scored mutating" : r.Confidence < 0.7 ? "scored weak" : "scored strong",
        "no MLOps request recognised" => "no request",
        "an MLOps question that names no action" => "open question",
        _ => "fixed: " + (r.Intent == Intents.OutOfScope ? "oos" : r.Intent == Intents.Ask ? "ask" : r.Intent.Split('.')[0]),
    };

    /// <summary>Prints one row per (rules kind → classifier kind, probability bin).</summary>
    public void Print(string title, bool withLines = false)
    {
        Console.WriteLine();
        Console.WriteLine($"disagreements ({title}): rules decided by → classifier says");
        Console.WriteLine($"{"kind",-36} {"p ≥",5} {"lines",6} {"rules right",12} {"classifier right",17}");
        foreach (var ((kind, bin), cell) in _cells.OrderBy(c => c.Key.Kind, StringComparer.Ordinal).ThenBy(c => c.Key.Bin))
            Console.WriteLine($"{kind,-36} {Bins[bin],5:0.00} {cell.Lines,6} {cell.RulesRight,12} {cell.ClassifierRight,17}");
        if (withLines) foreach (var line in _lines) Console.WriteLine(line);
    }
}
