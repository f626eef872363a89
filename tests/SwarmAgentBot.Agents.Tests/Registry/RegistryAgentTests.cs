using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SwarmAgentBot.Agents.Agents.Registry;
using SwarmAgentBot.Agents.Agents.Storage;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Agents.Supervisor;
using SwarmAgentBot.Agents.Tests.Support;
using SwarmAgentBot.Ml.AutoMl;

namespace SwarmAgentBot.Agents.Tests.Registry;

/// <summary>Two real tiny models, trained once for the class.</summary>
public sealed class TinyModelFixture : IAsyncLifetime
{
    public ModelBundle First { get; private set; } = null!;
    public ModelBundle Second { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        First = await TinyModels.TrainAsync(seed: 1);
        Second = await TinyModels.TrainAsync(seed: 2);
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

public sealed class RegistryAgentTests(TinyModelFixture models) : IClassFixture<TinyModelFixture>, IAsyncLifetime
{
    private readonly TestDatabase _db = new();
    private SupervisorHarness _h = null!;

    private static readonly ScriptedRouter Router = new ScriptedRouter()
        .On("deploy churn v1 to prod", "registry.deploy_model", new JsonObject { ["model"] = "churn", ["version"] = 1, ["stage"] = "production" })
        .On("deploy churn v2 to prod", "registry.deploy_model", new JsonObject { ["model"] = "churn", ["version"] = 2, ["stage"] = "production" })
        .On("roll back churn in prod", "registry.rollback", new JsonObject { ["model"] = "churn", ["stage"] = "production" })
        .On("approve 1", "approvals.approve", new JsonObject { ["approval_id"] = "1" })
        .On("approve 2", "approvals.approve", new JsonObject { ["approval_id"] = "2" })
        .On("approve 3", "approvals.approve", new JsonObject { ["approval_id"] = "3" })
        .On("list models", "registry.list_models")
        .On("what is deployed", "registry.list_deployments")
        .On("predict short tenure", "registry.predict", new JsonObject { ["model"] = "churn", ["record"] = new JsonObject { ["tenure"] = 2, ["contract"] = "monthly", ["monthly_charges"] = 70.5 } })
        .On("predict without tenure", "registry.predict", new JsonObject { ["model"] = "churn", ["record"] = new JsonObject { ["contract"] = "monthly", ["monthly_charges"] = 70.5 } });

    public async Task InitializeAsync()
    {
        var store = new InMemoryObjectStore();
        _h = new SupervisorHarness(_db.DataDir, Router, [], configure: b => AddRegistry(b.Services, store, minimumF1: 0.5));
        await TinyModels.RegisterAsync(_h.Get<ModelRegistry>(), store, models.First);
        await TinyModels.RegisterAsync(_h.Get<ModelRegistry>(), store, models.Second);
    }

    private static void AddRegistry(IServiceCollection services, IObjectStore store, double minimumF1)
    {
        services.AddSingleton(store);
        foreach (var m in RegistryMigrations.All) services.AddSingleton(m);
        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(new RegistryOptions { ProductionMinimums = { ["f1"] = minimumF1 } }));
        services.AddSingleton<IMigration>(DatasetRegistry.Migration);
        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(new StorageOptions()));
        services.AddSingleton<DatasetRegistry>();
        services.AddSingleton<ModelRegistry>();
        services.AddSingleton<PredictionLog>();
        services.AddSingleton<ModelServer>();
        services.AddSingleton<IAgent, RegistryAgent>();
    }

    public async Task DisposeAsync()
    {
        await _h.DisposeAsync();
        _db.Dispose();
    }

    [Fact]
    public async Task DeployingToProductionWaitsForAProdApproverThenMovesTheAlias()
    {
        var asked = await _h.SayAsync("alice", "deploy churn v1 to prod");
        Assert.Contains("Deploy churn v1 to production", asked);
        Assert.Null(await _h.Get<ModelRegistry>().GetAliasAsync("churn", "production"));

        var done = await _h.SayAsync("bob", "approve 1", conversation: "c2");
        Assert.Contains("production now serves **v1**", done);
        Assert.Equal(1, (await _h.Get<ModelRegistry>().GetAliasAsync("churn", "production"))!.Version);

        var moved = Assert.Single(await _h.Get<Metadata.AuditLog>().QueryAsync(action: "registry.alias_moved"));
        Assert.Equal("alice", moved.Actor);
        Assert.Equal("bob", moved.ApprovedBy);
        Assert.Equal(1, moved.Details["to_version"]!.GetValue<int>());
    }

