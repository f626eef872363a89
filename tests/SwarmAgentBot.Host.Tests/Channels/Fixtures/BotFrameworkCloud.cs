using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using SwarmAgentBot.Tests.Shared;

namespace SwarmAgentBot.Host.Tests.Channels.Fixtures;

/// <summary>One call the bot made to the Connector.</summary>
public sealed record ConnectorCall(string Method, string ConversationId, string? ActivityId, JsonObject Activity, string? Bearer);

/// <summary>
/// What Azure Bot Service looks like from the bot, on loopback: the Bot Connector's OpenID metadata
/// and JWKS (with endorsements) that sign test tokens, the Entra token endpoint (client credentials),
/// and a Connector that records replies and answers 401 to calls without a token it issued.
/// </summary>
public sealed class BotFrameworkCloud : IAsyncDisposable
{
    /// <summary>The bot's app id in these tests.</summary>
    public const string AppId = "5f7c2a8e-0000-4000-8000-00000000b07a";

    /// <summary>The bot's password in these tests.</summary>
    public const string AppPassword = "test-app-password";

    /// <summary>The issuer of Connector tokens.</summary>
    public const string Issuer = "https://api.botframework.com";

    /// <summary>Id of the published signing key.</summary>
    public const string KeyId = "connector-key-1";

    private readonly RSA _key = RSA.Create(2048);
    private readonly ConcurrentDictionary<string, bool> _issued = new();
    private readonly ConcurrentQueue<int> _failures = new();
    private int _activitySeq;
    private int _tokenRequests;
    private LoopbackServer _server = null!;

    /// <summary>Calls that reached the Connector and were accepted, in order.</summary>
    public ConcurrentQueue<ConnectorCall> Calls { get; } = new();

    /// <summary>Every attempt, accepted or not (to see retries).</summary>
    public ConcurrentQueue<string> Attempts { get; } = new();

    /// <summary>How many tokens the token endpoint handed out.</summary>
    public int TokenRequests => Volatile.Read(ref _tokenRequests);

    /// <summary>Accept Connector calls without a token (the Emulator does, for bots without an app id).</summary>
    public bool AcceptAnonymous { get; set; }

    /// <summary>Channels the signing key is endorsed for.</summary>
    public string[] Endorsements { get; set; } = ["msteams", "emulator", "webchat"];

    /// <summary>Base URL; also the serviceUrl activities carry.</summary>
    public string BaseUrl => _server.BaseUrl;

    /// <summary>OpenID metadata URL.</summary>
    public string MetadataUrl => BaseUrl + "/v1/.well-known/openidconfiguration";

    /// <summary>Token endpoint URL.</summary>
    public string TokenEndpoint => BaseUrl + "/botframework.com/oauth2/v2.0/token";

    /// <summary>Starts the fixture.</summary>
    public static async Task<BotFrameworkCloud> StartAsync()
    {
        var cloud = new BotFrameworkCloud();
        cloud._server = await LoopbackServer.StartAsync(cloud.Map);
        return cloud;
    }

    /// <summary>The next Connector call answers with this status (Retry-After: 0 for 429).</summary>
    public void FailNextCall(int statusCode) => _failures.Enqueue(statusCode);

