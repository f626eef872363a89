using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SwarmAgentBot.Agents.Ports;

/// <summary>
/// Checks run parameters against a pipeline's declared parameters and converts them to their
/// types. Shared by every <see cref="IPipelineService"/> and the pipeline agent, so the same input
/// gets the same answer whichever backend runs it.
/// </summary>
public static class PipelineParameters
{
    /// <summary>
    /// Returns every declared parameter with its typed value (given or default), or throws
    /// <see cref="PipelineParameterException"/> naming what is wrong and listing the valid parameters.
    /// </summary>
    public static IReadOnlyDictionary<string, JsonNode?> Resolve(PipelineDefinition pipeline, JsonObject given)
    {
        var declared = pipeline.Parameters.ToDictionary(p => p.Name, StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var (name, _) in given)
            if (!declared.ContainsKey(name))
                problems.Add(declared.Keys.FirstOrDefault(d => Distance(Normalise(d), Normalise(name)) <= 2) is { } close
                    ? $"unknown parameter '{name}' (did you mean '{close}'?)"
                    : $"unknown parameter '{name}'");

        var values = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var parameter in pipeline.Parameters)
        {
            if (!given.TryGetPropertyValue(parameter.Name, out var raw) || raw is null)
            {
                if (parameter.Default is not null) values[parameter.Name] = parameter.Default.DeepClone();
                else if (parameter.Required) problems.Add($"missing required parameter '{parameter.Name}' ({parameter.TypeName})");
                continue;
            }
            if (TryConvert(raw, parameter.Type, out var typed)) values[parameter.Name] = typed;
            else problems.Add($"parameter '{parameter.Name}' must be {Article(parameter.TypeName)} {parameter.TypeName}, but got {Show(raw)}");
        }

        if (problems.Count > 0)
            throw new PipelineParameterException(
                $"Pipeline '{pipeline.Name}' cannot run: {string.Join("; ", problems)}. Valid parameters: {Describe(pipeline.Parameters)}.",
                pipeline.Parameters);
        return values;
    }

    /// <summary>One line listing parameters: "dataset (string, required), budget_s (int, default 60)".</summary>
    public static string Describe(IReadOnlyList<PipelineParameter> parameters) => parameters.Count == 0
        ? "none (this pipeline takes no parameters)"
        : string.Join(", ", parameters.Select(p => $"{p.Name} ({p.TypeName}, {(p.Default is not null ? "default " + Text(p.Default) : p.Required ? "required" : "optional")})"));

    /// <summary>A parameter value as plain text (strings unquoted, numbers invariant).</summary>
    public static string Text(JsonNode? value) => value switch
    {
        null => "",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
        _ => value.ToJsonString(),
    };

    /// <summary>Converts a value to the given type: strings are parsed, numbers and booleans checked.</summary>
    public static bool TryConvert(JsonNode value, PipelineParameterType type, out JsonNode? typed)
    {
        typed = null;
        if (value is not JsonValue scalar) return false;
        var kind = scalar.GetValueKind();
        var text = kind == JsonValueKind.String ? scalar.GetValue<string>().Trim() : scalar.ToJsonString();
        switch (type)
        {
            case PipelineParameterType.String:
                typed = JsonValue.Create(kind == JsonValueKind.String ? scalar.GetValue<string>() : text);
                return true;
            case PipelineParameterType.Int:
                if (kind is JsonValueKind.Number or JsonValueKind.String && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) { typed = JsonValue.Create(l); return true; }
                // 3.0 written by a chat model is still the integer 3; 3.5 is not.
                if (kind is JsonValueKind.Number or JsonValueKind.String && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d == Math.Floor(d) && Math.Abs(d) < 9e15) { typed = JsonValue.Create((long)d); return true; }
                return false;
            case PipelineParameterType.Float:
                if (kind is JsonValueKind.Number or JsonValueKind.String && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && double.IsFinite(f)) { typed = JsonValue.Create(f); return true; }
                return false;
            case PipelineParameterType.Bool:
                if (kind is JsonValueKind.True or JsonValueKind.False) { typed = JsonValue.Create(kind == JsonValueKind.True); return true; }
                if (kind == JsonValueKind.String)
                {
                    switch (text.ToLowerInvariant())
                    {
                        case "true" or "yes" or "on" or "1": typed = JsonValue.Create(true); return true;
                        case "false" or "no" or "off" or "0": typed = JsonValue.Create(false); return true;
                    }
                }
                return false;
            default:
                return false;
        }
    }

    /// <summary>Parses <c>name=value</c> pairs (CLI <c>--param</c>) into a parameters object of strings.</summary>
    public static JsonObject FromPairs(IEnumerable<string> pairs)
    {
        var result = new JsonObject();
        foreach (var pair in pairs)
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0) throw new PipelineException($"'{pair}' is not name=value; write parameters as --param name=value.");
            result[pair[..eq].Trim()] = pair[(eq + 1)..];
        }
        return result;
    }

    /// <summary>Edit distance, for "did you mean" on a mistyped parameter name.</summary>
    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            previous = current;
        }
        return previous[b.Length];
    }

    private static string Normalise(string name) => name.Replace("_", "").Replace("-", "").ToLowerInvariant();

    private static string Article(string typeName) => typeName is "int" ? "an" : "a";

    private static string Show(JsonNode raw) => raw is JsonValue v && v.GetValueKind() == JsonValueKind.String ? $"\"{v.GetValue<string>()}\"" : raw.ToJsonString();
}
