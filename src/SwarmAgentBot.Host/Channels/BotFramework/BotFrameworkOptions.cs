namespace SwarmAgentBot.Host.Channels.BotFramework;

/// <summary>
/// Settings of the Bot Framework channel (section <c>Swarm:Channels:BotFramework</c>): Microsoft Teams
/// and the other channels of an Azure Bot resource. Put the password in an environment variable
/// (<c>Swarm__Channels__BotFramework__AppPassword</c>), not in appsettings.json.
/// </summary>
public sealed class BotFrameworkOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Swarm:Channels:BotFramework";

    /// <summary>Issuer of the tokens the Bot Connector sends to bots.</summary>
    public const string BotConnectorIssuer = "https://api.botframework.com";

    /// <summary>Switch the channel off without removing its settings (/api/messages then answers 503).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The Microsoft App ID of the Azure Bot (the audience of incoming tokens). Empty (the embedded
    /// default): /api/messages answers 503, unless <see cref="AllowUnauthenticatedLocal"/> is set.
    /// </summary>
    public string? AppId { get; set; }

    /// <summary>The app's client secret, used to get tokens for replies.</summary>
    public string? AppPassword { get; set; }

    /// <summary>
    /// Tenant of a single-tenant bot: tokens for replies then come from that tenant, and Teams
    /// activities from any other tenant are refused. Empty: multi-tenant (tokens from botframework.com).
    /// </summary>
    public string? TenantId { get; set; }

    /// <summary>OpenID metadata of the Bot Connector (its jwks_uri lists the signing keys).</summary>
    public string OpenIdMetadataUrl { get; set; } = "https://login.botframework.com/v1/.well-known/openidconfiguration";

    /// <summary>Accepted token issuers; empty means <see cref="BotConnectorIssuer"/> only.</summary>
    public string[] ValidIssuers { get; set; } = [];

    /// <summary>OAuth token endpoint for replies; empty: https://login.microsoftonline.com/{TenantId or botframework.com}/oauth2/v2.0/token.</summary>
    public string? TokenEndpoint { get; set; }

    /// <summary>OAuth scope of the reply tokens.</summary>
    public string TokenScope { get; set; } = "https://api.botframework.com/.default";

    /// <summary>
    /// For the Bot Framework Emulator on this machine: with no AppId, accept unauthenticated requests,
    /// but only from a loopback address and with a loopback serviceUrl. Never set it on a server.
    /// </summary>
    public bool AllowUnauthenticatedLocal { get; set; }

    /// <summary>Clock difference tolerated when checking token lifetimes.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Largest activity accepted, in bytes.</summary>
    public int MaxActivityBytes { get; set; } = 1024 * 1024;

    /// <summary>The issuers tokens may come from.</summary>
    public IReadOnlyList<string> Issuers => ValidIssuers.Length > 0 ? ValidIssuers : [BotConnectorIssuer];

    /// <summary>The token endpoint for replies.</summary>
    public string EffectiveTokenEndpoint => !string.IsNullOrWhiteSpace(TokenEndpoint)
        ? TokenEndpoint
        : $"https://login.microsoftonline.com/{(string.IsNullOrWhiteSpace(TenantId) ? "botframework.com" : TenantId)}/oauth2/v2.0/token";

    /// <summary>True when incoming requests are authenticated (an AppId is set).</summary>
    public bool HasAppId => !string.IsNullOrWhiteSpace(AppId);

    /// <summary>Returns an error naming the setting, or null when valid.</summary>
    public string? Validate()
    {
        if (!Enabled) return null;
        if (HasAppId && string.IsNullOrWhiteSpace(AppPassword))
            return "Swarm:Channels:BotFramework:AppPassword is required when AppId is set (set it in the environment: Swarm__Channels__BotFramework__AppPassword).";
        if (!SecureOrLocal(OpenIdMetadataUrl)) return "Swarm:Channels:BotFramework:OpenIdMetadataUrl must be an https URL (http only on loopback).";
        if (!SecureOrLocal(EffectiveTokenEndpoint)) return "Swarm:Channels:BotFramework:TokenEndpoint must be an https URL (http only on loopback).";
        if (ClockSkew < TimeSpan.Zero || ClockSkew > TimeSpan.FromMinutes(10)) return "Swarm:Channels:BotFramework:ClockSkew must be between 0 and 10 minutes.";
        if (MaxActivityBytes < 1024) return "Swarm:Channels:BotFramework:MaxActivityBytes must be at least 1024.";
        return null;
    }

    /// <summary>https anywhere, http only to this machine (test fixtures, the Emulator).</summary>
    public static bool SecureOrLocal(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback));
}
