using System.Text;
using SwarmAgentBot.Agents.Agents.Storage;

namespace SwarmAgentBot.Agents.Tests.Storage;

public sealed class DatasetRegistryTests : IDisposable
{
    private readonly StorageHarness _h = new();

    private static MemoryStream Csv(string text) => new(Encoding.UTF8.GetBytes(text));

    [Fact]
    public async Task ConcurrentUploadsOfDifferentContentGetDistinctVersions()
    {
        var uploads = Enumerable.Range(0, 6).Select(i => _h.Registry.UploadAsync("events", Csv($"id,value\n{i},{i * 1.5}\n"), "alice")).ToList();
        var results = await Task.WhenAll(uploads);
        Assert.Equal([1, 2, 3, 4, 5, 6], results.Select(r => r.Dataset.Version).Order());
        Assert.All(results, r => Assert.False(r.AlreadyExisted));
        Assert.Equal(6, await _h.Local.ListAsync("datasets/events/").CountAsync());
    }

    [Fact]
    public async Task ConcurrentUploadsOfTheSameContentMakeOneVersion()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _h.Registry.UploadAsync("same", Csv("a\n1\n"), "alice")));
        Assert.All(results, r => Assert.Equal(1, r.Dataset.Version));
        Assert.Single(await _h.Registry.ListAsync());
        Assert.Single(await _h.Local.ListAsync("datasets/same/").ToListAsync());
    }

    [Fact]
    public async Task ItRecordsHashSizeSchemaAndLocation()
    {
        var text = "when,amount,ok\n2024-01-01,3.5,true\n2024-01-02,,false\n";
        var upload = await _h.Registry.UploadAsync("Payments.CSV", Csv(text), "bob", "payments-export.csv");
        var d = upload.Dataset;
        Assert.Equal("payments", d.Name);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(text))), d.Sha256);
        Assert.Equal(Encoding.UTF8.GetByteCount(text), d.SizeBytes);
        Assert.Equal(2, d.RowCount);
        Assert.Equal([new DatasetColumn("when", Ml.Profiling.ColumnType.DateTime), new DatasetColumn("amount", Ml.Profiling.ColumnType.Float), new DatasetColumn("ok", Ml.Profiling.ColumnType.Boolean)], d.Columns);
        Assert.Equal(_h.Local.Describe() + "/" + d.ObjectKey, d.Location);
        Assert.Equivalent(d, await _h.Registry.GetAsync("payments.csv"), strict: true);
        var profile = await _h.Registry.GetProfileAsync(d);
        Assert.Equal(1, profile.Find("amount")!.Missing);
    }

    [Fact]
    public async Task AReadFailureWhileStagingLeavesNoDataset()
    {
        var error = await Assert.ThrowsAsync<DatasetException>(() => _h.Registry.UploadAsync("broken", new BrokenStream(), "alice"));
        Assert.Contains("Reading the upload failed", error.Message);
        Assert.Empty(await _h.Registry.ListAsync());
        Assert.Empty(_h.LeftoverFiles());
    }

    public void Dispose() => _h.Dispose();

    private sealed class BrokenStream : Stream
    {
        private int _calls;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => 0; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_calls++ > 0) throw new IOException("connection reset by peer");
            var head = Encoding.UTF8.GetBytes("a,b\n1,2\n");
            head.CopyTo(buffer, offset);
            return head.Length;
        }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
