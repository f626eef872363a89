using System.Text.Json.Nodes;

namespace SwarmAgentBot.Agents.Supervisor;

/// <summary>Small builders for the JSON schemas that describe intent arguments (help texts, LLM tools).</summary>
public static class JsonSchemas
{
    /// <summary>An object schema with typed properties; names in <paramref name="required"/> must be present.</summary>
    public static JsonObject Object(IEnumerable<string> required, params (string Name, string Type, string Description)[] properties)
    {
        var props = new JsonObject();
        foreach (var (name, type, description) in properties)
            props[name] = type == "object"
                ? new JsonObject { ["type"] = "object", ["description"] = description, ["additionalProperties"] = true }
                : type == "string[]"
                    ? new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" }, ["description"] = description }
                    : new JsonObject { ["type"] = type, ["description"] = description };
        return new JsonObject
        {
            ["type"] = "object",
            ["properties"] = props,
            ["required"] = new JsonArray(required.Select(r => (JsonNode)r).ToArray()),
            ["additionalProperties"] = false,
        };
    }
}
