using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using static SwarmAgentBot.Host.Channels.BotFramework.BotFrameworkActivities;

namespace SwarmAgentBot.Host.Channels.BotFramework;

/// <summary>
/// POST /api/messages, the messaging endpoint of an Azure Bot: authenticates the Connector's JWT,
/// queues messages and conversation updates (answered 202 at once; replies go out through the
/// Connector) and answers adaptiveCard/action invokes synchronously with their invoke response.
/// </summary>
public static class BotFrameworkEndpoints
{
    /// <summary>Maps the endpoint.</summary>
    public static WebApplication MapBotFrameworkEndpoints(this WebApplication app)
    {
        app.MapPost("/api/messages", HandleAsync).DisableAntiforgery();
        return app;
    }

    private static IResult Error(int status, string code, string message) =>
        Results.Json(new { error = new { code, message } }, statusCode: status);

    private static async Task<IResult> HandleAsync(HttpContext http, IOptions<BotFrameworkOptions> options, BotFrameworkAuthenticator authenticator,
        ChannelWorkQueue queue, BotFrameworkBot bot, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(typeof(BotFrameworkEndpoints).FullName!);
        var o = options.Value;
        var remote = http.Connection.RemoteIpAddress;
        if (!o.Enabled)
        {
            logger.LogWarning("Bot Framework request from {RemoteIp} refused: Swarm:Channels:BotFramework:Enabled is false", remote);
            return Error(503, "ServiceUnavailable", "The Bot Framework channel is switched off on this host.");
        }
        if (!o.HasAppId && !o.AllowUnauthenticatedLocal)
        {
            logger.LogWarning("Bot Framework request from {RemoteIp} refused: no Swarm:Channels:BotFramework:AppId is configured (embedded default: web chat only)", remote);
            return Error(503, "ServiceUnavailable", "The Bot Framework channel is not configured on this host: set Swarm:Channels:BotFramework:AppId and AppPassword (see docs/connect-channels.md).");
        }

        var body = await ChannelHttp.ReadBodyAsync(http.Request, o.MaxActivityBytes, http.RequestAborted);
        if (body is null) return Error(413, "MessageSizeTooBig", $"The activity is larger than {o.MaxActivityBytes:N0} bytes.");
        JsonObject activity;
        try { activity = JsonNode.Parse(body) as JsonObject ?? throw new JsonException("not an object"); }
        catch (JsonException) { return Error(400, "BadArgument", "The body must be an activity (a JSON object)."); }
        var type = Str(activity["type"]);
        var channelId = Str(activity["channelId"]);
        var serviceUrl = Str(activity["serviceUrl"]);
        if (type is null || channelId is null || serviceUrl is null || Str(activity["conversation"]?["id"]) is null)
            return Error(400, "BadArgument", "The activity needs type, channelId, serviceUrl and conversation.id.");

        if (o.HasAppId)
        {
            var auth = await authenticator.AuthenticateAsync(http.Request.Headers.Authorization.ToString(), channelId, serviceUrl, http.RequestAborted);
            if (!auth.Succeeded)
            {
                logger.LogWarning("Bot Framework request from {RemoteIp} for channel {ChannelId} rejected with {Status}: {Reason}", remote, channelId, auth.StatusCode, auth.Reason);
                return Error(auth.StatusCode, auth.StatusCode == 503 ? "ServiceUnavailable" : "Unauthorized", "The request is not authenticated by the Bot Connector.");
            }
            if (channelId == Teams && !string.IsNullOrWhiteSpace(o.TenantId) && Str(activity["channelData"]?["tenant"]?["id"]) is { } tenant && !tenant.Equals(o.TenantId, StringComparison.OrdinalIgnoreCase))
            {
                logger.LogWarning("Teams activity from tenant {Tenant} rejected: only {AllowedTenant} is allowed (Swarm:Channels:BotFramework:TenantId)", tenant, o.TenantId);
                return Error(403, "Forbidden", "This bot serves another tenant.");
            }
        }
        else if (remote is null || !IPAddress.IsLoopback(remote) || !ChannelHttp.IsLoopback(serviceUrl))
        {
            // Unauthenticated mode is for the Emulator on this machine only: a remote caller, or a serviceUrl elsewhere, is refused.
            logger.LogWarning("Unauthenticated Bot Framework request from {RemoteIp} with serviceUrl {ServiceUrl} rejected: AllowUnauthenticatedLocal accepts loopback only", remote, serviceUrl);
            return Error(401, "Unauthorized", "Unauthenticated requests are accepted from this machine only.");
        }

        var key = $"{channelId}:{Str(activity["conversation"]?["id"])}:{Str(activity["from"]?["id"])}";
        switch (type)
        {
            case "message":
                return Enqueue(queue, key, $"Bot Framework message {Str(activity["id"])}", ct => bot.HandleMessageAsync(activity, ct));
            case "conversationUpdate":
                return Enqueue(queue, key, "Bot Framework conversationUpdate", ct => bot.HandleConversationUpdateAsync(activity, ct));
            case "invoke" when Str(activity["name"]) == "adaptiveCard/action":
                return Results.Json(await bot.HandleCardActionAsync(activity, http.RequestAborted), statusCode: 200);
            case "invoke":
                return Error(501, "NotImplemented", $"Invoke {Str(activity["name"])} is not supported.");
            default:
                return Results.Ok();
        }
    }

    private static IResult Enqueue(ChannelWorkQueue queue, string key, string description, Func<CancellationToken, Task> work) =>
        queue.TryEnqueue(key, description, work) ? Results.StatusCode(202) : Error(503, "ServiceUnavailable", "The bot is busy; retry later.");
}
