using System.Diagnostics;
using System.Text.Json.Nodes;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Ports;

namespace SwarmAgentBot.Agents.Supervisor.Llm;

/// <summary>
/// Counts the model calls, tokens and time of one message's work and records them in the audit log
/// (action <c>llm.usage</c>), so cost and latency per message can be queried with <c>swarm audit --action llm.usage</c>.
/// </summary>
public sealed class LlmCallMeter(IChatModel model)
{
    /// <summary>The audit action of usage entries.</summary>
    public const string AuditAction = "llm.usage";

    private readonly long _started = Stopwatch.GetTimestamp();

    /// <summary>Tokens so far.</summary>
    public ChatUsage Usage { get; private set; } = ChatUsage.None;

    /// <summary>Model calls so far.</summary>
    public int Calls { get; private set; }

    /// <summary>The model that answered last (as the server names it), or the configured one.</summary>
    public string ModelName { get; private set; } = model.Model;

    /// <summary>Milliseconds since the meter started.</summary>
    public long ElapsedMilliseconds => (long)Stopwatch.GetElapsedTime(_started).TotalMilliseconds;

    /// <summary>Calls the model and counts the call.</summary>
    public async Task<ChatCompletion> CompleteAsync(ChatRequest request, CancellationToken cancellationToken)
    {
        Calls++;
        var completion = await model.CompleteAsync(request, cancellationToken);
        Usage += completion.Usage;
        if (completion.Model.Length > 0) ModelName = completion.Model;
        return completion;
    }

    /// <summary>Appends the usage entry: purpose (route, answer), outcome and any extra details.</summary>
    public Task RecordAsync(AuditLog audit, string purpose, string outcome, JsonObject? extra = null, CancellationToken cancellationToken = default)
    {
        var details = new JsonObject
        {
            ["purpose"] = purpose,
            ["outcome"] = outcome,
            ["model"] = ModelName,
            ["calls"] = Calls,
            ["input_tokens"] = Usage.InputTokens,
            ["output_tokens"] = Usage.OutputTokens,
            ["latency_ms"] = ElapsedMilliseconds,
        };
        foreach (var (k, v) in extra ?? []) details[k] = v?.DeepClone();
        return audit.AppendAsync("llm", AuditAction, null, details, cancellationToken: cancellationToken);
    }
}
