using System.Security.Cryptography;
using System.Text;
using SwarmAgentBot.Agents.Ports;

namespace SwarmAgentBot.Integrations.Tests.Storage;

/// <summary>
/// The behaviour every object store must have, run once per implementation (local folder, S3 on
/// s3rver). Each test works under its own prefix so they never see each other's objects.
/// </summary>
public abstract class ObjectStoreScenario
{
    protected readonly string Prefix = "t" + Guid.NewGuid().ToString("N")[..12] + "/";

    /// <summary>The store under test.</summary>
    protected abstract IObjectStore Store { get; }

    protected static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    protected async Task<byte[]> ReadAllAsync(string key)
    {
        await using var stream = await Store.OpenReadAsync(key);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    [Fact]
    public async Task ItReturnsWhatWasStoredByteForByte()
    {
        var binary = RandomBytes(70_000, 1);
        var csv = Encoding.UTF8.GetBytes("id,name\n1,Zoë\n2,\"a, b\"\n");
        var info = await Store.PutAsync(Prefix + "data/blob.bin", new MemoryStream(binary));
        await Store.PutAsync(Prefix + "data/churn.csv", new MemoryStream(csv), "text/csv");
        await Store.PutAsync(Prefix + "data/empty.txt", new MemoryStream());

        Assert.Equal(binary.Length, info.Size);
        Assert.Equal(SHA256.HashData(binary), SHA256.HashData(await ReadAllAsync(Prefix + "data/blob.bin")));
        Assert.Equal(csv, await ReadAllAsync(Prefix + "data/churn.csv"));
        Assert.Empty(await ReadAllAsync(Prefix + "data/empty.txt"));
    }

    [Fact]
    public async Task ItStoresALargeObjectInPartsByteForByte()
    {
        var large = RandomBytes(11 * 1024 * 1024 + 123, 2);
        var info = await Store.PutAsync(Prefix + "models/big.bin", new MemoryStream(large));
        Assert.Equal(large.Length, info.Size);
        Assert.Equal(large.Length, (await Store.StatAsync(Prefix + "models/big.bin"))!.Size);
        Assert.Equal(SHA256.HashData(large), SHA256.HashData(await ReadAllAsync(Prefix + "models/big.bin")));
    }

    [Fact]
    public async Task APutReplacesTheWholeObject()
    {
        await Store.PutAsync(Prefix + "x.txt", new MemoryStream(Encoding.UTF8.GetBytes("first version, longer")));
        await Store.PutAsync(Prefix + "x.txt", new MemoryStream(Encoding.UTF8.GetBytes("second")));
        Assert.Equal("second", Encoding.UTF8.GetString(await ReadAllAsync(Prefix + "x.txt")));
        Assert.Equal(6, (await Store.StatAsync(Prefix + "x.txt"))!.Size);
    }

    [Fact]
    public async Task ItListsObjectsUnderAPrefixInKeyOrder()
    {
        foreach (var key in new[] { "runs/12/metrics.json", "runs/12/plots/roc.png", "runs/120/metrics.json", "runs/13/log.txt", "models/churn/3/model.json" })
            await Store.PutAsync(Prefix + key, new MemoryStream([1, 2, 3]));

        var run12 = await Store.ListAsync(Prefix + "runs/12/").Select(o => o.Key[Prefix.Length..]).ToListAsync();
        Assert.Equal(["runs/12/metrics.json", "runs/12/plots/roc.png"], run12);
        var runs = await Store.ListAsync(Prefix + "runs/1").Select(o => o.Key[Prefix.Length..]).ToListAsync();
        Assert.Equal(["runs/12/metrics.json", "runs/12/plots/roc.png", "runs/120/metrics.json", "runs/13/log.txt"], runs);
        var all = await Store.ListAsync(Prefix).ToListAsync();
        Assert.Equal(5, all.Count);
        Assert.All(all, o => Assert.Equal(3, o.Size));
        Assert.Empty(await Store.ListAsync(Prefix + "nothing/").ToListAsync());
    }

    [Fact]
    public async Task ItStatsAndDeletesObjectsAndSaysWhenOneIsMissing()
    {
        var key = Prefix + "a/b/c.bin";
        Assert.Null(await Store.StatAsync(key));
        Assert.False(await Store.DeleteAsync(key));
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => Store.OpenReadAsync(key));

        await Store.PutAsync(key, new MemoryStream([9]));
        var stat = await Store.StatAsync(key);
        Assert.Equal(1, stat!.Size);
        Assert.True(stat.LastModified > DateTimeOffset.UtcNow.AddMinutes(-10));
        Assert.True(await Store.DeleteAsync(key));
        Assert.Null(await Store.StatAsync(key));
        Assert.Empty(await Store.ListAsync(Prefix + "a/").ToListAsync());
    }

    [Theory]
    [InlineData("../escape.txt")]
    [InlineData("a/../../escape.txt")]
    [InlineData("/etc/passwd")]
    [InlineData("a//b")]
    [InlineData("a\\..\\b")]
    [InlineData("with space.csv")]
    [InlineData("tab\there")]
    [InlineData(".hidden/x")]
    [InlineData("dir/")]
    [InlineData("")]
    public async Task ItRejectsPathTraversalAndOddKeys(string key)
    {
        var put = await Assert.ThrowsAsync<ObjectStoreException>(() => Store.PutAsync(key, new MemoryStream([1])));
        Assert.Contains("not a valid object key", put.Message);
        await Assert.ThrowsAsync<ObjectStoreException>(() => Store.OpenReadAsync(key));
        await Assert.ThrowsAsync<ObjectStoreException>(() => Store.StatAsync(key));
        await Assert.ThrowsAsync<ObjectStoreException>(() => Store.DeleteAsync(key));
    }

    [Fact]
    public async Task ItRejectsATraversingListPrefix()
    {
        await Assert.ThrowsAsync<ObjectStoreException>(async () => await Store.ListAsync("../").ToListAsync());
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(6 * 1024 * 1024)]
    public async Task AContentStreamFailingMidwayLeavesNothingBehind(int failAfter)
    {
        var key = Prefix + "partial/data.csv";
        var source = new FailingStream(RandomBytes(12 * 1024 * 1024, 3), failAfter);
        var error = await Assert.ThrowsAsync<ObjectStoreException>(() => Store.PutAsync(key, source));
        Assert.Contains("Nothing was stored", error.Message);
        Assert.Null(await Store.StatAsync(key));
        Assert.Empty(await Store.ListAsync(Prefix + "partial/").ToListAsync());
    }

    [Fact]
    public async Task AFailedReplacementKeepsTheOldObject()
    {
        var key = Prefix + "keep.csv";
        await Store.PutAsync(key, new MemoryStream(Encoding.UTF8.GetBytes("old")));
        await Assert.ThrowsAsync<ObjectStoreException>(() => Store.PutAsync(key, new FailingStream(RandomBytes(100_000, 4), 10_000)));
        Assert.Equal("old", Encoding.UTF8.GetString(await ReadAllAsync(key)));
    }

    /// <summary>Serves <c>failAfter</c> bytes, then fails like a dropped connection.</summary>
    protected sealed class FailingStream(byte[] data, int failAfter) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_position >= failAfter) throw new IOException("connection reset while reading the upload");
            var n = Math.Min(buffer.Length, Math.Min(failAfter, data.Length) - _position);
            data.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
