using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Supervisor;
using SwarmAgentBot.Agents.Supervisor.Llm;
using SwarmAgentBot.Host.Cli;

namespace SwarmAgentBot.Bench;

/// <summary>What the labelled utterance set scored through one router.</summary>
/// <param name="Examples">Utterances scored.</param>
/// <param name="IntentAccuracy">Share whose first intent is right.</param>
/// <param name="PlanAccuracy">Share whose whole plan (every step's intent and condition) is right.</param>
/// <param name="EntityPrecision">Micro precision of (step, entity, value) triples.</param>
/// <param name="EntityRecall">Micro recall of the same.</param>
/// <param name="EntityF1">Their harmonic mean.</param>
/// <param name="LatencyP50Ms">Median routing time.</param>
/// <param name="LatencyP95Ms">95th percentile routing time.</param>
/// <param name="InputTokens">Prompt tokens (from the audit log's llm.usage entries).</param>
/// <param name="OutputTokens">Completion tokens.</param>
/// <param name="Fallbacks">Messages the rules router answered because the model was unavailable or its plan failed the checks.</param>
public sealed record LlmNluReport(int Examples, double IntentAccuracy, double PlanAccuracy, double EntityPrecision, double EntityRecall, double EntityF1,
    double LatencyP50Ms, double LatencyP95Ms, long InputTokens, long OutputTokens, int Fallbacks);

/// <summary>
/// Scores the held-out utterance set through a router, meant for the LLM planner (<c>./build.sh bench nlu --llm</c>;
/// the nlu benchmark calls it). Each line of the set is one labelled utterance:
/// <c>{"text": "...", "intent": "...", "entities": {...}, "steps": [...], "memory": {...}, "previous": [...]}</c>
/// (the label may also sit under <c>"expected"</c>, and <c>memory</c>/<c>previous</c> under <c>"context"</c>).
/// Prints accuracy, entity F1, latency and token usage.
/// </summary>
public sealed class LlmNluBenchmark(TextWriter output)
{
    /// <summary>
    /// A CLI context whose services are the real ones configured from appsettings.json and the environment
    /// (Swarm__Llm__Endpoint, Swarm__Llm__Model, Swarm__Llm__ApiKey) over a fresh data folder. Throws when no LLM is configured.
    /// </summary>
    public static async Task<CliContext> ConfiguredContextAsync(string dataDir)
    {
        var context = new CliContext { Overrides = new Dictionary<string, string?> { ["Swarm:DataDir"] = dataDir } };
        if (context.Get<Microsoft.Extensions.Options.IOptions<LlmOptions>>().Value is { Enabled: false })
        {
            await context.DisposeAsync();
            throw new InvalidOperationException("--llm needs a language model: set Swarm__Llm__Endpoint, Swarm__Llm__Model and Swarm__Llm__ApiKey (see README, LLM mode).");
        }
        return context;
    }

