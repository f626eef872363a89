using System.Text.Json.Nodes;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Agents.Supervisor;
using SwarmAgentBot.Agents.Tests.Support;

namespace SwarmAgentBot.Agents.Tests.Supervisor;

public sealed class ApprovalGateTests : IDisposable
{
    private readonly TestDatabase _db = new();
    private readonly ScriptedRouter _router = new ScriptedRouter()
        .On("deploy churn to staging", "registry.deploy_model", new JsonObject { ["model"] = "churn", ["stage"] = "staging" })
        .On("deploy churn to prod", "registry.deploy_model", new JsonObject { ["model"] = "churn", ["stage"] = "production" })
        .On("approve 1", "approvals.approve", new JsonObject { ["approval_id"] = "1" })
        .On("reject 1", "approvals.reject", new JsonObject { ["approval_id"] = "1" })
        .On("pending approvals", "approvals.list_pending");

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task AMutatingIntentWaitsForApprovalAndRunsOnceApproved()
    {
        var agent = new RecordingAgent();
        await using var h = new SupervisorHarness(_db.DataDir, _router, [agent]);

        var asked = await h.SayAsync("alice", "deploy churn to staging");
        Assert.Contains("Approval **#1**", asked);
        Assert.Equal(0, agent.Executions);

        var approved = await h.SayAsync("bob", "approve 1", conversation: "c2");
        Assert.Contains("bob approved #1", approved);
        Assert.Equal(1, agent.Executions);
        // The requester's conversation is told, because bob decided elsewhere.
        Assert.Contains(h.Sender.Sent, s => s.To.ConversationId == "c1" && s.Reply.Text.Contains("approved #1"));
    }

    [Fact]
    public async Task ItRefusesAnApproverWithoutTheRequiredRole()
    {
        var agent = new RecordingAgent();
        await using var h = new SupervisorHarness(_db.DataDir, _router, [agent]);
        await h.SayAsync("bob", "deploy churn to prod");

        var reply = await h.SayAsync("alice", "approve 1");

        Assert.Contains("needs the **prod-approver** role", reply);
        Assert.Equal(0, agent.Executions);
        var pending = await h.Get<ApprovalStore>().ListAsync();
        Assert.Single(pending);
    }

    [Fact]
    public async Task ItRefusesSelfApprovalOfAProductionDeployment()
    {
        var agent = new RecordingAgent();
        await using var h = new SupervisorHarness(_db.DataDir, _router, [agent]);
        await h.SayAsync("bob", "deploy churn to prod");

        var reply = await h.SayAsync("bob", "approve 1");

        Assert.Contains("Policy does not allow approving your own request", reply);
        Assert.Equal(0, agent.Executions);
        Assert.Contains("carol approved #1", await h.SayAsync("carol", "approve 1"));
        Assert.Equal(1, agent.Executions);
    }

    [Fact]
    public async Task ConcurrentApprovalsExecuteTheActionOnce()
    {
        var agent = new RecordingAgent();
        await using var h = new SupervisorHarness(_db.DataDir, _router, [agent]);
        await h.SayAsync("alice", "deploy churn to staging");

        var gate = h.Get<ApprovalGate>();
        var attempts = Enumerable.Range(0, 8).Select(i => Task.Run(() => gate.DecideAsync(1, true, new ConversationRef("test", "c" + i), i % 2 == 0 ? "bob" : "alice", null)));
        var replies = await Task.WhenAll(attempts);

        Assert.Equal(1, agent.Executions);
        Assert.Single(replies, r => r.Text.Contains("approved #1:"));
        Assert.All(replies.Where(r => !r.Text.Contains("approved #1:")), r => Assert.Contains("already decided", r.Text));
    }

    [Fact]
    public async Task AnApprovalSurvivesARestartAndStillRunsOnce()
    {
        var first = new RecordingAgent();
        await using (var before = new SupervisorHarness(_db.DataDir, _router, [first]))
            await before.SayAsync("alice", "deploy churn to staging");

        var second = new RecordingAgent();
        await using var after = new SupervisorHarness(_db.DataDir, _router, [second]);
        Assert.Contains("bob approved #1", await after.SayAsync("bob", "approve 1"));
        Assert.Contains("already decided", await after.SayAsync("bob", "approve 1"));
        Assert.Equal(0, first.Executions);
        Assert.Equal(1, second.Executions);
    }

    [Fact]
    public async Task AnExpiredApprovalCannotExecute()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero));
        var agent = new RecordingAgent();
        await using var h = new SupervisorHarness(_db.DataDir, _router, [agent], clock);
        await h.SayAsync("alice", "deploy churn to staging");

        clock.Advance(TimeSpan.FromHours(25));
        var reply = await h.SayAsync("bob", "approve 1");

        Assert.Contains("expired", reply);
        Assert.Equal(0, agent.Executions);
    }

    [Fact]
    public async Task ARejectionRunsNothingAndIsAudited()
    {
        var agent = new RecordingAgent();
        await using var h = new SupervisorHarness(_db.DataDir, _router, [agent]);
        await h.SayAsync("alice", "deploy churn to staging");

        Assert.Contains("rejected #1", await h.SayAsync("bob", "reject 1"));
        Assert.Equal(0, agent.Executions);
        var audit = await h.Get<Metadata.AuditLog>().QueryAsync(action: "approval.rejected");
        var entry = Assert.Single(audit);
        Assert.Equal("alice", entry.Actor);
        Assert.Equal("bob", entry.ApprovedBy);
    }

    [Fact]
    public async Task TheAuditLogRecordsRequesterAndApproverOfAnExecutedAction()
    {
        var agent = new RecordingAgent();
        await using var h = new SupervisorHarness(_db.DataDir, _router, [agent]);
        await h.SayAsync("alice", "deploy churn to staging");
        await h.SayAsync("bob", "approve 1");

        var entries = await h.Get<Metadata.AuditLog>().QueryAsync(action: "registry.deploy_model");
        var entry = Assert.Single(entries);
        Assert.Equal("alice", entry.Actor);
        Assert.Equal("bob", entry.ApprovedBy);
        Assert.True(entry.Details["succeeded"]!.GetValue<bool>());
    }
}

public sealed class SecurityOptionsTests
{
    [Fact]
    public void AChannelPrefixedIdWinsOverABareOne()
    {
        var options = new SecurityOptions { Users = new(StringComparer.OrdinalIgnoreCase) { ["slack/U1"] = "alice", ["U1"] = "bob" } };
        Assert.Equal("alice", options.PersonFor("slack", "U1"));
        Assert.Equal("bob", options.PersonFor("msteams", "U1"));
        Assert.Equal("U2", options.PersonFor("slack", "U2"));
    }

    [Fact]
    public void AdminsHoldEveryRole()
    {
        var options = new SecurityOptions { Roles = new(StringComparer.OrdinalIgnoreCase) { ["root"] = ["admin"], ["ann"] = ["approver"] } };
        Assert.True(options.HasRole("root", "prod-approver"));
        Assert.False(options.HasRole("ann", "prod-approver"));
        Assert.False(options.HasRole("nobody", "approver"));
    }
}
