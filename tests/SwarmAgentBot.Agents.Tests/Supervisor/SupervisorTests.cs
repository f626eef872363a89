using System.Text.Json.Nodes;
using SwarmAgentBot.Agents.Supervisor;
using SwarmAgentBot.Agents.Tests.Support;

namespace SwarmAgentBot.Agents.Tests.Supervisor;

public sealed class SupervisorTests : IDisposable
{
    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    private static ScriptedRouter Router() => new ScriptedRouter()
        .On("help", "help")
        .On("hi", "greeting")
        .On("list models", "registry.list_models")
        .On("list models then deploy to prod if f1 >= 0.8", "registry.list_models", null,
            [new RouteStep { Agent = "registry", Intent = "registry.deploy_model", Entities = new JsonObject { ["stage"] = "production" }, Condition = "f1 >= 0.8" }])
        .On("list models then deploy to prod if f1 >= 0.9", "registry.list_models", null,
            [new RouteStep { Agent = "registry", Intent = "registry.deploy_model", Entities = new JsonObject { ["stage"] = "production" }, Condition = "f1 >= 0.9" }])
        .On("train something", "training.train_model");

    [Fact]
    public async Task AnEmptyMessageGetsAClearReply()
    {
        await using var h = new SupervisorHarness(_db.DataDir, Router(), []);
        Assert.Contains("empty message", await h.SayAsync("alice", "   "));
    }

    [Fact]
    public async Task AnOverlongMessageIsRefusedWithTheLimit()
    {
        await using var h = new SupervisorHarness(_db.DataDir, Router(), [], settings: new Dictionary<string, string?> { ["Swarm:MaxMessageLength"] = "100" });
        var reply = await h.SayAsync("alice", new string('x', 101));
        Assert.Contains("at most 100", reply);
    }

    [Fact]
    public async Task HelpListsEveryArea()
    {
        await using var h = new SupervisorHarness(_db.DataDir, Router(), []);
        var reply = await h.SayAsync("alice", "help");
        foreach (var area in new[] { "Datasets", "AutoML", "deployment", "Drift", "Pipelines", "Lineage" })
            Assert.Contains(area, reply);
    }

    [Fact]
    public async Task OutOfScopeIsAPoliteRefusalAndNoAction()
    {
        var agent = new RecordingAgent();
        await using var h = new SupervisorHarness(_db.DataDir, Router(), [agent]);
        var reply = await h.SayAsync("alice", "what's the weather in Paris");
        Assert.Contains("outside what I do", reply);
        Assert.Empty(await h.Get<ApprovalStore>().ListAsync(null));
    }

    [Fact]
    public async Task AnIntentWithNoAgentYetSaysSoHonestly()
    {
        await using var h = new SupervisorHarness(_db.DataDir, Router(), []);
        var reply = await h.SayAsync("alice", "train something");
        Assert.Contains("not set up in this installation yet", reply);
    }

    [Fact]
    public async Task AMetConditionRunsTheNextStep()
    {
        var agent = new RecordingAgent();
        await using var h = new SupervisorHarness(_db.DataDir, Router(), [agent]);
        var reply = await h.SayAsync("alice", "list models then deploy to prod if f1 >= 0.8");
        Assert.Contains("Condition met (f1 = 0.84, needed >= 0.8)", reply);
        Assert.Contains("Approval **#1**", reply);
        // The step got the model the first step remembered.
        var pending = Assert.Single(await h.Get<ApprovalStore>().ListAsync());
        Assert.Equal("churn", pending.Arguments["model"]!.ToString());
    }

    [Fact]
    public async Task AnUnmetConditionStopsThePlan()
    {
        var agent = new RecordingAgent();
        await using var h = new SupervisorHarness(_db.DataDir, Router(), [agent]);
        var reply = await h.SayAsync("alice", "list models then deploy to prod if f1 >= 0.9");
        Assert.Contains("I did not run registry.deploy_model: f1 = 0.84, needed >= 0.9", reply);
        Assert.Empty(await h.Get<ApprovalStore>().ListAsync());
    }

    [Fact]
    public async Task WhatAConversationProducedIsRememberedAcrossRestarts()
    {
        await using (var h = new SupervisorHarness(_db.DataDir, Router(), [new RecordingAgent()]))
            await h.SayAsync("alice", "list models");
        await using var again = new SupervisorHarness(_db.DataDir, Router(), [new RecordingAgent()]);
        var state = await again.Get<Conversation.ConversationStore>().GetAsync(new Conversation.ConversationRef("test", "c1"));
        Assert.Equal("churn", state.Memory["model"]);
        Assert.Equal(["list models"], state.History);
    }

    [Theory]
    [InlineData("f1 >= 0.8", 0.8, true)]
    [InlineData("f1 > 0.8", 0.8, false)]
    [InlineData("rmse < 3", 2.5, true)]
    [InlineData("auc <= 0.5", 0.7, false)]
    public void ConditionsCompareTheReportedMetric(string condition, double value, bool met)
    {
        var metric = condition.Split(' ')[0];
        Assert.Equal(met, global::SwarmAgentBot.Agents.Supervisor.Supervisor.CheckCondition(condition, new Dictionary<string, double> { [metric] = value }).Met);
    }

    [Fact]
    public void AConditionOnAMissingMetricIsNotMet()
    {
        var (met, reason) = global::SwarmAgentBot.Agents.Supervisor.Supervisor.CheckCondition("f1 >= 0.8", new Dictionary<string, double> { ["auc"] = 0.9 });
        Assert.False(met);
        Assert.Contains("did not report f1", reason);
    }
}
