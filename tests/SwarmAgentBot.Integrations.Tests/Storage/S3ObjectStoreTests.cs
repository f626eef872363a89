using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Integrations.S3;

namespace SwarmAgentBot.Integrations.Tests.Storage;

/// <summary>The shared scenario on S3 (s3rver on loopback), plus S3's own failure modes.</summary>
[Collection(S3rverCollection.Name)]
public sealed class S3ObjectStoreTests(S3rverFixture s3rver) : ObjectStoreScenario, IDisposable
{
    private readonly S3ObjectStore _store = new(s3rver.Options());

    protected override IObjectStore Store => _store;

    [Fact]
    public void ItDescribesItselfAsItsBucket() => Assert.Equal("s3://" + S3rverFixture.Bucket, _store.Describe());

    [Fact]
    public async Task ItSaysWhenTheBucketDoesNotExistAndStoresNothing()
    {
        using var missing = new S3ObjectStore(s3rver.Options(bucket: "no-such-bucket"));
        var error = await Assert.ThrowsAsync<ObjectStoreException>(() => missing.PutAsync("datasets/x.csv", new MemoryStream([1, 2])));
        Assert.Contains("bucket 'no-such-bucket' does not exist", error.Message);
        Assert.Contains("Swarm:Storage:S3:Bucket", error.Message);
        var list = await Assert.ThrowsAsync<ObjectStoreException>(async () => await missing.ListAsync("datasets/").ToListAsync());
        Assert.Contains("does not exist", list.Message);
    }

    [Fact]
    public async Task ItRetriesThenFailsClearlyWhenNothingListens()
    {
        using var unreachable = new S3ObjectStore(s3rver.Options(serviceUrl: $"http://127.0.0.1:{UnusedPort()}", maxRetries: 2));
        var error = await Assert.ThrowsAsync<ObjectStoreException>(() => unreachable.PutAsync("datasets/x.csv", new MemoryStream([1, 2, 3])));
        Assert.Contains("after 3 attempts", error.Message);
        Assert.Contains("Nothing was stored", error.Message);
        await Assert.ThrowsAsync<ObjectStoreException>(() => unreachable.StatAsync("datasets/x.csv"));
    }

    [Fact]
    public async Task APartThatFailsOnceIsRetriedAndTheObjectArrivesIntact()
    {
        await using var proxy = await FaultyS3Proxy.StartAsync(s3rver.ServiceUrl, (line, attempt) => line.StartsWith("PUT", StringComparison.Ordinal) && line.Contains("partNumber=2") && attempt == 1);
        using var store = new S3ObjectStore(s3rver.Options(serviceUrl: proxy.Url));
        var data = RandomBytes(11 * 1024 * 1024, 7);

        await store.PutAsync(Prefix + "retried.bin", new MemoryStream(data));

        Assert.Equal(2, proxy.Requests.Count(r => r.StartsWith("PUT", StringComparison.Ordinal) && r.Contains("partNumber=2")));
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(await ReadAllAsync(Prefix + "retried.bin")));
    }

    [Fact]
    public async Task APartThatKeepsFailingAbortsTheMultipartUploadAndLeavesNoObject()
    {
        await using var proxy = await FaultyS3Proxy.StartAsync(s3rver.ServiceUrl, (line, _) => line.StartsWith("PUT", StringComparison.Ordinal) && line.Contains("partNumber=2"));
        using var store = new S3ObjectStore(s3rver.Options(serviceUrl: proxy.Url, maxRetries: 2));

        var error = await Assert.ThrowsAsync<ObjectStoreException>(() => store.PutAsync(Prefix + "failed.bin", new MemoryStream(RandomBytes(11 * 1024 * 1024, 8))));

        Assert.Contains("upload part 2", error.Message);
        Assert.Contains("after 3 attempts", error.Message);
        Assert.Equal(3, proxy.Requests.Count(r => r.StartsWith("PUT", StringComparison.Ordinal) && r.Contains("partNumber=2")));
        Assert.Contains(proxy.Requests, r => r.StartsWith("DELETE", StringComparison.Ordinal) && r.Contains("uploadId="));
        Assert.DoesNotContain(proxy.Requests, r => r.StartsWith("POST", StringComparison.Ordinal) && r.Contains("uploadId="));
        Assert.Null(await _store.StatAsync(Prefix + "failed.bin"));
    }

    [Fact]
    public async Task AServerErrorOnASmallPutIsRetriedUntilItSucceeds()
    {
        await using var proxy = await FaultyS3Proxy.StartAsync(s3rver.ServiceUrl, (line, attempt) => line.StartsWith("PUT", StringComparison.Ordinal) && attempt <= 2);
        using var store = new S3ObjectStore(s3rver.Options(serviceUrl: proxy.Url, maxRetries: 2));
        await store.PutAsync(Prefix + "small.csv", new MemoryStream(Encoding.UTF8.GetBytes("a,b\n1,2\n")));
        Assert.Equal("a,b\n1,2\n", Encoding.UTF8.GetString(await ReadAllAsync(Prefix + "small.csv")));
    }

    [Theory]
    [InlineData("", "Swarm:Storage:S3:Bucket is required when Provider is S3.")]
    [InlineData("Bad_Bucket", "is not a valid bucket name")]
    public void ItRefusesInvalidSettingsNamingTheSetting(string bucket, string message)
    {
        var options = s3rver.Options(bucket: bucket);
        Assert.Contains(message, options.Validate());
        Assert.Contains(message, Assert.Throws<ArgumentException>(() => new S3ObjectStore(options)).Message);
        Assert.Contains("Swarm:Storage:S3:PartSizeBytes", new S3StorageOptions { Bucket = "ok-bucket", PartSizeBytes = 1024 }.Validate());
        Assert.Contains("set together", new S3StorageOptions { Bucket = "ok-bucket", AccessKey = "only-one" }.Validate());
    }

    private static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose() => _store.Dispose();
}
