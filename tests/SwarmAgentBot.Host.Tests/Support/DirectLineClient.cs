using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace SwarmAgentBot.Host.Tests.Support;

/// <summary>A minimal Direct Line client, as botframework-webchat uses the protocol (polling variant).</summary>
public sealed class DirectLineClient(HttpClient http)
{
    private string? _watermark;

    /// <summary>The conversation id.</summary>
    public string ConversationId { get; private set; } = "";

    /// <summary>The last user activity seen while polling (the service's echo of what was sent).</summary>
    public JsonObject? LastUserActivity { get; private set; }

    /// <summary>The token.</summary>
    public string Token { get; private set; } = "";

    /// <summary>Gets a token from the page endpoint and starts the conversation.</summary>
    public async Task StartAsync(string user = "alice")
    {
        var tokenResponse = await http.PostAsJsonAsync("/api/webchat/token", new { user });
        tokenResponse.EnsureSuccessStatusCode();
        Token = (await tokenResponse.Content.ReadFromJsonAsync<JsonObject>())!["token"]!.ToString();
        using var start = new HttpRequestMessage(HttpMethod.Post, "/v3/directline/conversations");
        start.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        var started = await http.SendAsync(start);
        started.EnsureSuccessStatusCode();
        ConversationId = (await started.Content.ReadFromJsonAsync<JsonObject>())!["conversationId"]!.ToString();
    }

    /// <summary>Posts a message activity; returns the HTTP response.</summary>
    public Task<HttpResponseMessage> SendAsync(string text, JsonObject? value = null)
    {
        var activity = new JsonObject { ["type"] = "message", ["from"] = new JsonObject { ["id"] = "alice" }, ["text"] = text };
        if (value is not null) activity["value"] = value;
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v3/directline/conversations/{ConversationId}/activities") { Content = JsonContent.Create(activity) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return http.SendAsync(request);
    }

    /// <summary>Polls until a bot message arrives after the last one seen (deadline: 20 s); returns its activity.</summary>
    public async Task<JsonObject> NextBotMessageAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/v3/directline/conversations/{ConversationId}/activities" + (_watermark is null ? "" : "?watermark=" + _watermark));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
            var response = await http.SendAsync(request);
            response.EnsureSuccessStatusCode();
            var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
            foreach (var activity in body["activities"]!.AsArray().OfType<JsonObject>())
            {
                _watermark = activity["id"]!.ToString().Split('|')[1].TrimStart('0') is { Length: > 0 } n ? n : "0";
                if (activity["from"]?["role"]?.ToString() == "bot") return activity;
                LastUserActivity = activity;
            }
            await Task.Delay(25);
        }
        throw new TimeoutException("No bot reply within 20 s.");
    }

    /// <summary>Sends a message and returns the text of the bot's next reply.</summary>
    public async Task<string> AskAsync(string text)
    {
        (await SendAsync(text)).EnsureSuccessStatusCode();
        var reply = await NextBotMessageAsync();
        return reply["text"]?.ToString() ?? "";
    }
}
