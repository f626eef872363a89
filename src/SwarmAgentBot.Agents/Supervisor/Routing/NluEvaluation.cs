using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SwarmAgentBot.Agents.Supervisor.Routing;

/// <summary>One labelled line: the text, earlier user messages, optional memory, and the expected route (intents.md shape).</summary>
public sealed record LabelledUtterance(string Text, IReadOnlyList<string> Context, IReadOnlyDictionary<string, string>? Memory, JsonObject Expected);

/// <summary>A line the router got (partly) wrong.</summary>
public sealed record NluMiss(string Text, string ExpectedIntent, string ActualIntent, IReadOnlyList<string> MissingEntities, IReadOnlyList<string> ExtraEntities);

/// <summary>Router quality on a labelled set.</summary>
/// <param name="Count">Lines scored.</param>
/// <param name="IntentAccuracy">Share of lines whose main intent is right.</param>
/// <param name="EntityPrecision">Micro precision over (entity name, value) pairs.</param>
/// <param name="EntityRecall">Micro recall over the same pairs.</param>
/// <param name="EntityF1">Micro F1 over the same pairs.</param>
/// <param name="OutOfScopeF1">F1 of out_of_scope as the positive class.</param>
/// <param name="StepAccuracy">Share of lines whose follow-up steps (intents and conditions, in order) are right.</param>
/// <param name="Misses">Lines with a wrong intent, wrong steps or a wrong entity.</param>
public sealed record NluScores(int Count, double IntentAccuracy, double EntityPrecision, double EntityRecall, double EntityF1, double OutOfScopeF1, double StepAccuracy, IReadOnlyList<NluMiss> Misses);

/// <summary>
/// Scores a router against labelled JSONL files. Entity F1 is micro F1 over (entity name, normalised value)
/// pairs of the main intent and of every step (step entities are named "steps[i].name"); objects (params,
/// record) count one pair per key; values compare as JSON: numbers numerically, strings case-insensitively,
/// lists element by element in order.
/// </summary>
public static class NluEvaluation
{
    /// <summary>Reads a JSONL file of {"text", "context"?, "memory"?, "expected"} objects (blank lines skipped).</summary>
    public static IReadOnlyList<LabelledUtterance> Load(string path)
    {
        using var stream = File.OpenRead(path);
        return Load(stream, path);
    }

