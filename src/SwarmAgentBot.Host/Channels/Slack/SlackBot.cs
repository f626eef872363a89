using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Supervisor;
using SwarmAgentBot.Host.Channels.Cards;

namespace SwarmAgentBot.Host.Channels.Slack;

/// <summary>A Slack message meant for the bot, read from an Events API envelope.</summary>
/// <param name="Conversation">Channel, thread to answer in, and the bot's user id.</param>
/// <param name="From">The Slack user.</param>
/// <param name="Text">Text with the bot's mention removed and Slack's escaping undone.</param>
/// <param name="Files">Files shared with the message (name, mimetype, url_private_download).</param>
/// <param name="MessageKey">"msg:{channel}:{ts}": the same message can come as app_mention and message.im.</param>
public sealed record SlackMessage(ConversationRef Conversation, UserRef From, string Text, IReadOnlyList<JsonObject> Files, string MessageKey);

/// <summary>A button click from an interactivity payload (block_actions).</summary>
/// <param name="Conversation">Channel and thread the card lives in.</param>
/// <param name="From">Who clicked.</param>
/// <param name="Value">{verb, ...data} as the supervisor expects card actions.</param>
/// <param name="MessageTs">ts of the message with the clicked card.</param>
/// <param name="ClickKey">Identifies this click, to drop duplicates.</param>
public sealed record SlackClick(ConversationRef Conversation, UserRef From, JsonObject Value, string MessageTs, string ClickKey);

