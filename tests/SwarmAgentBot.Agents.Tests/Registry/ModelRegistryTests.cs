using SwarmAgentBot.Agents.Agents.Registry;
using SwarmAgentBot.Agents.Tests.Support;

namespace SwarmAgentBot.Agents.Tests.Registry;

public sealed class ModelRegistryTests : IDisposable
{
    private readonly TestDatabase _db = new([.. RegistryMigrations.All]);
    private readonly ModelRegistry _registry;

    public ModelRegistryTests() => _registry = new ModelRegistry(_db.Database, TimeProvider.System);

    public void Dispose() => _db.Dispose();

    private Task<ModelVersion> RegisterAsync(string model = "churn", double f1 = 0.8) =>
        _registry.RegisterAsync(new NewModelVersion(model, 1, "churn.csv", 1, "abc", "binary", "f1", new Dictionary<string, double> { ["f1"] = f1 }, $"models/{model}/x", "sha", "alice"));

    [Fact]
    public async Task VersionsAreNumberedPerModel()
    {
        Assert.Equal(1, (await RegisterAsync()).Version);
        Assert.Equal(2, (await RegisterAsync()).Version);
        Assert.Equal(1, (await RegisterAsync("fraud")).Version);
        Assert.Equal(["churn", "fraud"], await _registry.ListModelsAsync());
    }

    [Fact]
    public async Task AnAliasPointsAtOneVersionAndKeepsItsHistory()
    {
        await RegisterAsync(); await RegisterAsync(); await RegisterAsync();
        await _registry.SetAliasAsync("churn", "production", 1, "alice");
        var move = await _registry.SetAliasAsync("churn", "Production", 3, "alice", approvedBy: "bob", approvalId: "7");

        Assert.Equal(1, move.FromVersion);
        Assert.Equal(3, (await _registry.GetAliasAsync("churn", "production"))!.Version);
        Assert.Equal(3, (await _registry.ResolveAsync("churn", "production"))!.Version);
        var history = await _registry.AliasHistoryAsync("churn", "production");
        Assert.Equal([3, 1], history.Select(h => h.ToVersion));
        Assert.Equal("bob", history[0].ApprovedBy);
    }

    [Fact]
    public async Task RollbackReturnsToThePreviousVersion()
    {
        await RegisterAsync(); await RegisterAsync();
        await _registry.SetAliasAsync("churn", "production", 1, "alice");
        await _registry.SetAliasAsync("churn", "production", 2, "alice");

        Assert.Equal(1, await _registry.RollbackTargetAsync("churn", "production"));
        Assert.Null(await _registry.RollbackTargetAsync("churn", "staging"));
    }

    [Fact]
    public async Task AnAliasCannotPointAtAMissingVersion()
    {
        await RegisterAsync();
        var ex = await Assert.ThrowsAsync<RegistryException>(() => _registry.SetAliasAsync("churn", "production", 9, "alice"));
        Assert.Contains("no version 9", ex.Message);
        Assert.Null(await _registry.GetAliasAsync("churn", "production"));
    }

    [Fact]
    public async Task ConcurrentAliasMovesLeaveAConsistentHistory()
    {
        for (var i = 0; i < 4; i++) await RegisterAsync();
        await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() => _registry.SetAliasAsync("churn", "production", i % 4 + 1, "u" + i))));

        var history = (await _registry.AliasHistoryAsync("churn", "production")).Reverse().ToList();
        Assert.Equal(16, history.Count);
        // Every move starts where the one before it ended: no lost update.
        for (var i = 1; i < history.Count; i++) Assert.Equal(history[i - 1].ToVersion, history[i].FromVersion);
        Assert.Equal(history[^1].ToVersion, (await _registry.GetAliasAsync("churn", "production"))!.Version);
    }

    [Theory]
    [InlineData("../etc")]
    [InlineData("")]
    [InlineData("has space")]
    public void BadNamesAreRefused(string name) => Assert.Throws<RegistryException>(() => ModelRegistry.ValidateName(name));
}
