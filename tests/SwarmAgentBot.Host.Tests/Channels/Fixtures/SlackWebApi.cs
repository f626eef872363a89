using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using SwarmAgentBot.Tests.Shared;

namespace SwarmAgentBot.Host.Tests.Channels.Fixtures;

/// <summary>One accepted Web API call.</summary>
public sealed record SlackCall(string Method, JsonObject Body, string Ts);

/// <summary>
/// The Slack Web API on loopback: chat.postMessage and chat.update as Slack answers them (HTTP 200
/// with ok:false and an error code for a bad token, a missing channel or text, blocks Slack would
/// reject, an unknown message), 429 with Retry-After when told to, and private file downloads that
/// need the bot token.
/// </summary>
public sealed class SlackWebApi : IAsyncDisposable
{
    /// <summary>The bot token the fixture accepts.</summary>
    public const string BotToken = "xoxb-1111-2222-test";

    private readonly ConcurrentDictionary<string, string> _messages = new();
    private readonly ConcurrentDictionary<string, byte[]> _files = new();
    private int _rateLimits;
    private long _seq;
    private LoopbackServer _server = null!;

    /// <summary>Accepted calls, in order.</summary>
    public ConcurrentQueue<SlackCall> Calls { get; } = new();

    /// <summary>Every attempt (method names), accepted or not.</summary>
    public ConcurrentQueue<string> Attempts { get; } = new();

    /// <summary>The API base URL (…/api/).</summary>
    public string ApiBaseUrl => _server.BaseUrl + "/api/";

    /// <summary>Starts the fixture.</summary>
    public static async Task<SlackWebApi> StartAsync()
    {
        var api = new SlackWebApi();
        api._server = await LoopbackServer.StartAsync(api.Map);
        return api;
    }

    /// <summary>The next call answers 429 with Retry-After: 1.</summary>
    public void RateLimitNextCall() => Interlocked.Increment(ref _rateLimits);

    /// <summary>Publishes a private file; returns its url_private_download.</summary>
    public string AddFile(string name, byte[] content)
    {
        _files[name] = content;
        return $"{_server.BaseUrl}/files-pri/T1-F1/download/{name}";
    }

    /// <summary>Posts (chat.postMessage) accepted so far.</summary>
    public IReadOnlyList<SlackCall> Posts => Calls.Where(c => c.Method == "chat.postMessage").ToList();

    /// <summary>Waits (deadline 20 s) until an accepted call matches.</summary>
    public async Task<SlackCall> WaitForAsync(string method, Func<SlackCall, bool> match)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (Calls.FirstOrDefault(c => c.Method == method && match(c)) is { } call) return call;
            await Task.Delay(20);
        }
        throw new TimeoutException($"No matching {method} within 20 s. Calls: " + string.Join(" | ", Calls.Select(c => $"{c.Method}: {c.Body["text"]}")));
    }

    private void Map(WebApplication app)
    {
        app.MapPost("/api/{method}", async (HttpContext http, string method) =>
        {
            Attempts.Enqueue(method);
            if (TakeRateLimit())
            {
                http.Response.Headers.RetryAfter = "1";
                return Results.Json(new { ok = false, error = "ratelimited" }, statusCode: 429);
            }
            var auth = http.Request.Headers.Authorization.ToString();
            if (auth.Length == 0) return Fail("not_authed");
            if (auth != "Bearer " + BotToken) return Fail("invalid_auth");
            if (!(http.Request.ContentType ?? "").StartsWith("application/json", StringComparison.Ordinal)) return Fail("invalid_form_data");
            if (await JsonNode.ParseAsync(http.Request.Body) is not JsonObject body) return Fail("invalid_json");
            return method switch
            {
                "chat.postMessage" => PostMessage(body),
                "chat.update" => Update(body),
                _ => Fail("unknown_method"),
            };
        });
        app.MapGet("/files-pri/T1-F1/download/{name}", (HttpContext http, string name) =>
            http.Request.Headers.Authorization.ToString() != "Bearer " + BotToken ? Results.StatusCode(403)
            : _files.TryGetValue(name, out var bytes) ? Results.Bytes(bytes, "application/octet-stream") : Results.NotFound());
    }

    private bool TakeRateLimit()
    {
        while (true)
        {
            var current = Volatile.Read(ref _rateLimits);
            if (current == 0) return false;
            if (Interlocked.CompareExchange(ref _rateLimits, current - 1, current) == current) return true;
        }
    }

    private IResult PostMessage(JsonObject body)
    {
        var channel = body["channel"]?.ToString();
        if (string.IsNullOrEmpty(channel)) return Fail("channel_not_found");
        if (string.IsNullOrEmpty(body["text"]?.ToString()) && body["blocks"] is not JsonArray { Count: > 0 }) return Fail("no_text");
        if (BlocksError(body["blocks"] as JsonArray) is { } error) return Fail(error);
        var ts = $"1700000000.{Interlocked.Increment(ref _seq):D6}";
        _messages[ts] = channel;
        Calls.Enqueue(new SlackCall("chat.postMessage", body, ts));
        return Results.Json(new { ok = true, channel, ts, message = new { text = body["text"]?.ToString(), ts } });
    }

    private IResult Update(JsonObject body)
    {
        var channel = body["channel"]?.ToString();
        var ts = body["ts"]?.ToString();
        if (string.IsNullOrEmpty(channel)) return Fail("channel_not_found");
        if (ts is null || !_messages.TryGetValue(ts, out var postedIn) || postedIn != channel) return Fail("message_not_found");
        if (BlocksError(body["blocks"] as JsonArray) is { } error) return Fail(error);
        Calls.Enqueue(new SlackCall("chat.update", body, ts));
        return Results.Json(new { ok = true, channel, ts, text = body["text"]?.ToString() });
    }

    /// <summary>The Block Kit limits Slack enforces that our renderer must respect.</summary>
    private static string? BlocksError(JsonArray? blocks)
    {
        if (blocks is null) return null;
        if (blocks.Count > 50) return "invalid_blocks";
        var actionIds = new HashSet<string>();
        foreach (var block in blocks.OfType<JsonObject>())
        {
            switch (block["type"]?.ToString())
            {
                case "header" when (block["text"]?["text"]?.ToString() ?? "").Length is 0 or > 150: return "invalid_blocks";
                case "section" when (block["text"]?["text"]?.ToString()?.Length ?? 0) > 3000 || (block["fields"] as JsonArray)?.Count > 10: return "invalid_blocks";
                case "image" when !Uri.TryCreate(block["image_url"]?.ToString(), UriKind.Absolute, out _) || string.IsNullOrEmpty(block["alt_text"]?.ToString()): return "invalid_blocks";
                case "actions":
                    var elements = block["elements"] as JsonArray ?? [];
                    if (elements.Count is 0 or > 25) return "invalid_blocks";
                    foreach (var e in elements.OfType<JsonObject>())
                        if (!actionIds.Add(e["action_id"]?.ToString() ?? "") || (e["value"]?.ToString()?.Length ?? 0) > 2000) return "invalid_blocks";
                    break;
                case "header" or "section" or "image" or "divider" or "context": break;
                default: return "invalid_blocks";
            }
        }
        return null;
    }

    private static IResult Fail(string error) => Results.Json(new { ok = false, error });

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
