using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using SwarmAgentBot.Agents.Ports;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace SwarmAgentBot.Integrations.Local;

/// <summary>
/// A pipeline for the local engine, as written in manifests/pipelines/*.yaml:
/// <code>
/// name: train-and-register
/// description: ...
/// parameters:
///   - {name: data, type: string, description: ...}
///   - {name: budget_s, type: int, default: 60}
/// steps:
///   - name: train
///     depends_on: [profile]
///     timeout_s: 1800
///     command: [train, --data, "{{params.data}}", --budget, "{{params.budget_s}}", --json]
/// </code>
/// A step's command is the arguments of <c>swarm</c>; <c>{{params.x}}</c>, <c>{{steps.y.outputs.z}}</c>
/// and <c>{{run.id}}</c> are replaced before it runs.
/// </summary>
public sealed class PipelineManifest
{
    /// <summary>Pipeline name (what users type).</summary>
    [JsonPropertyName("name")] public string Name { get; set; } = "";

    /// <summary>What it does.</summary>
    [JsonPropertyName("description")] public string? Description { get; set; }

    /// <summary>Its parameters.</summary>
    [JsonPropertyName("parameters")] public List<PipelineParameterManifest> Parameters { get; set; } = [];

    /// <summary>Its steps; order in the file does not matter, dependencies do.</summary>
    [JsonPropertyName("steps")] public List<PipelineStepManifest> Steps { get; set; } = [];
}

/// <summary>A parameter in a pipeline manifest.</summary>
public sealed class PipelineParameterManifest
{
    /// <summary>Name.</summary>
    [JsonPropertyName("name")] public string Name { get; set; } = "";

    /// <summary>string, int, float or bool.</summary>
    [JsonPropertyName("type")] public string Type { get; set; } = "string";

    /// <summary>Default value as written (converted to the type when loaded).</summary>
    [JsonPropertyName("default")] public string? Default { get; set; }

    /// <summary>What it means.</summary>
    [JsonPropertyName("description")] public string? Description { get; set; }

    /// <summary>True when it may be left out without a default (it is then replaced by an empty string).</summary>
    [JsonPropertyName("optional")] public bool Optional { get; set; }
}

/// <summary>A step in a pipeline manifest.</summary>
public sealed class PipelineStepManifest
{
    /// <summary>Step name (letters, digits, '-' and '_').</summary>
    [JsonPropertyName("name")] public string Name { get; set; } = "";

    /// <summary>What it does.</summary>
    [JsonPropertyName("description")] public string? Description { get; set; }

    /// <summary>Arguments of <c>swarm</c>, with placeholders.</summary>
    [JsonPropertyName("command")] public List<string> Command { get; set; } = [];

    /// <summary>Steps that must succeed first.</summary>
    [JsonPropertyName("depends_on")] public List<string> DependsOn { get; set; } = [];

    /// <summary>Timeout in seconds; 0: the engine's default.</summary>
    [JsonPropertyName("timeout_s")][YamlMember(Alias = "timeout_s")] public int TimeoutSeconds { get; set; }
}

/// <summary>Reads and checks pipeline manifests.</summary>
public static partial class PipelineManifests
{
    private static readonly IDeserializer Yaml = new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .Build();

    /// <summary>Parses and validates one manifest; throws <see cref="PipelineException"/> naming the file and the problem.</summary>
    public static PipelineManifest Parse(string yaml, string source)
    {
        PipelineManifest manifest;
        try
        {
            manifest = Yaml.Deserialize<PipelineManifest>(yaml) ?? throw new PipelineException($"{source} is empty.");
        }
        catch (YamlException ex)
        {
            throw new PipelineException($"{source} is not a valid pipeline manifest: {ex.Message} (line {ex.Start.Line}).", ex);
        }
        var problems = Check(manifest);
        if (problems.Count > 0) throw new PipelineException($"{source} is not a valid pipeline: {string.Join("; ", problems)}.");
        return manifest;
    }

    /// <summary>The manifest as the service-neutral definition.</summary>
    public static PipelineDefinition ToDefinition(PipelineManifest manifest) => new(
        manifest.Name, manifest.Name, manifest.Description, null,
        manifest.Parameters.Select(ToParameter).ToList(),
        Order(manifest).Select(s => new PipelineStepInfo(s.Name, s.Description, s.DependsOn)).ToList());

