using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using SwarmAgentBot.Tests.Shared;

namespace SwarmAgentBot.Tests.OpenAi;

/// <summary>
/// What the loopback server answers to one chat completion request: text, tool calls, an error status with an
/// OpenAI error object, optionally after a delay.
/// </summary>
public sealed record ScriptedReply
{
    /// <summary>Assistant text.</summary>
    public string? Text { get; init; }

    /// <summary>Tool calls: function name and the raw arguments string (sent as written, even when not JSON).</summary>
    public IReadOnlyList<(string Name, string Arguments)> Calls { get; init; } = [];

    /// <summary>HTTP status; 200 unless an error.</summary>
    public int Status { get; init; } = 200;

    /// <summary>Error message of an error reply.</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>Error type of an error reply.</summary>
    public string ErrorType { get; init; } = "server_error";

    /// <summary>How long to wait before answering.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>A text answer.</summary>
    public static ScriptedReply Say(string text) => new() { Text = text };

    /// <summary>An answer calling tools.</summary>
    public static ScriptedReply Call(params (string Name, string Arguments)[] calls) => new() { Calls = calls };

    /// <summary>An error answer, shaped as OpenAI's.</summary>
    public static ScriptedReply Error(int status, string message, string type = "server_error") => new() { Status = status, ErrorMessage = message, ErrorType = type };

    /// <summary>The same reply after <paramref name="delay"/>.</summary>
    public ScriptedReply After(TimeSpan delay) => this with { Delay = delay };
}

/// <summary>
/// An OpenAI-compatible server on 127.0.0.1 (random port) for tests: <c>POST /v1/chat/completions</c> (tool calls
/// in the OpenAI wire format, no streaming) and <c>POST /v1/embeddings</c>. It checks the bearer key (401 with
/// <c>invalid_api_key</c>), the model (404 <c>model_not_found</c>) and the request shape as OpenAI does (400 with an
/// error object: missing model or messages, bad roles, tool messages that answer no call, unanswered tool calls,
/// bad tool names, tool_choice without tools, temperature out of range). Replies are scripted per test.
/// </summary>
public sealed partial class LoopbackOpenAiServer : IAsyncDisposable
{
    /// <summary>The key the server accepts unless told otherwise.</summary>
    public const string DefaultKey = "sk-loopback-test-key-0123456789";

    /// <summary>The model the server serves unless told otherwise.</summary>
    public const string DefaultModel = "gpt-loopback";

    private static readonly HashSet<string> Roles = ["system", "developer", "user", "assistant", "tool"];
    private LoopbackServer? _server;
    private readonly ConcurrentQueue<ScriptedReply> _script = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<JsonObject> _chatRequests = [];
    private readonly List<(int Status, string Body)> _rejections = [];
    private readonly string _key;
    private readonly HashSet<string> _models;
    private int _callCounter;

