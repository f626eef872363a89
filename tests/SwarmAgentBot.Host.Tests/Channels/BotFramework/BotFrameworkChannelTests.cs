using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Agents.Supervisor;
using SwarmAgentBot.Host.Tests.Channels.Fixtures;
using SwarmAgentBot.Host.Tests.Support;
using static SwarmAgentBot.Host.Tests.Channels.BotFramework.BotFrameworkTestHost;

namespace SwarmAgentBot.Host.Tests.Channels.BotFramework;

/// <summary>Teams behaviour over the Activity protocol: mentions, welcome, proactive messages, retries, approvals by card.</summary>
public sealed class BotFrameworkChannelTests : IAsyncLifetime
{
    private readonly ChannelTestRouter _router = new();
    private readonly DeployAgent _agent = new();
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "swarm-bf-" + Guid.NewGuid().ToString("N")[..10]);
    private BotFrameworkCloud _cloud = null!;
    private SwarmWebFactory? _host;

    public async Task InitializeAsync() => _cloud = await BotFrameworkCloud.StartAsync();

    public async Task DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
        await _cloud.DisposeAsync();
        SwarmWebFactory.DeleteDataDir(_dataDir);
    }

    private SwarmWebFactory Host(bool withAppId = true, bool allowLocal = false) => _host = Create(_cloud, _dataDir, _router, _agent, withAppId, allowLocal);

    [Fact]
    public async Task ItStripsTheBotMentionFromTeamsText()
    {
        var host = Host();
        var activity = Message(_cloud.BaseUrl, "<at>SwarmAgentBot</at> help", conversationId: "19:general@thread.tacv2;messageid=1700000000001");
        activity["conversation"]!["conversationType"] = "channel";
        activity["entities"] = new JsonArray(new JsonObject
        {
            ["type"] = "mention",
            ["text"] = "<at>SwarmAgentBot</at>",
            ["mentioned"] = new JsonObject { ["id"] = BotId, ["name"] = "SwarmAgentBot" },
        });
        await PostAsync(host.CreateClient(), activity, _cloud.Token());
        var reply = await _cloud.WaitForCallAsync(c => c.Method == "POST");
        Assert.Equal(["help"], _router.Routed);
        Assert.Equal("19:general@thread.tacv2;messageid=1700000000001", reply.ConversationId);
    }

    [Fact]
    public async Task ItWelcomesWhenAddedAndRemembersTheConversation()
    {
        var host = Host();
        var update = Message(_cloud.BaseUrl, "", conversationId: "19:team-general@thread.tacv2");
        update["type"] = "conversationUpdate";
        update.Remove("text");
        update["conversation"]!["conversationType"] = "channel";
        update["membersAdded"] = new JsonArray(new JsonObject { ["id"] = BotId });
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(host.CreateClient(), update, _cloud.Token())).StatusCode);

        var welcome = await _cloud.WaitForCallAsync(c => c.Method == "POST");
        Assert.Null(welcome.ActivityId);
        Assert.Contains("SwarmAgentBot", welcome.Activity["text"]!.ToString());
        Assert.Contains("@mention", welcome.Activity["text"]!.ToString());
        await IdleAsync(host);
        var stored = await host.Services.GetRequiredService<ConversationStore>().FindReferenceAsync("msteams:19:team-general@thread.tacv2");
        Assert.Equal(_cloud.BaseUrl, stored!.ServiceUrl);
        Assert.Equal(BotId, stored.BotId);
    }

    [Fact]
    public async Task ProactiveMessagesReuseOneCachedToken()
    {
        var host = Host();
        await PostAsync(host.CreateClient(), Message(_cloud.BaseUrl, "help"), _cloud.Token());
        await _cloud.WaitForCallAsync(c => c.Method == "POST");
        await IdleAsync(host);

        var stored = await host.Services.GetRequiredService<ConversationStore>().FindReferenceAsync("msteams:a:1personal-chat-carol");
        var messenger = host.Services.GetRequiredService<ProactiveMessenger>();
        var first = await messenger.SendAsync(stored!, BotReply.Plain("Training run 12 finished."));
        var second = await messenger.SendAsync(stored!, new BotReply("Drift alert", [new Card("PSI by feature", [new CardImage("/charts/psi.png", "PSI chart")])]));

        Assert.NotNull(first);
        Assert.NotNull(second);
        var alert = await _cloud.WaitForCallAsync(c => c.Activity["text"]?.ToString() == "Drift alert");
        Assert.Null(alert.ActivityId);
        // Teams fetches card images itself: the chart link must be absolute, on the public base URL.
        Assert.Contains("https://bot.example.test/charts/psi.png", alert.Activity.ToJsonString());
        Assert.Equal(1, _cloud.TokenRequests);
    }

    [Fact]
    public async Task ItRetriesAThrottledReplyAndStillDelivers()
    {
        var host = Host();
        _cloud.FailNextCall(429);
        await PostAsync(host.CreateClient(), Message(_cloud.BaseUrl, "help"), _cloud.Token());
        await _cloud.WaitForCallAsync(c => c.Method == "POST");
        Assert.Equal(2, _cloud.Attempts.Count);
    }

    [Fact]
    public async Task ItAnswers503WithoutAnAppId()
    {
        var host = Host(withAppId: false);
        var response = await PostAsync(host.CreateClient(), Message(_cloud.BaseUrl, "help"), _cloud.Token());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("AppId", await response.Content.ReadAsStringAsync());
        Assert.Empty(_router.Routed);
    }

    [Fact]
    public async Task TheEmulatorMayTalkWithoutATokenFromThisMachineOnly()
    {
        var host = Host(withAppId: false, allowLocal: true);
        _cloud.AcceptAnonymous = true;
        var activity = Message(_cloud.BaseUrl, "help", channelId: "emulator", conversationId: "emulator-conv-1");

        var remote = await SendFromAsync(host, activity, IPAddress.Parse("10.1.2.3"));
        Assert.Equal(StatusCodes.Status401Unauthorized, remote.Response.StatusCode);
        Assert.Empty(_router.Routed);

        var local = await SendFromAsync(host, activity, IPAddress.Loopback);
        Assert.Equal(StatusCodes.Status202Accepted, local.Response.StatusCode);
        var reply = await _cloud.WaitForCallAsync(c => c.ConversationId == "emulator-conv-1");
        Assert.Null(reply.Bearer);
    }

    private static Task<HttpContext> SendFromAsync(SwarmWebFactory host, JsonObject activity, IPAddress from) =>
        host.Server.SendAsync(context =>
        {
            context.Connection.RemoteIpAddress = from;
            context.Request.Method = "POST";
            context.Request.Path = "/api/messages";
            context.Request.ContentType = "application/json";
            context.Request.Body = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(activity.ToJsonString()));
        });

    /// <summary>Carol asks for a deployment in Teams; returns the reply carrying the approval card and the approval id.</summary>
    private async Task<(ConnectorCall Card, long ApprovalId)> RequestDeploymentAsync(HttpClient http)
    {
        await PostAsync(http, Message(_cloud.BaseUrl, "deploy churn to staging", "carol"), _cloud.Token());
        var card = await _cloud.WaitForCallAsync(c => c.Activity["attachments"] is JsonArray { Count: > 0 });
        var action = card.Activity["attachments"]![0]!["content"]!["actions"]!.AsArray().First(a => a!["verb"]?.ToString() == "approve")!;
        Assert.Equal("Action.Execute", action["type"]!.ToString());
        return (card, long.Parse(action["data"]!["approval_id"]!.ToString(), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task ApprovingFromTheCardRunsOnceAndReturnsTheUpdatedCard()
    {
        var host = Host();
        var http = host.CreateClient();
        var (card, id) = await RequestDeploymentAsync(http);
        await IdleAsync(host);
        var cardActivityId = (await host.Services.GetRequiredService<ApprovalStore>().GetAsync(id))!.CardMessageId;
        Assert.Equal("bot-activity-1", cardActivityId);

        var click = CardAction(_cloud.BaseUrl, "approve", new JsonObject { ["approval_id"] = id.ToString(System.Globalization.CultureInfo.InvariantCulture) }, cardActivityId!, "alice");
        var response = await PostAsync(http, click, _cloud.Token());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(200, body["statusCode"]!.GetValue<int>());
        Assert.Equal("application/vnd.microsoft.card.adaptive", body["type"]!.ToString());
        var updatedCard = body["value"]!.ToJsonString();
        Assert.Contains("Decided by", updatedCard);
        Assert.Contains("alice", updatedCard);
        Assert.DoesNotContain("Action.Execute", updatedCard);

        Assert.Equal(1, _agent.Executions);
        var put = await _cloud.WaitForCallAsync(c => c.Method == "PUT");
        Assert.Equal(cardActivityId, put.ActivityId);
        await _cloud.WaitForCallAsync(c => c.Activity["text"]?.ToString().Contains("Deployed churn to staging") == true);

        // A second click on the same card changes nothing.
        var again = JsonNode.Parse(await (await PostAsync(http, click, _cloud.Token())).Content.ReadAsStringAsync())!;
        Assert.Equal("application/vnd.microsoft.card.adaptive", again["type"]!.ToString());
        Assert.Equal(1, _agent.Executions);
    }

    [Fact]
    public async Task ANonApproverClickOnlyTellsTheClicker()
    {
        var host = Host();
        var http = host.CreateClient();
        var (_, id) = await RequestDeploymentAsync(http);
        await IdleAsync(host);
        var posted = _cloud.Calls.Count;

        var click = CardAction(_cloud.BaseUrl, "approve", new JsonObject { ["approval_id"] = id.ToString(System.Globalization.CultureInfo.InvariantCulture) }, "bot-activity-1", "mallory");
        var body = JsonNode.Parse(await (await PostAsync(http, click, _cloud.Token())).Content.ReadAsStringAsync())!;
        Assert.Equal("application/vnd.microsoft.activity.message", body["type"]!.ToString());
        Assert.Contains("needs the approver role", body["value"]!.ToString());
        Assert.Equal(0, _agent.Executions);
        Assert.Equal(posted, _cloud.Calls.Count);
        Assert.Equal(ApprovalStatus.Pending, (await host.Services.GetRequiredService<ApprovalStore>().GetAsync(id))!.Status);
    }

    [Fact]
    public async Task WebChatThroughAzureGetsSubmitButtons()
    {
        var host = Host();
        await PostAsync(host.CreateClient(), Message(_cloud.BaseUrl, "deploy churn to staging", channelId: "webchat", conversationId: "webchat-conv-1"), _cloud.Token());
        var card = await _cloud.WaitForCallAsync(c => c.Activity["attachments"] is JsonArray { Count: > 0 });
        var actions = card.Activity["attachments"]![0]!["content"]!["actions"]!.AsArray();
        Assert.All(actions, a => Assert.Equal("Action.Submit", a!["type"]!.ToString()));
    }
}
