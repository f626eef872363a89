using System.Text;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Integrations.Local;

namespace SwarmAgentBot.Integrations.Tests.Storage;

/// <summary>The shared scenario on a local folder, plus what only a folder can show.</summary>
public sealed class LocalObjectStoreTests : ObjectStoreScenario, IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("swarm-objects-").FullName;
    private readonly LocalObjectStore _store;

    public LocalObjectStoreTests() => _store = new LocalObjectStore(Path.Combine(_root, "objects"));

    protected override IObjectStore Store => _store;

    [Fact]
    public void ItDescribesItselfAsAFileUrl() => Assert.StartsWith("file:///", _store.Describe());

    [Fact]
    public async Task ItNeverWritesOutsideItsRootAndLeavesNoTemporaryFiles()
    {
        await Assert.ThrowsAsync<ObjectStoreException>(() => _store.PutAsync("../outside.txt", new MemoryStream([1])));
        await Assert.ThrowsAsync<ObjectStoreException>(() => _store.PutAsync(Prefix + "x", new FailingStream(RandomBytes(10_000, 5), 100)));
        await _store.PutAsync(Prefix + "ok.txt", new MemoryStream(Encoding.UTF8.GetBytes("ok")));

        Assert.False(File.Exists(Path.Combine(_root, "outside.txt")));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_store.Root, ".staging")));
        Assert.Equal([Prefix + "ok.txt"], await _store.ListAsync("").Select(o => o.Key).ToListAsync());
    }

    [Fact]
    public async Task DeletingTheLastObjectOfAFolderRemovesTheEmptyFolders()
    {
        await _store.PutAsync(Prefix + "runs/7/metrics.json", new MemoryStream([1]));
        await _store.DeleteAsync(Prefix + "runs/7/metrics.json");
        Assert.False(Directory.Exists(Path.Combine(_store.Root, Prefix.TrimEnd('/'))));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
