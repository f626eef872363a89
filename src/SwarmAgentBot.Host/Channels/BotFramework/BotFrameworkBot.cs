using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Agents.Help;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Supervisor;
using static SwarmAgentBot.Host.Channels.BotFramework.BotFrameworkActivities;

namespace SwarmAgentBot.Host.Channels.BotFramework;

/// <summary>
/// Turn logic of the Bot Framework channel: messages go to the supervisor and the replies back
/// through the Connector; a bot added to a conversation says hello and remembers where it is;
/// Universal Action clicks (adaptiveCard/action) are answered with the updated card.
/// </summary>
public sealed class BotFrameworkBot(
    Supervisor supervisor,
    BotFrameworkSender sender,
    ConversationStore conversations,
    ApprovalCardTracker approvals,
    HelpResponder help,
    IOptions<SwarmOptions> swarm,
    ILogger<BotFrameworkBot> logger)
{
    /// <summary>Handles a message activity (text, a file, or an Action.Submit click carrying a value).</summary>
    public async Task HandleMessageAsync(JsonObject activity, CancellationToken cancellationToken = default)
    {
        var message = ToMessage(activity);
        var replies = await RunAsync(message, cancellationToken);
        foreach (var reply in replies) await ReplyAsync(message.Conversation, reply, Str(activity["id"]), cancellationToken);
    }

    /// <summary>
    /// Handles conversationUpdate: stores the conversation reference (so proactive messages and the
    /// approvers' channel work before anyone has spoken) and welcomes when the bot, or someone in a
    /// one-to-one chat, was added. New members of a team channel are not greeted one by one.
    /// </summary>
    public async Task HandleConversationUpdateAsync(JsonObject activity, CancellationToken cancellationToken = default)
    {
        var conversation = ToConversationRef(activity);
        var added = (activity["membersAdded"] as JsonArray)?.OfType<JsonObject>().Select(m => Str(m["id"])).Where(id => id is not null).ToList() ?? [];
        if (added.Count == 0) return;
        await conversations.SaveAsync(await conversations.GetAsync(conversation, cancellationToken), cancellationToken);

        var botAdded = added.Contains(conversation.BotId);
        var conversationType = Str(activity["conversation"]?["conversationType"]);
        var oneToOne = conversationType is null or "personal";
        if (!botAdded && !oneToOne) return;
        var hint = oneToOne ? "" : " In channels and group chats, @mention me.";
        var welcome = BotReply.Plain(help.Greeting("hello").Text + hint);
        await ReplyAsync(conversation, welcome, null, cancellationToken);
    }

    /// <summary>
    /// Handles an adaptiveCard/action invoke: routes {verb, ...data} to the supervisor like any card
    /// click and returns the invoke response. A decided approval returns its updated card (Teams
    /// replaces the clicked card with it) and the outcome is posted to the conversation; a refused
    /// click only tells the person who clicked.
    /// </summary>
    public async Task<JsonObject> HandleCardActionAsync(JsonObject activity, CancellationToken cancellationToken = default)
    {
        if (activity["value"]?["action"] is not JsonObject action || Str(action["verb"]) is not { Length: > 0 } verb)
            return ErrorInvokeResponse(400, "BadRequest", "The action has no verb.");
        var value = new JsonObject { ["verb"] = verb };
        if (action["data"] is JsonObject data)
            foreach (var (k, v) in data)
                if (k != "verb") value[k] = v?.DeepClone();

        var conversation = ToConversationRef(activity);
        var message = new IncomingMessage(conversation, ToUser(activity), "", value);
        var replies = await RunAsync(message, cancellationToken);
        var cardId = Str(activity["replyToId"]);

        if (ApprovalCardTracker.ClickedApprovalId(value) is { } approvalId)
        {
            var decided = await approvals.DecidedCardAsync(approvalId, cancellationToken);
            if (decided is null) return MessageInvokeResponse(Summary(replies));
            foreach (var reply in replies) await ReplyAsync(conversation, reply, cardId, cancellationToken);
            return CardInvokeResponse(decided, conversation.ChannelId, swarm.Value.PublicBaseUrl);
        }
        foreach (var reply in replies) await ReplyAsync(conversation, reply, cardId, cancellationToken);
        return MessageInvokeResponse("Got it.");
    }

    private async Task<IReadOnlyList<BotReply>> RunAsync(IncomingMessage message, CancellationToken cancellationToken)
    {
        try
        {
            return await supervisor.HandleAsync(message, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Handling a Bot Framework activity in {ConversationKey} failed", message.Conversation.Key);
            return [BotReply.Plain("Sorry, something went wrong on my side; nothing was changed. Please try again.")];
        }
    }

    private async Task ReplyAsync(ConversationRef conversation, BotReply reply, string? replyToId, CancellationToken cancellationToken)
    {
        try
        {
            await sender.PostAsync(conversation, reply, replyToId, cancellationToken);
        }
        catch (Exception ex) when (ex is BotConnectorException or HttpRequestException or InvalidOperationException)
        {
            logger.LogError(ex, "Posting a reply to {ConversationKey} failed", conversation.Key);
        }
    }

    private static string Summary(IReadOnlyList<BotReply> replies)
    {
        var text = string.Join(" ", replies.Select(r => r.Text)).Replace("**", "");
        return text.Length <= 400 ? text : text[..399] + "…";
    }
}
