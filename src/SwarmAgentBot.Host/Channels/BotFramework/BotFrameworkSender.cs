using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Ports;

namespace SwarmAgentBot.Host.Channels.BotFramework;

/// <summary>
/// Writes to Bot Framework conversations (Teams, Azure web chat, the Emulator, ...) through the Bot
/// Connector, using the serviceUrl stored in the conversation reference: replies, proactive messages
/// and card updates.
/// </summary>
public sealed class BotFrameworkSender(BotConnectorClient connector, ApprovalCardTracker approvals, IOptions<SwarmOptions> swarm) : IChannelSender
{
    // Channels Azure Bot Service connects; anything else arriving through it is stored with the azure- prefix.
    private static readonly HashSet<string> Channels = new(StringComparer.OrdinalIgnoreCase)
    {
        BotFrameworkActivities.Teams, "emulator", "webchat", "telegram", "facebook", "email", "sms", "line", "groupme", "kik", "webex", "skype", "outlook", "m365extensions", "omnichannel", "telephony",
    };

    /// <inheritdoc />
    public bool Handles(string channelId) => Channels.Contains(channelId) || channelId.StartsWith(BotFrameworkActivities.AzurePrefix, StringComparison.Ordinal);

    /// <inheritdoc />
    public Task<string?> SendAsync(ConversationRef conversation, BotReply reply, CancellationToken cancellationToken = default) =>
        PostAsync(conversation, reply, null, cancellationToken);

    /// <summary>Posts a reply (to <paramref name="replyToId"/> when set); returns the new activity's id.</summary>
    public async Task<string?> PostAsync(ConversationRef conversation, BotReply reply, string? replyToId, CancellationToken cancellationToken = default)
    {
        var serviceUrl = ServiceUrlOf(conversation);
        var activity = BotFrameworkActivities.ToActivity(reply, conversation, replyToId, swarm.Value.PublicBaseUrl);
        var id = await connector.SendAsync(serviceUrl, conversation.ConversationId, activity, replyToId, cancellationToken);
        await approvals.RecordAsync(conversation, reply, id, cancellationToken);
        return id;
    }

    /// <inheritdoc />
    public Task UpdateAsync(ConversationRef conversation, string messageId, BotReply reply, CancellationToken cancellationToken = default)
    {
        var activity = BotFrameworkActivities.ToActivity(reply, conversation, null, swarm.Value.PublicBaseUrl);
        activity["id"] = messageId;
        return connector.UpdateAsync(ServiceUrlOf(conversation), conversation.ConversationId, messageId, activity, cancellationToken);
    }

    private static string ServiceUrlOf(ConversationRef conversation) =>
        conversation.ServiceUrl is { Length: > 0 } url ? url
            : throw new InvalidOperationException($"Conversation {conversation.Key} has no Bot Framework serviceUrl; the bot can only write there after a message from it has arrived.");
}
