using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SwarmAgentBot.Integrations;

/// <summary>
/// Turns YAML documents (Kubernetes manifests) into JSON the API accepts: plain scalars that are
/// numbers, booleans or null become JSON numbers, booleans and null; quoted scalars stay strings
/// (so <c>"8080"</c> stays a string and <c>8080</c> becomes a number, as kubectl does).
/// </summary>
public static class YamlJson
{
    /// <summary>Every document in the text, in order (empty documents skipped).</summary>
    public static IReadOnlyList<JsonNode> ParseAll(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents.Where(d => d.RootNode is not YamlScalarNode { Value: null or "" }).Select(d => Convert(d.RootNode)!).ToList();
    }

    /// <summary>The single document in the text as a JSON object; throws <see cref="YamlException"/> or <see cref="InvalidDataException"/> otherwise.</summary>
    public static JsonObject ParseObject(string yaml)
    {
        var documents = ParseAll(yaml);
        if (documents.Count != 1 || documents[0] is not JsonObject obj) throw new InvalidDataException("expected exactly one YAML document holding a mapping");
        return obj;
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv => KeyValuePair.Create(((YamlScalarNode)kv.Key).Value ?? "", Convert(kv.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(Convert).ToArray()),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new InvalidDataException($"unsupported YAML node at {node.Start}"),
    };

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style != ScalarStyle.Plain) return JsonValue.Create(text);
        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL": return null;
            case "true" or "True" or "TRUE": return JsonValue.Create(true);
            case "false" or "False" or "FALSE": return JsonValue.Create(false);
        }
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return JsonValue.Create(l);
        if (text.Any(char.IsDigit) && !text.Contains(':') && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)) return JsonValue.Create(d);
        return JsonValue.Create(text);
    }
}