    /// <summary>A Connector-style token for this bot; parameters make it wrong in one way for negative tests.</summary>
    public string Token(string? serviceUrl = null, string audience = AppId, string issuer = Issuer, TimeSpan? expiresIn = null, RSA? signWith = null, string keyId = KeyId)
    {
        var now = DateTime.UtcNow;
        var expires = now + (expiresIn ?? TimeSpan.FromMinutes(30));
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = expires.AddHours(-1),
            NotBefore = expires.AddHours(-1),
            Expires = expires,
            Subject = new ClaimsIdentity([new Claim("serviceurl", serviceUrl ?? BaseUrl)]),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(signWith ?? _key) { KeyId = keyId }, SecurityAlgorithms.RsaSha256),
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }

    /// <summary>A token with alg "none" and no signature.</summary>
    public string UnsignedToken()
    {
        static string B64(string json) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json));
        var exp = DateTimeOffset.UtcNow.AddMinutes(30).ToUnixTimeSeconds();
        return B64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + B64($"{{\"iss\":\"{Issuer}\",\"aud\":\"{AppId}\",\"exp\":{exp},\"serviceurl\":\"{BaseUrl}\"}}") + ".";
    }

    /// <summary>Waits (deadline 20 s) until a call matching <paramref name="match"/> arrives.</summary>
    public async Task<ConnectorCall> WaitForCallAsync(Func<ConnectorCall, bool> match)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (Calls.FirstOrDefault(match) is { } call) return call;
            await Task.Delay(20);
        }
        throw new TimeoutException("The expected Connector call did not arrive within 20 s. Calls: " + string.Join(" | ", Calls.Select(c => $"{c.Method} {c.ActivityId} {c.Activity["text"]}")));
    }

    private void Map(WebApplication app)
    {
        app.MapGet("/v1/.well-known/openidconfiguration", () => Results.Json(new JsonObject
        {
            ["issuer"] = Issuer,
            ["authorization_endpoint"] = BaseUrl + "/v1/.well-known/authorize",
            ["jwks_uri"] = BaseUrl + "/v1/.well-known/keys",
            ["id_token_signing_alg_values_supported"] = new JsonArray("RS256"),
            ["token_endpoint_auth_methods_supported"] = new JsonArray("private_key_jwt"),
        }));
        app.MapGet("/v1/.well-known/keys", () =>
        {
            var p = _key.ExportParameters(false);
            var key = new JsonObject
            {
                ["kty"] = "RSA",
                ["use"] = "sig",
                ["kid"] = KeyId,
                ["n"] = Base64UrlEncoder.Encode(p.Modulus),
                ["e"] = Base64UrlEncoder.Encode(p.Exponent),
                ["endorsements"] = new JsonArray(Endorsements.Select(e => (JsonNode)e).ToArray()),
            };
            return Results.Json(new JsonObject { ["keys"] = new JsonArray(key) });
        });
        app.MapPost("/botframework.com/oauth2/v2.0/token", async (HttpContext http) =>
        {
            var form = await http.Request.ReadFormAsync();
            if (form["grant_type"] != "client_credentials") return Results.Json(new { error = "unsupported_grant_type" }, statusCode: 400);
            if (form["client_id"] != AppId || form["client_secret"] != AppPassword)
                return Results.Json(new { error = "invalid_client", error_description = "AADSTS7000215: Invalid client secret provided." }, statusCode: 401);
            if (form["scope"] != "https://api.botframework.com/.default") return Results.Json(new { error = "invalid_scope" }, statusCode: 400);
            Interlocked.Increment(ref _tokenRequests);
            var token = "connector-token-" + Guid.NewGuid().ToString("N");
            _issued[token] = true;
            return Results.Json(new { token_type = "Bearer", expires_in = 3599, ext_expires_in = 3599, access_token = token });
        });
        app.MapPost("/v3/conversations/{conversationId}/activities", (HttpContext http, string conversationId) => Record(http, "POST", conversationId, null));
        app.MapPost("/v3/conversations/{conversationId}/activities/{activityId}", (HttpContext http, string conversationId, string activityId) => Record(http, "POST", conversationId, activityId));
        app.MapPut("/v3/conversations/{conversationId}/activities/{activityId}", (HttpContext http, string conversationId, string activityId) => Record(http, "PUT", conversationId, activityId));
    }

    private async Task<IResult> Record(HttpContext http, string method, string conversationId, string? activityId)
    {
        Attempts.Enqueue($"{method} {conversationId} {activityId}");
        var header = http.Request.Headers.Authorization.ToString();
        var bearer = header.StartsWith("Bearer ", StringComparison.Ordinal) ? header[7..] : null;
        if (!(bearer is not null && _issued.ContainsKey(bearer)) && !(AcceptAnonymous && bearer is null))
            return Results.Json(new { error = new { code = "Unauthorized", message = "Authorization has been denied for this request." } }, statusCode: 401);
        if (_failures.TryDequeue(out var status))
        {
            if (status == 429) http.Response.Headers.RetryAfter = "0";
            return Results.Json(new { error = new { code = "Throttled", message = "Try later." } }, statusCode: status);
        }
        if (await JsonNode.ParseAsync(http.Request.Body) is not JsonObject activity || activity["type"] is null)
            return Results.Json(new { error = new { code = "BadArgument", message = "Activity type is required." } }, statusCode: 400);
        Calls.Enqueue(new ConnectorCall(method, conversationId, activityId, activity, bearer));
        var id = method == "PUT" ? activityId! : "bot-activity-" + Interlocked.Increment(ref _activitySeq);
        return Results.Json(new { id }, statusCode: method == "PUT" ? 200 : 201);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _key.Dispose();
    }
}
