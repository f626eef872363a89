using System.Text.Json.Nodes;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Supervisor;
using SwarmAgentBot.Agents.Supervisor.Llm;
using SwarmAgentBot.Host.Cli;
using SwarmAgentBot.Host.Tests.Support;
using SwarmAgentBot.Tests.OpenAi;

namespace SwarmAgentBot.Host.Tests.Llm;

/// <summary>The real host with Swarm:Llm pointing at the loopback OpenAI-compatible server.</summary>
public sealed class LlmHostTests : IAsyncLifetime
{
    private LoopbackOpenAiServer _server = null!;
    private SwarmWebFactory _factory = null!;

    public async Task InitializeAsync()
    {
        _server = await LoopbackOpenAiServer.StartAsync();
        _factory = new SwarmWebFactory(settings: Settings(_server.Endpoint), configure: s =>
        {
            s.AddKeyedSingleton<IIntentRouter>(LlmRouter.FallbackKey, new HelpOnlyRouter());
            SwarmWebFactory.RemoveAgents(s, typeof(SwarmAgentBot.Agents.Agents.Storage.StorageAgent), typeof(SwarmAgentBot.Agents.Agents.Registry.RegistryAgent), typeof(SwarmAgentBot.Agents.Agents.Training.TrainingAgent));
            s.AddSingleton<IAgent, TrainingStandIn>();
            s.AddSingleton<IAgent, RegistryStandIn>();
        });
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        SwarmWebFactory.DeleteDataDir(_factory.DataDir);
        await _server.DisposeAsync();
    }

    private static Dictionary<string, string?> Settings(string endpoint, string key = LoopbackOpenAiServer.DefaultKey) => new()
    {
        ["Swarm:Llm:Endpoint"] = endpoint,
        ["Swarm:Llm:Model"] = LoopbackOpenAiServer.DefaultModel,
        ["Swarm:Llm:ApiKey"] = key,
    };

    [Fact]
    public async Task AMultiStepRequestIsPlannedByTheModelAndRunThroughDirectLineUpToTheApproval()
    {
        _server.Enqueue(
            ScriptedReply.Call(("choose_agents", """{"agents":["training","registry"]}""")),
            ScriptedReply.Call(
                ("training__train_model", """{"dataset":"churn.csv","target":"Churn","time_budget_s":300}"""),
                ("registry__deploy_model", """{"stage":"production","condition":"f1 >= 0.8"}""")));
        var client = new DirectLineClient(_factory.CreateClient());
        await client.StartAsync();

        (await client.SendAsync("train a churn model on churn.csv for Churn in 5 minutes, then deploy it to production if f1 is at least 0.8")).EnsureSuccessStatusCode();
        var trained = (await client.NextBotMessageAsync())["text"]!.ToString();
        var condition = (await client.NextBotMessageAsync())["text"]!.ToString();
        var approval = await client.NextBotMessageAsync();

        Assert.Equal("Trained churn-model v1 on churn.csv (target Churn, 300 s).", trained);
        Assert.Contains("Condition met (f1 = 0.91, needed >= 0.8)", condition);
        Assert.Contains("Approval **#1** is waiting", approval["text"]!.ToString());
        Assert.NotEmpty(approval["attachments"]!.AsArray());
        var pending = Assert.Single(await _factory.Services.GetRequiredService<ApprovalStore>().ListAsync(ApprovalStatus.Pending));
        Assert.Equal("churn-model", pending.Arguments["model"]!.ToString());
        var usage = Assert.Single(await _factory.Services.GetRequiredService<AuditLog>().QueryAsync(action: LlmCallMeter.AuditAction));
        Assert.Equal("planned", usage.Details["outcome"]!.ToString());
        Assert.True(usage.Details["input_tokens"]!.GetValue<int>() > 0);
    }

    [Fact]
    public async Task WhenTheModelIsRateLimitedTheRulesRouterAnswersAndTheUserIsTold()
    {
        _server.Enqueue(ScriptedReply.Error(429, "Rate limit reached for requests", "requests"));
        var client = new DirectLineClient(_factory.CreateClient());
        await client.StartAsync();

        var reply = await client.AskAsync("help");

        Assert.Contains("Here is what I can do", reply);
        Assert.EndsWith(LlmRouter.UnavailableNotice, reply);
    }

