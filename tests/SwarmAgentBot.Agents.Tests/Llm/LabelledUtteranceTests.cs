using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Agents.Supervisor;
using SwarmAgentBot.Agents.Supervisor.Llm;
using SwarmAgentBot.Agents.Tests.Support;

namespace SwarmAgentBot.Agents.Tests.Llm;

/// <summary>
/// Labelled utterances (one per intent, plus a multi-step and a context case) through the LLM router with a model
/// that knows the right plan but writes it sloppily ("v3", "prod", "300", 12 for "12", "F1"): every label must come
/// out exactly, so no schema, normalisation or consent rule of the planner loses or blocks a correct plan.
/// Accuracy against a real model is the benchmark's job (./build.sh bench nlu --llm).
/// </summary>
public sealed class LabelledUtteranceTests : IDisposable
{
    private const string Set = """
        {"text":"list datasets","intent":"storage.list_datasets","entities":{}}
        {"text":"upload this file as churn.csv","intent":"storage.upload_dataset","entities":{"dataset":"churn.csv"}}
        {"text":"show me the first 20 rows of churn.csv","intent":"storage.preview_dataset","entities":{"dataset":"churn.csv","rows":20}}
        {"text":"profile churn.csv column tenure","intent":"storage.profile_dataset","entities":{"dataset":"churn.csv","column":"tenure"}}
        {"text":"delete old_churn.csv","intent":"storage.delete_dataset","entities":{"dataset":"old_churn.csv"}}
        {"text":"plot tenure vs MonthlyCharges in churn.csv","intent":"storage.plot_dataset","entities":{"dataset":"churn.csv","column":"tenure","column2":"MonthlyCharges"}}
        {"text":"what files did run 12 produce?","intent":"storage.list_artifacts","entities":{"run_id":"12"}}
        {"text":"what pipelines are there?","intent":"pipeline.list_pipelines","entities":{}}
        {"text":"describe train-and-register","intent":"pipeline.describe_pipeline","entities":{"pipeline":"train-and-register"}}
        {"text":"run train-and-register with learning rate 0.1","intent":"pipeline.run_pipeline","entities":{"pipeline":"train-and-register","params":{"learning_rate":0.1}}}
        {"text":"failed runs of train-and-register","intent":"pipeline.list_runs","entities":{"pipeline":"train-and-register","status":"failed"}}
        {"text":"status of run 7","intent":"pipeline.run_status","entities":{"run_id":"7"}}
        {"text":"logs of the train step of run 7","intent":"pipeline.run_logs","entities":{"run_id":"7","step":"train"}}
        {"text":"cancel run 7","intent":"pipeline.cancel_run","entities":{"run_id":"7"}}
        {"text":"compare runs 7 and 8","intent":"pipeline.compare_runs","entities":{"run_ids":["7","8"]}}
        {"text":"how do I roll back a model?","intent":"knowledge.ask","entities":{"question":"how do I roll back a model?"}}
        {"text":"train a churn model on churn.csv target Churn optimising f1 in 5 minutes","intent":"training.train_model","entities":{"dataset":"churn.csv","target":"Churn","task":"classification","metric":"f1","time_budget_s":300}}
        {"text":"how is run 12 going?","intent":"training.training_status","entities":{"run_id":"12"}}
        {"text":"show the leaderboard for run 12","intent":"training.leaderboard","entities":{"run_id":"12"}}
        {"text":"which features matter for churn-model latest?","intent":"training.explain_model","entities":{"model":"churn-model","version":"latest"}}
        {"text":"evaluate churn-model v2 on churn_april.csv","intent":"training.evaluate_model","entities":{"model":"churn-model","version":2,"dataset":"churn_april.csv"}}
        {"text":"list models","intent":"registry.list_models","entities":{}}
        {"text":"deploy churn-model v3 to prod","intent":"registry.deploy_model","entities":{"model":"churn-model","version":3,"stage":"production"}}
        {"text":"roll back churn-model in production","intent":"registry.rollback","entities":{"model":"churn-model","stage":"production"}}
        {"text":"what is deployed in staging?","intent":"registry.list_deployments","entities":{"stage":"staging"}}
        {"text":"predict with churn-model: tenure=3, contract monthly","intent":"registry.predict","entities":{"model":"churn-model","record":{"tenure":3,"contract":"monthly"}}}
        {"text":"check drift for churn-model over the last 7d","intent":"drift.check_drift","entities":{"model":"churn-model","window":"7d"}}
        {"text":"why did churn-model drift?","intent":"drift.explain_drift","entities":{"model":"churn-model"}}
        {"text":"drift history for churn-model","intent":"drift.drift_history","entities":{"model":"churn-model"}}
        {"text":"monitor churn-model hourly and alert above 20%","intent":"drift.configure_monitoring","entities":{"model":"churn-model","schedule":"hourly","threshold":0.2}}
        {"text":"retrain churn-model on churn_march.csv","intent":"training.retrain_model","entities":{"model":"churn-model","dataset":"churn_march.csv"}}
        {"text":"lineage of churn-model v3","intent":"governance.lineage","entities":{"model":"churn-model","version":3}}
        {"text":"who deployed churn-model?","intent":"governance.audit_log","entities":{"model":"churn-model","action":"registry.deploy_model"}}
        {"text":"reproduce run 12","intent":"governance.reproduce_run","entities":{"run_id":"12"}}
        {"text":"pending approvals","intent":"approvals.list_pending","entities":{}}
        {"text":"approve 42","intent":"approvals.approve","entities":{"approval_id":"42"}}
        {"text":"reject 43, not tested","intent":"approvals.reject","entities":{"approval_id":"43","comment":"not tested"}}
        {"text":"help with drift","intent":"help","entities":{"topic":"drift"}}
        {"text":"thanks!","intent":"greeting","entities":{}}
        {"text":"what's the weather in Paris?","intent":"out_of_scope","entities":{}}
        {"text":"train on churn.csv target Churn in 5 minutes then deploy it to production if f1 is at least 0.8","intent":"training.train_model","entities":{"dataset":"churn.csv","target":"Churn","time_budget_s":300},"steps":[{"agent":"registry","intent":"registry.deploy_model","entities":{"stage":"production"},"condition":"f1 >= 0.8"}]}
        {"text":"deploy it to staging","memory":{"model":"churn-model"},"intent":"registry.deploy_model","entities":{"model":"churn-model","stage":"staging"},"resolved_from_context":["model"]}
        """;

    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task EveryLabelledPlanComesThroughThePlannerExactly()
    {
        var examples = Set.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        var oracle = new OracleChatModel(examples);
        var agents = IntentSchemas.All.Select(e => e.Agent).Distinct().Where(a => catalogueAgent(a)).Select(a => (IAgent)new AreaAgent(a)).ToList();
        await using var h = new SupervisorHarness(_db.DataDir, new ScriptedRouter(), agents, configure: b =>
        {
            b.Services.AddSingleton<IChatModel>(oracle);
            b.AddLlmPlanner();
        });
        var router = h.Get<IIntentRouter>();

        var wrong = new List<string>();
        foreach (var example in examples)
        {
            var memory = (example["memory"] as JsonObject)?.ToDictionary(kv => kv.Key, kv => kv.Value!.ToString()) ?? [];
            var route = await router.RouteAsync(example["text"]!.ToString(), new RoutingContext([], memory));
            var expected = Expected(example);
            if (!JsonNode.DeepEquals(JsonNode.Parse(route.ToJson()), expected) || route.Notice is not null)
                wrong.Add($"{example["text"]}: got {route.ToJson()} {route.Notice}, expected {expected.ToJsonString()}");
        }

        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
        static bool catalogueAgent(string agent) => !IntentSchemas.SupervisorIntents.Any(i => i == agent || i.StartsWith(agent + ".", StringComparison.Ordinal));
    }