    private LoopbackOpenAiServer(string key, IEnumerable<string> models)
    {
        _key = key;
        _models = models.ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Base URL including /v1, as Swarm:Llm:Endpoint takes it.</summary>
    public string Endpoint { get; private set; } = "";

    /// <summary>Chat completion requests that passed the checks, in arrival order.</summary>
    public IReadOnlyList<JsonObject> ChatRequests { get { lock (_chatRequests) return _chatRequests.ToList(); } }

    /// <summary>Requests the server refused (status and body), in arrival order.</summary>
    public IReadOnlyList<(int Status, string Body)> Rejections { get { lock (_rejections) return _rejections.ToList(); } }

    /// <summary>Scripted replies not yet used.</summary>
    public int PendingReplies => _script.Count;

    /// <summary>Starts a server accepting <paramref name="key"/> and serving <paramref name="models"/> (default: <see cref="DefaultModel"/>).</summary>
    public static async Task<LoopbackOpenAiServer> StartAsync(string key = DefaultKey, params string[] models)
    {
        var server = new LoopbackOpenAiServer(key, models.Length > 0 ? models : [DefaultModel]);
        server._server = await LoopbackServer.StartAsync(app =>
        {
            app.MapPost("/v1/chat/completions", (Delegate)server.ChatAsync);
            app.MapPost("/v1/embeddings", (Delegate)server.EmbeddingsAsync);
        });
        server.Endpoint = server._server.BaseUrl + "/v1";
        return server;
    }

    /// <summary>Queues replies for the next chat completion requests, in order.</summary>
    public LoopbackOpenAiServer Enqueue(params ScriptedReply[] replies)
    {
        foreach (var r in replies) _script.Enqueue(r);
        return this;
    }

    private async Task<IResult> ChatAsync(HttpContext context)
    {
        var (body, refusal) = await ReadAsync(context);
        if (refusal is not null) return refusal;
        if (CheckChat(body!) is { } invalid) return Reject(400, invalid.Message, "invalid_request_error", invalid.Param);
        lock (_chatRequests) _chatRequests.Add(body!);

        // A request beyond the script is a test bug: answer it like a server fault so it shows in the test's assertions.
        var reply = _script.TryDequeue(out var next) ? next : ScriptedReply.Error(500, "The loopback server has no scripted reply left for this request.");
        if (reply.Delay > TimeSpan.Zero)
        {
            using var both = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
            try { await Task.Delay(reply.Delay, both.Token); }
            catch (OperationCanceledException) { return Results.Empty; }
        }
        if (reply.Status != 200) return Reject(reply.Status, reply.ErrorMessage ?? "Error", reply.ErrorType, null);

        var calls = new JsonArray();
        foreach (var (name, arguments) in reply.Calls)
            calls.Add(new JsonObject
            {
                ["id"] = $"call_{Interlocked.Increment(ref _callCounter):D4}",
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = name, ["arguments"] = arguments },
            });
        var message = new JsonObject { ["role"] = "assistant", ["content"] = reply.Text, ["refusal"] = null };
        if (calls.Count > 0) message["tool_calls"] = calls;
        var output = (reply.Text ?? "") + string.Concat(reply.Calls.Select(c => c.Name + c.Arguments));
        var promptTokens = Tokens(body!["messages"]!.ToJsonString()) + Tokens(body["tools"]?.ToJsonString() ?? "");
        var completionTokens = Math.Max(1, Tokens(output));
        return Results.Json(new JsonObject
        {
            ["id"] = "chatcmpl-" + Guid.NewGuid().ToString("N")[..24],
            ["object"] = "chat.completion",
            ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["model"] = body["model"]!.ToString(),
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = message,
                ["logprobs"] = null,
                ["finish_reason"] = calls.Count > 0 ? "tool_calls" : "stop",
            }),
            ["usage"] = new JsonObject { ["prompt_tokens"] = promptTokens, ["completion_tokens"] = completionTokens, ["total_tokens"] = promptTokens + completionTokens },
            ["system_fingerprint"] = "fp_loopback",
        });
    }

    private async Task<IResult> EmbeddingsAsync(HttpContext context)
    {
        var (body, refusal) = await ReadAsync(context);
        if (refusal is not null) return refusal;
        var inputs = body!["input"] switch
        {
            JsonValue v when v.GetValueKind() == JsonValueKind.String => [v.ToString()],
            JsonArray a when a.Count > 0 && a.All(i => i is JsonValue s && s.GetValueKind() == JsonValueKind.String) => a.Select(i => i!.ToString()).ToList(),
            _ => (List<string>?)null,
        };
        if (inputs is null) return Reject(400, "'input' is a required property and must be a string or a non-empty array of strings.", "invalid_request_error", "input");
        if (inputs.Any(i => i.Length == 0)) return Reject(400, "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.", "invalid_request_error", null);
        var dimensions = body["dimensions"] is JsonValue d && d.TryGetValue<int>(out var dims) ? dims : 16;
        if (dimensions < 1) return Reject(400, "Invalid value for 'dimensions' = 0. Must be a positive integer.", "invalid_request_error", "dimensions");
        var base64 = body["encoding_format"]?.ToString() == "base64";
        var data = new JsonArray();
        for (var i = 0; i < inputs.Count; i++)
        {
            var vector = Embed(inputs[i], dimensions);
            JsonNode embedding = base64
                ? Convert.ToBase64String(vector.SelectMany(BitConverter.GetBytes).ToArray())
                : new JsonArray(vector.Select(x => (JsonNode)JsonValue.Create(x)).ToArray());
            data.Add(new JsonObject { ["object"] = "embedding", ["index"] = i, ["embedding"] = embedding });
        }
        var tokens = inputs.Sum(Tokens);
        return Results.Json(new JsonObject
        {
            ["object"] = "list",
            ["data"] = data,
            ["model"] = body["model"]!.ToString(),
            ["usage"] = new JsonObject { ["prompt_tokens"] = tokens, ["total_tokens"] = tokens },
        });
    }

    // Authorization, JSON body, model: what every endpoint checks first.
    private async Task<(JsonObject? Body, IResult? Refusal)> ReadAsync(HttpContext context)
    {
        var auth = context.Request.Headers.Authorization.ToString();
        if (!auth.StartsWith("Bearer ", StringComparison.Ordinal))
            return (null, Reject(401, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", "invalid_request_error", null));
        var given = auth["Bearer ".Length..];
        if (given != _key)
            return (null, Reject(401, $"Incorrect API key provided: {Mask(given)}. You can find your API key at https://platform.openai.com/account/api-keys.", "invalid_request_error", null, "invalid_api_key"));

        JsonObject? body;
        try { body = await JsonNode.ParseAsync(context.Request.Body) as JsonObject; }
        catch (JsonException) { body = null; }
        if (body is null)
            return (null, Reject(400, "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload.)", "invalid_request_error", null));
        if (body["model"] is not JsonValue model || model.GetValueKind() != JsonValueKind.String)
            return (null, Reject(400, "you must provide a model parameter", "invalid_request_error", null));
        if (!_models.Contains(model.ToString()))
            return (null, Reject(404, $"The model `{model}` does not exist or you do not have access to it.", "invalid_request_error", null, "model_not_found"));
        return (body, null);
    }

    private static (string Message, string? Param)? CheckChat(JsonObject body)
    {
        if (body["stream"] is JsonValue stream && stream.GetValueKind() == JsonValueKind.True)
            return ("This loopback server does not stream; SwarmAgentBot does not use streaming.", "stream");
        if (body["temperature"] is JsonValue t && (!t.TryGetValue<double>(out var temperature) || temperature < 0 || temperature > 2))
            return ($"Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got {t.ToJsonString()} instead.", "temperature");

        var tools = body["tools"] as JsonArray;
        if (body["tools"] is not null && tools is null) return ("Invalid type for 'tools': expected an array.", "tools");
        for (var i = 0; i < (tools?.Count ?? 0); i++)
        {
            if (tools![i] is not JsonObject tool || tool["type"]?.ToString() != "function" || tool["function"] is not JsonObject function)
                return ($"Invalid value for 'tools[{i}]': expected an object with type 'function' and a 'function' object.", $"tools[{i}]");
            if (function["name"]?.ToString() is not { } name || !FunctionName().IsMatch(name))
                return ($"Invalid 'tools[{i}].function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.", $"tools[{i}].function.name");
            if (function["parameters"] is not null and not JsonObject)
                return ($"Invalid type for 'tools[{i}].function.parameters': expected an object.", $"tools[{i}].function.parameters");
        }
        if (body["tool_choice"] is { } choice)
        {
            if (tools is not { Count: > 0 }) return ("Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.", "tool_choice");
            var ok = choice is JsonValue v ? v.ToString() is "none" or "auto" or "required"
                : choice is JsonObject o && o["type"]?.ToString() == "function" && o["function"]?["name"] is not null;
            if (!ok) return ($"Invalid value for 'tool_choice': {choice.ToJsonString()}.", "tool_choice");
        }

        if (body["messages"] is not JsonArray messages) return ("'messages' is a required property", "messages");
        if (messages.Count == 0) return ("[] is too short - 'messages'", "messages");
        var unanswered = new List<string>();
        for (var i = 0; i < messages.Count; i++)
        {
            if (messages[i] is not JsonObject m || m["role"]?.ToString() is not { } role || !Roles.Contains(role))
                return ($"Invalid value for 'messages[{i}].role': expected one of 'system', 'developer', 'user', 'assistant' or 'tool'.", $"messages[{i}].role");
            if (role != "tool" && unanswered.Count > 0)
                return ($"An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: {string.Join(", ", unanswered)}", "messages");
            var content = m["content"];
            var hasCalls = m["tool_calls"] is JsonArray { Count: > 0 };
            if (content is null && !(role == "assistant" && hasCalls))
                return ($"Invalid value for 'messages[{i}].content': expected a string or an array of content parts, got null.", $"messages[{i}].content");
            if (content is not null and not JsonArray && (content is not JsonValue cv || cv.GetValueKind() != JsonValueKind.String))
                return ($"Invalid type for 'messages[{i}].content': expected one of a string or array of objects.", $"messages[{i}].content");
            if (role == "assistant" && m["tool_calls"] is JsonArray calls)
                foreach (var call in calls)
                {
                    if (call is not JsonObject c || c["id"]?.ToString() is not { Length: > 0 } id || c["type"]?.ToString() != "function"
                        || c["function"]?["name"] is null || c["function"]?["arguments"] is not JsonValue args || args.GetValueKind() != JsonValueKind.String)
                        return ($"Invalid value for 'messages[{i}].tool_calls': each call needs an id, type 'function' and a function with a name and a string of arguments.", $"messages[{i}].tool_calls");
                    unanswered.Add(id);
                }
            if (role == "tool")
            {
                var answered = m["tool_call_id"]?.ToString();
                if (answered is null || !unanswered.Remove(answered))
                    return ($"Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.", $"messages[{i}].role");
            }
        }
        if (unanswered.Count > 0)
            return ($"An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: {string.Join(", ", unanswered)}", "messages");
        return null;
    }

    private IResult Reject(int status, string message, string type, string? param, string? code = null)
    {
        var body = new JsonObject { ["error"] = new JsonObject { ["message"] = message, ["type"] = type, ["param"] = param, ["code"] = code } };
        lock (_rejections) _rejections.Add((status, body.ToJsonString()));
        return Results.Json(body, statusCode: status);
    }

    private static string Mask(string key) => key.Length <= 8 ? "****" : key[..4] + new string('*', 4) + key[^4..];

    // Roughly what a tokenizer would count: four characters per token.
    private static int Tokens(string s) => (s.Length + 3) / 4;

    // A bag-of-words vector: each word adds to one dimension, so texts sharing words are close. Unit length.
    private static float[] Embed(string text, int dimensions)
    {
        var v = new float[dimensions];
        foreach (var word in Regex.Split(text.ToLowerInvariant(), @"\W+").Where(w => w.Length > 0))
        {
            var h = 17;
            foreach (var ch in word) h = unchecked(h * 31 + ch);
            v[(h & int.MaxValue) % dimensions] += 1;
        }
        var norm = Math.Sqrt(v.Sum(x => (double)x * x));
        if (norm > 0) for (var i = 0; i < v.Length; i++) v[i] = (float)(v[i] / norm);
        return v;
    }

    [GeneratedRegex("^[a-zA-Z0-9_-]{1,64}$")]
    private static partial Regex FunctionName();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_server is not null) await _server.DisposeAsync();
        _stopping.Dispose();
    }
}
