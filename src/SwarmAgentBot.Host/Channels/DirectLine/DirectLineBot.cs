using System.Text.Json.Nodes;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Agents.Supervisor;
using SwarmAgentBot.Host.Channels.Cards;

namespace SwarmAgentBot.Host.Channels.DirectLine;

/// <summary>
/// The bot side of Direct Line: one reader per conversation takes user activities in order,
/// hands them to the supervisor and appends its replies. Conversations run in parallel.
/// </summary>
public sealed class DirectLineBot : IHostedService, IChannelSender
{
    /// <summary>Channel id the web chat conversations carry.</summary>
    public const string ChannelId = "directline";

    /// <summary>The bot's account on this channel.</summary>
    public static readonly JsonObject BotAccount = new() { ["id"] = "swarm-bot", ["name"] = "SwarmAgentBot", ["role"] = "bot" };

    private readonly DirectLineConversations _conversations;
    private readonly IServiceProvider _services;
    private readonly ILogger<DirectLineBot> _logger;
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Wires the bot to the conversation store.</summary>
    public DirectLineBot(DirectLineConversations conversations, IServiceProvider services, ILogger<DirectLineBot> logger)
    {
        _conversations = conversations;
        _services = services;
        _logger = logger;
        _conversations.Created += c => _ = Task.Run(() => ReadAsync(c, _stopping.Token));
    }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        return Task.CompletedTask;
    }

    private async Task ReadAsync(DirectLineConversation conversation, CancellationToken cancellationToken)
    {
        // Resolved lazily: the supervisor graph includes this sender (proactive messages), so it cannot be a constructor dependency.
        var supervisor = _services.GetRequiredService<Supervisor>();
        try
        {
            await foreach (var (activity, files) in conversation.Inbox.Reader.ReadAllAsync(cancellationToken))
            {
                var replies = new List<JsonObject>();
                try
                {
                    var message = ToMessage(conversation.Id, activity, files);
                    foreach (var reply in await supervisor.HandleAsync(message, cancellationToken))
                        replies.Add(ToActivity(reply, activity["id"]?.ToString()));
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    _logger.LogError(ex, "Handling activity in Direct Line conversation {ConversationId} failed", conversation.Id);
                    replies.Add(ToActivity(BotReply.Plain("Sorry, something went wrong on my side; nothing was changed. Please try again."), activity["id"]?.ToString()));
                }
                finally
                {
                    // Every turn ends, answered or not, so the stream never holds the user's activity back for good.
                    conversation.EndTurn(replies);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Host is stopping.
        }
    }

    /// <summary>Turns a Direct Line activity into the channel-neutral message.</summary>
    internal static IncomingMessage ToMessage(string conversationId, JsonObject activity, IReadOnlyList<FileAttachment> uploads)
    {
        var from = activity["from"] as JsonObject;
        var user = new UserRef(from?["id"]?.ToString() ?? "anonymous", from?["name"]?.ToString());
        var value = activity["value"] as JsonObject;
        // Action.Execute arrives as an invoke with {action:{verb,data}}; flatten it to {verb, ...data}.
        if (value?["action"] is JsonObject action)
        {
            var flat = new JsonObject { ["verb"] = action["verb"]?.ToString() };
            if (action["data"] is JsonObject data) foreach (var (k, v) in data) flat[k] = v?.DeepClone();
            value = flat;
        }
        var files = new List<FileAttachment>(uploads);
        // Links the client sent as attachments (no upload): keep http(s) ones only.
        if (uploads.Count == 0 && activity["attachments"] is JsonArray attachments)
            foreach (var a in attachments.OfType<JsonObject>())
                if (a["contentUrl"]?.ToString() is { } url && url.StartsWith("http", StringComparison.OrdinalIgnoreCase))
                    files.Add(new FileAttachment(a["name"]?.ToString() ?? "file", a["contentType"]?.ToString(), url, null));
        return new IncomingMessage(new ConversationRef(ChannelId, conversationId, BotId: "swarm-bot"), user, activity["text"]?.ToString() ?? "", value, files);
    }

    /// <summary>Turns a reply into a bot message activity with Adaptive Card attachments.</summary>
    internal static JsonObject ToActivity(BotReply reply, string? replyToId)
    {
        var activity = new JsonObject
        {
            ["type"] = "message",
            ["channelId"] = ChannelId,
            ["from"] = BotAccount.DeepClone(),
            ["text"] = reply.Text,
            ["textFormat"] = "markdown",
        };
        if (replyToId is not null) activity["replyToId"] = replyToId;
        if (reply.AllCards.Count > 0)
            activity["attachments"] = new JsonArray(reply.AllCards.Select(c => (JsonNode)AdaptiveCardRenderer.Attachment(c, AdaptiveActionStyle.Submit)).ToArray());
        return activity;
    }

    /// <inheritdoc />
    public bool Handles(string channelId) => channelId == ChannelId;

    /// <inheritdoc />
    public Task<string?> SendAsync(ConversationRef conversation, BotReply reply, CancellationToken cancellationToken = default)
    {
        var target = _conversations.GetOrCreate(conversation.ConversationId);
        return Task.FromResult<string?>(target.Append(ToActivity(reply, null)));
    }

    /// <inheritdoc />
    public Task UpdateAsync(ConversationRef conversation, string messageId, BotReply reply, CancellationToken cancellationToken = default)
    {
        // Web chat has no message update over Direct Line: post the new state as a new message.
        var target = _conversations.GetOrCreate(conversation.ConversationId);
        target.Append(ToActivity(reply, messageId));
        return Task.CompletedTask;
    }
}
