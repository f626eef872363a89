using System.Security.Claims;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace SwarmAgentBot.Host.Channels.BotFramework;

/// <summary>The outcome of authenticating a request to /api/messages.</summary>
/// <param name="Succeeded">True when the request may be processed.</param>
/// <param name="StatusCode">HTTP status to answer when it may not (401, 403, 503).</param>
/// <param name="Reason">Why it was refused (for the log).</param>
/// <param name="Identity">The token's claims, when it succeeded.</param>
public sealed record BotAuthResult(bool Succeeded, int StatusCode, string? Reason, ClaimsIdentity? Identity = null)
{
    /// <summary>A refusal.</summary>
    public static BotAuthResult Refuse(int statusCode, string reason) => new(false, statusCode, reason);
}

/// <summary>
/// Checks the JWT the Bot Connector sends with every activity, as the Bot Framework authentication
/// spec asks: RS256 signature by a key from the OpenID metadata's JWKS, issuer, audience = our app id,
/// lifetime (with clock skew), the serviceurl claim equal to the activity's serviceUrl, and the
/// signing key's endorsements covering the activity's channelId.
/// </summary>
public sealed class BotFrameworkAuthenticator
{
    /// <summary>Name of the HttpClient that fetches the OpenID metadata and keys.</summary>
    public const string HttpClientName = "botframework-openid";

    private readonly ConfigurationManager<OpenIdConnectConfiguration> _metadata;
    private readonly JsonWebTokenHandler _handler = new();
    private readonly IOptions<BotFrameworkOptions> _options;
    private readonly ILogger<BotFrameworkAuthenticator> _logger;

    /// <summary>Creates the authenticator; metadata is fetched on first use and cached (refreshed daily, or when an unknown key shows up).</summary>
    public BotFrameworkAuthenticator(IOptions<BotFrameworkOptions> options, IHttpClientFactory httpFactory, ILogger<BotFrameworkAuthenticator> logger)
    {
        _options = options;
        _logger = logger;
        var url = options.Value.OpenIdMetadataUrl;
        var retriever = new HttpDocumentRetriever(httpFactory.CreateClient(HttpClientName)) { RequireHttps = !ChannelHttp.IsLoopback(url) };
        _metadata = new ConfigurationManager<OpenIdConnectConfiguration>(url, new OpenIdConnectConfigurationRetriever(), retriever)
        {
            AutomaticRefreshInterval = TimeSpan.FromDays(1),
            // A token with an unknown key triggers a refresh at most this often: forged kids cannot hammer the metadata endpoint.
            RefreshInterval = TimeSpan.FromMinutes(5),
        };
    }

    /// <summary>Authenticates one request from its Authorization header and the activity's channelId and serviceUrl.</summary>
    public async Task<BotAuthResult> AuthenticateAsync(string? authorization, string channelId, string serviceUrl, CancellationToken cancellationToken = default)
    {
        var o = _options.Value;
        if (string.IsNullOrEmpty(authorization) || !authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return BotAuthResult.Refuse(401, "no bearer token");
        var token = authorization["Bearer ".Length..].Trim();
        if (!_handler.CanReadToken(token)) return BotAuthResult.Refuse(401, "the bearer token is not a JWT");

        OpenIdConnectConfiguration config;
        try
        {
            config = await _metadata.GetConfigurationAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _logger.LogError(ex, "Could not load the Bot Framework OpenID metadata from {Url}", o.OpenIdMetadataUrl);
            return BotAuthResult.Refuse(503, "OpenID metadata unavailable");
        }

        var kid = _handler.ReadJsonWebToken(token).Kid;
        if (kid is not null && config.SigningKeys.All(k => k.KeyId != kid))
        {
            // Keys roll over: an unknown kid may be a new key. Ask for fresh metadata once.
            _metadata.RequestRefresh();
            try { config = await _metadata.GetConfigurationAsync(cancellationToken); }
            catch (Exception ex) when (ex is not OperationCanceledException) { _logger.LogWarning(ex, "Refreshing the Bot Framework OpenID metadata failed"); }
        }

        var result = await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuers = o.Issuers,
            ValidAudiences = [o.AppId!, $"api://{o.AppId}"],
            IssuerSigningKeys = config.SigningKeys,
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = o.ClockSkew,
        });
        if (!result.IsValid) return BotAuthResult.Refuse(401, Describe(result.Exception));

        var claimed = result.ClaimsIdentity.FindFirst("serviceurl")?.Value;
        if (claimed is null) return BotAuthResult.Refuse(401, "the token has no serviceurl claim");
        if (!SameUrl(claimed, serviceUrl)) return BotAuthResult.Refuse(401, $"the token's serviceurl {claimed} is not the activity's serviceUrl {serviceUrl}");

        var signingKid = (result.SecurityToken as JsonWebToken)?.Kid;
        var endorsements = Endorsements(config, signingKid);
        if (endorsements is not null && !endorsements.Contains(channelId, StringComparer.OrdinalIgnoreCase))
            return BotAuthResult.Refuse(403, $"the signing key is not endorsed for channel {channelId}");
        return new BotAuthResult(true, 200, null, result.ClaimsIdentity);
    }

    private static string Describe(Exception? ex) => ex switch
    {
        SecurityTokenExpiredException => "the token has expired",
        SecurityTokenNotYetValidException => "the token is not valid yet",
        SecurityTokenInvalidAudienceException => "the token is for another audience (not this bot's AppId)",
        SecurityTokenInvalidIssuerException => "the token comes from an issuer that is not trusted",
        SecurityTokenSignatureKeyNotFoundException => "the token is signed with an unknown key",
        SecurityTokenInvalidSignatureException => "the token's signature is invalid",
        SecurityTokenInvalidAlgorithmException => "the token is not signed with RS256",
        SecurityTokenNoExpirationException => "the token has no expiry",
        null => "the token is invalid",
        _ => $"the token is invalid ({ex.GetType().Name})",
    };

    private static bool SameUrl(string a, string b) =>
        string.Equals(a.TrimEnd('/'), b.TrimEnd('/'), StringComparison.OrdinalIgnoreCase);

    /// <summary>The endorsements of a key in the JWKS, or null when the key lists none.</summary>
    private static IReadOnlyList<string>? Endorsements(OpenIdConnectConfiguration config, string? kid)
    {
        var key = config.JsonWebKeySet?.Keys.FirstOrDefault(k => k.Kid == kid);
        if (key is null || !key.AdditionalData.TryGetValue("endorsements", out var raw) || raw is null) return null;
        return raw switch
        {
            JsonElement { ValueKind: JsonValueKind.Array } array => array.EnumerateArray().Select(e => e.ToString()).ToList(),
            IEnumerable<object> list => list.Select(e => e?.ToString() ?? "").ToList(),
            _ => null,
        };
    }
}
