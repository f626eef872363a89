using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SwarmAgentBot.Agents.Agents.Registry;

/// <summary>One logged predict call as it travels between hosts: a row of <c>prediction_calls</c>.</summary>
/// <param name="CallId">The call's id (its predictions are <c>p-{CallId}-{i}</c>).</param>
/// <param name="ModelName">The model.</param>
/// <param name="Version">The version that served it.</param>
/// <param name="Alias">The alias the caller named, if any.</param>
/// <param name="CreatedAt">When it was served (ISO 8601, as logged).</param>
/// <param name="RowCount">Predictions in the call.</param>
/// <param name="ClassLabelsJson">The class labels as a JSON array.</param>
/// <param name="Features">The records as one JSON array (UTF-8).</param>
/// <param name="Predictions">The predictions blob (<see cref="PredictionCallFormat"/>).</param>
public sealed record ShippedCall(string CallId, string ModelName, int Version, string? Alias, string CreatedAt, int RowCount,
    string ClassLabelsJson, byte[] Features, byte[] Predictions);

/// <summary>A label a caller sent to a serving pod for one of its predictions, as it travels to the bot.</summary>
/// <param name="PredictionId">The prediction (<c>p-{call id}-{i}</c>).</param>
/// <param name="Label">The true outcome the caller sent.</param>
public sealed record ShippedLabel(string PredictionId, JsonNode Label);

/// <summary>A segment that cannot be imported; the message says what is wrong.</summary>
public sealed class PredictionLogSegmentException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The object a serving pod ships its prediction log in: one JSON document per segment,
/// <c>{"format": "swarm-prediction-log/1", "pod": …, "calls": [{"call_id", "model", "version", "alias", "created_at",
/// "rows", "classes": [...], "records": [...], "predictions": "base64"}]}</c>. The records stay the JSON the caller sent
/// and the predictions keep the log's compact blob, so shipping costs little more than the log row itself.
/// Keys: <c>prediction-logs/{model}/{pod}/{first call id}.json</c>.
/// </summary>
public static class PredictionLogSegment
{
    /// <summary>Prefix of every segment key in the object store.</summary>
    public const string Prefix = "prediction-logs/";

    /// <summary>The format tag written in (and required of) every segment.</summary>
    public const string FormatTag = "swarm-prediction-log/1";

    /// <summary>The format tag of a feedback segment (labels a pod received, see <see cref="WriteFeedback"/>).</summary>
    public const string FeedbackFormatTag = "swarm-prediction-feedback/1";

    /// <summary>
    /// The key of a feedback segment: <c>prediction-logs/{model}/{pod}/feedback/{UTC ticks}-{random}.json</c>, one per
    /// feedback request a pod accepted (a pod writes it after shipping the calls the labels belong to).
    /// </summary>
    public static string FeedbackKey(string model, string podId, DateTimeOffset at) =>
        string.Create(CultureInfo.InvariantCulture, $"{Prefix}{model}/{podId}/feedback/{at.UtcTicks:D19}-{Guid.NewGuid().ToString("N")[..8]}.json");

