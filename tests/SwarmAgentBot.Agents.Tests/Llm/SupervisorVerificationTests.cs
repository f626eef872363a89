using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SwarmAgentBot.Agents.Supervisor;
using SwarmAgentBot.Agents.Tests.Support;

namespace SwarmAgentBot.Agents.Tests.Llm;

/// <summary>The supervisor's verification stages around a plan, whichever router made it.</summary>
public sealed class SupervisorVerificationTests : IDisposable
{
    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    private static RouteStep DeployIfGood => new() { Agent = "registry", Intent = "registry.deploy_model", Entities = new JsonObject { ["stage"] = "production" }, Condition = "f1 >= 0.8" };

    [Fact]
    public async Task ARequestAnAgentFindsWrongStopsThePlanBeforeAnyStepRuns()
    {
        var training = new FakeTrainingAgent();
        var router = new ScriptedRouter().On("train on nope.csv then deploy", "training.train_model", new JsonObject { ["dataset"] = "nope.csv" }, [DeployIfGood]);
        await using var h = new SupervisorHarness(_db.DataDir, router, [training, new RecordingAgent()]);

        var reply = await h.SayAsync("alice", "train on nope.csv then deploy");

        Assert.Contains("I did not start anything, because:\n- There is no dataset nope.csv; the datasets are churn.csv.", reply);
        Assert.Empty(training.Calls);
        Assert.Empty(await h.Get<ApprovalStore>().ListAsync());
    }

    [Fact]
    public async Task AStepWellOverItsTimeBudgetDoesNotLeadToTheNextStep()
    {
        var training = new FakeTrainingAgent { ElapsedSeconds = 900 };
        var router = new ScriptedRouter().On("train then deploy", "training.train_model", new JsonObject { ["dataset"] = "churn.csv", ["time_budget_s"] = 300 }, [DeployIfGood]);
        await using var h = new SupervisorHarness(_db.DataDir, router, [training, new RecordingAgent()]);

        var reply = await h.SayAsync("alice", "train then deploy");

        Assert.Contains("I did not go on to registry.deploy_model: it took 900 s, well over the time budget of 300 s you asked for.", reply);
        Assert.Empty(await h.Get<ApprovalStore>().ListAsync());
    }

    [Fact]
    public async Task AStepWithinItsTimeBudgetGoesOn()
    {
        var training = new FakeTrainingAgent { ElapsedSeconds = 320 };
        var router = new ScriptedRouter().On("train then deploy", "training.train_model", new JsonObject { ["dataset"] = "churn.csv", ["time_budget_s"] = 300 }, [DeployIfGood]);
        await using var h = new SupervisorHarness(_db.DataDir, router, [training, new RecordingAgent()]);

        var reply = await h.SayAsync("alice", "train then deploy");

        Assert.Contains("Approval **#1**", reply);
    }

    [Fact]
    public async Task TheLastStepOfAPlanIsCheckedToo()
    {
        var training = new FakeTrainingAgent { ElapsedSeconds = 900 };
        var router = new ScriptedRouter().On("train", "training.train_model", new JsonObject { ["dataset"] = "churn.csv", ["time_budget_s"] = 120 });
        await using var h = new SupervisorHarness(_db.DataDir, router, [training]);

        var reply = await h.SayAsync("alice", "train");

        Assert.Contains("Trained churn-model v4", reply);
        Assert.Contains("Note: it took 900 s, well over the time budget of 120 s you asked for.", reply);
    }

    [Fact]
    public async Task AResumedPlanChecksTheBudgetTheBackgroundJobReports()
    {
        var background = new BackgroundAgent();
        await using var h = new SupervisorHarness(_db.DataDir, new ScriptedRouter().On("train in background then deploy", "training.train_model", new JsonObject { ["time_budget_s"] = 300 }, [DeployIfGood]), [background, new RecordingAgent()]);
        await h.SayAsync("alice", "train in background then deploy");

        var replies = await h.Supervisor.ResumePlanAsync("run:7", true,
            new Dictionary<string, double> { ["f1"] = 0.9, ["elapsed_s"] = 1000, ["time_budget_s"] = 300 }, new Dictionary<string, string> { ["model"] = "churn" });

        Assert.Contains("I did not go on to registry.deploy_model: it took 1000 s", Assert.Single(replies).Text);
        Assert.Empty(await h.Get<ApprovalStore>().ListAsync());
    }

    [Fact]
    public async Task ARoutersNoticeIsAddedToTheFirstReply()
    {
        await using var h = new SupervisorHarness(_db.DataDir, new ScriptedRouter(), [], configure: b =>
            b.Services.AddSingleton<IIntentRouter>(new NoticeRouter()));

        var reply = await h.SayAsync("alice", "anything");

        Assert.EndsWith("outside what I do. I help with datasets, training, pipelines, model deployment, drift monitoring and MLOps questions. Say \"help\" for examples.\n\n(a remark)", reply);
    }

    private sealed class NoticeRouter : IIntentRouter
    {
        public Task<RouteResult> RouteAsync(string text, RoutingContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(new RouteResult { Agent = "out_of_scope", Intent = "out_of_scope", Notice = "(a remark)" });
    }

    private sealed class BackgroundAgent : IAgent
    {
        public string Name => "training";

        public IReadOnlyList<IntentDescriptor> Intents { get; } = [IntentSchemas.Descriptor("training.train_model")];

        public Task<AgentResult> HandleAsync(AgentRequest request, CancellationToken cancellationToken = default) =>
            Task.FromResult(new AgentResult { Reply = new("Training started as run 7."), ContinuationKey = "run:7" });

        public Task<AgentResult> ExecuteApprovedAsync(ApprovedAction action, CancellationToken cancellationToken = default) =>
            Task.FromResult(AgentResult.Fail("nothing"));
    }
}
