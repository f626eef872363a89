using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SwarmAgentBot.Agents.Agents.Training;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Host.Tests.Support;

namespace SwarmAgentBot.Host.Tests.Training;

/// <summary>"status of run N" reads as a pipeline run; the bot's own training replies say "run N" too.</summary>
public sealed class RunStatusTests : IAsyncLifetime
{
    private readonly SwarmWebFactory _factory = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        SwarmWebFactory.DeleteDataDir(_factory.DataDir);
    }

    [Fact]
    public async Task StatusOfARunThatIsATrainingRunAnswersWithTheTrainingRun()
    {
        var run = await _factory.Services.GetRequiredService<TrainingRunStore>().CreateAsync("churn-model", "churn", 1, null, "churn",
            new JsonObject(), "alice", null);
        var client = new DirectLineClient(_factory.CreateClient());
        await client.StartAsync();

        var reply = await client.AskAsync($"status of run {run.Id}");

        Assert.Equal($"Run {run.Id} is queued; no trial has finished yet.", reply);
        var audit = await _factory.Services.GetRequiredService<AuditLog>().QueryAsync();
        Assert.Equal(["training.training_status"], audit.Select(e => e.Action));
    }

    [Fact]
    public async Task StatusOfARunNobodyKnowsStillSaysThereIsNoSuchRun()
    {
        var client = new DirectLineClient(_factory.CreateClient());
        await client.StartAsync();

        var reply = await client.AskAsync("status of run 987");

        Assert.StartsWith("There is no pipeline run '987'.", reply);
    }
}