    [Fact]
    public async Task LlmCheckReportsModelLatencyAndTokens()
    {
        _server.Enqueue(ScriptedReply.Say("OK"), ScriptedReply.Call(("report_status", """{"status":"ok"}""")));
        var (code, output) = await RunCliAsync(Settings(_server.Endpoint), "llm", "check");

        Assert.Equal(0, code);
        Assert.Contains($"ok   chat: {LoopbackOpenAiServer.DefaultModel} answered in", output);
        Assert.Contains("ok   tool calling:", output);
        Assert.Matches(@"\(\d+ input \+ \d+ output tokens\)", output);
    }

    [Fact]
    public async Task LlmCheckReportsAWrongKeyWithoutPrintingIt()
    {
        var (code, output) = await RunCliAsync(Settings(_server.Endpoint, key: "sk-wrong-0123456789abcdefghij"), "llm", "check");

        Assert.Equal(1, code);
        Assert.Contains("FAIL chat", output);
        Assert.Contains("401", output);
        Assert.DoesNotContain("sk-wrong-0123456789abcdefghij", output);
    }

    [Fact]
    public async Task LlmCheckSaysWhenNoModelIsConfigured()
    {
        var (code, output) = await RunCliAsync([], "llm", "check");

        Assert.Equal(1, code);
        Assert.Contains("Swarm:Llm:Endpoint is not set", output);
    }

    private async Task<(int Code, string Output)> RunCliAsync(Dictionary<string, string?> settings, params string[] args)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "swarm-cli-" + Guid.NewGuid().ToString("N")[..12]);
        settings["Swarm:DataDir"] = dataDir;
        var output = new StringWriter();
        var errors = new StringWriter();
        try
        {
            await using var context = new CliContext { Out = output, Error = errors, Overrides = settings };
            var code = await SwarmCli.RunAsync(args, context);
            return (code, output + errors.ToString());
        }
        finally
        {
            SwarmWebFactory.DeleteDataDir(dataDir);
        }
    }

    private sealed class TrainingStandIn : IAgent
    {
        public string Name => "training";

        public IReadOnlyList<IntentDescriptor> Intents { get; } = [IntentSchemas.Descriptor("training.train_model")];

        public Task<AgentResult> HandleAsync(AgentRequest request, CancellationToken cancellationToken = default) => Task.FromResult(new AgentResult
        {
            Reply = new($"Trained churn-model v1 on {request.Get("dataset")} (target {request.Get("target")}, {request.Get("time_budget_s")} s)."),
            Metrics = new Dictionary<string, double> { ["f1"] = 0.91 },
            Remember = new Dictionary<string, string> { ["model"] = "churn-model", ["version"] = "1" },
        });

        public Task<AgentResult> ExecuteApprovedAsync(ApprovedAction action, CancellationToken cancellationToken = default) => Task.FromResult(AgentResult.Fail("no"));
    }

    private sealed class RegistryStandIn : IAgent
    {
        public string Name => "registry";

        public IReadOnlyList<IntentDescriptor> Intents { get; } = [IntentSchemas.Descriptor("registry.deploy_model")];

        public Task<AgentResult> HandleAsync(AgentRequest request, CancellationToken cancellationToken = default)
        {
            var args = new JsonObject { ["model"] = request.Get("model"), ["version"] = request.Get("version"), ["stage"] = request.Get("stage") };
            return Task.FromResult(AgentResult.NeedsApproval(
                new ApprovalProposal(request.Intent, $"Deploy {request.Get("model")} v{request.Get("version")} to {request.Get("stage")}", args, "prod-approver", "model:" + request.Get("model")),
                $"Deploying {request.Get("model")} to {request.Get("stage")}."));
        }

        public Task<AgentResult> ExecuteApprovedAsync(ApprovedAction action, CancellationToken cancellationToken = default) => Task.FromResult(AgentResult.Ok("deployed"));
    }
}
