using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using SwarmAgentBot.Host.Tests.Support;

namespace SwarmAgentBot.Host.Tests.DirectLine;

public sealed class DirectLineTests : IDisposable
{
    private readonly SwarmWebFactory _factory = new(configure: s => s.AddSingleton<SwarmAgentBot.Agents.Supervisor.IIntentRouter, HelpOnlyRouter>());

    public void Dispose()
    {
        _factory.Dispose();
        SwarmWebFactory.DeleteDataDir(_factory.DataDir);
    }

    [Fact]
    public async Task HelpGetsAnAnswerThroughDirectLine()
    {
        var client = new DirectLineClient(_factory.CreateClient());
        await client.StartAsync();
        var reply = await client.AskAsync("help");
        Assert.Contains("Here is what I can do", reply);
        Assert.Contains("Datasets", reply);
    }

    [Fact]
    public async Task EachConversationKeepsItsOwnActivities()
    {
        var http = _factory.CreateClient();
        var a = new DirectLineClient(http);
        var b = new DirectLineClient(http);
        await a.StartAsync();
        await b.StartAsync();
        await a.AskAsync("help");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v3/directline/conversations/{b.ConversationId}/activities");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", b.Token);
        var body = (await (await http.SendAsync(request)).Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Empty(body["activities"]!.AsArray());
    }

    [Fact]
    public async Task ATokenCannotReadAnotherConversation()
    {
        var http = _factory.CreateClient();
        var a = new DirectLineClient(http);
        var b = new DirectLineClient(http);
        await a.StartAsync();
        await b.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v3/directline/conversations/{a.ConversationId}/activities");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", b.Token);
        var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task AnUnknownTokenIsUnauthorized()
    {
        var http = _factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v3/directline/conversations");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token");
        var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("invalid or expired token", await ErrorMessageAsync(response));
    }

    [Fact]
    public async Task MalformedJsonIsABadRequestWithAReason()
    {
        var http = _factory.CreateClient();
        var client = new DirectLineClient(http);
        await client.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v3/directline/conversations/{client.ConversationId}/activities")
        {
            Content = new StringContent("{\"type\": \"message\", \"text\": ", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", client.Token);
        var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not valid JSON", await ErrorMessageAsync(response));
    }

    [Fact]
    public async Task AnActivityWithoutATypeIsRefused()
    {
        var http = _factory.CreateClient();
        var client = new DirectLineClient(http);
        await client.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v3/directline/conversations/{client.ConversationId}/activities") { Content = JsonContent.Create(new { text = "hi" }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", client.Token);
        var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("needs a \"type\"", await ErrorMessageAsync(response));
    }

    [Fact]
    public async Task AHugeMessageGetsAClearReplyAndTheHostKeepsWorking()
    {
        var client = new DirectLineClient(_factory.CreateClient());
        await client.StartAsync();
        Assert.Contains("at most 4,000", await client.AskAsync(new string('a', 5000)));
        Assert.Contains("Here is what I can do", await client.AskAsync("help"));
    }

    [Fact]
    public async Task AnOversizedBodyIsRefusedWith413()
    {
        var client = new DirectLineClient(_factory.CreateClient());
        await client.StartAsync();
        var response = await client.SendAsync(new string('a', 300 * 1024));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task ATokenSpeaksOnlyForItsUser()
    {
        var client = new DirectLineClient(_factory.CreateClient());
        await client.StartAsync("bob");
        await client.SendAsync("help"); // the client claims to be alice
        await client.NextBotMessageAsync();
        Assert.Equal("bob", client.LastUserActivity!["from"]!["id"]!.ToString());
    }

    [Fact]
    public async Task RefreshGivesANewTokenForTheSameConversation()
    {
        var http = _factory.CreateClient();
        var client = new DirectLineClient(http);
        await client.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v3/directline/tokens/refresh");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", client.Token);
        var body = (await (await http.SendAsync(request)).Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(client.ConversationId, body["conversationId"]!.ToString());
        Assert.NotEqual(client.Token, body["token"]!.ToString());
    }

    [Fact]
    public async Task TheWebsocketStreamDeliversTheReply()
    {
        var http = _factory.CreateClient();
        var client = new DirectLineClient(http);
        await client.StartAsync();
        var ws = _factory.Server.CreateWebSocketClient();
        using var socket = await ws.ConnectAsync(new Uri(_factory.Server.BaseAddress, $"v3/directline/conversations/{client.ConversationId}/stream?t={Uri.EscapeDataString(client.Token)}"), CancellationToken.None);
        (await client.SendAsync("help")).EnsureSuccessStatusCode();

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var buffer = new byte[256 * 1024];
        while (true)
        {
            var builder = new StringBuilder();
            WebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer, cts.Token);
                builder.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
            } while (!result.EndOfMessage);
            var message = JsonNode.Parse(builder.ToString())!.AsObject();
            var bot = message["activities"]!.AsArray().OfType<JsonObject>().FirstOrDefault(a => a["from"]?["role"]?.ToString() == "bot");
            if (bot is null) continue;
            Assert.Contains("Here is what I can do", bot["text"]!.ToString());
            Assert.NotNull(message["watermark"]);
            break;
        }
    }

    [Fact]
    public async Task TheStreamDeliversTheUsersEchoAndTheReplyInOneActivitySet()
    {
        // A long hold so a slow test machine cannot split them; the default is 50 ms.
        var factory = new SwarmWebFactory(settings: new Dictionary<string, string?> { ["Swarm:Channels:DirectLine:EchoHold"] = "00:00:20" },
            configure: s => s.AddSingleton<SwarmAgentBot.Agents.Supervisor.IIntentRouter, HelpOnlyRouter>());
        try
        {
            var client = new DirectLineClient(factory.CreateClient());
            await client.StartAsync();
            using var socket = await factory.Server.CreateWebSocketClient().ConnectAsync(
                new Uri(factory.Server.BaseAddress, $"v3/directline/conversations/{client.ConversationId}/stream?t={Uri.EscapeDataString(client.Token)}"), CancellationToken.None);
            (await client.SendAsync("help")).EnsureSuccessStatusCode();

            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var buffer = new byte[256 * 1024];
            var length = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer.AsMemory(length), cts.Token);
                length += result.Count;
            } while (!result.EndOfMessage);
            var activities = JsonNode.Parse(buffer.AsSpan(0, length))!["activities"]!.AsArray().OfType<JsonObject>().ToList();
            Assert.Equal(["user", "bot"], activities.Select(a => a["from"]!["role"]!.ToString()));
            Assert.Equal("help", activities[0]["text"]!.ToString());
            Assert.Equal(activities[0]["id"]!.ToString(), activities[1]["replyToId"]!.ToString());
        }
        finally
        {
            factory.Dispose();
            SwarmWebFactory.DeleteDataDir(factory.DataDir);
        }
    }

    private static async Task<string> ErrorMessageAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonObject>())!["error"]!["message"]!.ToString();
}
