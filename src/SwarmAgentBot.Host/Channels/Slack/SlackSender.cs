using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Host.Channels.Cards;

namespace SwarmAgentBot.Host.Channels.Slack;

/// <summary>
/// Posts to Slack conversations (replies and proactive messages) with chat.postMessage, in the
/// thread the conversation reference names, and updates cards with chat.update.
/// </summary>
public sealed class SlackSender(SlackApiClient api, ApprovalCardTracker approvals, IOptions<SlackOptions> options, IOptions<SwarmOptions> swarm) : IChannelSender
{
    /// <summary>The channel id of Slack conversations.</summary>
    public const string ChannelId = "slack";

    /// <inheritdoc />
    public bool Handles(string channelId) => channelId == ChannelId;

    /// <inheritdoc />
    public async Task<string?> SendAsync(ConversationRef conversation, BotReply reply, CancellationToken cancellationToken = default)
    {
        EnsureConfigured();
        var ts = await api.PostMessageAsync(conversation.ConversationId, conversation.ThreadId,
            BlockKitRenderer.FallbackText(reply), BlockKitRenderer.Render(reply, swarm.Value.PublicBaseUrl), cancellationToken);
        await approvals.RecordAsync(conversation, reply, ts, cancellationToken);
        return ts;
    }

    /// <inheritdoc />
    public Task UpdateAsync(ConversationRef conversation, string messageId, BotReply reply, CancellationToken cancellationToken = default)
    {
        EnsureConfigured();
        return api.UpdateMessageAsync(conversation.ConversationId, messageId,
            BlockKitRenderer.FallbackText(reply), BlockKitRenderer.Render(reply, swarm.Value.PublicBaseUrl), cancellationToken);
    }

    private void EnsureConfigured()
    {
        if (string.IsNullOrWhiteSpace(options.Value.BotToken) || !options.Value.Enabled)
            throw new InvalidOperationException("Slack is not configured: set Swarm:Channels:Slack:BotToken and SigningSecret (and Enabled=true) to post to Slack.");
    }
}