/// <summary>
/// Turn logic of the Slack channel: reads events and clicks into channel-neutral messages, runs
/// them through the supervisor and posts the replies in the request's thread. Runs from the work
/// queue, after the webhook has already answered Slack.
/// </summary>
public sealed partial class SlackBot(
    Supervisor supervisor,
    SlackSender sender,
    SlackApiClient api,
    SlackEventLog seen,
    ApprovalCardTracker approvals,
    IOptions<SwarmOptions> swarm,
    ILogger<SlackBot> logger)
{
    /// <summary>
    /// The message in an event_callback envelope if it is one for the bot (app_mention, or a direct
    /// message); null for everything else: other events, bot messages (ours included, to avoid
    /// loops), edits, deletions and other subtypes.
    /// </summary>
    public static SlackMessage? ReadMessage(JsonObject envelope)
    {
        if (Str(envelope["type"]) != "event_callback" || envelope["event"] is not JsonObject ev) return null;
        if (ev["bot_id"] is not null || ev["bot_profile"] is not null) return null;
        var subtype = Str(ev["subtype"]);
        if (subtype is not null && subtype != "file_share") return null;
        var type = Str(ev["type"]);
        var isDirect = type == "message" && Str(ev["channel_type"]) == "im";
        if (type != "app_mention" && !isDirect) return null;

        var user = Str(ev["user"]);
        var channel = Str(ev["channel"]);
        var ts = Str(ev["ts"]);
        if (user is null || channel is null || ts is null) return null;
        var botUserId = (envelope["authorizations"] as JsonArray)?.OfType<JsonObject>()
            .FirstOrDefault(a => a["is_bot"] is JsonValue b && b.TryGetValue<bool>(out var isBot) && isBot)?["user_id"]?.ToString();
        if (user == botUserId) return null;

        var text = CleanText(Str(ev["text"]) ?? "", botUserId, stripLeadingMention: type == "app_mention");
        // Channel mentions are answered in a thread under the request; direct messages stay flat unless already threaded.
        var thread = Str(ev["thread_ts"]) ?? (isDirect ? null : ts);
        var files = (ev["files"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        return new SlackMessage(new ConversationRef(SlackSender.ChannelId, channel, ThreadId: thread, BotId: botUserId), new UserRef(user), text, files, $"msg:{channel}:{ts}");
    }

    /// <summary>The button click in a block_actions payload, or null for other interactions.</summary>
    public static SlackClick? ReadClick(JsonObject payload)
    {
        if (Str(payload["type"]) != "block_actions" || (payload["actions"] as JsonArray)?.FirstOrDefault() is not JsonObject action) return null;
        var user = payload["user"] as JsonObject;
        var userId = Str(user?["id"]);
        var channel = Str(payload["channel"]?["id"]) ?? Str(payload["container"]?["channel_id"]);
        var messageTs = Str(payload["container"]?["message_ts"]) ?? Str(payload["message"]?["ts"]);
        if (userId is null || channel is null || messageTs is null) return null;

        JsonObject value;
        try { value = JsonNode.Parse(Str(action["value"]) ?? "{}") as JsonObject ?? new JsonObject(); }
        catch (JsonException) { value = new JsonObject(); }
        value["verb"] ??= BlockKitRenderer.VerbOf(Str(action["action_id"]) ?? "");
        // Direct-message channel ids start with D: answer there without a thread, like messages.
        var thread = Str(payload["message"]?["thread_ts"]) ?? (channel.StartsWith('D') ? null : messageTs);
        var name = Str(user?["name"]) ?? Str(user?["username"]);
        var clickKey = $"click:{channel}:{messageTs}:{Str(action["action_ts"]) ?? Str(payload["trigger_id"])}:{userId}";
        return new SlackClick(new ConversationRef(SlackSender.ChannelId, channel, ThreadId: thread), new UserRef(userId, name), value, messageTs, clickKey);
    }

    /// <summary>
    /// Handles a delivered event once: the first delivery of an event id (and of a message, which can
    /// arrive both as app_mention and as message.im) is marked in the database and run; copies are dropped.
    /// </summary>
    public async Task HandleEventAsync(string? eventId, SlackMessage message, CancellationToken cancellationToken = default)
    {
        if (eventId is not null && !await seen.TryMarkAsync("event:" + eventId, cancellationToken))
        {
            logger.LogInformation("Slack event {EventId} was delivered before; dropped", eventId);
            return;
        }
        if (!await seen.TryMarkAsync(message.MessageKey, cancellationToken)) return;
        await HandleMessageAsync(message, cancellationToken);
    }

    /// <summary>Runs a message through the supervisor and posts the replies in its thread.</summary>
    public async Task HandleMessageAsync(SlackMessage message, CancellationToken cancellationToken = default)
    {
        var files = new List<FileAttachment>();
        foreach (var file in message.Files)
        {
            var name = Str(file["name"]) ?? "file";
            var url = Str(file["url_private_download"]) ?? Str(file["url_private"]);
            if (url is null) continue;
            try
            {
                files.Add(new FileAttachment(name, Str(file["mimetype"]), url, await api.DownloadFileAsync(url, cancellationToken)));
            }
            catch (Exception ex) when (ex is SlackApiException or HttpRequestException)
            {
                logger.LogWarning(ex, "Could not download Slack file {FileName}", name);
                await ReplyAsync(message.Conversation, BotReply.Plain($"I could not download **{name}** ({ex.Message}); I went on without it."), cancellationToken);
            }
        }
        await RunAsync(new IncomingMessage(message.Conversation, message.From, message.Text, null, files), cancellationToken);
    }

    /// <summary>Runs a button click (once) through the supervisor; an approval card that was decided is updated in place.</summary>
    public async Task HandleClickAsync(SlackClick click, CancellationToken cancellationToken = default)
    {
        if (!await seen.TryMarkAsync(click.ClickKey, cancellationToken))
        {
            logger.LogInformation("Slack click {ClickKey} was delivered before; dropped", click.ClickKey);
            return;
        }
        await RunAsync(new IncomingMessage(click.Conversation, click.From, "", click.Value), cancellationToken);
        if (ApprovalCardTracker.ClickedApprovalId(click.Value) is not { } approvalId) return;
        // The clicked card shows the decision whatever the gate saw: the click may have come before the
        // card's message id was recorded, or on a copy in the approvers' channel. Updating twice is harmless.
        if (await approvals.DecidedCardAsync(approvalId, cancellationToken) is { } decided)
        {
            var reply = new BotReply("", [decided]);
            try
            {
                await api.UpdateMessageAsync(click.Conversation.ConversationId, click.MessageTs,
                    BlockKitRenderer.FallbackText(reply), BlockKitRenderer.Render(reply, swarm.Value.PublicBaseUrl), cancellationToken);
            }
            catch (Exception ex) when (ex is SlackApiException or HttpRequestException)
            {
                logger.LogWarning(ex, "Updating the clicked approval card {MessageTs} in {ConversationKey} failed", click.MessageTs, click.Conversation.Key);
            }
        }
    }

    private async Task RunAsync(IncomingMessage message, CancellationToken cancellationToken)
    {
        IReadOnlyList<BotReply> replies;
        try
        {
            replies = await supervisor.HandleAsync(message, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Handling a Slack message in {ConversationKey} failed", message.Conversation.Key);
            replies = [BotReply.Plain("Sorry, something went wrong on my side; nothing was changed. Please try again.")];
        }
        foreach (var reply in replies) await ReplyAsync(message.Conversation, reply, cancellationToken);
    }

    private async Task ReplyAsync(ConversationRef conversation, BotReply reply, CancellationToken cancellationToken)
    {
        try
        {
            await sender.SendAsync(conversation, reply, cancellationToken);
        }
        catch (Exception ex) when (ex is SlackApiException or HttpRequestException)
        {
            logger.LogError(ex, "Posting a reply to Slack {ConversationKey} failed", conversation.Key);
        }
    }

    /// <summary>Removes the bot's mention and undoes Slack's escaping and link markup.</summary>
    internal static string CleanText(string text, string? botUserId, bool stripLeadingMention)
    {
        if (botUserId is not null) text = text.Replace($"<@{botUserId}>", " ", StringComparison.Ordinal);
        else if (stripLeadingMention) text = LeadingMention().Replace(text, "");
        // <https://x|label> → label, <https://x> → https://x, <#C1|general> → #general; user mentions stay.
        text = SlackLink().Replace(text, m => m.Groups["target"].Value.StartsWith('#')
            ? "#" + (m.Groups["label"].Success ? m.Groups["label"].Value : m.Groups["target"].Value[1..])
            : m.Groups["label"].Success ? m.Groups["label"].Value : m.Groups["target"].Value);
        text = text.Replace("&lt;", "<").Replace("&gt;", ">").Replace("&amp;", "&");
        return MultiSpace().Replace(text, " ").Trim();
    }

    private static string? Str(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    [GeneratedRegex(@"^\s*<@[A-Z0-9]+>")]
    private static partial Regex LeadingMention();

    [GeneratedRegex(@"<(?<target>(?:https?://|mailto:|#C)[^|>]*)(?:\|(?<label>[^>]*))?>")]
    private static partial Regex SlackLink();

    [GeneratedRegex(@"[ \t]{2,}")]
    private static partial Regex MultiSpace();
}
