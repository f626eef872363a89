using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Agents.Metadata;

namespace SwarmAgentBot.Agents.Supervisor;

/// <summary>
/// Holds mutating actions until an approver with the right role decides. The decision is a
/// compare-and-set in the database, so an action runs exactly once whatever the number of clicks,
/// approvers or channel retries, and it survives a restart of the host.
/// </summary>
public sealed class ApprovalGate(
    ApprovalStore store,
    AgentCatalog catalog,
    AuditLog audit,
    ProactiveMessenger messenger,
    ConversationStore conversations,
    IOptions<SecurityOptions> security,
    ILogger<ApprovalGate> logger)
{
    private SecurityOptions Policy => security.Value;

    /// <summary>Requests waiting for a decision, newest first.</summary>
    public Task<IReadOnlyList<ApprovalRequest>> PendingAsync(CancellationToken cancellationToken = default) => store.ListAsync(ApprovalStatus.Pending, cancellationToken);

    /// <summary>Persists a proposal and returns the request and the reply carrying its approval card.</summary>
    public async Task<(ApprovalRequest Request, BotReply Reply)> ProposeAsync(ApprovalProposal proposal, TurnContext turn, string preface, CancellationToken cancellationToken = default)
    {
        var requester = Policy.PersonFor(turn.Conversation.ChannelId, turn.User.Id);
        var request = await store.CreateAsync(proposal, requester, turn.Conversation, Policy.ApprovalTtl, cancellationToken);
        await audit.AppendAsync(requester, "approval.requested", proposal.Resource,
            new JsonObject { ["approval_id"] = request.Id, ["intent"] = proposal.Intent, ["summary"] = proposal.Summary, ["arguments"] = proposal.Arguments.DeepClone() }, cancellationToken: cancellationToken);
        logger.LogInformation("Approval {ApprovalId} requested by {Requester} for {Intent} on {Resource}", request.Id, requester, proposal.Intent, proposal.Resource);

        var card = ApprovalCards.Pending(request);
        if (Policy.ApproversConversation is { Length: > 0 } key && key != turn.Conversation.Key)
        {
            var approvers = await conversations.FindReferenceAsync(key, cancellationToken);
            if (approvers is not null)
                await messenger.SendAsync(approvers, new BotReply($"Approval needed: {request.Summary}", [card]), cancellationToken);
        }
        var text = $"{preface}\n\nThis needs approval by someone with the **{request.RequiredRole}** role. Approval **#{request.Id}** is waiting: click Approve/Reject or say \"approve {request.Id}\".";
        return (request, new BotReply(text.Trim(), [card]));
    }

    /// <summary>Approves or rejects a request on behalf of a channel user in conversation <paramref name="where"/>; runs the action on approval.</summary>
    public async Task<BotReply> DecideAsync(long approvalId, bool approve, ConversationRef where, string userId, string? comment, CancellationToken cancellationToken = default)
    {
        await store.ExpireAsync(cancellationToken);
        var request = await store.GetAsync(approvalId, cancellationToken);
        if (request is null) return BotReply.Plain($"There is no approval #{approvalId}. Say \"pending approvals\" to see what is waiting.");
        var person = Policy.PersonFor(where.ChannelId, userId);

        if (request.Status != ApprovalStatus.Pending)
            return BotReply.Plain(request.Status switch
            {
                ApprovalStatus.Expired => $"Approval #{request.Id} expired at {request.ExpiresAt:u}; nothing was done. Ask again to create a new request.",
                _ => $"Approval #{request.Id} was already decided ({request.Status}{(request.DecidedBy is null ? "" : $" by {request.DecidedBy}")}); nothing more was done.",
            });

        if (!Policy.HasRole(person, request.RequiredRole))
        {
            await audit.AppendAsync(person, "approval.refused", request.Resource, new JsonObject { ["approval_id"] = request.Id, ["reason"] = "missing role " + request.RequiredRole }, cancellationToken: cancellationToken);
            return BotReply.Plain($"Sorry, {person}, deciding approval #{request.Id} needs the **{request.RequiredRole}** role, which you do not have. Nothing was changed.");
        }

        if (approve && string.Equals(person, request.RequestedBy, StringComparison.OrdinalIgnoreCase) && !SelfApprovalAllowed(request))
        {
            await audit.AppendAsync(person, "approval.refused", request.Resource, new JsonObject { ["approval_id"] = request.Id, ["reason"] = "self-approval not allowed" }, cancellationToken: cancellationToken);
            return BotReply.Plain($"Policy does not allow approving your own request here (#{request.Id}: {request.Summary}). Another approver has to decide.");
        }

        var newStatus = approve ? ApprovalStatus.Executing : ApprovalStatus.Rejected;
        if (!await store.TryDecideAsync(request.Id, newStatus, person, comment, cancellationToken))
        {
            var now = await store.GetAsync(request.Id, cancellationToken);
            return BotReply.Plain($"Approval #{request.Id} was already decided ({now?.Status}{(now?.DecidedBy is null ? "" : $" by {now.DecidedBy}")}); nothing more was done.");
        }

        if (!approve)
        {
            await audit.AppendAsync(request.RequestedBy, "approval.rejected", request.Resource,
                new JsonObject { ["approval_id"] = request.Id, ["intent"] = request.Intent, ["comment"] = comment }, approvedBy: person, cancellationToken: cancellationToken);
            var rejected = BotReply.Plain($"❌ {person} rejected #{request.Id}: {request.Summary}.{(comment is null ? "" : $" Comment: {comment}")}");
            await NotifyAsync(request, rejected, ApprovalCards.Decided(request, "Rejected", person), where, cancellationToken);
            return rejected;
        }

        AgentResult result;
        var target = catalog.Find(request.Intent);
        if (target is null)
        {
            result = AgentResult.Fail($"No agent can carry out {request.Intent} any more; nothing was done.");
        }
        else
        {
            try
            {
                result = await target.Value.Agent.ExecuteApprovedAsync(
                    new ApprovedAction(request.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), request.Intent, request.Arguments, request.RequestedBy, person, request.Conversation), cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Approved action {ApprovalId} ({Intent}) failed", request.Id, request.Intent);
                result = AgentResult.Fail($"The approved action failed: {ex.Message}");
            }
        }

        await store.CompleteAsync(request.Id, result.Succeeded, result.Reply.Text, cancellationToken);
        await audit.AppendAsync(request.RequestedBy, request.Intent, request.Resource,
            new JsonObject { ["approval_id"] = request.Id, ["summary"] = request.Summary, ["arguments"] = request.Arguments.DeepClone(), ["succeeded"] = result.Succeeded, ["result"] = result.Reply.Text, ["comment"] = comment },
            approvedBy: person, cancellationToken: cancellationToken);
        if (result.Remember is { Count: > 0 }) await conversations.RememberAsync(request.Conversation, result.Remember, cancellationToken);

        var header = result.Succeeded ? $"✅ {person} approved #{request.Id}: {request.Summary}." : $"⚠️ {person} approved #{request.Id}, but it failed.";
        var reply = new BotReply($"{header}\n\n{result.Reply.Text}", result.Reply.Cards);
        await NotifyAsync(request, reply, ApprovalCards.Decided(request, result.Succeeded ? "Approved" : "Approved (failed)", person), where, cancellationToken);
        return reply;
    }

    private bool SelfApprovalAllowed(ApprovalRequest request)
    {
        var stage = request.Arguments["stage"]?.ToString();
        if (stage is not null && Policy.NoSelfApprovalStages.Contains(stage, StringComparer.OrdinalIgnoreCase)) return false;
        return Policy.AllowSelfApproval;
    }

    private async Task NotifyAsync(ApprovalRequest request, BotReply outcome, Card decidedCard, ConversationRef where, CancellationToken cancellationToken)
    {
        if (request.CardMessageId is { } messageId)
            await messenger.UpdateAsync(request.Conversation, messageId, new BotReply("", [decidedCard]), cancellationToken);
        // The decider sees the outcome in their own reply; tell the requester's conversation when it is elsewhere.
        if (request.Conversation.Key != where.Key)
            await messenger.SendAsync(request.Conversation, outcome, cancellationToken);
    }
}

/// <summary>Approval cards (channel-neutral).</summary>
public static class ApprovalCards
{
    /// <summary>The card with Approve / Reject buttons.</summary>
    public static Card Pending(ApprovalRequest r)
    {
        var data = new Dictionary<string, string> { ["approval_id"] = r.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        return new Card($"Approval #{r.Id}: {r.Summary}",
            [new CardFacts([new("Requested by", r.RequestedBy), new("Action", r.Intent), new("Needs role", r.RequiredRole), new("Expires", r.ExpiresAt.ToString("u"))])],
            [new CardAction("Approve", "approve", data, "positive"), new CardAction("Reject", "reject", data, "destructive")]);
    }

    /// <summary>The card after a decision (no buttons).</summary>
    public static Card Decided(ApprovalRequest r, string outcome, string decidedBy) =>
        new($"Approval #{r.Id}: {r.Summary}", [new CardFacts([new("Requested by", r.RequestedBy), new("Decision", outcome), new("Decided by", decidedBy)])]);
}
