namespace SwarmAgentBot.Host.Channels.Slack;

/// <summary>
/// Settings of the Slack channel (section <c>Swarm:Channels:Slack</c>). Put the secrets in
/// environment variables (<c>Swarm__Channels__Slack__SigningSecret</c>, <c>Swarm__Channels__Slack__BotToken</c>),
/// not in appsettings.json. Without both, the Slack endpoints answer 503.
/// </summary>
public sealed class SlackOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Swarm:Channels:Slack";

    /// <summary>Switch the channel off without removing its settings.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The app's signing secret (Basic Information → App Credentials); every request from Slack is checked against it.</summary>
    public string? SigningSecret { get; set; }

    /// <summary>The bot user OAuth token, "xoxb-…" (OAuth &amp; Permissions).</summary>
    public string? BotToken { get; set; }

    /// <summary>Base URL of the Slack Web API.</summary>
    public string ApiBaseUrl { get; set; } = "https://slack.com/api/";

    /// <summary>How far a request's X-Slack-Request-Timestamp may be from now (replay protection).</summary>
    public TimeSpan TimestampTolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Largest request body accepted from Slack, in bytes.</summary>
    public int MaxRequestBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest file downloaded from a Slack message, in bytes.</summary>
    public long MaxFileBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>How long delivered event ids are remembered to drop Slack's retries.</summary>
    public TimeSpan SeenEventRetention { get; set; } = TimeSpan.FromDays(3);

    /// <summary>True when the channel is on and has the secrets it needs.</summary>
    public bool IsConfigured => Enabled && !string.IsNullOrWhiteSpace(SigningSecret) && !string.IsNullOrWhiteSpace(BotToken);

    /// <summary>The API base URL with a trailing slash.</summary>
    public Uri ApiBase => new(ApiBaseUrl.EndsWith('/') ? ApiBaseUrl : ApiBaseUrl + "/");

    /// <summary>Returns an error naming the setting, or null when valid.</summary>
    public string? Validate()
    {
        if (!ChannelHttp.IsHttpUrl(ApiBaseUrl)) return "Swarm:Channels:Slack:ApiBaseUrl must be an absolute http(s) URL such as https://slack.com/api/.";
        if (!Enabled) return null;
        var hasSecret = !string.IsNullOrWhiteSpace(SigningSecret);
        var hasToken = !string.IsNullOrWhiteSpace(BotToken);
        if (hasSecret && !hasToken) return "Swarm:Channels:Slack:BotToken is required when SigningSecret is set (the bot needs it to reply).";
        if (hasToken && !hasSecret) return "Swarm:Channels:Slack:SigningSecret is required when BotToken is set (requests from Slack cannot be verified without it).";
        if (hasToken && !BotToken!.StartsWith("xoxb-", StringComparison.Ordinal)) return "Swarm:Channels:Slack:BotToken must be a bot token starting with \"xoxb-\".";
        if (TimestampTolerance <= TimeSpan.Zero || TimestampTolerance > TimeSpan.FromMinutes(15)) return "Swarm:Channels:Slack:TimestampTolerance must be between 0 and 15 minutes.";
        if (MaxRequestBytes < 1024) return "Swarm:Channels:Slack:MaxRequestBytes must be at least 1024.";
        return null;
    }
}
