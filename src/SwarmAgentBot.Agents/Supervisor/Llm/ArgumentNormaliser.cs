using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace SwarmAgentBot.Agents.Supervisor.Llm;

/// <summary>
/// Brings a model's tool arguments into the shape of intents.md before they are validated: the harmless slips
/// models make ("3" for 3, "v3" for a version, 12 for run "12", "Production" or "prod" for production) are
/// fixed; anything else is left for the validator to report. Arguments the schema does not know and empty
/// values are dropped, since entities hold only what the message said.
/// </summary>
public static partial class ArgumentNormaliser
{
    private static readonly Dictionary<string, string> StageSynonyms = new(StringComparer.OrdinalIgnoreCase)
    {
        ["prod"] = "production", ["live"] = "production", ["production"] = "production",
        ["stage"] = "staging", ["staging"] = "staging", ["test"] = "staging", ["test env"] = "staging",
    };

    /// <summary>Returns normalised entities (a new object; <paramref name="arguments"/> is not changed).</summary>
    public static JsonObject Normalise(JsonObject arguments, JsonObject schema)
    {
        var properties = schema["properties"] as JsonObject;
        var result = new JsonObject();
        foreach (var (name, raw) in arguments)
        {
            if (raw is null || (raw is JsonValue s && s.GetValueKind() == JsonValueKind.String && string.IsNullOrWhiteSpace(s.ToString()))) continue;
            var propertySchema = properties?[name] as JsonObject;
            if (properties is { Count: > 0 } && propertySchema is null) continue;
            result[name] = propertySchema is null ? raw.DeepClone() : Coerce(name, raw, propertySchema);
        }
        return result;
    }

    private static JsonNode Coerce(string name, JsonNode value, JsonObject schema)
    {
        var types = schema["type"] switch
        {
            JsonArray list => list.Select(t => t?.ToString()).OfType<string>().ToHashSet(),
            JsonValue one => [one.ToString()],
            _ => [],
        };
        var kind = JsonSchemaValidator.KindOf(value);

        if (kind == JsonValueKind.String)
        {
            var text = value.ToString().Trim();
            if (name == "stage" && StageSynonyms.TryGetValue(text, out var stage)) return stage;
            if (name == "version" && VersionPattern().Match(text) is { Success: true } v) return int.Parse(v.Groups[1].Value, CultureInfo.InvariantCulture);
            if (name == "version" && text.Equals("latest", StringComparison.OrdinalIgnoreCase)) return "latest";
            if (types.Contains("string") && schema["enum"] is JsonArray options && options.FirstOrDefault(o => string.Equals(o?.ToString(), text, StringComparison.OrdinalIgnoreCase)) is { } match)
                return match.DeepClone();
            if (!types.Contains("string") && (types.Contains("integer") || types.Contains("number"))
                && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
                return types.Contains("integer") && Math.Abs(number - Math.Round(number)) < 1e-9 ? JsonValue.Create((long)Math.Round(number)) : JsonValue.Create(number);
            if (name is "run_id" or "run_ids" or "approval_id") return text.TrimStart('#');
            return text;
        }
        if (kind == JsonValueKind.Number && types.Count > 0 && !types.Contains("number") && !types.Contains("integer") && types.Contains("string"))
            return value.ToJsonString();
        if (value is JsonArray array && schema["items"] is JsonObject itemSchema)
            return new JsonArray(array.Select(item => item is null ? null : Coerce(name, item, itemSchema)).ToArray());
        return value.DeepClone();
    }

    [GeneratedRegex(@"^(?:v|version\s*)?(\d+)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex VersionPattern();
}