    /// <summary>When a pod wrote a feedback segment, read from its key (null for a key not written by <see cref="FeedbackKey"/>).</summary>
    public static DateTimeOffset? FeedbackWrittenAt(string key)
    {
        var name = key[(key.LastIndexOf('/') + 1)..];
        var dash = name.IndexOf('-');
        return dash == 19 && long.TryParse(name.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            && ticks >= DateTimeOffset.MinValue.UtcTicks && ticks <= DateTimeOffset.MaxValue.UtcTicks
            ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;
    }

    /// <summary>Whether a key under <see cref="Prefix"/> holds feedback rather than calls.</summary>
    public static bool IsFeedbackKey(string key) => key.Contains("/feedback/", StringComparison.Ordinal);

    /// <summary>Writes a feedback segment: <c>{"format": "swarm-prediction-feedback/1", "pod": …, "labels": [{"prediction_id", "label"}]}</c>.</summary>
    public static byte[] WriteFeedback(string podId, IReadOnlyList<ShippedLabel> labels) =>
        WriteDocument(FeedbackFormatTag, podId, "labels", labels, (json, l) =>
        {
            json.WriteString("prediction_id", l.PredictionId);
            json.WritePropertyName("label");
            l.Label.WriteTo(json);
        });

    /// <summary>{"format": …, "pod": …, "{arrayName}": [one object per item]}.</summary>
    private static byte[] WriteDocument<T>(string format, string podId, string arrayName, IReadOnlyList<T> items, Action<Utf8JsonWriter, T> writeItem)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("format", format);
            json.WriteString("pod", podId);
            json.WriteStartArray(arrayName);
            foreach (var item in items)
            {
                json.WriteStartObject();
                writeItem(json, item);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>Reads a whole feedback segment; any flaw rejects all of it.</summary>
    /// <exception cref="PredictionLogSegmentException">Not a feedback segment, or a label in it is malformed.</exception>
    public static IReadOnlyList<ShippedLabel> ReadFeedback(ReadOnlyMemory<byte> segment)
    {
        try
        {
            var root = JsonNode.Parse(segment.Span);
            if (root is not JsonObject o || o["format"]?.GetValueKind() != JsonValueKind.String || (string?)o["format"] != FeedbackFormatTag)
                throw new PredictionLogSegmentException($"it is not a feedback segment (no \"format\": \"{FeedbackFormatTag}\")");
            if (o["labels"] is not JsonArray items) throw new PredictionLogSegmentException("it has no \"labels\" array");
            var result = new List<ShippedLabel>(items.Count);
            foreach (var item in items)
            {
                var id = item is JsonObject e && e["prediction_id"]?.GetValueKind() == JsonValueKind.String ? (string?)e["prediction_id"] : null;
                if (id is null || !PredictionLog.TryParsePredictionId(id, out _, out _))
                    throw new PredictionLogSegmentException($"label {result.Count} has no valid \"prediction_id\"");
                if (item!["label"] is not { } label) throw new PredictionLogSegmentException($"label {result.Count} ({id}) has no \"label\"");
                result.Add(new ShippedLabel(id, label.DeepClone()));
            }
            return result;
        }
        catch (JsonException ex)
        {
            throw new PredictionLogSegmentException("it is not valid JSON: " + ex.Message, ex);
        }
    }

    /// <summary>The key of a segment whose first call is <paramref name="firstCallId"/>.</summary>
    public static string Key(string model, string podId, string firstCallId) =>
        string.Create(CultureInfo.InvariantCulture, $"{Prefix}{model}/{podId}/{firstCallId}.json");

    /// <summary>Writes a segment of <paramref name="calls"/> shipped by <paramref name="podId"/>.</summary>
    public static byte[] Write(string podId, IReadOnlyList<ShippedCall> calls) =>
        WriteDocument(FormatTag, podId, "calls", calls, (json, c) =>
        {
            json.WriteString("call_id", c.CallId);
            json.WriteString("model", c.ModelName);
            json.WriteNumber("version", c.Version);
            if (c.Alias is null) json.WriteNull("alias"); else json.WriteString("alias", c.Alias);
            json.WriteString("created_at", c.CreatedAt);
            json.WriteNumber("rows", c.RowCount);
            json.WritePropertyName("classes");
            json.WriteRawValue(c.ClassLabelsJson);
            json.WritePropertyName("records");
            json.WriteRawValue(c.Features);
            json.WriteBase64String("predictions", c.Predictions);
        });

    /// <summary>Reads a whole segment; any flaw rejects all of it (a segment is imported whole or not at all).</summary>
    /// <exception cref="PredictionLogSegmentException">Not a segment, or a call in it is malformed.</exception>
    public static IReadOnlyList<ShippedCall> Read(ReadOnlyMemory<byte> segment)
    {
        try
        {
            using var document = JsonDocument.Parse(segment);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String || format.GetString() != FormatTag)
                throw new PredictionLogSegmentException($"it is not a prediction log segment (no \"format\": \"{FormatTag}\")");
            if (!root.TryGetProperty("calls", out var calls) || calls.ValueKind != JsonValueKind.Array)
                throw new PredictionLogSegmentException("it has no \"calls\" array");
            var result = new List<ShippedCall>(calls.GetArrayLength());
            foreach (var call in calls.EnumerateArray()) result.Add(ReadCall(call, result.Count));
            return result;
        }
        catch (JsonException ex)
        {
            throw new PredictionLogSegmentException("it is not valid JSON: " + ex.Message, ex);
        }
    }

    private static ShippedCall ReadCall(JsonElement call, int position)
    {
        string Text(string name) => call.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s
            ? s : throw new PredictionLogSegmentException($"call {position} has no \"{name}\"");
        if (call.ValueKind != JsonValueKind.Object) throw new PredictionLogSegmentException($"call {position} is not an object");
        var callId = Text("call_id");
        // Call ids are hex (see PredictionLog.NewCallId); anything else could never be asked for as p-{id}-{i}.
        if (!callId.All(char.IsAsciiHexDigitLower)) throw new PredictionLogSegmentException($"call {position} has an invalid call_id '{callId}'");
        var model = Text("model");
        var createdAt = Text("created_at");
        if (!DateTimeOffset.TryParse(createdAt, CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
            throw new PredictionLogSegmentException($"call {callId} has an invalid created_at '{createdAt}'");
        if (!call.TryGetProperty("version", out var version) || !version.TryGetInt32(out var v) || v < 1)
            throw new PredictionLogSegmentException($"call {callId} has no valid \"version\"");
        if (!call.TryGetProperty("rows", out var rowsElement) || !rowsElement.TryGetInt32(out var rows) || rows < 1)
            throw new PredictionLogSegmentException($"call {callId} has no valid \"rows\"");
        string? alias = call.TryGetProperty("alias", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
        if (!call.TryGetProperty("classes", out var classes) || classes.ValueKind != JsonValueKind.Array || classes.EnumerateArray().Any(c => c.ValueKind != JsonValueKind.String))
            throw new PredictionLogSegmentException($"call {callId} has no \"classes\" list of strings");
        if (!call.TryGetProperty("records", out var records) || records.ValueKind != JsonValueKind.Array || records.GetArrayLength() != rows
            || records.EnumerateArray().Any(r => r.ValueKind != JsonValueKind.Object))
            throw new PredictionLogSegmentException($"call {callId} does not have {rows} records");
        if (!call.TryGetProperty("predictions", out var p) || p.ValueKind != JsonValueKind.String || !p.TryGetBytesFromBase64(out var predictions))
            throw new PredictionLogSegmentException($"call {callId} has no base64 \"predictions\"");
        var labels = classes.EnumerateArray().Select(c => c.GetString()!).ToArray();
        try
        {
            // The last row decodes only when the blob holds every row: a cut blob is caught here, not by a later drift check.
            PredictionCallFormat.Prediction(predictions, rows - 1, labels);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or IndexOutOfRangeException or JsonException or InvalidOperationException)
        {
            throw new PredictionLogSegmentException($"call {callId} has predictions that do not decode: {ex.Message}", ex);
        }
        return new ShippedCall(callId, model, v, alias, createdAt, rows, classes.GetRawText(), System.Text.Encoding.UTF8.GetBytes(records.GetRawText()), predictions);
    }
}
