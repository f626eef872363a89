using System.Globalization;
using System.Text.Json.Nodes;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Agents.Supervisor;

namespace SwarmAgentBot.Host.Channels;

/// <summary>
/// Connects posted approval cards to their requests: remembers the channel's message id of the
/// card in the requester's conversation (so the gate can update it after the decision) and builds
/// the card that shows the decision.
/// </summary>
public sealed class ApprovalCardTracker(ApprovalStore approvals, ILogger<ApprovalCardTracker> logger)
{
    /// <summary>Approval ids of the approval cards in a reply (cards with an "approve" button carrying approval_id).</summary>
    public static IReadOnlyList<long> ApprovalIds(BotReply reply) =>
        reply.AllCards
            .SelectMany(c => c.AllActions)
            .Where(a => a.Verb == "approve" && a.Data.ContainsKey("approval_id"))
            .Select(a => long.TryParse(a.Data["approval_id"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var id) ? id : 0)
            .Where(id => id > 0)
            .Distinct()
            .ToList();

    /// <summary>The approval id a card click is about (verb approve/reject with approval_id), or null.</summary>
    public static long? ClickedApprovalId(JsonObject? value) =>
        value?["verb"]?.ToString() is "approve" or "reject" &&
        long.TryParse(value["approval_id"]?.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var id) ? id : null;

    /// <summary>
    /// After posting <paramref name="reply"/> as message <paramref name="messageId"/> into
    /// <paramref name="where"/>: records the message id for each approval card whose request lives
    /// in that conversation and has no card recorded yet (a copy in the approvers' channel does not count).
    /// </summary>
    public async Task RecordAsync(ConversationRef where, BotReply reply, string? messageId, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(messageId)) return;
        foreach (var id in ApprovalIds(reply))
        {
            var request = await approvals.GetAsync(id, cancellationToken);
            if (request is null || request.CardMessageId is not null || request.Conversation.Key != where.Key) continue;
            await approvals.SetCardMessageIdAsync(id, messageId, cancellationToken);
            logger.LogDebug("Approval {ApprovalId} card is message {MessageId} in {ConversationKey}", id, messageId, where.Key);
        }
    }

    /// <summary>
    /// The card to show in place of a clicked approval card: the decision and who made it. Null while
    /// the request is pending (a refused click changes nothing) or its action is still running (the click
    /// that won will show the final outcome; an earlier "running" card must not overwrite it).
    /// </summary>
    public async Task<Card?> DecidedCardAsync(long approvalId, CancellationToken cancellationToken = default)
    {
        var request = await approvals.GetAsync(approvalId, cancellationToken);
        if (request is null || request.Status is ApprovalStatus.Pending or ApprovalStatus.Executing) return null;
        var outcome = request.Status switch
        {
            ApprovalStatus.Approved => "Approved",
            ApprovalStatus.Failed => "Approved (failed)",
            ApprovalStatus.Rejected => "Rejected",
            ApprovalStatus.Expired => "Expired",
            _ => request.Status,
        };
        return ApprovalCards.Decided(request, outcome, request.DecidedBy ?? "nobody");
    }
}
