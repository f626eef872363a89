using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenAI;
using OpenAI.Chat;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Agents.Supervisor.Llm;
using PortMessage = SwarmAgentBot.Agents.Ports.ChatMessage;
using PortToolCall = SwarmAgentBot.Agents.Ports.ChatToolCall;
using PortCompletion = SwarmAgentBot.Agents.Ports.ChatCompletion;

namespace SwarmAgentBot.Integrations.OpenAi;

/// <summary>
/// <see cref="IChatModel"/> over the OpenAI .NET SDK's chat completions, for any OpenAI-compatible server
/// (OpenAI, Azure OpenAI's v1 endpoint, Ollama, vLLM, LM Studio). The SDK's own retries are off: a 429 or 5xx is
/// reported at once so the planner can fall back to the rules router instead of keeping the user waiting.
/// </summary>
public sealed class OpenAiChatModel : IChatModel
{
    private readonly ChatClient _client;
    private readonly LlmOptions _options;
    private readonly SecretScrubber _scrubber;
    private readonly ILogger<OpenAiChatModel> _logger;

    /// <summary>Creates the client for the configured endpoint, model and key.</summary>
    public OpenAiChatModel(IOptions<LlmOptions> options, SecretScrubber scrubber, ILogger<OpenAiChatModel> logger)
    {
        _options = options.Value;
        _scrubber = scrubber;
        _logger = logger;
        var clientOptions = new OpenAIClientOptions
        {
            Endpoint = new Uri(_options.Endpoint!),
            NetworkTimeout = _options.Timeout,
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        };
        // Local servers often need no key, but the SDK insists on one; they ignore the header.
        var key = string.IsNullOrEmpty(_options.ApiKey) ? "no-key" : _options.ApiKey;
        _client = new ChatClient(_options.Model, new ApiKeyCredential(key), clientOptions);
    }

    /// <inheritdoc />
    public string Model => _options.Model;

    /// <inheritdoc />
    public async Task<PortCompletion> CompleteAsync(ChatRequest request, CancellationToken cancellationToken = default)
    {
        var completionOptions = new ChatCompletionOptions { Temperature = (float?)request.Temperature, MaxOutputTokenCount = request.MaxOutputTokens };
        foreach (var tool in request.Tools)
            completionOptions.Tools.Add(ChatTool.CreateFunctionTool(tool.Name, tool.Description, BinaryData.FromString(tool.ParametersSchema.ToJsonString())));
        if (request.Tools.Count > 0)
            completionOptions.ToolChoice = request.ToolMode switch
            {
                ChatToolMode.Required => ChatToolChoice.CreateRequiredChoice(),
                ChatToolMode.None => ChatToolChoice.CreateNoneChoice(),
                _ => ChatToolChoice.CreateAutoChoice(),
            };

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        try
        {
            var result = await _client.CompleteChatAsync(request.Messages.Select(ToSdk), completionOptions, timeout.Token);
            var completion = result.Value;
            var text = string.Concat(completion.Content.Where(p => p.Kind == ChatMessageContentPartKind.Text).Select(p => p.Text));
            var calls = completion.ToolCalls.Select(c => new PortToolCall(c.Id, c.FunctionName, c.FunctionArguments?.ToString() ?? "")).ToList();
            var usage = completion.Usage is { } u ? new ChatUsage(u.InputTokenCount, u.OutputTokenCount) : ChatUsage.None;
            return new PortCompletion(text.Length == 0 ? null : text, calls, usage, completion.Model ?? _options.Model, completion.FinishReason.ToString());
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ChatModelException(ChatModelFailure.Unavailable, $"The language model at {_options.Endpoint} did not answer within {_options.Timeout.TotalSeconds:0.#} s.");
        }
        catch (ClientResultException ex)
        {
            var status = ex.Status;
            var failure = status is 0 or 408 or 429 or >= 500 ? ChatModelFailure.Unavailable : ChatModelFailure.Rejected;
            var message = _scrubber.Scrub(ErrorMessage(ex));
            _logger.LogDebug("Chat completion failed with {Status}: {Message}", status, message);
            throw new ChatModelException(failure, status == 0
                ? $"The language model at {_options.Endpoint} could not be reached: {message}"
                : $"The language model at {_options.Endpoint} answered {status}: {message}", status == 0 ? null : status, ex);
        }
        catch (HttpRequestException ex)
        {
            throw new ChatModelException(ChatModelFailure.Unavailable, $"The language model at {_options.Endpoint} could not be reached: {_scrubber.Scrub(ex.Message)}", null, ex);
        }
    }

    private static OpenAI.Chat.ChatMessage ToSdk(PortMessage m) => m.Role switch
    {
        ChatRole.System => new SystemChatMessage(m.Content ?? ""),
        ChatRole.User => new UserChatMessage(m.Content ?? ""),
        ChatRole.Tool => new ToolChatMessage(m.ToolCallId!, m.Content ?? ""),
        _ when m.ToolCalls is { Count: > 0 } calls => WithText(
            new AssistantChatMessage(calls.Select(c => OpenAI.Chat.ChatToolCall.CreateFunctionToolCall(c.Id, c.Name, BinaryData.FromString(c.ArgumentsJson)))), m.Content),
        _ => new AssistantChatMessage(m.Content ?? ""),
    };

    private static AssistantChatMessage WithText(AssistantChatMessage message, string? text)
    {
        if (!string.IsNullOrEmpty(text)) message.Content.Add(ChatMessageContentPart.CreateTextPart(text));
        return message;
    }

    // The server's own words: OpenAI-compatible servers answer {"error": {"message": ...}}; otherwise the SDK's message.
    private static string ErrorMessage(ClientResultException ex)
    {
        string? message = null;
        try
        {
            if (ex.GetRawResponse()?.Content is { } content && JsonNode.Parse(content.ToString())?["error"] is { } error)
                message = error is JsonObject o ? o["message"]?.ToString() : error.ToString();
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's HTML page, say): fall back to the SDK's message.
        }
        message ??= ex.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? ex.Message;
        return message.Length > 300 ? message[..300] + "…" : message;
    }
}
