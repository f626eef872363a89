using System.Text.Json.Nodes;
using SwarmAgentBot.Agents.Conversation;

namespace SwarmAgentBot.Agents.Supervisor;

/// <summary>An intent an agent serves, described for help texts and for LLM tool calling.</summary>
/// <param name="Name">Intent name from intents.md.</param>
/// <param name="Description">What it does, one sentence.</param>
/// <param name="ParametersSchema">JSON schema of its entities (an object schema).</param>
/// <param name="Mutating">True when it changes something and must pass the approval gate.</param>
/// <param name="Examples">A few example phrasings for help.</param>
public sealed record IntentDescriptor(
    string Name,
    string Description,
    JsonObject ParametersSchema,
    bool Mutating = false,
    IReadOnlyList<string>? Examples = null);

/// <summary>One call of an agent: the intent, its entities and the turn it belongs to.</summary>
/// <param name="Intent">Intent name.</param>
/// <param name="Entities">Normalised entities.</param>
/// <param name="Turn">Who asked, where, and the conversation's memory.</param>
public sealed record AgentRequest(string Intent, JsonObject Entities, TurnContext Turn)
{
    /// <summary>Files attached to the message (uploads).</summary>
    public IReadOnlyList<FileAttachment> Attachments { get; init; } = [];

    /// <summary>A string entity, or null.</summary>
    public string? Get(string name) => Entities[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s
        : Entities[name] is JsonValue n ? n.ToJsonString().Trim('"') : null;

    /// <summary>A numeric entity, or null.</summary>
    public double? GetNumber(string name) => Entities[name] is JsonValue v
        ? (v.TryGetValue<double>(out var d) ? d : double.TryParse(v.ToString(), System.Globalization.CultureInfo.InvariantCulture, out var p) ? p : null)
        : null;
}

/// <summary>The turn an agent call belongs to.</summary>
/// <param name="Conversation">Where to reply (also for proactive messages later).</param>
/// <param name="User">Who asked.</param>
/// <param name="Memory">What the conversation last produced or mentioned.</param>
public sealed record TurnContext(ConversationRef Conversation, UserRef User, IReadOnlyDictionary<string, string> Memory);

/// <summary>What an agent asks the approval gate to hold until someone approves.</summary>
/// <param name="Intent">The mutating intent.</param>
/// <param name="Summary">What exactly will happen, in one line ("Deploy churn v3 to production (was v2)").</param>
/// <param name="Arguments">Everything needed to carry it out later, fully resolved.</param>
/// <param name="RequiredRole">Role an approver needs (from Swarm:Security).</param>
/// <param name="Resource">What it is about ("model:churn"), for the audit log and self-approval policy.</param>
public sealed record ApprovalProposal(string Intent, string Summary, JsonObject Arguments, string RequiredRole, string Resource);

/// <summary>The outcome of an agent call.</summary>
public sealed record AgentResult
{
    /// <summary>What to tell the user.</summary>
    public required BotReply Reply { get; init; }

    /// <summary>False when the request failed (bad input, missing thing); the supervisor stops a plan there.</summary>
    public bool Succeeded { get; init; } = true;

    /// <summary>Set when the action needs approval: the supervisor persists it and posts an approval card.</summary>
    public ApprovalProposal? Approval { get; init; }

    /// <summary>What to remember for follow-ups ("deploy it"): model, version, dataset, run_id, ...</summary>
    public IReadOnlyDictionary<string, string>? Remember { get; init; }

    /// <summary>Numbers a multi-step condition can test ("f1 >= 0.8").</summary>
    public IReadOnlyDictionary<string, double>? Metrics { get; init; }

    /// <summary>
    /// Set when the work goes on in the background (a training job, a pipeline run): the key
    /// ("run:12") under which the supervisor parks the rest of a multi-step plan. Whoever finishes
    /// the work calls <see cref="Supervisor.ResumePlanAsync"/> with the same key and the metrics.
    /// </summary>
    public string? ContinuationKey { get; init; }

    /// <summary>
    /// Set when the request belongs to another intent after all (e.g. "status of run 3" routed to pipelines, but run 3
    /// is a training run): the supervisor runs that intent with these entities instead, once, and this reply is not shown.
    /// </summary>
    public (string Intent, JsonObject Entities)? HandOver { get; init; }

    /// <summary>Hands the request over to <paramref name="intent"/> (see <see cref="HandOver"/>).</summary>
    public static AgentResult HandOverTo(string intent, JsonObject entities) => new() { Reply = BotReply.Plain(""), HandOver = (intent, entities) };

    /// <summary>A successful reply.</summary>
    public static AgentResult Ok(BotReply reply, IReadOnlyDictionary<string, string>? remember = null) => new() { Reply = reply, Remember = remember };

    /// <summary>A successful text reply.</summary>
    public static AgentResult Ok(string text, IReadOnlyDictionary<string, string>? remember = null) => Ok(BotReply.Plain(text), remember);

    /// <summary>A failure the user can act on (the text says what went wrong and what to do).</summary>
    public static AgentResult Fail(string text) => new() { Reply = BotReply.Plain(text), Succeeded = false };

    /// <summary>An action held for approval.</summary>
    public static AgentResult NeedsApproval(ApprovalProposal proposal, string text) => new() { Reply = BotReply.Plain(text), Approval = proposal };
}

/// <summary>
/// A specialised agent: serves a set of intents against ports. Agents hold no per-conversation
/// state of their own; what must survive a turn goes to the metadata store.
/// </summary>
public interface IAgent
{
    /// <summary>Agent name as in intents.md (storage, pipeline, ...).</summary>
    string Name { get; }

    /// <summary>The intents this agent serves.</summary>
    IReadOnlyList<IntentDescriptor> Intents { get; }

    /// <summary>Handles one intent. Mutating intents return <see cref="AgentResult.NeedsApproval"/> instead of acting.</summary>
    Task<AgentResult> HandleAsync(AgentRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Carries out an approved action (called once per approval by the gate). Agents without
    /// mutating intents return a failure.
    /// </summary>
    Task<AgentResult> ExecuteApprovedAsync(ApprovedAction action, CancellationToken cancellationToken = default);
}

/// <summary>An approved action handed back to its agent.</summary>
/// <param name="ApprovalId">The approval's id.</param>
/// <param name="Intent">The intent to carry out.</param>
/// <param name="Arguments">Arguments recorded when it was proposed.</param>
/// <param name="RequestedBy">Who asked.</param>
/// <param name="ApprovedBy">Who approved.</param>
/// <param name="Conversation">Where it was asked (for progress messages).</param>
public sealed record ApprovedAction(string ApprovalId, string Intent, JsonObject Arguments, string RequestedBy, string ApprovedBy, ConversationRef Conversation);
