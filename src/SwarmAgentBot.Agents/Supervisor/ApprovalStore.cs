using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Agents.Metadata;

namespace SwarmAgentBot.Agents.Supervisor;

/// <summary>States of an approval request.</summary>
public static class ApprovalStatus
{
    public const string Pending = "pending";
    public const string Executing = "executing";
    public const string Approved = "approved";
    public const string Failed = "failed";
    public const string Rejected = "rejected";
    public const string Expired = "expired";
}

/// <summary>A persisted request to carry out a mutating action once someone approves it.</summary>
public sealed record ApprovalRequest(
    long Id, string Intent, string Summary, JsonObject Arguments, string RequiredRole, string Resource,
    string RequestedBy, ConversationRef Conversation, string Status, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt,
    string? DecidedBy, DateTimeOffset? DecidedAt, string? Comment, string? ResultText, string? CardMessageId);

/// <summary>Approval requests in the metadata store. Decisions are compare-and-set, so an action runs once.</summary>
public sealed class ApprovalStore(SwarmDatabase database, TimeProvider clock)
{
    /// <summary>Persists a new pending request.</summary>
    public async Task<ApprovalRequest> CreateAsync(ApprovalProposal proposal, string requestedBy, ConversationRef conversation, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        await using var connection = await database.OpenAsync(cancellationToken);
        var id = await connection.ExecuteScalarAsync<long>(
            """
            INSERT INTO approvals (intent, summary, arguments_json, required_role, resource, requested_by, conversation_json, status, created_at, expires_at)
            VALUES (@Intent, @Summary, @args, @RequiredRole, @Resource, @requestedBy, @conv, 'pending', @created, @expires);
            SELECT last_insert_rowid();
            """,
            new { proposal.Intent, proposal.Summary, args = proposal.Arguments.ToJsonString(), proposal.RequiredRole, proposal.Resource, requestedBy,
                  conv = JsonSerializer.Serialize(conversation), created = now.ToString("O"), expires = (now + ttl).ToString("O") });
        return (await GetAsync(id, cancellationToken))!;
    }

    /// <summary>One request, or null.</summary>
    public async Task<ApprovalRequest?> GetAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(SelectSql + " WHERE id = @id", new { id });
        return row?.ToRequest();
    }

    /// <summary>Requests in a state (default pending), newest first; pending ones past expiry are marked expired first.</summary>
    public async Task<IReadOnlyList<ApprovalRequest>> ListAsync(string? status = ApprovalStatus.Pending, CancellationToken cancellationToken = default)
    {
        await ExpireAsync(cancellationToken);
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(SelectSql + " WHERE (@status IS NULL OR status = @status) ORDER BY id DESC LIMIT 200", new { status });
        return rows.Select(r => r.ToRequest()).ToList();
    }

    /// <summary>Marks pending requests past their expiry as expired.</summary>
    public async Task ExpireAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync("UPDATE approvals SET status = 'expired' WHERE status = 'pending' AND expires_at < @now", new { now = clock.GetUtcNow().ToString("O") });
    }

    /// <summary>
    /// Moves a request from pending to <paramref name="newStatus"/> if and only if it is still pending
    /// and not expired. Returns true for exactly one caller, however many decide at once.
    /// </summary>
    public async Task<bool> TryDecideAsync(long id, string newStatus, string decidedBy, string? comment, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var now = clock.GetUtcNow().ToString("O");
        var changed = await connection.ExecuteAsync(
            "UPDATE approvals SET status = @newStatus, decided_by = @decidedBy, decided_at = @now, comment = @comment WHERE id = @id AND status = 'pending' AND expires_at >= @now",
            new { id, newStatus, decidedBy, now, comment });
        return changed == 1;
    }

    /// <summary>Records the outcome of an executed request.</summary>
    public async Task CompleteAsync(long id, bool succeeded, string resultText, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync("UPDATE approvals SET status = @status, result_text = @resultText WHERE id = @id AND status = 'executing'",
            new { id, status = succeeded ? ApprovalStatus.Approved : ApprovalStatus.Failed, resultText });
    }

    /// <summary>Remembers the channel message id of the approval card (to update it after the decision).</summary>
    public async Task SetCardMessageIdAsync(long id, string messageId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync("UPDATE approvals SET card_message_id = @messageId WHERE id = @id", new { id, messageId });
    }

    private const string SelectSql = """
        SELECT id AS Id, intent AS Intent, summary AS Summary, arguments_json AS ArgumentsJson, required_role AS RequiredRole, resource AS Resource,
               requested_by AS RequestedBy, conversation_json AS ConversationJson, status AS Status, created_at AS CreatedAt, expires_at AS ExpiresAt,
               decided_by AS DecidedBy, decided_at AS DecidedAt, comment AS Comment, result_text AS ResultText, card_message_id AS CardMessageId
        FROM approvals
        """;

    private sealed class Row
    {
        public long Id { get; set; }
        public string Intent { get; set; } = "";
        public string Summary { get; set; } = "";
        public string ArgumentsJson { get; set; } = "{}";
        public string RequiredRole { get; set; } = "";
        public string Resource { get; set; } = "";
        public string RequestedBy { get; set; } = "";
        public string ConversationJson { get; set; } = "{}";
        public string Status { get; set; } = "";
        public string CreatedAt { get; set; } = "";
        public string ExpiresAt { get; set; } = "";
        public string? DecidedBy { get; set; }
        public string? DecidedAt { get; set; }
        public string? Comment { get; set; }
        public string? ResultText { get; set; }
        public string? CardMessageId { get; set; }

        public ApprovalRequest ToRequest() => new(Id, Intent, Summary, JsonNode.Parse(ArgumentsJson)!.AsObject(), RequiredRole, Resource, RequestedBy,
            JsonSerializer.Deserialize<ConversationRef>(ConversationJson)!, Status, Parse(CreatedAt)!.Value, Parse(ExpiresAt)!.Value, DecidedBy, Parse(DecidedAt), Comment, ResultText, CardMessageId);

        private static DateTimeOffset? Parse(string? s) => s is null ? null : DateTimeOffset.Parse(s, System.Globalization.CultureInfo.InvariantCulture);
    }
}
