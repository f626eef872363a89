using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Agents.Storage;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Integrations.S3;

namespace SwarmAgentBot.Integrations.Tests.Storage;

/// <summary>The dataset registry on S3: what is registered is what is in the bucket, and a failing bucket registers nothing.</summary>
[Collection(S3rverCollection.Name)]
public sealed class DatasetRegistryOnS3Tests(S3rverFixture s3rver) : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("swarm-registry-s3-").FullName;

    private DatasetRegistry Registry(IObjectStore store)
    {
        var swarm = Options.Create(new SwarmOptions { DataDir = _dataDir });
        var database = new SwarmDatabase(swarm, [.. CoreMigrations.All, DatasetRegistry.Migration], NullLogger<SwarmDatabase>.Instance);
        return new DatasetRegistry(database, store, Options.Create(new StorageOptions { Provider = "S3" }), swarm, TimeProvider.System, NullLogger<DatasetRegistry>.Instance);
    }

    [Fact]
    public async Task AnUploadedDatasetIsByteIdenticalInTheBucket()
    {
        using var store = new S3ObjectStore(s3rver.Options());
        var registry = Registry(store);
        var name = "churn-" + Guid.NewGuid().ToString("N")[..8];
        var csv = "id,plan,amount\n" + string.Concat(Enumerable.Range(0, 2000).Select(i => $"{i},\"plan, {i % 3}\",{i * 0.25}\n"));

        var upload = await registry.UploadAsync(name, new MemoryStream(Encoding.UTF8.GetBytes(csv)), "alice");

        Assert.StartsWith($"s3://{S3rverFixture.Bucket}/datasets/{name}/", upload.Dataset.Location);
        await using var stream = await registry.OpenAsync(upload.Dataset);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        Assert.Equal(csv, Encoding.UTF8.GetString(copy.ToArray()));
        Assert.Equal(2000, upload.Dataset.RowCount);

        var removed = await registry.DeleteAsync(name);
        Assert.Single(removed);
        Assert.Null(await store.StatAsync(upload.Dataset.ObjectKey));
    }

    [Fact]
    public async Task WhenS3IsUnreachableTheUploadFailsClearlyAndNothingIsRegistered()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var store = new S3ObjectStore(s3rver.Options(serviceUrl: $"http://127.0.0.1:{port}", maxRetries: 1));
        var registry = Registry(store);

        var error = await Assert.ThrowsAsync<ObjectStoreException>(() => registry.UploadAsync("churn", new MemoryStream(Encoding.UTF8.GetBytes("a,b\n1,2\n")), "alice"));

        Assert.Contains("after 2 attempts", error.Message);
        Assert.Contains("Nothing was stored", error.Message);
        Assert.Empty(await registry.ListAsync());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_dataDir, "tmp")));
    }

    [Fact]
    public async Task AMissingBucketIsNamedAndNothingIsRegistered()
    {
        using var store = new S3ObjectStore(s3rver.Options(bucket: "not-created"));
        var registry = Registry(store);
        var error = await Assert.ThrowsAsync<ObjectStoreException>(() => registry.UploadAsync("churn", new MemoryStream(Encoding.UTF8.GetBytes("a,b\n1,2\n")), "alice"));
        Assert.Contains("bucket 'not-created' does not exist", error.Message);
        Assert.Empty(await registry.ListAsync());
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDir, recursive: true);
    }
}
