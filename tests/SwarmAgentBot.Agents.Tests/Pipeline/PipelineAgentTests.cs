using System.Text.Json.Nodes;
using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Moq;
using SwarmAgentBot.Agents.Agents.Pipeline;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Agents.Supervisor;

namespace SwarmAgentBot.Agents.Tests.Pipeline;

public sealed class PipelineAgentTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "swarm-agent-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly IHost _host;
    private readonly FakePipelineService _pipelines = new();
    private readonly CapturingSender _sender = new();
    private readonly ConversationRef _conversation = new("test", "conv-1");

    public PipelineAgentTests()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = Path.GetTempPath() });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Swarm:DataDir"] = _dataDir });
        builder.Logging.ClearProviders();
        builder.AddSwarmCore();
        builder.Services.AddSingleton<IPipelineService>(_pipelines);
        builder.Services.AddSingleton<IChannelSender>(_sender);
        builder.Services.AddSingleton(Mock.Of<IIntentRouter>());
        builder.AddPipelineAgent();
        _host = builder.Build();
    }

    private PipelineAgent Agent => (PipelineAgent)_host.Services.GetServices<IAgent>().Single(a => a.Name == "pipeline");

    private Task<AgentResult> AskAsync(string intent, JsonObject entities, Dictionary<string, string>? memory = null) =>
        Agent.HandleAsync(new AgentRequest(intent, entities, new TurnContext(_conversation, new UserRef("u1", "alice"), memory ?? [])));

    [Fact]
    public async Task AnUnknownParameterIsRefusedWithTheValidOnesAndNothingStarts()
    {
        var result = await AskAsync("pipeline.run_pipeline", new JsonObject { ["pipeline"] = "train-and-register", ["params"] = new JsonObject { ["dataset"] = "churn.csv", ["learning_rate"] = 0.1 } });

        Assert.False(result.Succeeded);
        Assert.Contains("unknown parameter 'learning_rate'", result.Reply.Text);
        Assert.Contains("Valid parameters: dataset (string, required), budget_s (int, default 120), min_score (float, default 0)", result.Reply.Text);
        Assert.Empty(_pipelines.Runs);
    }

    [Fact]
    public async Task AWrongTypeIsRefusedWithWhatWasExpected()
    {
        var result = await AskAsync("pipeline.run_pipeline", new JsonObject { ["pipeline"] = "train-and-register", ["params"] = new JsonObject { ["dataset"] = "churn.csv", ["budget_s"] = "five minutes" } });
        Assert.False(result.Succeeded);
        Assert.Contains("parameter 'budget_s' must be an int, but got \"five minutes\"", result.Reply.Text);
        Assert.Empty(_pipelines.Runs);
    }

    [Fact]
    public async Task AnUnknownPipelineNamesTheOnesThatExist()
    {
        var result = await AskAsync("pipeline.describe_pipeline", new JsonObject { ["pipeline"] = "nightly" });
        Assert.False(result.Succeeded);
        Assert.Contains("There is no pipeline named 'nightly'. Available: train-and-register.", result.Reply.Text);
    }

    [Fact]
    public async Task StartingARunRemembersItAndWatchesItForThisConversation()
    {
        var result = await AskAsync("pipeline.run_pipeline", new JsonObject { ["pipeline"] = "train-and-register", ["params"] = "dataset=churn.csv budget_s=60" });

        Assert.True(result.Succeeded, result.Reply.Text);
        Assert.Equal("pipeline-run:1", result.ContinuationKey);
        Assert.Equal("1", result.Remember!["run_id"]);
        Assert.Equal(60L, _pipelines.Runs["1"].Parameters["budget_s"]!.GetValue<long>());
        Assert.Equal("alice", _pipelines.Runs["1"].StartedBy);
        var watch = Assert.Single(await _host.Services.GetRequiredService<PipelineRunWatches>().OpenAsync());
        Assert.Equal(_conversation, watch.Conversation);
        Assert.Equal("pipeline-run:1", watch.ContinuationKey);
    }

    [Fact]
    public async Task DescribeWithoutAPipelineOffersTheChoices()
    {
        var result = await AskAsync("pipeline.describe_pipeline", []);
        var action = Assert.Single(Assert.Single(result.Reply.AllCards).AllActions);
        Assert.Equal("choose", action.Verb);
        Assert.Equal("describe pipeline train-and-register", action.Data["text"]);
    }

    [Fact]
    public async Task DescribeShowsParameterTypesAndDefaults()
    {
        var result = await AskAsync("pipeline.describe_pipeline", new JsonObject { ["pipeline"] = "train-and-register" });
        var table = result.Reply.AllCards.Single().Elements.OfType<CardTable>().First();
        Assert.Equal(["Parameter", "Type", "Default", "Meaning"], table.Columns);
        Assert.Equal(["dataset", "string", "(required)", "Training data"], table.Rows[0]);
        Assert.Equal(["budget_s", "int", "120", "Time budget"], table.Rows[1]);
    }

    [Fact]
    public async Task CompareRunsPutsParametersAndMetricsSideBySide()
    {
        await _pipelines.StartRunAsync(new PipelineRunRequest("train-and-register", new JsonObject { ["dataset"] = "a.csv" }));
        await _pipelines.StartRunAsync(new PipelineRunRequest("train-and-register", new JsonObject { ["dataset"] = "b.csv", ["budget_s"] = 300 }));
        _pipelines.Finish("1", PipelineRunState.Succeeded, new Dictionary<string, double> { ["f1"] = 0.81234, ["auc"] = 0.9 });
        _pipelines.Finish("2", PipelineRunState.Succeeded, new Dictionary<string, double> { ["f1"] = 0.85 });

        var result = await AskAsync("pipeline.compare_runs", new JsonObject { ["run_ids"] = new JsonArray("1", 2) });

        var table = Assert.Single(result.Reply.AllCards.Single().Elements.OfType<CardTable>());
        Assert.Equal(["", "run 1", "run 2"], table.Columns);
        var rows = table.Rows.ToDictionary(r => r[0], r => r.Skip(1).ToArray());
        Assert.Equal(["a.csv", "b.csv"], rows["param dataset"]);
        Assert.Equal(["120", "300"], rows["param budget_s"]);
        Assert.Equal(["0.8123", "0.85"], rows["metric f1"]);
        Assert.Equal(["0.9", "—"], rows["metric auc"]);
        Assert.Equal(["SUCCEEDED", "SUCCEEDED"], rows["state"]);
    }

    [Fact]
    public async Task CompareNeedsTwoRuns()
    {
        var result = await AskAsync("pipeline.compare_runs", new JsonObject { ["run_ids"] = "7" });
        Assert.False(result.Succeeded);
        Assert.Contains("at least two runs", result.Reply.Text);
    }

    [Fact]
    public async Task CancelGoesThroughApprovalAndTheApprovedActionCancels()
    {
        await _pipelines.StartRunAsync(new PipelineRunRequest("train-and-register", new JsonObject { ["dataset"] = "a.csv" }));

        var proposal = await AskAsync("pipeline.cancel_run", new JsonObject { ["run_id"] = "1" });
        Assert.NotNull(proposal.Approval);
        Assert.Equal("pipeline.cancel_run", proposal.Approval!.Intent);
        Assert.Equal("approver", proposal.Approval.RequiredRole);
        Assert.Empty(_pipelines.Canceled);

        var done = await Agent.ExecuteApprovedAsync(new ApprovedAction("5", "pipeline.cancel_run", proposal.Approval.Arguments, "alice", "bob", _conversation));
        Assert.True(done.Succeeded, done.Reply.Text);
        Assert.Equal(["1"], _pipelines.Canceled);
        Assert.Contains("CANCELED", done.Reply.Text);
    }

    [Fact]
    public async Task AFinishedRunCannotBeCanceled()
    {
        await _pipelines.StartRunAsync(new PipelineRunRequest("train-and-register", new JsonObject { ["dataset"] = "a.csv" }));
        _pipelines.Finish("1", PipelineRunState.Succeeded, new Dictionary<string, double>());
        var result = await AskAsync("pipeline.cancel_run", new JsonObject { ["run_id"] = "1" });
        Assert.Null(result.Approval);
        Assert.Contains("already ended (SUCCEEDED)", result.Reply.Text);
    }

    [Fact]
    public async Task StatusUsesTheRememberedRunAndShowsPerStepProgress()
    {
        await _pipelines.StartRunAsync(new PipelineRunRequest("train-and-register", new JsonObject { ["dataset"] = "a.csv" }));
        var result = await AskAsync("pipeline.run_status", [], new Dictionary<string, string> { ["run_id"] = "1" });
        Assert.Contains("Run **1** of train-and-register is RUNNING (0/2 steps done); running now: profile.", result.Reply.Text);
        var steps = result.Reply.AllCards.Single().Elements.OfType<CardTable>().Single();
        Assert.Equal(["profile", "train"], steps.Rows.Select(r => r[0]));
    }

    [Fact]
    public async Task RunsOfAnUnknownPipelineNameTheOnesThatExist()
    {
        var result = await AskAsync("pipeline.list_runs", new JsonObject { ["pipeline"] = "train" });
        Assert.False(result.Succeeded);
        Assert.Contains("Available: train-and-register", result.Reply.Text);
    }

    [Fact]
    public async Task AnUnknownRunStateIsExplained()
    {
        var result = await AskAsync("pipeline.list_runs", new JsonObject { ["status"] = "sleeping" });
        Assert.False(result.Succeeded);
        Assert.Contains("PENDING, RUNNING, SUCCEEDED, FAILED, CANCELING, CANCELED", result.Reply.Text);
    }

    [Fact]
    public async Task TheWatcherPostsTheEndToTheConversationAndResumesTheParkedPlanWithTheMetrics()
    {
        var started = await AskAsync("pipeline.run_pipeline", new JsonObject { ["pipeline"] = "train-and-register", ["params"] = new JsonObject { ["dataset"] = "a.csv" } });
        await ParkAsync(started.ContinuationKey!, """[{"agent":"pipeline","intent":"pipeline.run_status","entities":{},"condition":"f1 >= 0.8"}]""");
        var watcher = _host.Services.GetRequiredService<PipelineRunWatcher>();

        Assert.Equal(0, await watcher.CheckOnceAsync());
        Assert.Empty(_sender.Sent);

        _pipelines.Finish("1", PipelineRunState.Succeeded, new Dictionary<string, double> { ["f1"] = 0.84 });
        Assert.Equal(1, await watcher.CheckOnceAsync());
        Assert.Equal(0, await watcher.CheckOnceAsync()); // reported once

        Assert.All(_sender.Sent, s => Assert.Equal(_conversation, s.Conversation));
        Assert.Contains("Pipeline run **1** (train-and-register) succeeded in 3m 00s. Metrics: f1=0.84.", _sender.Sent[0].Reply.Text);
        Assert.Contains(_sender.Sent, s => s.Reply.Text.Contains("Condition met (f1 = 0.84, needed >= 0.8)"));
        Assert.Contains(_sender.Sent, s => s.Reply.Text.Contains("Run **1** of train-and-register is SUCCEEDED"));
    }

    [Fact]
    public async Task AFailedRunIsReportedWithTheFailingStepsLogTail()
    {
        await AskAsync("pipeline.run_pipeline", new JsonObject { ["pipeline"] = "train-and-register", ["params"] = new JsonObject { ["dataset"] = "a.csv" } });
        _pipelines.Finish("1", PipelineRunState.Failed, new Dictionary<string, double>(), "step 'train' failed: exited with code 1");

        await _host.Services.GetRequiredService<PipelineRunWatcher>().CheckOnceAsync();

        var message = _sender.Sent[0].Reply.Text;
        Assert.Contains("ended FAILED", message);
        Assert.Contains("step 'train' failed", message);
        Assert.Contains("KeyError: column 'Churn' not found", message);
    }

    private async Task ParkAsync(string key, string stepsJson)
    {
        await using var connection = await _host.Services.GetRequiredService<SwarmDatabase>().OpenAsync();
        await connection.ExecuteAsync("INSERT INTO parked_plans (continuation_key, conversation_json, user_id, steps_json, created_at) VALUES (@key, @conv, 'u1', @steps, @at)",
            new { key, conv = System.Text.Json.JsonSerializer.Serialize(_conversation), steps = stepsJson, at = DateTimeOffset.UtcNow.ToString("O") });
    }

    public void Dispose()
    {
        _host.Dispose();
        try { Directory.Delete(_dataDir, recursive: true); } catch (IOException) { }
    }

    private sealed class CapturingSender : IChannelSender
    {
        public List<(ConversationRef Conversation, BotReply Reply)> Sent { get; } = [];

        public bool Handles(string channelId) => channelId == "test";

        public Task<string?> SendAsync(ConversationRef conversation, BotReply reply, CancellationToken cancellationToken = default)
        {
            lock (Sent) Sent.Add((conversation, reply));
            return Task.FromResult<string?>(Sent.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        public Task UpdateAsync(ConversationRef conversation, string messageId, BotReply reply, CancellationToken cancellationToken = default) => Task.CompletedTask;
    }
}
