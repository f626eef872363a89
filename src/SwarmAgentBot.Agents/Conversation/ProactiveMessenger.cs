using Microsoft.Extensions.Logging;
using SwarmAgentBot.Agents.Ports;

namespace SwarmAgentBot.Agents.Conversation;

/// <summary>Posts to a stored conversation on whatever channel it lives on.</summary>
public sealed class ProactiveMessenger(IEnumerable<IChannelSender> senders, ILogger<ProactiveMessenger> logger)
{
    /// <summary>Sends a reply; returns the posted message id, or null when no channel could take it.</summary>
    public async Task<string?> SendAsync(ConversationRef conversation, BotReply reply, CancellationToken cancellationToken = default)
    {
        var sender = senders.FirstOrDefault(s => s.Handles(conversation.ChannelId));
        if (sender is null)
        {
            logger.LogWarning("No channel sender for {ChannelId}; proactive message to {ConversationId} dropped", conversation.ChannelId, conversation.ConversationId);
            return null;
        }
        try
        {
            return await sender.SendAsync(conversation, reply, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Proactive message to {ChannelId}:{ConversationId} failed", conversation.ChannelId, conversation.ConversationId);
            return null;
        }
    }

    /// <summary>Updates an earlier message (falls back to a new post where the channel cannot update).</summary>
    public async Task UpdateAsync(ConversationRef conversation, string messageId, BotReply reply, CancellationToken cancellationToken = default)
    {
        var sender = senders.FirstOrDefault(s => s.Handles(conversation.ChannelId));
        if (sender is null) return;
        try
        {
            await sender.UpdateAsync(conversation, messageId, reply, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Updating message {MessageId} in {ChannelId}:{ConversationId} failed", messageId, conversation.ChannelId, conversation.ConversationId);
        }
    }
}
