using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Agents.Supervisor;
using SwarmAgentBot.Agents.Supervisor.Llm;
using SwarmAgentBot.Integrations.OpenAi;
using SwarmAgentBot.Tests.OpenAi;

namespace SwarmAgentBot.Integrations.Tests.OpenAi;

/// <summary><c>AddLlmOrchestration</c> and the LLM router through the real SDK against the loopback server.</summary>
public sealed class LlmOrchestrationTests : IAsyncLifetime
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "swarm-llm-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly List<IHost> _hosts = [];
    private LoopbackOpenAiServer _server = null!;

    public async Task InitializeAsync() => _server = await LoopbackOpenAiServer.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts) host.Dispose();
        await _server.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dataDir, recursive: true); } catch (IOException) { }
    }

    private IHost Host(Dictionary<string, string?>? llm = null, bool withLlm = true)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var settings = new Dictionary<string, string?> { ["Swarm:DataDir"] = _dataDir };
        if (withLlm)
        {
            settings["Swarm:Llm:Endpoint"] = _server.Endpoint;
            settings["Swarm:Llm:Model"] = LoopbackOpenAiServer.DefaultModel;
            settings["Swarm:Llm:ApiKey"] = LoopbackOpenAiServer.DefaultKey;
        }
        foreach (var (k, v) in llm ?? []) settings[k] = v;
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddSwarmCore();
        builder.Services.AddSingleton<IIntentRouter, RulesStandIn>();
        builder.Services.AddSingleton<IAgent, TrainingStandIn>();
        builder.Services.AddSingleton<IAgent, RegistryStandIn>();
        builder.AddLlmOrchestration();
        var host = builder.Build();
        _hosts.Add(host);
        return host;
    }

    [Fact]
    public void WithoutAnEndpointTheRulesRouterRunsAlone()
    {
        var host = Host(withLlm: false);

        Assert.IsType<RulesStandIn>(host.Services.GetRequiredService<IIntentRouter>());
        Assert.Null(host.Services.GetService<IChatModel>());
        Assert.Null(host.Services.GetService<IGroundedAnswerer>());
    }

    [Fact]
    public void WithAnEndpointTheLlmPlansAndTheRulesRouterIsItsFallback()
    {
        var host = Host();

        Assert.IsType<LlmRouter>(host.Services.GetRequiredService<IIntentRouter>());
        Assert.IsType<RulesStandIn>(host.Services.GetRequiredKeyedService<IIntentRouter>(LlmRouter.FallbackKey));
        Assert.IsType<OpenAiChatModel>(host.Services.GetRequiredService<IChatModel>());
        Assert.IsType<LlmAnswerer>(host.Services.GetRequiredService<IGroundedAnswerer>());
    }

    [Fact]
    public void ABadSettingStopsTheStartWithTheSettingsName()
    {
        var host = Host(new() { ["Swarm:Llm:Endpoint"] = "not a url" });

        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<LlmOptions>>().Value);
        Assert.Contains("Swarm:Llm:Endpoint must be an absolute http(s) URL", error.Message);
    }

    [Fact]
    public async Task APlanComesBackOverTheWireAfterAMalformedCallIsCorrected()
    {
        _server.Enqueue(
            ScriptedReply.Call(("choose_agents", """{"agents":["training","registry"]}""")),
            ScriptedReply.Call(("training__train_model", """{"dataset":"churn.csv","time_budget_s":"five minutes"}"""), ("registry__deploy_model", """{"stage":"production"}""")),
            ScriptedReply.Call(("training__train_model", """{"dataset":"churn.csv","target":"Churn","time_budget_s":300}"""), ("registry__deploy_model", """{"stage":"prod","condition":"f1 >= 0.8"}""")));
        var router = Host().Services.GetRequiredService<IIntentRouter>();

        var route = await router.RouteAsync("train on churn.csv for Churn in 5 minutes and deploy to prod if f1 >= 0.8", RoutingContext.Empty);

        Assert.Equal("""{"agent":"training","intent":"training.train_model","entities":{"dataset":"churn.csv","target":"Churn","time_budget_s":300},"steps":[{"agent":"registry","intent":"registry.deploy_model","entities":{"stage":"production"},"condition":"f1 >= 0.8"}]}""", route.ToJson());
        Assert.Empty(_server.Rejections);
        Assert.Equal(3, _server.ChatRequests.Count);
        // The retry carried both calls of the failed reply, each answered by a tool message.
        var retry = _server.ChatRequests[2]["messages"]!.AsArray();
        Assert.Equal(2, retry.Count(m => m!["role"]!.ToString() == "tool"));
        Assert.Contains(retry, m => m!["content"]?.ToString().Contains("expected integer", StringComparison.Ordinal) == true);
        Assert.All(_server.ChatRequests, r => Assert.DoesNotContain(LoopbackOpenAiServer.DefaultKey, r.ToJsonString()));
    }

    [Fact]
    public async Task ARateLimitOverTheWireFallsBackToTheRulesRouter()
    {
        _server.Enqueue(ScriptedReply.Error(429, "Rate limit reached for requests", "requests"));
        var host = Host();

        var route = await host.Services.GetRequiredService<IIntentRouter>().RouteAsync("train on churn.csv", RoutingContext.Empty);

        Assert.Equal("out_of_scope", route.Intent);
        Assert.Equal(LlmRouter.UnavailableNotice, route.Notice);
        var usage = Assert.Single(await host.Services.GetRequiredService<AuditLog>().QueryAsync(action: LlmCallMeter.AuditAction));
        Assert.Equal("fallback:429", usage.Details["outcome"]!.ToString());
    }

    [Fact]
    public async Task ASlowModelOverTheWireFallsBackToTheRulesRouter()
    {
        _server.Enqueue(ScriptedReply.Call(("choose_agents", """{"agents":["training"]}""")).After(TimeSpan.FromSeconds(30)));
        var router = Host(new() { ["Swarm:Llm:Timeout"] = "00:00:00.400" }).Services.GetRequiredService<IIntentRouter>();

        var route = await router.RouteAsync("train on churn.csv", RoutingContext.Empty);

        Assert.Equal("out_of_scope", route.Intent);
        Assert.Equal(LlmRouter.UnavailableNotice, route.Notice);
    }

    [Fact]
    public async Task AWrongKeyFallsBackToTheRulesRouterToo()
    {
        var router = Host(new() { ["Swarm:Llm:ApiKey"] = "sk-not-the-right-key-000000" }).Services.GetRequiredService<IIntentRouter>();

        var route = await router.RouteAsync("train on churn.csv", RoutingContext.Empty);

        Assert.Equal(LlmRouter.UnavailableNotice, route.Notice);
        Assert.Equal(401, Assert.Single(_server.Rejections).Status);
    }

    private sealed class RulesStandIn : IIntentRouter
    {
        public Task<RouteResult> RouteAsync(string text, RoutingContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(new RouteResult { Agent = "out_of_scope", Intent = "out_of_scope", Reason = "stand-in" });
    }

    private sealed class TrainingStandIn : StandIn
    {
        public override string Name => "training";
    }

    private sealed class RegistryStandIn : StandIn
    {
        public override string Name => "registry";
    }

    // An agent serving the catalogue's intents of its area; planning tests never run it.
    private abstract class StandIn : IAgent
    {
        public abstract string Name { get; }

        public IReadOnlyList<IntentDescriptor> Intents => IntentSchemas.All.Where(e => e.Agent == Name).Select(e => IntentSchemas.Descriptor(e.Intent)).ToList();

        public Task<AgentResult> HandleAsync(AgentRequest request, CancellationToken cancellationToken = default) => Task.FromResult(AgentResult.Ok("trained"));

        public Task<AgentResult> ExecuteApprovedAsync(ApprovedAction action, CancellationToken cancellationToken = default) => Task.FromResult(AgentResult.Fail("no"));
    }
}