    /// <summary>Reads JSONL lines like <see cref="Load(string)"/> from a stream; <paramref name="path"/> names it in errors.</summary>
    public static IReadOnlyList<LabelledUtterance> Load(Stream stream, string path)
    {
        var list = new List<LabelledUtterance>();
        var lineNo = 0;
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonObject o;
            try { o = JsonNode.Parse(line)?.AsObject() ?? throw new JsonException("not an object"); }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException)
            {
                throw new InvalidDataException($"{path}:{lineNo}: not a JSON object ({ex.Message}).", ex);
            }
            var text = o["text"]?.GetValue<string>() ?? throw new InvalidDataException($"{path}:{lineNo}: \"text\" is missing.");
            var context = o["context"] is JsonArray a ? a.Select(n => n?.GetValue<string>() ?? "").ToList() : new List<string>();
            var memory = o["memory"] is JsonObject m ? m.ToDictionary(p => p.Key, p => p.Value?.ToString() ?? "") : null;
            var expected = o["expected"] as JsonObject ?? throw new InvalidDataException($"{path}:{lineNo}: \"expected\" is missing.");
            list.Add(new LabelledUtterance(text, context, memory, expected));
        }
        return list;
    }

    /// <summary>The routing context of a line: its memory when given, else memory built from its earlier messages.</summary>
    public static async Task<RoutingContext> ContextForAsync(IIntentRouter router, LabelledUtterance item, CancellationToken cancellationToken = default) =>
        item.Memory is { } memory
            ? new RoutingContext(item.Context, memory)
            : await RoutingMemory.FromHistoryAsync(router, item.Context, cancellationToken);

    /// <summary>Routes every line and scores the results.</summary>
    public static async Task<NluScores> EvaluateAsync(IIntentRouter router, IReadOnlyList<LabelledUtterance> items, CancellationToken cancellationToken = default)
    {
        int correct = 0, stepsCorrect = 0, tp = 0, fp = 0, fn = 0, oosTp = 0, oosFp = 0, oosFn = 0;
        var misses = new List<NluMiss>();
        foreach (var item in items)
        {
            var route = await router.RouteAsync(item.Text, await ContextForAsync(router, item, cancellationToken), cancellationToken);
            var expectedIntent = item.Expected["intent"]?.ToString() ?? "";
            var intentOk = route.Intent == expectedIntent;
            if (intentOk) correct++;
            var expectedOos = expectedIntent == Intents.OutOfScope;
            var actualOos = route.Intent == Intents.OutOfScope;
            if (expectedOos && actualOos) oosTp++;
            else if (actualOos) oosFp++;
            else if (expectedOos) oosFn++;

            var expectedPairs = Pairs(item.Expected["entities"] as JsonObject, item.Expected["steps"] as JsonArray);
            var actual = JsonNode.Parse(route.ToJson())!.AsObject();
            var actualPairs = Pairs(actual["entities"] as JsonObject, actual["steps"] as JsonArray);
            var missing = expectedPairs.Where(p => !actualPairs.Any(q => Same(p, q))).ToList();
            var extra = actualPairs.Where(p => !expectedPairs.Any(q => Same(p, q))).ToList();
            tp += expectedPairs.Count - missing.Count;
            fn += missing.Count;
            fp += extra.Count;

            var stepsOk = StepSignature(item.Expected["steps"] as JsonArray) == StepSignature(actual["steps"] as JsonArray);
            if (stepsOk) stepsCorrect++;
            if (!intentOk || !stepsOk || missing.Count > 0 || extra.Count > 0)
                misses.Add(new NluMiss(item.Text, expectedIntent + (stepsOk ? "" : " " + StepSignature(item.Expected["steps"] as JsonArray)),
                    route.Intent + (stepsOk ? "" : " " + StepSignature(actual["steps"] as JsonArray)),
                    missing.Select(Show).ToList(), extra.Select(Show).ToList()));
        }
        var precision = tp + fp == 0 ? 1 : (double)tp / (tp + fp);
        var recall = tp + fn == 0 ? 1 : (double)tp / (tp + fn);
        var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        var oosPrecision = oosTp + oosFp == 0 ? 1 : (double)oosTp / (oosTp + oosFp);
        var oosRecall = oosTp + oosFn == 0 ? 1 : (double)oosTp / (oosTp + oosFn);
        var oosF1 = oosPrecision + oosRecall == 0 ? 0 : 2 * oosPrecision * oosRecall / (oosPrecision + oosRecall);
        var n = Math.Max(1, items.Count);
        return new NluScores(items.Count, (double)correct / n, precision, recall, f1, oosF1, (double)stepsCorrect / n, misses);
    }

    private static string Show((string Name, JsonNode? Value) p) => p.Name + "=" + (p.Value?.ToJsonString() ?? "null");

    private static string StepSignature(JsonArray? steps) =>
        steps is null ? "" : "[" + string.Join(", ", steps.Select(s => s?["intent"] + (s?["condition"] is { } c ? " if " + c : ""))) + "]";

    private static List<(string Name, JsonNode? Value)> Pairs(JsonObject? entities, JsonArray? steps)
    {
        var pairs = new List<(string, JsonNode?)>();
        void AddAll(string prefix, JsonObject? o)
        {
            if (o is null) return;
            foreach (var (key, value) in o)
            {
                if (value is JsonObject inner)
                    foreach (var (k, v) in inner) pairs.Add((prefix + key + "." + k, v));
                else pairs.Add((prefix + key, value));
            }
        }
        AddAll("", entities);
        if (steps is not null)
            for (var i = 0; i < steps.Count; i++) AddAll($"steps[{i}].", steps[i]?["entities"] as JsonObject);
        return pairs;
    }

    private static bool Same((string Name, JsonNode? Value) a, (string Name, JsonNode? Value) b) =>
        a.Name == b.Name && ValuesEqual(a.Value, b.Value);

    /// <summary>JSON equality for scoring: numbers numerically, strings case-insensitively, arrays in order.</summary>
    public static bool ValuesEqual(JsonNode? a, JsonNode? b)
    {
        if (a is null || b is null) return a is null && b is null;
        if (a is JsonArray xa && b is JsonArray xb)
            return xa.Count == xb.Count && xa.Zip(xb).All(p => ValuesEqual(p.First, p.Second));
        if (a is JsonObject oa && b is JsonObject ob)
            return oa.Count == ob.Count && oa.All(p => ob.TryGetPropertyValue(p.Key, out var v) && ValuesEqual(p.Value, v));
        if (a is JsonValue va && b is JsonValue vb)
        {
            if (TryNumber(va, out var da) && TryNumber(vb, out var db)) return Math.Abs(da - db) <= 1e-9 * Math.Max(1, Math.Abs(da));
            if (va.GetValueKind() == JsonValueKind.String && vb.GetValueKind() == JsonValueKind.String)
                return string.Equals(va.GetValue<string>(), vb.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
            return va.ToJsonString() == vb.ToJsonString();
        }
        return false;
    }

    private static bool TryNumber(JsonValue v, out double d)
    {
        d = 0;
        return v.GetValueKind() == JsonValueKind.Number && double.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out d);
    }
}
