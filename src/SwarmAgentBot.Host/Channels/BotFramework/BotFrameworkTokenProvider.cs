using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Polly;

namespace SwarmAgentBot.Host.Channels.BotFramework;

/// <summary>
/// Gets the bearer token for calls to the Bot Connector with the OAuth client-credentials grant
/// (app id + password, scope api.botframework.com) and caches it until shortly before it expires.
/// </summary>
public sealed class BotFrameworkTokenProvider(IHttpClientFactory httpFactory, IOptions<BotFrameworkOptions> options, TimeProvider clock, ILogger<BotFrameworkTokenProvider> logger)
{
    /// <summary>Name of the HttpClient that calls the token endpoint.</summary>
    public const string HttpClientName = "botframework-login";

    /// <summary>A token is renewed this long before it expires.</summary>
    public static readonly TimeSpan RefreshMargin = TimeSpan.FromMinutes(5);

    private sealed record CachedToken(string Value, DateTimeOffset ExpiresAt);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ResiliencePipeline<HttpResponseMessage> _retry = ChannelHttp.RetryPipeline(logger, "Bot Framework token endpoint",
        HttpStatusCode.TooManyRequests, HttpStatusCode.InternalServerError, HttpStatusCode.BadGateway, HttpStatusCode.ServiceUnavailable, HttpStatusCode.GatewayTimeout);
    private volatile CachedToken? _cached;

    /// <summary>The current token, or null when no AppId is configured (the local Emulator needs none).</summary>
    public async Task<string?> GetTokenAsync(CancellationToken cancellationToken = default)
    {
        var o = options.Value;
        if (!o.HasAppId) return null;
        if (Fresh(_cached) is { } token) return token;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (Fresh(_cached) is { } again) return again;
            var fetched = await FetchAsync(o, cancellationToken);
            _cached = fetched;
            return fetched.Value;
        }
        finally
        {
            _gate.Release();
        }
    }

    private string? Fresh(CachedToken? cached) => cached is not null && clock.GetUtcNow() < cached.ExpiresAt - RefreshMargin ? cached.Value : null;

    private async Task<CachedToken> FetchAsync(BotFrameworkOptions o, CancellationToken cancellationToken)
    {
        var http = httpFactory.CreateClient(HttpClientName);
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = o.AppId!,
            ["client_secret"] = o.AppPassword ?? "",
            ["scope"] = o.TokenScope,
        };
        using var response = await _retry.ExecuteAsync(async ct =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, o.EffectiveTokenEndpoint) { Content = new FormUrlEncodedContent(form) };
            return await http.SendAsync(request, ct);
        }, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        JsonObject? body = null;
        try { body = JsonNode.Parse(text) as JsonObject; } catch (System.Text.Json.JsonException) { }
        if (!response.IsSuccessStatusCode || body?["access_token"]?.ToString() is not { Length: > 0 } accessToken)
        {
            var error = body?["error_description"]?.ToString() ?? body?["error"]?.ToString() ?? $"HTTP {(int)response.StatusCode}";
            logger.LogError("Getting a Bot Framework token from {Endpoint} failed: {Error}", o.EffectiveTokenEndpoint, error);
            throw new BotConnectorException($"Could not get a Bot Framework token (check Swarm:Channels:BotFramework:AppId and AppPassword): {error}", (int)response.StatusCode);
        }
        var lifetime = body["expires_in"] is JsonValue v && v.TryGetValue<int>(out var seconds) ? seconds
            : int.TryParse(body["expires_in"]?.ToString(), out var parsed) ? parsed : 3600;
        return new CachedToken(accessToken, clock.GetUtcNow() + TimeSpan.FromSeconds(lifetime));
    }
}
