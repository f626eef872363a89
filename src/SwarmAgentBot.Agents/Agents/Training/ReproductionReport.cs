using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace SwarmAgentBot.Agents.Agents.Training;

/// <summary>How a reproduced run compares with the original.</summary>
public sealed record ReproductionReport(
    [property: JsonPropertyName("run_id")] long RunId,
    [property: JsonPropertyName("reproduced_run_id")] long ReproducedRunId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("dataset_hash_match")] bool DatasetHashMatch,
    [property: JsonPropertyName("metrics_match")] bool MetricsMatch,
    [property: JsonPropertyName("model_hash_match")] bool ModelHashMatch,
    [property: JsonPropertyName("original")] JsonObject? Original,
    [property: JsonPropertyName("reproduced")] JsonObject? Reproduced,
    [property: JsonPropertyName("summary")] string Summary)
{
    /// <summary>Compares the test metrics (to 1e-9), the model hash and the dataset hash of two runs.</summary>
    public static ReproductionReport Compare(TrainingRun original, TrainingRun reproduced)
    {
        var datasetMatch = original.DatasetSha256 is not null && original.DatasetSha256 == reproduced.DatasetSha256;
        var metricsMatch = reproduced.Status == RunStatus.Succeeded && original.Metrics is not null && reproduced.Metrics is not null
            && original.Metrics.Where(kv => kv.Key is not ("seconds" or "learner" or "model_sha256")).All(kv =>
                kv.Value is JsonValue a && a.TryGetValue<double>(out var x) && reproduced.Metrics[kv.Key] is JsonValue b && b.TryGetValue<double>(out var y) && Math.Abs(x - y) <= 1e-9);
        var hashMatch = original.Metrics?["model_sha256"]?.ToString() is { } h && h == reproduced.Metrics?["model_sha256"]?.ToString();
        var summary = reproduced.Status != RunStatus.Succeeded
            ? $"Reproduction run {reproduced.Id} {reproduced.Status}: {reproduced.Error}"
            : $"Run {original.Id} reproduced as run {reproduced.Id}: dataset hash {(datasetMatch ? "matches" : "differs")}, test metrics {(metricsMatch ? "match" : "differ")}, model hash {(hashMatch ? "matches" : "differs")}."
              + (hashMatch ? "" : " A time-budgeted search can try a different number of candidates on a busier machine; the seed fixes splits and proposals, not how many fit in the budget.");
        return new ReproductionReport(original.Id, reproduced.Id, reproduced.Status, datasetMatch, metricsMatch, hashMatch, original.Metrics, reproduced.Metrics, summary);
    }

    /// <summary>Formats the metric values of a run for text.</summary>
    public static string MetricsText(JsonObject? metrics) => metrics is null ? "none" : string.Join(", ",
        metrics.Where(kv => kv.Value is JsonValue v && v.TryGetValue<double>(out _) && kv.Key != "seconds")
               .Select(kv => $"{kv.Key} {kv.Value!.GetValue<double>().ToString("0.####", CultureInfo.InvariantCulture)}"));
}
