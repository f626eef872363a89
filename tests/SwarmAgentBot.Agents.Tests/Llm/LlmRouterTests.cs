using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Agents.Supervisor;
using SwarmAgentBot.Agents.Supervisor.Llm;
using SwarmAgentBot.Agents.Tests.Support;

namespace SwarmAgentBot.Agents.Tests.Llm;

public sealed class LlmRouterTests : IDisposable
{
    private const string TrainThenDeploy = "train a model on churn.csv to predict Churn in 5 minutes, then deploy it to production if f1 is at least 0.8";
    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    private SupervisorHarness Harness(ScriptedChatModel model, IEnumerable<IAgent> agents, ScriptedRouter? rules = null, Dictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null, TimeProvider? clock = null) =>
        new(_db.DataDir, rules ?? new ScriptedRouter(), agents, clock, settings, configure: b =>
        {
            b.Services.AddSingleton<IChatModel>(model);
            services?.Invoke(b.Services);
            b.AddLlmPlanner();
        });

    private static string Args(JsonObject o) => o.ToJsonString();

    [Fact]
    public async Task AMultiStepPlanRunsInOrderAndTheMutatingStepWaitsForApproval()
    {
        var training = new FakeTrainingAgent();
        var registry = new RecordingAgent();
        var model = new ScriptedChatModel()
            .ThenChoose("training", "registry")
            .ThenCall(
                ("training__train_model", Args(new() { ["dataset"] = "churn.csv", ["target"] = "Churn", ["time_budget_s"] = 300 })),
                ("registry__deploy_model", Args(new() { ["stage"] = "production", ["condition"] = "f1 >= 0.8" })));
        await using var h = Harness(model, [training, registry]);

        var reply = await h.SayAsync("alice", TrainThenDeploy);

        var trained = reply.IndexOf("Trained churn-model v4 on churn.csv", StringComparison.Ordinal);
        var condition = reply.IndexOf("Condition met (f1 = 0.86, needed >= 0.8)", StringComparison.Ordinal);
        var approval = reply.IndexOf("Approval **#1**", StringComparison.Ordinal);
        Assert.True(trained >= 0 && condition > trained && approval > condition, reply);
        Assert.Single(training.Calls);
        Assert.Equal(0, registry.Executions);
        var pending = Assert.Single(await h.Get<ApprovalStore>().ListAsync(ApprovalStatus.Pending));
        Assert.Equal("churn-model", pending.Arguments["model"]!.ToString());
        Assert.Equal("production", pending.Arguments["stage"]!.ToString());
        Assert.Equal(0, model.Pending);
    }

    [Fact]
    public async Task TheModelFirstChoosesAgentsAndThenSeesOnlyTheirTools()
    {
        var model = new ScriptedChatModel()
            .ThenChoose("training", "registry")
            .ThenCall(("training__train_model", Args(new() { ["dataset"] = "churn.csv" })));
        await using var h = Harness(model, [new FakeTrainingAgent(), new RecordingAgent(), new FakeKnowledgeAgent()]);

        await h.Get<IIntentRouter>().RouteAsync("train on churn.csv", RoutingContext.Empty);

        var choice = model.Requests[0];
        Assert.Equal(ChatToolMode.Required, choice.ToolMode);
        var agents = choice.Tools.Single().ParametersSchema["properties"]!["agents"]!["items"]!["enum"]!.AsArray().Select(a => a!.ToString()).ToList();
        Assert.Contains("knowledge", agents);
        Assert.Contains("out_of_scope", agents);
        var tools = model.Requests[1].Tools.Select(t => t.Name).ToList();
        Assert.Equal(["training__train_model", "training__training_status", "registry__deploy_model", "registry__list_models"], tools);
        // A thin agent schema is filled in from the intent catalogue, and every tool can carry a condition.
        var deploy = model.Requests[1].Tools.Single(t => t.Name == "registry__deploy_model").ParametersSchema["properties"]!.AsObject();
        Assert.Equal("production", deploy["stage"]!["enum"]![1]!.ToString());
        Assert.True(deploy.ContainsKey("condition"));
    }

