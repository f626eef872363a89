namespace SwarmAgentBot.Agents.Supervisor;

/// <summary>
/// Who may approve what (section <c>Swarm:Security</c>). Channel user ids map to people; people
/// have roles. An approval names the role it needs; only a person with that role (or "admin") may decide it.
/// </summary>
public sealed class SecurityOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Swarm:Security";

    /// <summary>
    /// Channel user id → person name. Keys are "channel/user" ("slack/U123", "msteams/29:1abc") or a
    /// bare id for any channel. ('/' rather than ':' because ':' separates configuration sections.)
    /// </summary>
    public Dictionary<string, string> Users { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Person → roles ("approver", "deployer", "admin", "data-steward", ...).</summary>
    public Dictionary<string, string[]> Roles { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Role required to approve per intent (default: <see cref="DefaultApproverRole"/>).</summary>
    public Dictionary<string, string> ApproverRoleByIntent { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Role required to approve deployments per stage ("production" → "prod-approver").</summary>
    public Dictionary<string, string> ApproverRoleByStage { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Role required when nothing more specific is configured.</summary>
    public string DefaultApproverRole { get; set; } = "approver";

    /// <summary>Whether a requester may approve their own request for these stages (default: no self-approval for production).</summary>
    public string[] NoSelfApprovalStages { get; set; } = ["production"];

    /// <summary>Whether self-approval is allowed at all for non-listed stages and other intents.</summary>
    public bool AllowSelfApproval { get; set; } = true;

    /// <summary>How long an approval request stays open.</summary>
    public TimeSpan ApprovalTtl { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Optional conversation key ("slack:C0123") where approval cards are also posted.</summary>
    public string? ApproversConversation { get; set; }

    /// <summary>Resolves a channel user to a person name (falls back to the raw id).</summary>
    public string PersonFor(string channelId, string userId)
    {
        if (Users.TryGetValue($"{channelId}/{userId}", out var p)) return p;
        if (Users.TryGetValue(userId, out p)) return p;
        return userId;
    }

    /// <summary>True when the person has the role (or is an admin).</summary>
    public bool HasRole(string person, string role) =>
        Roles.TryGetValue(person, out var roles) && roles.Any(r => r.Equals(role, StringComparison.OrdinalIgnoreCase) || r.Equals("admin", StringComparison.OrdinalIgnoreCase));

    /// <summary>The role needed to approve an intent, optionally for a stage.</summary>
    public string ApproverRoleFor(string intent, string? stage)
    {
        if (stage is not null && ApproverRoleByStage.TryGetValue(stage, out var r)) return r;
        if (ApproverRoleByIntent.TryGetValue(intent, out r)) return r;
        return DefaultApproverRole;
    }

    /// <summary>Returns an error naming the setting, or null when valid.</summary>
    public string? Validate() => ApprovalTtl <= TimeSpan.Zero ? "Swarm:Security:ApprovalTtl must be positive." : null;
}