    /// <summary>Routes every labelled utterance with <paramref name="router"/>, prints the figures and returns them.</summary>
    public async Task<LlmNluReport> RunAsync(string jsonlPath, IIntentRouter router, AuditLog? audit = null, CancellationToken cancellationToken = default)
    {
        var examples = (await File.ReadAllLinesAsync(jsonlPath, cancellationToken)).Where(l => l.Trim().Length > 0).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        var sinceSeq = audit is null ? 0 : (await audit.QueryAsync(limit: 1, cancellationToken: cancellationToken)).FirstOrDefault()?.Seq ?? 0;
        var latencies = new List<double>();
        int intentsRight = 0, plansRight = 0, fallbacks = 0, truePositives = 0, predicted = 0, gold = 0;

        foreach (var example in examples)
        {
            var label = example["expected"] as JsonObject ?? example["label"] as JsonObject ?? example;
            var text = (example["text"] ?? example["utterance"])!.ToString();
            var context = Context(example["context"] as JsonObject ?? example);
            var watch = Stopwatch.StartNew();
            var route = await router.RouteAsync(text, context, cancellationToken);
            latencies.Add(watch.Elapsed.TotalMilliseconds);
            if (route.Reason.StartsWith("rules fallback", StringComparison.Ordinal)) fallbacks++;

            var want = Steps(label);
            var got = Steps(JsonNode.Parse(route.ToJson())!.AsObject());
            if (got[0].Intent == want[0].Intent) intentsRight++;
            if (got.Count == want.Count && got.Zip(want).All(p => p.First.Intent == p.Second.Intent && p.First.Condition == p.Second.Condition)) plansRight++;
            var wantTriples = Triples(want);
            var gotTriples = Triples(got);
            truePositives += gotTriples.Count(wantTriples.Contains);
            predicted += gotTriples.Count;
            gold += wantTriples.Count;
        }

        long input = 0, outputTokens = 0;
        if (audit is not null)
            foreach (var e in await audit.QueryAsync(action: LlmCallMeter.AuditAction, limit: examples.Count * 4 + 10, cancellationToken: cancellationToken))
                if (e.Seq > sinceSeq)
                {
                    input += e.Details["input_tokens"]?.GetValue<long>() ?? 0;
                    outputTokens += e.Details["output_tokens"]?.GetValue<long>() ?? 0;
                }

        var n = Math.Max(1, examples.Count);
        var precision = predicted == 0 ? 0 : (double)truePositives / predicted;
        var recall = gold == 0 ? 0 : (double)truePositives / gold;
        var report = new LlmNluReport(examples.Count, (double)intentsRight / n, (double)plansRight / n, precision, recall,
            precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall), Percentiles.Of(latencies, 50), Percentiles.Of(latencies, 95), input, outputTokens, fallbacks);
        await PrintAsync(report, router.GetType().Name);
        return report;
    }

    private async Task PrintAsync(LlmNluReport r, string routerName)
    {
        string P(double x) => (x * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %";
        string Ms(double x) => x.ToString("0", CultureInfo.InvariantCulture) + " ms";
        await output.WriteLineAsync($"NLU through {routerName}: {r.Examples} labelled utterances");
        await output.WriteLineAsync("| measure | value |");
        await output.WriteLineAsync("|---|---|");
        await output.WriteLineAsync($"| intent accuracy | {P(r.IntentAccuracy)} |");
        await output.WriteLineAsync($"| plan accuracy (all steps and conditions) | {P(r.PlanAccuracy)} |");
        await output.WriteLineAsync($"| entity precision / recall / F1 | {P(r.EntityPrecision)} / {P(r.EntityRecall)} / {P(r.EntityF1)} |");
        await output.WriteLineAsync($"| latency p50 / p95 | {Ms(r.LatencyP50Ms)} / {Ms(r.LatencyP95Ms)} |");
        await output.WriteLineAsync($"| tokens in / out (per utterance) | {r.InputTokens} / {r.OutputTokens} ({(r.Examples == 0 ? 0 : r.InputTokens / r.Examples)} / {(r.Examples == 0 ? 0 : r.OutputTokens / r.Examples)}) |");
        await output.WriteLineAsync($"| rules-router fallbacks | {r.Fallbacks} |");
    }

    private static RoutingContext Context(JsonObject source)
    {
        var memory = (source["memory"] as JsonObject)?.ToDictionary(kv => kv.Key, kv => kv.Value?.ToString() ?? "") ?? [];
        var previous = (source["previous"] as JsonArray)?.Select(p => p?.ToString() ?? "").ToList() ?? [];
        return new RoutingContext(previous, memory);
    }

    private sealed record Step(string Intent, JsonObject Entities, string? Condition);

    private static List<Step> Steps(JsonObject route)
    {
        var steps = new List<Step> { new(route["intent"]?.ToString() ?? "", route["entities"] as JsonObject ?? [], null) };
        foreach (var s in route["steps"] as JsonArray ?? [])
            steps.Add(new(s!["intent"]?.ToString() ?? "", s["entities"] as JsonObject ?? [], s["condition"]?.ToString()));
        return steps;
    }

    private static HashSet<string> Triples(IReadOnlyList<Step> steps)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < steps.Count; i++)
            foreach (var (key, value) in steps[i].Entities)
                set.Add($"{i}|{key}|{Canonical(value)}");
        return set;
    }

    // 300 and 300.0 are the same value; object keys in any order are the same object.
    private static string Canonical(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject o => "{" + string.Join(",", o.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + ":" + Canonical(kv.Value))) + "}",
        JsonArray a => "[" + string.Join(",", a.Select(Canonical)) + "]",
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture),
        _ => node.ToJsonString(),
    };
}