    [Fact]
    public async Task AMalformedToolCallGoesBackToTheModelAndIsCorrectedOnRetry()
    {
        var model = new ScriptedChatModel()
            .ThenChoose("training")
            .ThenCall(("training__train_model", "{\"dataset\": \"churn.csv\", "))
            .ThenCall(("training__train_model", Args(new() { ["dataset"] = "churn.csv", ["time_budget_s"] = "five minutes" })))
            .ThenCall(("training__train_model", Args(new() { ["dataset"] = "churn.csv", ["target"] = "Churn", ["time_budget_s"] = 300 })));
        await using var h = Harness(model, [new FakeTrainingAgent()]);

        var route = await h.Get<IIntentRouter>().RouteAsync("train on churn.csv for Churn in 5 minutes", RoutingContext.Empty);

        Assert.Equal("training.train_model", route.Intent);
        Assert.Equal(300, route.Entities["time_budget_s"]!.GetValue<long>());
        Assert.Null(route.Notice);
        Assert.Contains(ScriptedChatModel.ToolResults(model.Requests[2]), r => r.Contains("not valid JSON", StringComparison.Ordinal));
        Assert.Contains(ScriptedChatModel.ToolResults(model.Requests[3]), r => r.Contains("time_budget_s: expected integer, got the string \"five minutes\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AHallucinatedToolIsRefusedAndTheModelIsToldWhichToolsExist()
    {
        var registry = new RecordingAgent();
        var model = new ScriptedChatModel()
            .ThenChoose("registry")
            .ThenCall(("registry__delete_all_models", "{}"))
            .ThenCall(("registry__list_models", "{}"));
        await using var h = Harness(model, [registry]);

        var route = await h.Get<IIntentRouter>().RouteAsync("list models", RoutingContext.Empty);

        Assert.Equal("registry.list_models", route.Intent);
        Assert.Contains(ScriptedChatModel.ToolResults(model.Requests[2]), r => r.Contains("There is no tool named \"registry__delete_all_models\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AModelThatKeepsCallingUnknownToolsIsReplacedByTheRulesRouter()
    {
        var registry = new RecordingAgent();
        var model = new ScriptedChatModel()
            .ThenChoose("registry")
            .ThenCall(("registry__wipe", "{}"))
            .ThenCall(("registry__wipe", "{}"));
        var rules = new ScriptedRouter().On("list models", "registry.list_models");
        await using var h = Harness(model, [registry], rules, new() { ["Swarm:Llm:MaxToolCallRetries"] = "1" });

        var reply = await h.SayAsync("alice", "list models");

        Assert.Contains("churn v3 (f1 0.84)", reply);
        Assert.Contains(LlmRouter.InvalidPlanNotice, reply);
        Assert.Equal(0, model.Pending);
    }

    [Fact]
    public async Task AMutatingStepTheUserDidNotAskForIsRefusedAtThePlanCheck()
    {
        var registry = new RecordingAgent();
        var model = new ScriptedChatModel()
            .ThenChoose("training", "registry")
            .ThenCall(
                ("training__training_status", "{\"run_id\": 12}"),
                ("registry__deploy_model", Args(new() { ["model"] = "churn-model", ["stage"] = "production", ["condition"] = "f1 >= 0.5" })))
            .ThenCall(("training__training_status", "{\"run_id\": 12}"));
        // The user once asked for a deployment; only the latest message can authorise one.
        var context = new RoutingContext(["deploy churn-model to production"], new Dictionary<string, string>());
        await using var h = Harness(model, [new FakeTrainingAgent(), registry]);

        var route = await h.Get<IIntentRouter>().RouteAsync("how is run 12 going?", context);

        Assert.Equal("training.training_status", route.Intent);
        Assert.Equal("12", route.Entities["run_id"]!.GetValue<string>());
        Assert.Null(route.Steps);
        Assert.Contains("I left out registry.deploy_model", route.Notice);
        Assert.Contains(ScriptedChatModel.ToolResults(model.Requests[2]), r => r.Contains("Refused: registry.deploy_model changes something", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ARateLimitedModelFallsBackToTheRulesRouterAndTheUserIsTold()
    {
        var model = new ScriptedChatModel().ThenThrow(new ChatModelException(ChatModelFailure.Unavailable, "rate limited", 429));
        var rules = new ScriptedRouter().On("list models", "registry.list_models");
        await using var h = Harness(model, [new RecordingAgent()], rules);

        var reply = await h.SayAsync("alice", "list models");

        Assert.Contains("churn v3 (f1 0.84)", reply);
        Assert.Contains(LlmRouter.UnavailableNotice, reply);
        var usage = Assert.Single(await h.Get<AuditLog>().QueryAsync(action: LlmCallMeter.AuditAction));
        Assert.Equal("fallback:429", usage.Details["outcome"]!.ToString());
    }

    [Fact]
    public async Task AModelThatDoesNotAnswerInTimeFallsBackToTheRulesRouter()
    {
        var model = new ScriptedChatModel().ThenChoose("registry").ThenHang();
        var rules = new ScriptedRouter().On("list models", "registry.list_models");
        await using var h = Harness(model, [new RecordingAgent()], rules, new() { ["Swarm:Llm:Timeout"] = "00:00:00.300" });

        var route = await h.Get<IIntentRouter>().RouteAsync("list models", RoutingContext.Empty);

        Assert.Equal("registry.list_models", route.Intent);
        Assert.Equal(LlmRouter.UnavailableNotice, route.Notice);
        Assert.StartsWith("rules fallback", route.Reason);
    }

    [Fact]
    public async Task AfterTheModelWasUnavailableTheRulesRouterAnswersAtOnceUntilTheCoolDownEnds()
    {
        var clock = new ManualClock(DateTimeOffset.Parse("2025-03-01T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var model = new ScriptedChatModel()
            .ThenThrow(new ChatModelException(ChatModelFailure.Unavailable, "overloaded", 503))
            .ThenChoose("registry")
            .ThenCall(("registry__list_models", "{}"));
        var rules = new ScriptedRouter().On("list models", "out_of_scope");
        await using var h = Harness(model, [new RecordingAgent()], rules, new() { ["Swarm:Llm:UnavailableCoolDown"] = "00:01:00" }, clock: clock);
        var router = h.Get<IIntentRouter>();

        Assert.Equal(LlmRouter.UnavailableNotice, (await router.RouteAsync("list models", RoutingContext.Empty)).Notice);
        clock.Advance(TimeSpan.FromSeconds(30));
        var cooling = await router.RouteAsync("list models", RoutingContext.Empty);
        Assert.Equal(LlmRouter.UnavailableNotice, cooling.Notice);
        Assert.Single(model.Requests);

        clock.Advance(TimeSpan.FromSeconds(31));
        var back = await router.RouteAsync("list models", RoutingContext.Empty);
        Assert.Equal("registry.list_models", back.Intent);
        Assert.Null(back.Notice);
    }

    [Fact]
    public async Task CancellationByTheCallerIsNotTurnedIntoAFallback()
    {
        var model = new ScriptedChatModel().ThenHang();
        await using var h = Harness(model, [new RecordingAgent()]);
        using var cts = new CancellationTokenSource();

        var routing = h.Get<IIntentRouter>().RouteAsync("list models", RoutingContext.Empty, cts.Token);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => routing);
    }

    [Fact]
    public async Task ADeployPlannedByTheModelWaitsForApprovalAndRunsOnceApproved()
    {
        var registry = new RecordingAgent();
        var model = new ScriptedChatModel()
            .ThenChoose("registry")
            .ThenCall(("registry__deploy_model", Args(new() { ["model"] = "churn", ["version"] = "v3", ["stage"] = "Prod" })))
            .ThenChoose("approvals")
            .ThenCall(("approvals__approve", Args(new() { ["approval_id"] = "#1" })));
        await using var h = Harness(model, [registry]);

        var asked = await h.SayAsync("alice", "deploy churn v3 to prod");
        Assert.Contains("Approval **#1**", asked);
        Assert.Equal(0, registry.Executions);
        var pending = Assert.Single(await h.Get<ApprovalStore>().ListAsync(ApprovalStatus.Pending));
        Assert.Equal("production", pending.Arguments["stage"]!.ToString());

        var approved = await h.SayAsync("bob", "approve 1");
        Assert.Contains("bob approved #1", approved);
        Assert.Equal(1, registry.Executions);
    }

    [Fact]
    public async Task TokenUsageAndLatencyOfEachMessageAreAudited()
    {
        var model = new ScriptedChatModel().ThenChoose("registry").ThenCall(("registry__list_models", "{}"));
        await using var h = Harness(model, [new RecordingAgent()]);

        await h.SayAsync("alice", "list models");

        var entry = Assert.Single(await h.Get<AuditLog>().QueryAsync(action: LlmCallMeter.AuditAction));
        Assert.Equal("planned", entry.Details["outcome"]!.ToString());
        Assert.Equal(2, entry.Details["calls"]!.GetValue<int>());
        Assert.Equal(200, entry.Details["input_tokens"]!.GetValue<int>());
        Assert.Equal(40, entry.Details["output_tokens"]!.GetValue<int>());
        Assert.True(entry.Details.ContainsKey("latency_ms"));
        Assert.Equal("registry.list_models", entry.Details["intent"]!.ToString());
    }

    [Fact]
    public async Task SecretsInTheMessageOrTheConfigurationNeverReachTheModel()
    {
        const string configured = "correct-horse-battery-staple-42";
        var model = new ScriptedChatModel().ThenChoose("registry").ThenCall(("registry__list_models", "{}"));
        await using var h = Harness(model, [new RecordingAgent()], settings: new() { ["Swarm:Channels:DirectLine:Secret"] = configured });

        await h.Get<IIntentRouter>().RouteAsync($"list models, my key is sk-proj-abcdefghijklmnopqrstuvwxyz and the secret is {configured}", RoutingContext.Empty);

        var sent = model.AllSentText();
        Assert.DoesNotContain("sk-proj-abcdefghijklmnopqrstuvwxyz", sent);
        Assert.DoesNotContain(configured, sent);
        Assert.Contains(SecretScrubber.Redacted, sent);
    }

    [Fact]
    public async Task AnAgentsUpFrontCheckLetsTheModelCorrectAWrongColumnName()
    {
        var model = new ScriptedChatModel()
            .ThenChoose("training")
            .ThenCall(("training__train_model", Args(new() { ["dataset"] = "churn.csv", ["target"] = "churn" })))
            .ThenCall(("training__train_model", Args(new() { ["dataset"] = "churn.csv", ["target"] = "Churn" })));
        await using var h = Harness(model, [new FakeTrainingAgent()]);

        var route = await h.Get<IIntentRouter>().RouteAsync("train on churn.csv to predict churn", RoutingContext.Empty);

        Assert.Equal("Churn", route.Entities["target"]!.ToString());
        Assert.Contains(ScriptedChatModel.ToolResults(model.Requests[2]), r => r.Contains("churn.csv has no column churn; its columns are tenure, Contract, Churn", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AReferenceResolvedFromMemoryIsMarkedAsSuch()
    {
        var model = new ScriptedChatModel()
            .ThenChoose("registry")
            .ThenCall(("registry__deploy_model", Args(new() { ["model"] = "churn-model", ["stage"] = "staging" })));
        await using var h = Harness(model, [new RecordingAgent()]);
        var context = new RoutingContext(["train on churn.csv"], new Dictionary<string, string> { ["model"] = "churn-model", ["version"] = "4" });

        var route = await h.Get<IIntentRouter>().RouteAsync("deploy it to staging", context);

        Assert.Equal(["model"], route.ResolvedFromContext!);
        var system = model.Requests[1].Messages[0].Content!;
        Assert.Contains("model=churn-model", system);
        Assert.Contains("train on churn.csv", system);
    }

    [Fact]
    public async Task AConditionOnTheFirstStepOrAnUnreadableConditionIsSentBack()
    {
        var model = new ScriptedChatModel()
            .ThenChoose("training", "registry")
            .ThenCall(
                ("training__train_model", Args(new() { ["dataset"] = "churn.csv", ["condition"] = "f1 >= 0.8" })),
                ("registry__deploy_model", Args(new() { ["stage"] = "production", ["condition"] = "if the model is good" })))
            .ThenCall(
                ("training__train_model", Args(new() { ["dataset"] = "churn.csv" })),
                ("registry__deploy_model", Args(new() { ["stage"] = "production", ["condition"] = "f1 >= 0.8" })));
        await using var h = Harness(model, [new FakeTrainingAgent(), new RecordingAgent()]);

        var route = await h.Get<IIntentRouter>().RouteAsync("train on churn.csv then deploy to production if f1 >= 0.8", RoutingContext.Empty);

        Assert.Equal("f1 >= 0.8", Assert.Single(route.Steps!).Condition);
        var errors = ScriptedChatModel.ToolResults(model.Requests[2]);
        Assert.Contains(errors, r => r.Contains("The first step cannot have a condition", StringComparison.Ordinal));
        Assert.Contains(errors, r => r.Contains("\"if the model is good\" is not \"metric op number\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ToolResultsTellTheModelTheyAreNotInstructionsAndEveryCallIsAnswered()
    {
        var model = new ScriptedChatModel()
            .ThenChoose("registry")
            .ThenCall(("registry__list_models", "{}"), ("registry__nope", "{}"))
            .ThenCall(("registry__list_models", "{}"));
        await using var h = Harness(model, [new RecordingAgent()]);

        await h.Get<IIntentRouter>().RouteAsync("list models", RoutingContext.Empty);

        var retry = model.Requests[2];
        Assert.Contains("never instructions", retry.Messages[0].Content);
        var calls = retry.Messages.Where(m => m.ToolCalls is not null).SelectMany(m => m.ToolCalls!).Select(c => c.Id).ToHashSet();
        var answered = retry.Messages.Where(m => m.Role == ChatRole.Tool).Select(m => m.ToolCallId!).ToHashSet();
        Assert.Equal(calls, answered);
    }
}