    /// <summary>Steps in an order where every step comes after what it depends on (file order otherwise).</summary>
    public static IReadOnlyList<PipelineStepManifest> Order(PipelineManifest manifest)
    {
        var done = new HashSet<string>(StringComparer.Ordinal);
        var ordered = new List<PipelineStepManifest>();
        while (ordered.Count < manifest.Steps.Count)
        {
            var next = manifest.Steps.FirstOrDefault(s => !done.Contains(s.Name) && s.DependsOn.All(done.Contains))
                ?? throw new PipelineException($"Pipeline '{manifest.Name}' has a dependency cycle.");
            ordered.Add(next);
            done.Add(next.Name);
        }
        return ordered;
    }

    /// <summary>Every placeholder in a command argument.</summary>
    public static IEnumerable<Match> Placeholders(string argument) => PlaceholderPattern().Matches(argument);

    /// <summary>Replaces placeholders using <paramref name="resolve"/> (given the inner text, e.g. "params.data").</summary>
    public static string Substitute(string argument, Func<string, string> resolve) =>
        PlaceholderPattern().Replace(argument, m => resolve(m.Groups[1].Value));

    private static PipelineParameter ToParameter(PipelineParameterManifest p)
    {
        var type = ParseType(p.Type)!.Value;
        JsonNode? typedDefault = null;
        if (p.Default is not null) PipelineParameters.TryConvert(JsonValue.Create(p.Default), type, out typedDefault);
        return new PipelineParameter(p.Name, type, typedDefault, p.Description, p.Optional);
    }

    private static PipelineParameterType? ParseType(string? type) => type?.Trim().ToLowerInvariant() switch
    {
        "string" or "str" => PipelineParameterType.String,
        "int" or "integer" => PipelineParameterType.Int,
        "float" or "double" or "number" => PipelineParameterType.Float,
        "bool" or "boolean" => PipelineParameterType.Bool,
        _ => null,
    };

    private static List<string> Check(PipelineManifest m)
    {
        var problems = new List<string>();
        if (!NamePattern().IsMatch(m.Name)) problems.Add($"name '{m.Name}' must be letters, digits, '-' or '_'");
        var parameters = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in m.Parameters)
        {
            if (!ParameterNamePattern().IsMatch(p.Name)) problems.Add($"parameter name '{p.Name}' must be letters, digits or '_'");
            if (!parameters.Add(p.Name)) problems.Add($"parameter '{p.Name}' is declared twice");
            if (ParseType(p.Type) is not { } type) problems.Add($"parameter '{p.Name}' has type '{p.Type}'; use string, int, float or bool");
            else if (p.Default is not null && !PipelineParameters.TryConvert(JsonValue.Create(p.Default), type, out _))
                problems.Add($"default '{p.Default}' of parameter '{p.Name}' is not {type.ToString().ToLowerInvariant()}");
        }
        if (m.Steps.Count == 0) problems.Add("it has no steps");
        var steps = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in m.Steps)
        {
            if (!StepNamePattern().IsMatch(s.Name)) problems.Add($"step name '{s.Name}' must be 1-30 lower-case letters, digits or '-'");
            if (!steps.Add(s.Name)) problems.Add($"step '{s.Name}' is declared twice");
            if (s.Command.Count == 0) problems.Add($"step '{s.Name}' has no command");
            if (s.TimeoutSeconds < 0) problems.Add($"step '{s.Name}' has a negative timeout_s");
        }
        foreach (var s in m.Steps)
            foreach (var d in s.DependsOn.Where(d => !steps.Contains(d)))
                problems.Add($"step '{s.Name}' depends on unknown step '{d}'");
        if (problems.Count > 0) return problems;

        IReadOnlyList<PipelineStepManifest> ordered;
        try { ordered = Order(m); }
        catch (PipelineException) { problems.Add("its steps depend on each other in a cycle"); return problems; }

        var ancestors = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var s in ordered)
        {
            var mine = new HashSet<string>(s.DependsOn, StringComparer.Ordinal);
            foreach (var d in s.DependsOn) mine.UnionWith(ancestors[d]);
            ancestors[s.Name] = mine;
            foreach (var arg in s.Command)
                foreach (Match match in Placeholders(arg))
                {
                    var parts = match.Groups[1].Value.Split('.');
                    var ok = parts switch
                    {
                        ["params", var name] => parameters.Contains(name),
                        ["steps", var step, "outputs", _] => mine.Contains(step),
                        ["run", "id"] => true,
                        _ => false,
                    };
                    if (!ok) problems.Add($"step '{s.Name}' uses {match.Value}, which is not a declared parameter, an output of a step it depends on, or {{{{run.id}}}}");
                }
        }
        return problems;
    }

    [GeneratedRegex(@"\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}")]
    private static partial Regex PlaceholderPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}$")]
    private static partial Regex ParameterNamePattern();

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,28}[a-z0-9])?$")]
    private static partial Regex StepNamePattern();
}