    [Fact]
    public async Task RollbackReturnsProductionToThePreviousVersionAfterApproval()
    {
        await _h.SayAsync("alice", "deploy churn v1 to prod");
        await _h.SayAsync("bob", "approve 1");
        await _h.SayAsync("alice", "deploy churn v2 to prod");
        await _h.SayAsync("bob", "approve 2");

        Assert.Contains("Roll back churn production from v2 to v1", await _h.SayAsync("alice", "roll back churn in prod"));
        Assert.Contains("now serves **v1** (was v2)", await _h.SayAsync("bob", "approve 3"));
        Assert.Equal(1, (await _h.Get<ModelRegistry>().GetAliasAsync("churn", "production"))!.Version);
    }

    [Fact]
    public async Task AVersionBelowTheProductionMinimumIsRefusedWithTheReason()
    {
        await using var strict = new SupervisorHarness(_db.DataDir, Router, [], configure: b => AddRegistry(b.Services, new InMemoryObjectStore(), minimumF1: 0.999));
        var reply = await strict.SayAsync("alice", "deploy churn v1 to prod");
        Assert.Contains("I can't deploy churn v1 to production: its f1 is", reply);
        Assert.Contains("at least 0.999", reply);
        Assert.Empty(await strict.Get<ApprovalStore>().ListAsync());
    }

    [Fact]
    public async Task PredictingARecordNamesTheModelVersionAndLogsIt()
    {
        var reply = await _h.SayAsync("alice", "predict short tenure");
        Assert.Contains("churn v2 predicts", reply);
        Assert.Contains("P(yes)", reply);
        Assert.Equal(1, await _h.Get<PredictionLog>().CountAsync("churn"));
    }

    [Fact]
    public async Task AMissingFieldIsNamedInTheReply()
    {
        var reply = await _h.SayAsync("alice", "predict without tenure");
        Assert.Contains("tenure", reply);
        Assert.Contains("The model needs", reply);
        Assert.Equal(0, await _h.Get<PredictionLog>().CountAsync("churn"));
    }

    [Fact]
    public async Task ConcurrentRequestsWhileTheAliasMovesAreAllServedByAWholeVersion()
    {
        var registry = _h.Get<ModelRegistry>();
        var server = _h.Get<ModelServer>();
        await registry.SetAliasAsync("churn", "production", 1, "alice");
        var record = new Dictionary<string, object?> { ["tenure"] = 5, ["contract"] = "monthly", ["monthly_charges"] = 50.0 };
        var expected = new Dictionary<int, string?>
        {
            [1] = (await server.PredictAsync("churn", "1", [record])).Predictions[0].Label,
            [2] = (await server.PredictAsync("churn", "2", [record])).Predictions[0].Label,
        };

        using var stop = new CancellationTokenSource();
        var served = new List<ServedPredictions>();
        int Served() { lock (served) return served.Count; }
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var flipper = Task.Run(async () =>
        {
            for (var i = 0; i < 40; i++)
            {
                var version = i % 2 == 0 ? 2 : 1;
                var before = Served();
                await registry.SetAliasAsync("churn", "production", version, "alice");
                // Wait until a request that resolved the alias after this move has been served by the new
                // version: every move lands while callers are serving, and both versions get traffic.
                while (true)
                {
                    lock (served) if (served.Skip(before).Any(x => x.Version == version)) break;
                    if (DateTime.UtcNow > deadline) { stop.Cancel(); throw new TimeoutException("callers stopped serving"); }
                    await Task.Yield();
                }
            }
            stop.Cancel();
        });
        var callers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            do
            {
                var s = await server.PredictAsync("churn", "production", [record]);
                lock (served) served.Add(s);
            } while (!stop.IsCancellationRequested);
        })).ToList();
        await flipper;
        await Task.WhenAll(callers);

        Assert.True(served.Count >= 40);
        Assert.Contains(served, s => s.Version == 1);
        Assert.Contains(served, s => s.Version == 2);
        // Each answer is exactly what its version answers on its own: no half-loaded or mixed model.
        Assert.All(served, s => Assert.Equal(expected[s.Version], s.Predictions[0].Label));
    }
}
