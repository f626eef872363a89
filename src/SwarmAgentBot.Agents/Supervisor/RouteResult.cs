using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace SwarmAgentBot.Agents.Supervisor;

/// <summary>
/// The router's decision for one message, in exactly the shape of shared/spec/intents.md
/// (what <c>swarm nlu --json</c> prints).
/// </summary>
public sealed record RouteResult
{
    /// <summary>Agent name: storage, pipeline, knowledge, training, registry, drift, governance, approvals, help, greeting, out_of_scope.</summary>
    [JsonPropertyName("agent")] public required string Agent { get; init; }

    /// <summary>Intent name from intents.md, e.g. training.train_model.</summary>
    [JsonPropertyName("intent")] public required string Intent { get; init; }

    /// <summary>Normalised entities (only what the message said or the context resolved).</summary>
    [JsonPropertyName("entities")] public JsonObject Entities { get; init; } = new();

    /// <summary>Follow-up steps of a multi-step request, in order; null when single-step.</summary>
    [JsonPropertyName("steps")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<RouteStep>? Steps { get; init; }

    /// <summary>Entity names filled from the conversation rather than the message.</summary>
    [JsonPropertyName("resolved_from_context")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? ResolvedFromContext { get; init; }

    /// <summary>Why the router chose this (for logs and the audit trail; not part of the contract output).</summary>
    [JsonIgnore] public string Reason { get; init; } = "";

    /// <summary>Router confidence 0..1 (not part of the contract output).</summary>
    [JsonIgnore] public double Confidence { get; init; } = 1;

    /// <summary>
    /// A remark the supervisor adds to the first reply, e.g. that the language model was unavailable and the rules
    /// router answered, or that a step was left out of the plan (not part of the contract output).
    /// </summary>
    [JsonIgnore] public string? Notice { get; init; }

    /// <summary>Serialises to the intents.md JSON shape.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, RouteJson.Options);
}

/// <summary>A follow-up step of a multi-step request.</summary>
public sealed record RouteStep
{
    [JsonPropertyName("agent")] public required string Agent { get; init; }
    [JsonPropertyName("intent")] public required string Intent { get; init; }
    [JsonPropertyName("entities")] public JsonObject Entities { get; init; } = new();

    /// <summary>A condition on the previous step's result, e.g. "f1 >= 0.8".</summary>
    [JsonPropertyName("condition")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Condition { get; init; }
}

/// <summary>Shared JSON settings for router output.</summary>
public static class RouteJson
{
    /// <summary>Compact, no escaping of non-ASCII beyond what JSON needs.</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = false,
    };
}

/// <summary>What the router may use besides the text: earlier user messages and remembered references.</summary>
/// <param name="PreviousUserMessages">Earlier user messages in this conversation, oldest first.</param>
/// <param name="Memory">What the conversation last produced or mentioned: keys like model, version, dataset, run_id, pipeline, approval_id.</param>
public sealed record RoutingContext(IReadOnlyList<string> PreviousUserMessages, IReadOnlyDictionary<string, string> Memory)
{
    /// <summary>No context.</summary>
    public static RoutingContext Empty { get; } = new([], new Dictionary<string, string>());
}

/// <summary>Turns a message into an intent with entities.</summary>
public interface IIntentRouter
{
    /// <summary>Routes one message. Never throws for odd text: unknown requests are out_of_scope.</summary>
    Task<RouteResult> RouteAsync(string text, RoutingContext context, CancellationToken cancellationToken = default);
}
