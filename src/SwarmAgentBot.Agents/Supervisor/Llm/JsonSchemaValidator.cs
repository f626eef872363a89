using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SwarmAgentBot.Agents.Supervisor.Llm;

/// <summary>
/// Validates JSON against the subset of JSON Schema our tool schemas use: <c>type</c> (a name or a list of names),
/// <c>required</c>, <c>enum</c>, <c>properties</c>, <c>additionalProperties: false</c>, <c>minimum</c>/<c>maximum</c>,
/// <c>items</c>, <c>minItems</c>/<c>maxItems</c>. Other keywords are ignored. Errors name the path and say what was
/// expected and what came, so a model can correct its call from the message alone.
/// </summary>
public static class JsonSchemaValidator
{
    /// <summary>Returns every violation (empty when <paramref name="value"/> matches <paramref name="schema"/>).</summary>
    public static IReadOnlyList<string> Validate(JsonNode? value, JsonObject schema, string path = "arguments")
    {
        var errors = new List<string>();
        Check(value, schema, path, errors);
        return errors;
    }

    private static void Check(JsonNode? value, JsonObject schema, string path, List<string> errors)
    {
        var kind = KindOf(value);
        var allowed = AllowedTypes(schema);
        if (allowed.Count > 0 && !allowed.Any(t => Matches(kind, value, t)))
        {
            errors.Add($"{path}: expected {string.Join(" or ", allowed)}, got {Describe(value)}.");
            return;
        }

        if (schema["enum"] is JsonArray options && !options.Any(o => JsonNode.DeepEquals(o, value)))
            errors.Add($"{path}: must be one of {string.Join(", ", options.Select(o => o?.ToJsonString()))}, got {Describe(value)}.");

        if (kind == JsonValueKind.Number)
        {
            var number = ToDouble(value!);
            if (Number(schema["minimum"]) is { } min && number < min) errors.Add($"{path}: must be at least {Format(min)}, got {Format(number)}.");
            if (Number(schema["maximum"]) is { } max && number > max) errors.Add($"{path}: must be at most {Format(max)}, got {Format(number)}.");
        }

        if (value is JsonObject obj)
        {
            if (schema["required"] is JsonArray required)
                foreach (var name in required.Select(r => r?.ToString()).OfType<string>())
                    if (obj[name] is null) errors.Add($"{path}.{name}: is required.");
            var properties = schema["properties"] as JsonObject;
            foreach (var (name, child) in obj)
            {
                if (properties?[name] is JsonObject childSchema) Check(child, childSchema, $"{path}.{name}", errors);
                else if (schema["additionalProperties"] is JsonValue extra && extra.TryGetValue<bool>(out var allowedExtra) && !allowedExtra)
                    errors.Add($"{path}.{name}: is not a known argument (known: {string.Join(", ", properties?.Select(p => p.Key) ?? [])}).");
            }
        }

        if (value is JsonArray array)
        {
            if (Number(schema["minItems"]) is { } minItems && array.Count < minItems) errors.Add($"{path}: needs at least {Format(minItems)} items, got {array.Count}.");
            if (Number(schema["maxItems"]) is { } maxItems && array.Count > maxItems) errors.Add($"{path}: takes at most {Format(maxItems)} items, got {array.Count}.");
            if (schema["items"] is JsonObject itemSchema)
                for (var i = 0; i < array.Count; i++) Check(array[i], itemSchema, $"{path}[{i}]", errors);
        }
    }

    private static List<string> AllowedTypes(JsonObject schema) => schema["type"] switch
    {
        JsonArray list => list.Select(t => t?.ToString()).OfType<string>().ToList(),
        JsonValue one when one.TryGetValue<string>(out var t) => [t],
        _ => [],
    };

    private static bool Matches(JsonValueKind kind, JsonNode? value, string type) => type switch
    {
        "object" => kind == JsonValueKind.Object,
        "array" => kind == JsonValueKind.Array,
        "string" => kind == JsonValueKind.String,
        "boolean" => kind is JsonValueKind.True or JsonValueKind.False,
        "null" => kind == JsonValueKind.Null,
        "number" => kind == JsonValueKind.Number,
        "integer" => kind == JsonValueKind.Number && IsWhole(value!),
        _ => true,
    };

    private static bool IsWhole(JsonNode value)
    {
        var d = ToDouble(value);
        return Math.Abs(d - Math.Round(d)) < 1e-9;
    }

    /// <summary>The JSON kind of a node (null node is JSON null).</summary>
    public static JsonValueKind KindOf(JsonNode? value) => value switch
    {
        null => JsonValueKind.Null,
        JsonObject => JsonValueKind.Object,
        JsonArray => JsonValueKind.Array,
        JsonValue v => v.GetValueKind(),
        _ => JsonValueKind.Undefined,
    };

    private static double? Number(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? ToDouble(v) : null;

    // Works whether the node was parsed or created from a CLR number.
    private static double ToDouble(JsonNode number) => double.Parse(number.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);

    private static string Describe(JsonNode? value) => KindOf(value) switch
    {
        JsonValueKind.Null => "null",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "the string " + value!.ToJsonString(),
        JsonValueKind.Number => "the number " + value!.ToJsonString(),
        _ => value!.ToJsonString(),
    };

    private static string Format(double d) => d.ToString("0.######", CultureInfo.InvariantCulture);
}
