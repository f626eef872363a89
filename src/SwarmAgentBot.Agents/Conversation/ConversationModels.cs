using System.Text.Json.Nodes;

namespace SwarmAgentBot.Agents.Conversation;

/// <summary>A person as a channel knows them (Teams AAD id, Slack user id, web chat id).</summary>
/// <param name="Id">The channel's id for the user.</param>
/// <param name="Name">Display name, when the channel sends one.</param>
public sealed record UserRef(string Id, string? Name = null);

/// <summary>
/// Everything needed to write to a conversation later (proactive messages): which channel,
/// which conversation, where its service lives and, for threaded channels, which thread.
/// </summary>
/// <param name="ChannelId">"directline", "webchat", "msteams", "slack", "cli", ...</param>
/// <param name="ConversationId">The channel's conversation id (Slack: the channel id).</param>
/// <param name="ServiceUrl">Bot Framework serviceUrl; null for channels that have none.</param>
/// <param name="ThreadId">Slack thread_ts (or Teams reply chain id) replies go to.</param>
/// <param name="BotId">The bot's own id on that channel.</param>
public sealed record ConversationRef(
    string ChannelId,
    string ConversationId,
    string? ServiceUrl = null,
    string? ThreadId = null,
    string? BotId = null)
{
    /// <summary>A stable key for storing state per conversation.</summary>
    public string Key => $"{ChannelId}:{ConversationId}";
}

/// <summary>A file the user attached (web chat upload, Slack file share).</summary>
/// <param name="Name">File name as the user sent it.</param>
/// <param name="ContentType">MIME type, when known.</param>
/// <param name="Url">Where to download it, when the channel sends a link.</param>
/// <param name="Content">The bytes, when the channel sends them inline.</param>
public sealed record FileAttachment(string Name, string? ContentType, string? Url, byte[]? Content);

/// <summary>One message from a user, channel-neutral.</summary>
/// <param name="Conversation">Where it came from.</param>
/// <param name="From">Who sent it.</param>
/// <param name="Text">The text, with any bot @mention already stripped by the channel.</param>
/// <param name="Value">Data of a card button click (Action.Execute / Block Kit), if this is one.</param>
/// <param name="Attachments">Files attached to the message.</param>
public sealed record IncomingMessage(
    ConversationRef Conversation,
    UserRef From,
    string Text,
    JsonObject? Value = null,
    IReadOnlyList<FileAttachment>? Attachments = null)
{
    /// <summary>Attachments, never null.</summary>
    public IReadOnlyList<FileAttachment> Files => Attachments ?? [];
}

/// <summary>One reply to the user: Markdown text plus optional cards.</summary>
/// <param name="Text">Markdown (bold, lists, links, code); channels convert as needed.</param>
/// <param name="Cards">Channel-neutral cards rendered per channel.</param>
public sealed record BotReply(string Text, IReadOnlyList<Card>? Cards = null)
{
    /// <summary>Cards, never null.</summary>
    public IReadOnlyList<Card> AllCards => Cards ?? [];

    /// <summary>A text-only reply.</summary>
    public static BotReply Plain(string text) => new(text);
}