    private static JsonObject Expected(JsonObject example)
    {
        var intent = example["intent"]!.ToString();
        var expected = new JsonObject
        {
            ["agent"] = IntentSchemas.Find(intent)!.Agent,
            ["intent"] = intent,
            ["entities"] = example["entities"]!.DeepClone(),
        };
        if (example["steps"] is { } steps) expected["steps"] = steps.DeepClone();
        if (example["resolved_from_context"] is { } resolved) expected["resolved_from_context"] = resolved.DeepClone();
        return expected;
    }

    /// <summary>An agent serving every catalogue intent of its area (routing only; never run here).</summary>
    private sealed class AreaAgent(string name) : IAgent
    {
        public string Name => name;

        public IReadOnlyList<IntentDescriptor> Intents { get; } = IntentSchemas.All.Where(e => e.Agent == name).Select(e => IntentSchemas.Descriptor(e.Intent)).ToList();

        public Task<AgentResult> HandleAsync(AgentRequest request, CancellationToken cancellationToken = default) => Task.FromResult(AgentResult.Ok(request.Intent));

        public Task<AgentResult> ExecuteApprovedAsync(ApprovedAction action, CancellationToken cancellationToken = default) => Task.FromResult(AgentResult.Fail("no"));
    }

    /// <summary>Knows each utterance's labelled plan and writes it the way models often do.</summary>
    private sealed class OracleChatModel(IReadOnlyList<JsonObject> examples) : IChatModel
    {
        private int _ids;

