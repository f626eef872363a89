using System.Text;
using System.Text.Json.Nodes;
using SwarmAgentBot.Host.Channels.Slack;

namespace SwarmAgentBot.Host.Tests.Channels.Slack;

/// <summary>Requests as Slack sends them: signed JSON events and form-encoded interactivity payloads.</summary>
public static class SlackRequests
{
    /// <summary>The signing secret of the test app.</summary>
    public const string SigningSecret = "e4b1c9d2a7f3410e8c55d0b6a1f2c3d4";

    /// <summary>The bot's user id in the test workspace.</summary>
    public const string BotUserId = "UBOT";

    /// <summary>A signed request (timestamp now unless given).</summary>
    public static HttpRequestMessage Signed(string path, string body, string contentType, DateTimeOffset? at = null, string secret = SigningSecret)
    {
        var timestamp = (at ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, contentType) };
        request.Headers.Add("X-Slack-Request-Timestamp", timestamp);
        request.Headers.Add("X-Slack-Signature", SlackSignatureVerifier.Sign(secret, timestamp, Encoding.UTF8.GetBytes(body)));
        return request;
    }

    /// <summary>A signed Events API request.</summary>
    public static HttpRequestMessage Event(string body, DateTimeOffset? at = null) => Signed("/api/slack/events", body, "application/json", at);

    /// <summary>An event_callback envelope around <paramref name="ev"/>.</summary>
    public static string Envelope(string eventId, JsonObject ev) => new JsonObject
    {
        ["token"] = "legacy-verification-token",
        ["team_id"] = "T1",
        ["api_app_id"] = "A1",
        ["type"] = "event_callback",
        ["event_id"] = eventId,
        ["event_time"] = 1700000000,
        ["event"] = ev,
        ["authorizations"] = new JsonArray(new JsonObject { ["team_id"] = "T1", ["user_id"] = BotUserId, ["is_bot"] = true }),
    }.ToJsonString();

    /// <summary>An app_mention in a channel.</summary>
    public static string Mention(string eventId, string user, string channel, string ts, string text) =>
        Envelope(eventId, new JsonObject { ["type"] = "app_mention", ["user"] = user, ["text"] = $"<@{BotUserId}> {text}", ["ts"] = ts, ["channel"] = channel, ["event_ts"] = ts });

    /// <summary>A block_actions payload for a click on a button of message <paramref name="messageTs"/>.</summary>
    public static HttpRequestMessage Click(string user, string channel, string messageTs, JsonObject button)
    {
        var payload = new JsonObject
        {
            ["type"] = "block_actions",
            ["user"] = new JsonObject { ["id"] = user, ["username"] = user.ToLowerInvariant(), ["name"] = user.ToLowerInvariant(), ["team_id"] = "T1" },
            ["api_app_id"] = "A1",
            ["team"] = new JsonObject { ["id"] = "T1", ["domain"] = "example" },
            ["container"] = new JsonObject { ["type"] = "message", ["message_ts"] = messageTs, ["channel_id"] = channel, ["is_ephemeral"] = false },
            ["trigger_id"] = "trigger-" + Guid.NewGuid().ToString("N")[..8],
            ["channel"] = new JsonObject { ["id"] = channel, ["name"] = "mlops" },
            ["message"] = new JsonObject { ["type"] = "message", ["ts"] = messageTs, ["text"] = "approval" },
            ["response_url"] = "https://hooks.slack.com/actions/T1/1/x",
            ["actions"] = new JsonArray(new JsonObject
            {
                ["type"] = "button",
                ["action_id"] = button["action_id"]?.ToString(),
                ["block_id"] = "b1",
                ["value"] = button["value"]?.ToString(),
                ["action_ts"] = $"{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}.{Guid.NewGuid().ToString("N")[..6]}",
            }),
        };
        var body = "payload=" + Uri.EscapeDataString(payload.ToJsonString());
        return Signed("/api/slack/interactions", body, "application/x-www-form-urlencoded");
    }

    /// <summary>The button with <paramref name="actionId"/> in a posted message's blocks.</summary>
    public static JsonObject Button(JsonObject postedBody, string actionId) =>
        (postedBody["blocks"] as JsonArray ?? [])
            .OfType<JsonObject>().Where(b => b["type"]?.ToString() == "actions")
            .SelectMany(b => (b["elements"] as JsonArray ?? []).OfType<JsonObject>())
            .First(e => e["action_id"]?.ToString() == actionId);
}
