using System.Text.Json.Nodes;

namespace SwarmAgentBot.Agents.Ports;

/// <summary>
/// A chat model that can call tools (OpenAI-compatible chat completions). Deliberately narrow: messages and
/// tool definitions in; text and/or tool calls plus token usage out. The planner and the grounded answerer
/// depend on this, never on an SDK; the OpenAI adapter in Integrations/OpenAi is the production implementation.
/// </summary>
public interface IChatModel
{
    /// <summary>The configured model name (what requests ask for).</summary>
    string Model { get; }

    /// <summary>
    /// Sends one chat completion request. Throws <see cref="ChatModelException"/> when the model cannot answer
    /// (timeout, rate limit, server error, rejected request); cancellation by the caller surfaces as
    /// <see cref="OperationCanceledException"/>.
    /// </summary>
    Task<ChatCompletion> CompleteAsync(ChatRequest request, CancellationToken cancellationToken = default);
}

/// <summary>Who wrote a chat message.</summary>
public enum ChatRole
{
    /// <summary>Instructions from us.</summary>
    System,

    /// <summary>The person (the only source that can authorise an action).</summary>
    User,

    /// <summary>The model (text and/or tool calls).</summary>
    Assistant,

    /// <summary>A tool's result: data, never instructions.</summary>
    Tool,
}

/// <summary>One message of a chat.</summary>
/// <param name="Role">Who wrote it.</param>
/// <param name="Content">Its text (may be null for an assistant message that only calls tools).</param>
/// <param name="ToolCalls">Tool calls of an assistant message.</param>
/// <param name="ToolCallId">For a tool message: the call it answers.</param>
public sealed record ChatMessage(ChatRole Role, string? Content, IReadOnlyList<ChatToolCall>? ToolCalls = null, string? ToolCallId = null)
{
    /// <summary>A system message.</summary>
    public static ChatMessage System(string text) => new(ChatRole.System, text);

    /// <summary>A user message.</summary>
    public static ChatMessage User(string text) => new(ChatRole.User, text);

    /// <summary>An assistant message carrying tool calls (and optionally text).</summary>
    public static ChatMessage AssistantCalls(IReadOnlyList<ChatToolCall> calls, string? text = null) => new(ChatRole.Assistant, text, calls);

    /// <summary>A tool result answering <paramref name="callId"/>.</summary>
    public static ChatMessage ToolResult(string callId, string content) => new(ChatRole.Tool, content, ToolCallId: callId);
}

/// <summary>A tool the model may call: a function with a JSON schema for its arguments.</summary>
/// <param name="Name">Function name (letters, digits, '_' and '-', at most 64 characters).</param>
/// <param name="Description">What it does.</param>
/// <param name="ParametersSchema">JSON schema (type object) of the arguments.</param>
public sealed record ChatToolDefinition(string Name, string Description, JsonObject ParametersSchema);

/// <summary>A call of a tool the model asked for.</summary>
/// <param name="Id">The call's id (tool results refer to it).</param>
/// <param name="Name">The function name as the model wrote it (may be one we never offered).</param>
/// <param name="ArgumentsJson">The arguments as the model wrote them (may be malformed JSON).</param>
public sealed record ChatToolCall(string Id, string Name, string ArgumentsJson);

/// <summary>Whether the model must, may or must not call a tool.</summary>
public enum ChatToolMode
{
    /// <summary>The model decides.</summary>
    Auto,

    /// <summary>The model has to call at least one tool.</summary>
    Required,

    /// <summary>The model must answer in text.</summary>
    None,
}

/// <summary>One request.</summary>
/// <param name="Messages">The chat so far.</param>
/// <param name="Tools">Tools offered (may be empty).</param>
/// <param name="ToolMode">Tool choice; ignored when no tools are offered.</param>
/// <param name="Temperature">Sampling temperature, or null for the server's default.</param>
/// <param name="MaxOutputTokens">Cap on the answer's length, or null.</param>
public sealed record ChatRequest(
    IReadOnlyList<ChatMessage> Messages,
    IReadOnlyList<ChatToolDefinition> Tools,
    ChatToolMode ToolMode = ChatToolMode.Auto,
    double? Temperature = null,
    int? MaxOutputTokens = null);

/// <summary>Tokens one request used.</summary>
/// <param name="InputTokens">Prompt tokens.</param>
/// <param name="OutputTokens">Completion tokens.</param>
public sealed record ChatUsage(int InputTokens, int OutputTokens)
{
    /// <summary>No usage.</summary>
    public static ChatUsage None { get; } = new(0, 0);

    /// <summary>Sum of two usages.</summary>
    public static ChatUsage operator +(ChatUsage a, ChatUsage b) => new(a.InputTokens + b.InputTokens, a.OutputTokens + b.OutputTokens);
}

/// <summary>The model's answer.</summary>
/// <param name="Text">Text, or null when it only called tools.</param>
/// <param name="ToolCalls">Tool calls, in the order the model wrote them.</param>
/// <param name="Usage">Tokens used.</param>
/// <param name="Model">The model that answered (as the server reports it).</param>
/// <param name="FinishReason">stop, tool_calls, length, content_filter ...</param>
public sealed record ChatCompletion(string? Text, IReadOnlyList<ChatToolCall> ToolCalls, ChatUsage Usage, string Model, string FinishReason);

/// <summary>Why the model could not answer.</summary>
public enum ChatModelFailure
{
    /// <summary>Timeout, 429, 5xx or network: try again later; meanwhile fall back.</summary>
    Unavailable,

    /// <summary>The server refused the request (400, 401, 403, 404): configuration or a bug on our side.</summary>
    Rejected,
}

/// <summary>The chat model could not answer. The message never contains the API key.</summary>
public sealed class ChatModelException(ChatModelFailure failure, string message, int? statusCode = null, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>What kind of failure.</summary>
    public ChatModelFailure Failure { get; } = failure;

    /// <summary>HTTP status, when there was a response.</summary>
    public int? StatusCode { get; } = statusCode;
}
