using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Host.Channels.Cards;

namespace SwarmAgentBot.Host.Channels.BotFramework;

/// <summary>
/// Translation between Bot Framework activities and channel-neutral messages and replies:
/// conversation references, the sender, the text without the bot's @mention, card-click values,
/// file links, and reply activities with Adaptive Cards.
/// </summary>
public static partial class BotFrameworkActivities
{
    /// <summary>The Teams channel id.</summary>
    public const string Teams = "msteams";

    /// <summary>Prefix for Azure channels whose id collides with a built-in channel ("directline", "slack").</summary>
    public const string AzurePrefix = "azure-";

    // Channel ids the built-in channels own; the same ids arriving through Azure Bot Service get the prefix.
    private static readonly HashSet<string> NativeChannels = new(StringComparer.OrdinalIgnoreCase) { "directline", "slack" };

    /// <summary>Our channel id for an activity's channelId ("directline" via Azure → "azure-directline").</summary>
    public static string ChannelIdFor(string activityChannelId) =>
        NativeChannels.Contains(activityChannelId) ? AzurePrefix + activityChannelId : activityChannelId;

    /// <summary>The channelId on the wire for one of our channel ids.</summary>
    public static string WireChannelId(string channelId) =>
        channelId.StartsWith(AzurePrefix, StringComparison.Ordinal) ? channelId[AzurePrefix.Length..] : channelId;

    /// <summary>Where to write back: channel, conversation id, serviceUrl and the bot's id on the channel.</summary>
    public static ConversationRef ToConversationRef(JsonObject activity) => new(
        ChannelIdFor(Str(activity["channelId"]) ?? "unknown"),
        Str(activity["conversation"]?["id"]) ?? "",
        ServiceUrl: Str(activity["serviceUrl"]),
        BotId: Str(activity["recipient"]?["id"]));

    /// <summary>
    /// The sender. Teams users are identified by their Microsoft Entra object id (aadObjectId) when
    /// present, which is stable across bots and easy to look up for Swarm:Security:Users.
    /// </summary>
    public static UserRef ToUser(JsonObject activity)
    {
        var from = activity["from"] as JsonObject;
        return new UserRef(Str(from?["aadObjectId"]) ?? Str(from?["id"]) ?? "anonymous", Str(from?["name"]));
    }

    /// <summary>The channel-neutral message of a message activity.</summary>
    public static IncomingMessage ToMessage(JsonObject activity) =>
        new(ToConversationRef(activity), ToUser(activity), TextWithoutBotMention(activity), activity["value"] as JsonObject, Files(activity));

    /// <summary>
    /// The text without the bot's @mention: Teams puts "&lt;at&gt;Bot&lt;/at&gt;" in the text and a
    /// mention entity whose mentioned.id is the bot (the activity's recipient). Mentions of other people stay.
    /// </summary>
    public static string TextWithoutBotMention(JsonObject activity)
    {
        var text = Str(activity["text"]) ?? "";
        var botId = Str(activity["recipient"]?["id"]);
        if (activity["entities"] is JsonArray entities && botId is not null)
        {
            foreach (var mention in entities.OfType<JsonObject>().Where(e => Str(e["type"]) == "mention" && Str(e["mentioned"]?["id"]) == botId))
                if (Str(mention["text"]) is { Length: > 0 } mentionText) text = text.Replace(mentionText, " ", StringComparison.Ordinal);
        }
        // The entity text normally covers it; a mention of the bot by name without an entity goes too.
        if (Str(activity["recipient"]?["name"]) is { Length: > 0 } botName)
            text = text.Replace($"<at>{botName}</at>", " ", StringComparison.OrdinalIgnoreCase);
        return Spaces().Replace(text.Replace("&nbsp;", " "), " ").Trim();
    }

    /// <summary>Files sent with the activity: Teams file download links and plain http(s) attachment links.</summary>
    public static IReadOnlyList<FileAttachment> Files(JsonObject activity)
    {
        var files = new List<FileAttachment>();
        if (activity["attachments"] is not JsonArray attachments) return files;
        foreach (var a in attachments.OfType<JsonObject>())
        {
            var contentType = Str(a["contentType"]);
            var name = Str(a["name"]) ?? "file";
            if (contentType == "application/vnd.microsoft.teams.file.download.info" && Str(a["content"]?["downloadUrl"]) is { } download)
                files.Add(new FileAttachment(name, null, download, null));
            else if (Str(a["contentUrl"]) is { } url && url.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
                files.Add(new FileAttachment(name, contentType, url, null));
        }
        return files;
    }

    /// <summary>
    /// Card style per channel: Teams runs Universal Actions (Action.Execute → invoke); web chat and the
    /// Emulator get Action.Submit, which they turn into a message carrying the data as value.
    /// </summary>
    public static AdaptiveActionStyle CardStyle(string channelId) =>
        channelId == Teams ? AdaptiveActionStyle.Execute : AdaptiveActionStyle.Submit;

    /// <summary>A message activity for a reply, with cards as Adaptive Card attachments (images made absolute).</summary>
    public static JsonObject ToActivity(BotReply reply, ConversationRef conversation, string? replyToId, string publicBaseUrl)
    {
        var activity = new JsonObject
        {
            ["type"] = "message",
            ["channelId"] = WireChannelId(conversation.ChannelId),
            ["conversation"] = new JsonObject { ["id"] = conversation.ConversationId },
            ["textFormat"] = "markdown",
        };
        if (conversation.BotId is not null) activity["from"] = new JsonObject { ["id"] = conversation.BotId };
        if (replyToId is not null) activity["replyToId"] = replyToId;
        if (!string.IsNullOrWhiteSpace(reply.Text)) activity["text"] = reply.Text;
        if (reply.AllCards.Count > 0)
        {
            var style = CardStyle(conversation.ChannelId);
            activity["attachments"] = new JsonArray(reply.AllCards
                .Select(c => (JsonNode)AdaptiveCardRenderer.Attachment(CardLinks.WithAbsoluteImages(c, publicBaseUrl), style)).ToArray());
        }
        return activity;
    }

    /// <summary>The invoke response that replaces the clicked card (Universal Actions).</summary>
    public static JsonObject CardInvokeResponse(Card card, string channelId, string publicBaseUrl) => new()
    {
        ["statusCode"] = 200,
        ["type"] = AdaptiveCardRenderer.ContentType,
        ["value"] = AdaptiveCardRenderer.Render(CardLinks.WithAbsoluteImages(card, publicBaseUrl), CardStyle(channelId)),
    };

    /// <summary>The invoke response that shows a short message to the person who clicked and leaves the card as it is.</summary>
    public static JsonObject MessageInvokeResponse(string text) => new()
    {
        ["statusCode"] = 200,
        ["type"] = "application/vnd.microsoft.activity.message",
        ["value"] = text,
    };

    /// <summary>The invoke response for a malformed action.</summary>
    public static JsonObject ErrorInvokeResponse(int statusCode, string code, string message) => new()
    {
        ["statusCode"] = statusCode,
        ["type"] = "application/vnd.microsoft.error",
        ["value"] = new JsonObject { ["code"] = code, ["message"] = message },
    };

    /// <summary>A string property, or null.</summary>
    public static string? Str(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    [GeneratedRegex(@"\s{2,}")]
    private static partial Regex Spaces();
}
