using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace SwarmAgentBot.Host.Channels.Slack;

/// <summary>
/// The two request URLs of the Slack app: the Events API (/api/slack/events) and interactivity
/// (/api/slack/interactions). Both verify Slack's signature over the raw body, then answer at once
/// (Slack wants 200 within 3 seconds) and leave the work to the queue, where retries and duplicates
/// are dropped by id so nothing runs twice.
/// </summary>
public static class SlackEndpoints
{
    /// <summary>Maps the endpoints.</summary>
    public static WebApplication MapSlackEndpoints(this WebApplication app)
    {
        app.MapPost("/api/slack/events", HandleEventsAsync).DisableAntiforgery();
        app.MapPost("/api/slack/interactions", HandleInteractionsAsync).DisableAntiforgery();
        return app;
    }

    private static IResult Error(int status, string message) => Results.Json(new { ok = false, error = message }, statusCode: status);

    private static async Task<(byte[]? Body, IResult? Error)> ReadVerifiedAsync(HttpContext http, SlackOptions options, SlackSignatureVerifier verifier, ILogger logger)
    {
        if (!options.IsConfigured)
        {
            logger.LogWarning("Slack request to {Path} refused: the Slack channel is not configured (Swarm:Channels:Slack:SigningSecret and BotToken, Enabled)", http.Request.Path);
            return (null, Error(503, "The Slack channel is not configured on this host: set Swarm:Channels:Slack:SigningSecret and BotToken."));
        }
        var body = await ChannelHttp.ReadBodyAsync(http.Request, options.MaxRequestBytes, http.RequestAborted);
        if (body is null) return (null, Error(413, $"The request body is larger than {options.MaxRequestBytes:N0} bytes."));
        var check = verifier.Verify(http.Request.Headers["X-Slack-Request-Timestamp"], http.Request.Headers["X-Slack-Signature"], body);
        if (!check.Valid)
        {
            logger.LogWarning("Slack request to {Path} from {RemoteIp} rejected: {Reason}", http.Request.Path, http.Connection.RemoteIpAddress, check.Reason);
            return (null, Error(401, "invalid signature"));
        }
        return (body, null);
    }

    private static async Task<IResult> HandleEventsAsync(HttpContext http, IOptions<SlackOptions> options, SlackSignatureVerifier verifier,
        ChannelWorkQueue queue, SlackBot bot, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(typeof(SlackEndpoints).FullName!);
        var (body, error) = await ReadVerifiedAsync(http, options.Value, verifier, logger);
        if (error is not null) return error;
        JsonObject envelope;
        try { envelope = JsonNode.Parse(body!) as JsonObject ?? throw new JsonException("not an object"); }
        catch (JsonException) { return Error(400, "The body must be a JSON object."); }

        switch (envelope["type"]?.ToString())
        {
            case "url_verification":
                return Results.Json(new { challenge = envelope["challenge"]?.ToString() ?? "" });
            case "event_callback":
                break;
            default:
                return Results.Ok();
        }

        if (SlackBot.ReadMessage(envelope) is not { } message) return Results.Ok();
        var eventId = envelope["event_id"]?.ToString();
        var retry = http.Request.Headers["X-Slack-Retry-Num"].ToString();
        if (retry.Length > 0)
            logger.LogInformation("Slack retry {RetryNum} of event {EventId} ({RetryReason}); runs only if the first delivery never did",
                retry, eventId, http.Request.Headers["X-Slack-Retry-Reason"].ToString());
        // Deduplication happens in the queued work (a database write), so the answer never waits for it.
        var key = $"slack:{message.Conversation.ConversationId}:{message.From.Id}";
        return queue.TryEnqueue(key, $"Slack message {message.MessageKey}", ct => bot.HandleEventAsync(eventId, message, ct))
            ? Results.Ok()
            : Error(503, "busy; retry later");
    }

    private static async Task<IResult> HandleInteractionsAsync(HttpContext http, IOptions<SlackOptions> options, SlackSignatureVerifier verifier,
        ChannelWorkQueue queue, SlackBot bot, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(typeof(SlackEndpoints).FullName!);
        var (body, error) = await ReadVerifiedAsync(http, options.Value, verifier, logger);
        if (error is not null) return error;

        // application/x-www-form-urlencoded with one field, payload=<JSON>.
        var form = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(Encoding.UTF8.GetString(body!));
        if (!form.TryGetValue("payload", out var raw) || raw.Count == 0) return Error(400, "The body must carry a payload field.");
        JsonObject payload;
        try { payload = JsonNode.Parse(raw.ToString()) as JsonObject ?? throw new JsonException("not an object"); }
        catch (JsonException) { return Error(400, "payload is not a JSON object."); }

        if (SlackBot.ReadClick(payload) is not { } click) return Results.Ok();
        var key = $"slack:{click.Conversation.ConversationId}:{click.From.Id}";
        return queue.TryEnqueue(key, $"Slack click {click.ClickKey}", ct => bot.HandleClickAsync(click, ct))
            ? Results.Ok()
            : Error(503, "busy; retry later");
    }
}
