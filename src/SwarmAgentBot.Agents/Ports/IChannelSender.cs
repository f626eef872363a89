using SwarmAgentBot.Agents.Conversation;

namespace SwarmAgentBot.Agents.Ports;

/// <summary>
/// Sends a message into a conversation outside of a request (progress, results, alerts, approval
/// cards). One implementation per channel; the <see cref="ProactiveMessenger"/> picks by channel id.
/// </summary>
public interface IChannelSender
{
    /// <summary>True when this sender delivers to the given channel id.</summary>
    bool Handles(string channelId);

    /// <summary>Delivers the reply; returns the channel's id for the posted message (for later updates), if any.</summary>
    Task<string?> SendAsync(ConversationRef conversation, BotReply reply, CancellationToken cancellationToken = default);

    /// <summary>Replaces an earlier posted message (card updated after an approval). Channels that cannot update post a new message.</summary>
    Task UpdateAsync(ConversationRef conversation, string messageId, BotReply reply, CancellationToken cancellationToken = default);
}
