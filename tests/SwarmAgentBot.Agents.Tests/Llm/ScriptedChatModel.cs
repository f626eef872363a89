using System.Text.Json.Nodes;
using SwarmAgentBot.Agents.Ports;

namespace SwarmAgentBot.Agents.Tests.Llm;

/// <summary>
/// A chat model that answers from a script, one entry per request, and records every request. A request beyond
/// the script fails the test loudly (it is not a model failure the planner should absorb).
/// </summary>
public sealed class ScriptedChatModel : IChatModel
{
    private readonly Queue<Func<ChatRequest, CancellationToken, Task<ChatCompletion>>> _script = new();
    private int _calls;

    /// <inheritdoc />
    public string Model => "scripted-model";

    /// <summary>Requests received, in order.</summary>
    public List<ChatRequest> Requests { get; } = [];

    /// <summary>Script entries not used yet.</summary>
    public int Pending => _script.Count;

    /// <summary>Answers the next request with a function of it.</summary>
    public ScriptedChatModel Then(Func<ChatRequest, ChatCompletion> answer)
    {
        _script.Enqueue((r, _) => Task.FromResult(answer(r)));
        return this;
    }

    /// <summary>Answers with tool calls (raw argument strings, sent as written).</summary>
    public ScriptedChatModel ThenCall(params (string Tool, string Arguments)[] calls) =>
        Then(_ => new ChatCompletion(null, calls.Select(c => new ChatToolCall($"call_{Interlocked.Increment(ref _calls)}", c.Tool, c.Arguments)).ToList(), new ChatUsage(100, 20), Model, "tool_calls"));

    /// <summary>Answers stage one: the agents, in order.</summary>
    public ScriptedChatModel ThenChoose(params string[] agents) =>
        ThenCall(("choose_agents", new JsonObject { ["agents"] = new JsonArray(agents.Select(a => (JsonNode)JsonValue.Create(a)).ToArray()) }.ToJsonString()));

    /// <summary>Answers with text.</summary>
    public ScriptedChatModel ThenSay(string text) => Then(_ => new ChatCompletion(text, [], new ChatUsage(100, 20), Model, "stop"));

    /// <summary>Fails the next request.</summary>
    public ScriptedChatModel ThenThrow(Exception exception)
    {
        _script.Enqueue((_, _) => Task.FromException<ChatCompletion>(exception));
        return this;
    }

    /// <summary>Never answers the next request: it waits until the caller gives up.</summary>
    public ScriptedChatModel ThenHang()
    {
        _script.Enqueue(async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            throw new InvalidOperationException("unreachable");
        });
        return this;
    }

    /// <inheritdoc />
    public Task<ChatCompletion> CompleteAsync(ChatRequest request, CancellationToken cancellationToken = default)
    {
        lock (Requests) Requests.Add(request);
        if (!_script.TryDequeue(out var next))
            throw new InvalidOperationException($"The scripted model got request {Requests.Count}, beyond its script.");
        return next(request, cancellationToken);
    }

    /// <summary>Every text the model was sent (all messages, all requests), for leak checks.</summary>
    public string AllSentText() => string.Join("\n", Requests.SelectMany(r => r.Messages).Select(m => m.Content + string.Concat(m.ToolCalls?.Select(c => c.ArgumentsJson) ?? [])));

    /// <summary>The tool results (role tool) of a request.</summary>
    public static IReadOnlyList<string> ToolResults(ChatRequest request) =>
        request.Messages.Where(m => m.Role == ChatRole.Tool).Select(m => m.Content ?? "").ToList();
}