        public string Model => "oracle";

        public Task<ChatCompletion> CompleteAsync(ChatRequest request, CancellationToken cancellationToken = default)
        {
            var text = request.Messages.Last(m => m.Role == ChatRole.User).Content;
            var example = examples.Single(e => e["text"]!.ToString() == text);
            var steps = new List<(string Intent, JsonObject Entities, string? Condition)> { (example["intent"]!.ToString(), example["entities"]!.AsObject(), null) };
            foreach (var s in example["steps"] as JsonArray ?? [])
                steps.Add((s!["intent"]!.ToString(), s["entities"]!.AsObject(), s["condition"]?.ToString()));

            List<ChatToolCall> calls;
            if (request.Tools.Any(t => t.Name == "choose_agents"))
            {
                var agents = new JsonArray(steps.Select(s => (JsonNode)IntentSchemas.Find(s.Intent)!.Agent).Distinct().ToArray());
                calls = [Call("choose_agents", new JsonObject { ["agents"] = agents })];
            }
            else
            {
                calls = steps.Select(s =>
                {
                    var args = Sloppy(s.Entities);
                    if (s.Condition is not null) args["condition"] = s.Condition;
                    return Call(PlannerToolbox.ToolNameOf(s.Intent), args);
                }).ToList();
            }
            return Task.FromResult(new ChatCompletion(null, calls, new ChatUsage(50, 10), Model, "tool_calls"));
        }

        private ChatToolCall Call(string name, JsonObject args) => new($"call_{++_ids}", name, args.ToJsonString());

        private static JsonObject Sloppy(JsonObject entities)
        {
            var args = new JsonObject();
            foreach (var (key, value) in entities)
                args[key] = (key, value) switch
                {
                    ("version", JsonValue v) when v.GetValueKind() == JsonValueKind.Number => "v" + v,
                    ("stage", JsonValue v) => v.ToString() == "production" ? "prod" : "Staging",
                    ("metric", JsonValue v) => v.ToString().ToUpperInvariant(),
                    ("run_id", JsonValue v) when int.TryParse(v.ToString(), out var n) => n,
                    ("approval_id", JsonValue v) => "#" + v,
                    (_, JsonValue v) when v.GetValueKind() == JsonValueKind.Number && key != "threshold" => v.ToJsonString(),
                    _ => value?.DeepClone(),
                };
            return args;
        }
    }
}
