using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using SwarmAgentBot.Agents.Agents.Registry;
using SwarmAgentBot.Agents.Ports;
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
        try
        {
            // The body stays as UTF-8: the preparation reads each record from it, and the log keeps each record's text.
            var request = PredictionRequest.Parse(await ReadBodyAsync(http.Request, ct), server.MaxBatchRecords);
            return new PredictionsResult(await server.PredictAsync(name, versionOrAlias, request, ct));
        }
        catch (PredictionRequestException ex) { return Problem(400, ex.Message); }
        catch (ModelNotFoundException ex) { return Problem(404, ex.Message); }
        catch (RecordValidationException ex) { return Problem(400, ex.Message, ex.Field); }
        catch (BatchRecordException ex) { return Problem(400, ex.Message, ex.Inner.Field); }
    }

    private static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        var reader = request.BodyReader;
        while (true)
        {
            var read = await reader.ReadAsync(ct);
            if (read.IsCompleted || read.IsCanceled)
            {
                var body = read.Buffer.ToArray();
                reader.AdvanceTo(read.Buffer.End);
                return body;
            }
            // Nothing consumed yet: ask for more until the whole body is buffered.
            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    /// <summary>Writes served predictions as JSON straight to the response (no DOM of 10,000 objects).</summary>
    private sealed class PredictionsResult(ServedPredictions served) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = 200;
            response.ContentType = "application/json; charset=utf-8";
            var pipe = response.BodyWriter;
            await using var json = new Utf8JsonWriter(pipe);
            json.WriteStartObject();
            json.WriteString("model"u8, served.ModelName);
            json.WriteNumber("version"u8, served.Version);
            if (served.Alias is null) json.WriteNull("alias"u8); else json.WriteString("alias"u8, served.Alias);
            json.WriteStartArray("predictions"u8);
            // Ids are formatted into one buffer, not made into a string each.
            var id = new char[64];
            for (var i = 0; i < served.Predictions.Count; i++)
            {
                json.WriteStartObject();
                ModelServer.WritePrediction(json, served.Predictions[i], served.ClassLabels, asObject: false);
                if (served.PredictionIds.TryFormat(i, id, out var written)) json.WriteString("id"u8, id.AsSpan(0, written));
                json.WriteEndObject();
                // Hand large responses to the socket in pieces rather than buffering all of it.
                if (json.BytesPending > 32 * 1024)
                {
                    json.Flush();
                    await pipe.FlushAsync(httpContext.RequestAborted);
                }
            }
            json.WriteEndArray();
            json.WriteEndObject();
            json.Flush();
            await pipe.FlushAsync(httpContext.RequestAborted);
        }
    }

    private static async Task<IResult> FeedbackAsync(string name, HttpContext http, PredictionLog log, PredictionLogImporter importer, PredictionLogShipper shipper, CancellationToken ct)
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
        var attached = new List<ShippedLabel>();
        var unknown = new List<string>();
        var imported = false;
        foreach (var item in items.OfType<JsonObject>())
        {
            var id = item["prediction_id"]?.ToString() ?? item["id"]?.ToString();
            var label = item["label"] ?? item["actual"];
            if (id is null || label is null) return Problem(400, "Each feedback item needs \"prediction_id\" and \"label\".", id is null ? "prediction_id" : "label");
            var found = await log.AttachLabelAsync(name, id, label.DeepClone(), ct);
            if (!found && !imported)
            {
                // An id this host does not know may have been served by a pod: import what the pods shipped (once per request) and look again.
                imported = true;
                if ((await importer.ImportAsync(ct)).Calls > 0) found = await log.AttachLabelAsync(name, id, label.DeepClone(), ct);
            }
            if (found) attached.Add(new ShippedLabel(id, label.DeepClone())); else unknown.Add(id);
        }
        if (unknown.Count == items.Count) return Problem(404, $"No prediction of {name} has id {string.Join(", ", unknown)}.");
        try
        {
            // On a serving pod the labels go on to the bot, where drift checks and evaluations read them (no-op elsewhere).
            await shipper.ShipFeedbackAsync(attached, ct);
        }
        catch (ObjectStoreException ex)
        {
            return Problem(503, $"The feedback could not be passed on to the bot ({ex.Message}); send the same feedback again.");
        }
        return Results.Json(new { attached = attached.Count, unknown });
    }
}
