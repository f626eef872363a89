using System.Net;
using System.Text.Json.Nodes;
using SwarmAgentBot.Agents.Supervisor;
using SwarmAgentBot.Host.Tests.Channels.Fixtures;
using SwarmAgentBot.Host.Tests.Support;

namespace SwarmAgentBot.Host.Tests.Channels.Slack;

/// <summary>Approvals through Slack buttons: RBAC, run-once under concurrent clicks, and survival across a restart.</summary>
public sealed class SlackApprovalTests : IAsyncLifetime
{
    private SlackTestWorld _world = null!;

    public async Task InitializeAsync() => _world = await SlackTestWorld.StartAsync();

    public async Task DisposeAsync() => await _world.DisposeAsync();

    private SwarmWebFactory Host(DeployAgent? agent = null, string botToken = SlackWebApi.BotToken, bool configured = true) => _world.Host(agent, botToken, configured);

    private static Task IdleAsync(SwarmWebFactory host) => ChannelTestSettings.IdleAsync(host);

    /// <summary>Carol asks for a deployment; returns the posted approval card and its approval id.</summary>
    private async Task<(SlackCall Card, long ApprovalId)> RequestDeploymentAsync(SwarmWebFactory host)
    {
        var response = await host.CreateClient().SendAsync(SlackRequests.Event(SlackRequests.Mention("EvDeploy", "UCAROL", "C1", "1699999999.100000", "deploy churn to staging")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var card = await _world.Slack.WaitForAsync("chat.postMessage", c => c.Body["blocks"]!.ToJsonString().Contains("\"action_id\":\"approve\""));
        var value = JsonNode.Parse(SlackRequests.Button(card.Body, "approve")["value"]!.ToString())!;
        return (card, long.Parse(value["approval_id"]!.ToString(), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task TheApprovalCardHasStyledButtonsAndItsMessageIsRecorded()
    {
        var host = Host(new DeployAgent());
        var (card, id) = await RequestDeploymentAsync(host);
        Assert.Equal("1699999999.100000", card.Body["thread_ts"]!.ToString());
        Assert.Equal("primary", SlackRequests.Button(card.Body, "approve")["style"]!.ToString());
        Assert.Equal("danger", SlackRequests.Button(card.Body, "reject")["style"]!.ToString());
        await IdleAsync(host);
        var request = await host.Services.GetRequiredService<ApprovalStore>().GetAsync(id);
        Assert.Equal(card.Ts, request!.CardMessageId);
        Assert.Equal("carol", request.RequestedBy);
    }

    [Fact]
    public async Task ANonApproverCannotApproveThroughAButton()
    {
        var agent = new DeployAgent();
        var host = Host(agent);
        var (card, id) = await RequestDeploymentAsync(host);

        var response = await host.CreateClient().SendAsync(SlackRequests.Click("UMALLORY", "C1", card.Ts, SlackRequests.Button(card.Body, "approve")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var refusal = await _world.Slack.WaitForAsync("chat.postMessage", c => c.Body["text"]!.ToString().Contains("needs the *approver* role"));
        Assert.Contains("mallory", refusal.Body["text"]!.ToString());
        await IdleAsync(host);
        Assert.Equal(0, agent.Executions);
        Assert.Equal(ApprovalStatus.Pending, (await host.Services.GetRequiredService<ApprovalStore>().GetAsync(id))!.Status);
        Assert.DoesNotContain(_world.Slack.Calls, c => c.Method == "chat.update");
    }

    [Fact]
    public async Task TwoApproversClickingAtOnceRunTheActionOnce()
    {
        var agent = new DeployAgent();
        var host = Host(agent);
        var (card, id) = await RequestDeploymentAsync(host);
        var http = host.CreateClient();
        var button = SlackRequests.Button(card.Body, "approve");

        var clicks = await Task.WhenAll(
            http.SendAsync(SlackRequests.Click("UALICE", "C1", card.Ts, button)),
            http.SendAsync(SlackRequests.Click("UBOB", "C1", card.Ts, button)));
        Assert.All(clicks, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        await _world.Slack.WaitForAsync("chat.update", c => c.Ts == card.Ts);
        await IdleAsync(host);

        Assert.Equal(1, agent.Executions);
        var request = await host.Services.GetRequiredService<ApprovalStore>().GetAsync(id);
        Assert.Equal(ApprovalStatus.Approved, request!.Status);
        Assert.Single(_world.Slack.Posts, p => p.Body["text"]!.ToString().Contains("Deployed churn to staging"));
        Assert.Single(_world.Slack.Posts, p => p.Body["text"]!.ToString().Contains("already decided"));
        var updates = _world.Slack.Calls.Where(c => c.Method == "chat.update").ToList();
        Assert.All(updates, u => Assert.Equal(card.Ts, u.Ts));
        var updated = updates.Last().Body["blocks"]!.ToJsonString();
        Assert.Contains("Decided by", updated);
        Assert.Contains(request.DecidedBy!, updated);
        Assert.DoesNotContain("\"actions\"", updated);
    }

    [Fact]
    public async Task AnApprovalClickedAfterARestartRunsOnce()
    {
        var before = Host(new DeployAgent());
        var (card, id) = await RequestDeploymentAsync(before);
        await _world.StopAsync(before);

        var agent = new DeployAgent();
        var after = Host(agent);
        var http = after.CreateClient();
        var button = SlackRequests.Button(card.Body, "approve");
        await http.SendAsync(SlackRequests.Click("UALICE", "C1", card.Ts, button));
        await _world.Slack.WaitForAsync("chat.postMessage", c => c.Body["text"]!.ToString().Contains("Deployed churn to staging"));
        await http.SendAsync(SlackRequests.Click("UBOB", "C1", card.Ts, button));
        await _world.Slack.WaitForAsync("chat.postMessage", c => c.Body["text"]!.ToString().Contains("already decided"));
        await IdleAsync(after);

        Assert.Equal(1, agent.Executions);
        Assert.Equal("alice", (await after.Services.GetRequiredService<ApprovalStore>().GetAsync(id))!.DecidedBy);
        Assert.Contains(_world.Slack.Calls, c => c.Method == "chat.update" && c.Ts == card.Ts);
    }

    [Fact]
    public async Task ARejectClickRejectsAndUpdatesTheCard()
    {
        var agent = new DeployAgent();
        var host = Host(agent);
        var (card, id) = await RequestDeploymentAsync(host);
        await host.CreateClient().SendAsync(SlackRequests.Click("UALICE", "C1", card.Ts, SlackRequests.Button(card.Body, "reject")));
        var update = await _world.Slack.WaitForAsync("chat.update", c => c.Ts == card.Ts);
        Assert.Contains("Rejected", update.Body["blocks"]!.ToJsonString());
        await IdleAsync(host);
        Assert.Equal(0, agent.Executions);
        Assert.Equal(ApprovalStatus.Rejected, (await host.Services.GetRequiredService<ApprovalStore>().GetAsync(id))!.Status);
    }
}
