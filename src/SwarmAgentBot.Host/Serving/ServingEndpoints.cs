using System.Text.Json;
using System.Text.Json.Nodes;
using SwarmAgentBot.Agents.Agents.Registry;
using SwarmAgentBot.Ml.Preparation;

namespace SwarmAgentBot.Host.Serving;

/// <summary>
/// Model serving on the host: <c>POST /models/{name}@{alias}/predict</c>,
/// <c>POST /models/{name}/versions/{n}/predict</c> and <c>POST /models/{name}/feedback</c>.
/// </summary>
public static class ServingEndpoints
{
    /// <summary>Maps the serving endpoints.</summary>
    public static WebApplication MapServing(this WebApplication app)
    {
        // "{name}@{alias}" is one path segment; it is split here rather than in the route template.
        app.MapPost("/models/{nameAtAlias}/predict", (string nameAtAlias, HttpContext http, ModelServer server, CancellationToken ct) =>
        {
            var at = nameAtAlias.IndexOf('@');
            return at <= 0 || at == nameAtAlias.Length - 1
                ? Task.FromResult(Problem(404, "Use /models/{name}@{alias}/predict (for example /models/churn@production/predict) or /models/{name}/versions/{n}/predict."))
                : PredictAsync(http, server, nameAtAlias[..at], nameAtAlias[(at + 1)..], ct);
        });
        app.MapPost("/models/{name}/versions/{version:int}/predict", (string name, int version, HttpContext http, ModelServer server, CancellationToken ct) =>
            PredictAsync(http, server, name, version.ToString(System.Globalization.CultureInfo.InvariantCulture), ct));
        app.MapPost("/models/{name}/feedback", FeedbackAsync);
        return app;
    }

    private static IResult Problem(int status, string message, string? field = null) =>
        Results.Json(field is null ? new { error = message } : (object)new { error = message, field }, statusCode: status);

    private static async Task<IResult> PredictAsync(HttpContext http, ModelServer server, string name, string versionOrAlias, CancellationToken ct)
    {
        JsonNode? body;
        try { body = await JsonNode.ParseAsync(http.Request.Body, cancellationToken: ct); }
        catch (JsonException ex) { return Problem(400, "The body is not valid JSON: " + ex.Message); }

        // Accepted shapes: {"record": {...}}, {"records": [...]}, [...] or a bare record {...}.
        var records = body switch
        {
            JsonObject o when o["records"] is JsonArray a => a,
            JsonObject o when o["record"] is JsonObject r => new JsonArray(r.DeepClone()),
            JsonArray a => a,
            JsonObject o => new JsonArray(o.DeepClone()),
            _ => null,
        };
        if (records is null || records.Count == 0) return Problem(400, "Send a record as a JSON object ({\"record\": {...}}) or a batch ({\"records\": [{...}, ...]}).");
        var parsed = new List<IReadOnlyDictionary<string, object?>>(records.Count);
        for (var i = 0; i < records.Count; i++)
        {
            if (records[i] is not JsonObject record) return Problem(400, $"Record {i} is not a JSON object.");
            parsed.Add(record.ToDictionary(kv => kv.Key, kv => ToValue(kv.Value)));
        }
        try
        {
            var served = await server.PredictAsync(name, versionOrAlias, parsed, ct);
            var predictions = new JsonArray();
            for (var i = 0; i < served.Predictions.Count; i++)
            {
                var p = ModelServer.ToJson(served.Predictions[i], served.ClassLabels);
                if (i < served.PredictionIds.Count) p["id"] = served.PredictionIds[i];
                predictions.Add(p);
            }
            var response = new JsonObject { ["model"] = served.ModelName, ["version"] = served.Version, ["alias"] = served.Alias, ["predictions"] = predictions };
            return Results.Json(response);
        }
        catch (ModelNotFoundException ex) { return Problem(404, ex.Message); }
        catch (RecordValidationException ex) { return Problem(400, ex.Message, ex.Field); }
        catch (BatchRecordException ex) { return Problem(400, ex.Message, ex.Inner.Field); }
        catch (ArgumentException ex) { return Problem(400, ex.Message); }
    }

    /// <summary>A JSON value as the predictor takes it: number, string, bool or null (nested values as their JSON text).</summary>
    private static object? ToValue(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.GetValue<double>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        _ => node.ToJsonString(),
    };

    private static async Task<IResult> FeedbackAsync(string name, HttpContext http, PredictionLog log, CancellationToken ct)
    {
        JsonNode? body;
        try { body = await JsonNode.ParseAsync(http.Request.Body, cancellationToken: ct); }
        catch (JsonException ex) { return Problem(400, "The body is not valid JSON: " + ex.Message); }
        var items = body switch
        {
            JsonObject o when o["feedback"] is JsonArray a => a,
            JsonArray a => a,
            JsonObject o => new JsonArray(o.DeepClone()),
            _ => null,
        };
        if (items is null || items.Count == 0) return Problem(400, "Send {\"prediction_id\": \"p-…\", \"label\": …} or a list of them.");
        var attached = 0;
        var unknown = new List<string>();
        foreach (var item in items.OfType<JsonObject>())
        {
            var id = item["prediction_id"]?.ToString() ?? item["id"]?.ToString();
            var label = item["label"] ?? item["actual"];
            if (id is null || label is null) return Problem(400, "Each feedback item needs \"prediction_id\" and \"label\".", id is null ? "prediction_id" : "label");
            if (await log.AttachLabelAsync(name, id, label.DeepClone(), ct)) attached++; else unknown.Add(id);
        }
        return unknown.Count == items.Count
            ? Problem(404, $"No prediction of {name} has id {string.Join(", ", unknown)}.")
            : Results.Json(new { attached, unknown });
    }
}
