using System.Net;
using System.Text.Json.Nodes;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Agents.Supervisor;
using SwarmAgentBot.Host.Channels.Slack;
using SwarmAgentBot.Host.Tests.Channels.Fixtures;
using SwarmAgentBot.Host.Tests.Support;

namespace SwarmAgentBot.Host.Tests.Channels.Slack;

/// <summary>The Slack channel end to end: the real host in memory, Slack's Web API on loopback.</summary>
public sealed class SlackChannelTests : IAsyncLifetime
{
    private SlackTestWorld _world = null!;

    public async Task InitializeAsync() => _world = await SlackTestWorld.StartAsync();

    public async Task DisposeAsync() => await _world.DisposeAsync();

    private SwarmWebFactory Host(DeployAgent? agent = null, string botToken = SlackWebApi.BotToken, bool configured = true) => _world.Host(agent, botToken, configured);

    private static Task IdleAsync(SwarmWebFactory host) => ChannelTestSettings.IdleAsync(host);

    [Fact]
    public async Task ItEchoesTheUrlVerificationChallenge()
    {
        var http = Host().CreateClient();
        var response = await http.SendAsync(SlackRequests.Event("""{"token":"t","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", body["challenge"]!.ToString());
    }

    [Fact]
    public async Task ItAnswersAMentionInTheThreadOfTheRequest()
    {
        var host = Host();
        var response = await host.CreateClient().SendAsync(SlackRequests.Event(SlackRequests.Mention("Ev01", "UCAROL", "C1", "1699999999.000100", "help")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var post = await _world.Slack.WaitForAsync("chat.postMessage", _ => true);
        Assert.Equal("C1", post.Body["channel"]!.ToString());
        Assert.Equal("1699999999.000100", post.Body["thread_ts"]!.ToString());
        Assert.Contains("help", _world.Router.Routed);
        // Markdown bold (**x**) reaches Slack as mrkdwn bold (*x*).
        var text = post.Body["text"]!.ToString();
        Assert.Contains("*Datasets and artifacts*", text);
        Assert.DoesNotContain("**", text);
    }

    [Fact]
    public async Task ItRejectsABadSignature()
    {
        var http = Host().CreateClient();
        var request = SlackRequests.Signed("/api/slack/events", SlackRequests.Mention("Ev02", "UCAROL", "C1", "1.1", "help"), "application/json", secret: "not-the-secret");
        var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(_world.Router.Routed);
    }

    [Fact]
    public async Task ItRejectsAStaleTimestampEvenWhenCorrectlySigned()
    {
        var http = Host().CreateClient();
        var response = await http.SendAsync(SlackRequests.Event(SlackRequests.Mention("Ev03", "UCAROL", "C1", "1.2", "help"), DateTimeOffset.UtcNow.AddMinutes(-6)));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(_world.Router.Routed);
    }

    [Fact]
    public async Task ItRejectsARequestWithoutSignatureHeaders()
    {
        var http = Host().CreateClient();
        var response = await http.PostAsync("/api/slack/events", new StringContent(SlackRequests.Mention("Ev04", "UCAROL", "C1", "1.3", "help"), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task ItRefusesWith503WhenSlackIsNotConfigured()
    {
        var http = Host(configured: false).CreateClient();
        var response = await http.SendAsync(SlackRequests.Event(SlackRequests.Mention("Ev05", "UCAROL", "C1", "1.4", "help")));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("SigningSecret", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ItRunsARetriedEventOnlyOnce()
    {
        var host = Host();
        var http = host.CreateClient();
        var body = SlackRequests.Mention("Ev06", "UCAROL", "C1", "1699999999.000200", "help");
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(SlackRequests.Event(body))).StatusCode);
        var retry = SlackRequests.Event(body);
        retry.Headers.Add("X-Slack-Retry-Num", "1");
        retry.Headers.Add("X-Slack-Retry-Reason", "http_timeout");
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(retry)).StatusCode);

        await _world.Slack.WaitForAsync("chat.postMessage", _ => true);
        await IdleAsync(host);
        Assert.Single(_world.Slack.Posts);
        Assert.Single(_world.Router.Routed);
    }

    [Fact]
    public async Task ItDoesNotRunAnEventAgainAfterARestart()
    {
        var body = SlackRequests.Mention("Ev07", "UCAROL", "C1", "1699999999.000300", "help");
        var first = Host();
        await first.CreateClient().SendAsync(SlackRequests.Event(body));
        await _world.Slack.WaitForAsync("chat.postMessage", _ => true);
        await _world.StopAsync(first);

        var second = Host();
        var retry = SlackRequests.Event(body);
        retry.Headers.Add("X-Slack-Retry-Num", "2");
        Assert.Equal(HttpStatusCode.OK, (await second.CreateClient().SendAsync(retry)).StatusCode);
        await IdleAsync(second);
        Assert.Single(_world.Slack.Posts);
    }

    [Fact]
    public async Task ItIgnoresBotMessagesAndEditsSoItCannotLoop()
    {
        var host = Host();
        var http = host.CreateClient();
        var fromBot = SlackRequests.Envelope("Ev08", new JsonObject { ["type"] = "message", ["channel_type"] = "im", ["subtype"] = "bot_message", ["bot_id"] = "B1", ["text"] = "help", ["ts"] = "1.5", ["channel"] = "D1" });
        var ours = SlackRequests.Envelope("Ev09", new JsonObject { ["type"] = "message", ["channel_type"] = "im", ["user"] = SlackRequests.BotUserId, ["text"] = "help", ["ts"] = "1.6", ["channel"] = "D1" });
        var edit = SlackRequests.Envelope("Ev10", new JsonObject { ["type"] = "message", ["channel_type"] = "im", ["subtype"] = "message_changed", ["channel"] = "D1", ["ts"] = "1.7", ["message"] = new JsonObject { ["user"] = "UCAROL", ["text"] = "help" } });
        foreach (var body in new[] { fromBot, ours, edit })
            Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(SlackRequests.Event(body))).StatusCode);
        await IdleAsync(host);
        Assert.Empty(_world.Router.Routed);
        Assert.Empty(_world.Slack.Posts);
    }

    [Fact]
    public async Task ADirectMessageIsAnsweredWithoutAThread()
    {
        var host = Host();
        var dm = SlackRequests.Envelope("Ev11", new JsonObject { ["type"] = "message", ["channel_type"] = "im", ["user"] = "UCAROL", ["text"] = "help", ["ts"] = "1699999999.000400", ["channel"] = "D1" });
        await host.CreateClient().SendAsync(SlackRequests.Event(dm));
        var post = await _world.Slack.WaitForAsync("chat.postMessage", _ => true);
        Assert.Equal("D1", post.Body["channel"]!.ToString());
        Assert.Null(post.Body["thread_ts"]);
    }

    [Fact]
    public async Task ItDownloadsSharedFilesWithTheBotToken()
    {
        var host = Host();
        var url = _world.Slack.AddFile("churn.csv", new byte[1234]);
        var dm = SlackRequests.Envelope("Ev12", new JsonObject
        {
            ["type"] = "message", ["channel_type"] = "im", ["subtype"] = "file_share", ["user"] = "UCAROL", ["text"] = "", ["ts"] = "1699999999.000500", ["channel"] = "D1",
            ["files"] = new JsonArray(new JsonObject { ["id"] = "F1", ["name"] = "churn.csv", ["mimetype"] = "text/csv", ["url_private_download"] = url }),
        });
        await host.CreateClient().SendAsync(SlackRequests.Event(dm));
        var post = await _world.Slack.WaitForAsync("chat.postMessage", _ => true);
        Assert.Contains("received churn.csv: 1234 bytes", post.Body["text"]!.ToString());
    }

    [Fact]
    public async Task ItWaitsOutARateLimitAndStillDelivers()
    {
        var host = Host();
        _world.Slack.RateLimitNextCall();
        await host.CreateClient().SendAsync(SlackRequests.Event(SlackRequests.Mention("Ev13", "UCAROL", "C1", "1699999999.000600", "help")));
        await _world.Slack.WaitForAsync("chat.postMessage", _ => true);
        Assert.Equal(2, _world.Slack.Attempts.Count(a => a == "chat.postMessage"));
    }

    [Fact]
    public async Task ItTreatsOkFalseAsAFailure()
    {
        var host = Host(botToken: "xoxb-revoked-token");
        var sender = host.Services.GetRequiredService<SlackSender>();
        var error = await Assert.ThrowsAsync<SlackApiException>(() => sender.SendAsync(new ConversationRef("slack", "C1"), BotReply.Plain("hello")));
        Assert.Equal("invalid_auth", error.Error);
    }

    [Fact]
    public async Task ProactiveMessagesGoToTheStoredThread()
    {
        var host = Host();
        await host.CreateClient().SendAsync(SlackRequests.Event(SlackRequests.Mention("Ev14", "UCAROL", "C7", "1699999999.000700", "help")));
        await _world.Slack.WaitForAsync("chat.postMessage", _ => true);
        await IdleAsync(host);

        var stored = await host.Services.GetRequiredService<ConversationStore>().FindReferenceAsync("slack:C7");
        Assert.NotNull(stored);
        Assert.Equal("1699999999.000700", stored.ThreadId);
        var id = await host.Services.GetRequiredService<ProactiveMessenger>().SendAsync(stored, BotReply.Plain("Training run 12 finished: **f1 0.84**."));
        var post = await _world.Slack.WaitForAsync("chat.postMessage", c => c.Body["text"]!.ToString().Contains("finished"));
        Assert.Equal(post.Ts, id);
        Assert.Equal("1699999999.000700", post.Body["thread_ts"]!.ToString());
        Assert.Contains("*f1 0.84*", post.Body["text"]!.ToString());
    }
}
