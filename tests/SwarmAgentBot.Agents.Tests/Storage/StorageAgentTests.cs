using System.Text;
using System.Text.Json.Nodes;
using SwarmAgentBot.Agents.Agents.Storage;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Agents.Supervisor;
using SwarmAgentBot.Ml.Charts;
using static SwarmAgentBot.Agents.Tests.Storage.StorageHarness;

namespace SwarmAgentBot.Agents.Tests.Storage;

public sealed class StorageAgentTests : IDisposable
{
    private readonly StorageHarness _h = new();

    [Fact]
    public async Task UploadingAnAttachedCsvRegistersVersionOneAndRemembersIt()
    {
        var result = await _h.UploadAsync("Churn.csv", ChurnCsv);

        Assert.True(result.Succeeded, result.Reply.Text);
        Assert.Contains("Stored **churn v1**: 600 rows × 8 columns", result.Reply.Text);
        Assert.Equal("churn", result.Remember!["dataset"]);
        Assert.Equal(600, result.Metrics!["rows"]);
        var dataset = await _h.Registry.GetAsync("churn");
        Assert.NotNull(dataset);
        Assert.Equal("alice", dataset.UploadedBy);
        Assert.Equal("Churn.csv", dataset.SourceName);
        Assert.Equal(Encoding.UTF8.GetBytes(ChurnCsv), await ReadAsync(dataset.ObjectKey));
        Assert.StartsWith("file:///", dataset.Location);
    }

    [Fact]
    public async Task TheSameContentKeepsItsVersionAndChangedContentGetsTheNext()
    {
        await _h.UploadAsync("churn.csv", ChurnCsv);
        var again = await _h.UploadAsync("other-name.csv", ChurnCsv, as_: "churn");
        Assert.Contains("already has exactly this content as v1", again.Reply.Text);

        var changed = await _h.UploadAsync("churn.csv", ChurnCsv + "C9999,3,20.00,one_year,dsl,mailed_check,0,no\n");
        Assert.Contains("churn v2", changed.Reply.Text);
        var versions = await _h.Registry.ListAsync();
        Assert.Equal([2, 1], versions.Select(v => v.Version));
        Assert.Equal([601L, 600L], versions.Select(v => v.RowCount));
        Assert.Equal(2, await _h.Local.ListAsync("datasets/churn/").CountAsync());
    }

    [Fact]
    public async Task AnAttachmentSentAsALinkIsDownloaded()
    {
        _h.Downloads.Files["https://files.test/u/sales.tsv"] = Encoding.UTF8.GetBytes("region\tamount\nnorth\t10.5\nsouth\t7\n");
        var result = await _h.Agent.HandleAsync(Request("storage.upload_dataset", files: [new FileAttachment("sales.tsv", "text/tab-separated-values", "https://files.test/u/sales.tsv", null)]));

        Assert.True(result.Succeeded, result.Reply.Text);
        Assert.Contains("tab-separated", result.Reply.Text);
        var sales = await _h.Registry.GetAsync("sales");
        Assert.Equal('\t', sales!.Delimiter);
        Assert.Equal(2, sales.RowCount);

        var missing = await _h.Agent.HandleAsync(Request("storage.upload_dataset", files: [new FileAttachment("gone.csv", null, "https://files.test/u/gone.csv", null)]));
        Assert.False(missing.Succeeded);
        Assert.Contains("404", missing.Reply.Text);
    }

    [Theory]
    [InlineData("bad.csv", "a,b\n1,2\n3\n4,5,6\n", "line 3 has 1, line 4 has 3")]
    [InlineData("empty.csv", "", "The file is empty")]
    [InlineData("header.csv", "a,b\n", "no data rows")]
    [InlineData("image.csv", "\u0089PNG\r\n\u001a\n\u0000\u0000\u0000\rIHDR", "not a CSV")]
    [InlineData("book.xlsx", "PK\u0003\u0004", "not supported yet, export it as CSV")]
    [InlineData("data.parquet", "PAR1", "not supported yet, export it as CSV")]
    public async Task BadFilesAreRefusedClearlyAndLeaveNothingBehind(string file, string content, string message)
    {
        var result = await _h.UploadAsync(file, content);
        Assert.False(result.Succeeded);
        Assert.Contains(message, result.Reply.Text);
        Assert.Empty(await _h.Registry.ListAsync());
        Assert.Empty(_h.LeftoverFiles());
    }

    [Theory]
    [InlineData("../../etc/passwd", "cannot contain '/', '\\' or '..'")]
    [InlineData("..", "cannot contain")]
    [InlineData("sales data", "contains ' '")]
    [InlineData("-x", "must start with a letter or digit")]
    [InlineData("tab\there", "a control character")]
    public async Task OddOrTraversingNamesAreRefused(string name, string message)
    {
        var result = await _h.UploadAsync("good.csv", "a\n1\n", as_: name);
        Assert.False(result.Succeeded);
        Assert.Contains(message, result.Reply.Text);
        Assert.Empty(await _h.Registry.ListAsync());
        Assert.Empty(_h.LeftoverFiles());
    }

    [Fact]
    public async Task AFileOverTheUploadLimitIsRefusedNamingTheSetting()
    {
        using var small = new StorageHarness(settings: new() { ["Swarm:Storage:MaxUploadBytes"] = "1000" });
        var result = await small.UploadAsync("churn.csv", ChurnCsv);
        Assert.False(result.Succeeded);
        Assert.Contains("Swarm:Storage:MaxUploadBytes", result.Reply.Text);
        Assert.Empty(await small.Registry.ListAsync());
        Assert.Empty(small.LeftoverFiles());
    }

    [Fact]
    public async Task WhenTheStoreFailsMidUploadNothingIsRegistered()
    {
        using var failing = new StorageHarness(wrapStore: inner => new FailingPutStore(inner));
        var result = await failing.UploadAsync("churn.csv", ChurnCsv);
        Assert.False(result.Succeeded);
        Assert.Contains("disk full", result.Reply.Text);
        Assert.Empty(await failing.Registry.ListAsync());
        Assert.Empty(failing.LeftoverFiles());
    }

    [Fact]
    public async Task UploadWithoutAFileSaysWhatToDo()
    {
        var result = await _h.Agent.HandleAsync(Request("storage.upload_dataset", new JsonObject { ["dataset"] = "churn" }));
        Assert.False(result.Succeeded);
        Assert.Contains("attach a CSV file", result.Reply.Text);
        Assert.Contains("Supported: CSV", result.Reply.Text);

        var s3 = await _h.Agent.HandleAsync(Request("storage.upload_dataset", new JsonObject { ["dataset"] = "s3://no-such-bucket/churn.csv" }));
        Assert.False(s3.Succeeded);
        Assert.Contains("Swarm:Storage:Provider=S3", s3.Reply.Text);
    }

    [Fact]
    public async Task AnObjectKeyInTheStoreCanBeImported()
    {
        await _h.Local.PutAsync("incoming/leads.csv", new MemoryStream(Encoding.UTF8.GetBytes("id,score\n1,0.5\n2,0.7\n")));
        var result = await _h.Agent.HandleAsync(Request("storage.upload_dataset", new JsonObject { ["dataset"] = "incoming/leads.csv" }));
        Assert.True(result.Succeeded, result.Reply.Text);
        Assert.Equal(2, (await _h.Registry.GetAsync("leads"))!.RowCount);

        var missing = await _h.Agent.HandleAsync(Request("storage.upload_dataset", new JsonObject { ["dataset"] = "incoming/nope.csv" }));
        Assert.Contains("There is no file", missing.Reply.Text);
    }

    [Fact]
    public async Task ListingShowsEachDatasetWithItsVersionsRowsAndSize()
    {
        Assert.Contains("no datasets yet", (await _h.Agent.HandleAsync(Request("storage.list_datasets"))).Reply.Text);
        await _h.UploadAsync("churn.csv", ChurnCsv);
        await _h.UploadAsync("churn.csv", ChurnCsv.Replace("C0001,", "C0000,", StringComparison.Ordinal));
        await _h.UploadAsync("iris.csv", "sepal,species\n5.1,setosa\n");

        var result = await _h.Agent.HandleAsync(Request("storage.list_datasets"));
        var table = Assert.IsType<CardTable>(result.Reply.AllCards.Single().Elements.Single());
        Assert.Equal(["Dataset", "Latest", "Versions", "Rows", "Columns", "Size", "Uploaded"], table.Columns);
        Assert.Equal(["churn", "v2", "v1, v2", "600", "8"], table.Rows[0].Take(5));
        Assert.Equal(["iris", "v1", "v1", "1", "2"], table.Rows[1].Take(5));
    }

    [Fact]
    public async Task PreviewShowsTheFirstRowsAsATable()
    {
        await _h.UploadAsync("churn.csv", ChurnCsv);
        var result = await _h.Agent.HandleAsync(Request("storage.preview_dataset", new JsonObject { ["dataset"] = "churn.csv", ["rows"] = 3 }));
        var table = Assert.IsType<CardTable>(result.Reply.AllCards.Single().Elements[0]);
        Assert.Equal("customer_id", table.Columns[0]);
        Assert.Equal(3, table.Rows.Count);
        var firstLine = ChurnCsv.Split('\n')[1].Split(',');
        Assert.Equal(firstLine, table.Rows[0]);
        Assert.Equal("churn", result.Remember!["dataset"]);
    }

    [Fact]
    public async Task ProfileShowsTypesMissingValuesAndTheLabelBalanceOfTheTarget()
    {
        await _h.UploadAsync("churn.csv", ChurnCsv);
        var result = await _h.Agent.HandleAsync(Request("storage.profile_dataset", new JsonObject { ["dataset"] = "churn", ["target"] = "churn" }));

        Assert.True(result.Succeeded, result.Reply.Text);
        var card = result.Reply.AllCards.Single();
        var table = card.Elements.OfType<CardTable>().Single();
        var byName = table.Rows.ToDictionary(r => r[0]);
        Assert.Equal("integer", byName["tenure"][1]);
        Assert.Equal("float", byName["monthly_charges"][1]);
        Assert.Equal("categorical", byName["contract"][1]);
        var lines = ChurnCsv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(',')).ToList();
        var missingPayments = lines.Count(l => l[5].Length == 0);
        Assert.Equal($"{100.0 * missingPayments / lines.Count:0.##}%", byName["payment_method"][2]);
        Assert.StartsWith("min ", byName["tenure"][4]);

        var yes = lines.Count(l => l[7] == "yes");
        var balance = card.Elements.OfType<CardFacts>().Last().Facts.ToDictionary(f => f.Key, f => f.Value);
        Assert.StartsWith($"{yes:N0} (", balance["yes"]);
        Assert.Equal(Math.Round((double)(lines.Count - yes) / lines.Count, 6), result.Metrics!["majority_share"]);
        Assert.Equal("churn", result.Remember!["target"]);
    }

    [Fact]
    public async Task ProfileOfOneColumnShowsItsMissingValuesWithoutCallingItATarget()
    {
        await _h.UploadAsync("churn.csv", ChurnCsv);
        var result = await _h.Agent.HandleAsync(Request("storage.profile_dataset", new JsonObject { ["dataset"] = "churn", ["column"] = "payment_method" }));
        var lines = ChurnCsv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
        var missing = lines.Count(l => l.Split(',')[5].Length == 0);
        var facts = result.Reply.AllCards.Single().Elements.OfType<CardFacts>().Skip(1).First().Facts.ToDictionary(f => f.Key, f => f.Value);
        Assert.StartsWith($"{missing:N0} of {lines.Count:N0} rows", facts["Missing"]);
        Assert.DoesNotContain("regression target", TextCardRenderer.Render(result.Reply));

        var numeric = await _h.Agent.HandleAsync(Request("storage.profile_dataset", new JsonObject { ["dataset"] = "churn", ["target"] = "tenure" }));
        Assert.Contains("regression target", TextCardRenderer.Render(numeric.Reply));
    }

    [Fact]
    public async Task ProfileOfAMissingColumnListsTheColumns()
    {
        await _h.UploadAsync("churn.csv", ChurnCsv);
        var result = await _h.Agent.HandleAsync(Request("storage.profile_dataset", new JsonObject { ["dataset"] = "churn", ["column"] = "Exited" }));
        Assert.False(result.Succeeded);
        Assert.Contains("no column 'Exited'", result.Reply.Text);
        Assert.Contains("support_calls", result.Reply.Text);
    }

    [Fact]
    public async Task ProfileItUsesTheDatasetTheConversationRemembers()
    {
        await _h.UploadAsync("churn.csv", ChurnCsv);
        await _h.UploadAsync("iris.csv", "sepal,species\n5.1,setosa\n");
        var result = await _h.Agent.HandleAsync(Request("storage.profile_dataset", memory: new Dictionary<string, string> { ["dataset"] = "churn" }));
        Assert.True(result.Succeeded, result.Reply.Text);
        Assert.Contains("Profile of **churn v1**", result.Reply.Text);
    }

    [Fact]
    public async Task WithoutADatasetNameItAsksWhichOneWithButtons()
    {
        await _h.UploadAsync("churn.csv", ChurnCsv);
        await _h.UploadAsync("iris.csv", "sepal,species\n5.1,setosa\n");
        var result = await _h.Agent.HandleAsync(Request("storage.profile_dataset", new JsonObject { ["target"] = "churn" }));

        Assert.False(result.Succeeded);
        Assert.Contains("Which dataset should I profile?", result.Reply.Text);
        var actions = result.Reply.AllCards.Single().AllActions;
        Assert.All(actions, a => Assert.Equal("choose", a.Verb));
        Assert.Equal(["profile dataset churn with target churn", "profile dataset iris with target churn"], actions.Select(a => a.Data["text"]));
    }

    [Fact]
    public async Task AnAmbiguousNameAsksAndAUniquePartialNameIsUsed()
    {
        await _h.UploadAsync("churn_2023.csv", ChurnCsv);
        await _h.UploadAsync("churn_2024.csv", ChurnCsv);
        await _h.UploadAsync("iris.csv", "sepal,species\n5.1,setosa\n");

        var ambiguous = await _h.Agent.HandleAsync(Request("storage.preview_dataset", new JsonObject { ["dataset"] = "churn" }));
        Assert.Contains("Several datasets match 'churn'", ambiguous.Reply.Text);
        Assert.Equal(["preview dataset churn_2023", "preview dataset churn_2024"], ambiguous.Reply.AllCards.Single().AllActions.Select(a => a.Data["text"]));

        var partial = await _h.Agent.HandleAsync(Request("storage.preview_dataset", new JsonObject { ["dataset"] = "iri" }));
        Assert.True(partial.Succeeded);
        Assert.Contains("I used **iris**", partial.Reply.Text);

        var unknown = await _h.Agent.HandleAsync(Request("storage.preview_dataset", new JsonObject { ["dataset"] = "sales" }));
        Assert.False(unknown.Succeeded);
        Assert.Contains("no dataset called 'sales'", unknown.Reply.Text);
    }

    [Theory]
    [InlineData("tenure", null, "histogram")]
    [InlineData("contract", null, "bar")]
    [InlineData("tenure", "monthly_charges", "scatter")]
    [InlineData("contract", "monthly_charges", "mean-by-category")]
    public async Task PlotsComeBackAsStoredPngImages(string column, string? column2, string kind)
    {
        await _h.UploadAsync("churn.csv", ChurnCsv);
        var entities = new JsonObject { ["dataset"] = "churn", ["column"] = column };
        if (column2 is not null) entities["column2"] = column2;
        var result = await _h.Agent.HandleAsync(Request("storage.plot_dataset", entities));

        Assert.True(result.Succeeded, result.Reply.Text);
        var card = result.Reply.AllCards.Single();
        Assert.EndsWith(kind, card.Title);
        var image = card.Elements.OfType<CardImage>().Single();
        Assert.Matches("^http://bot.test/charts/[0-9a-f]{32}\\.png$", image.Url);
        await using var png = await _h.Charts.OpenAsync(result.Remember!["chart"]);
        var bytes = new byte[8];
        await png!.ReadExactlyAsync(bytes);
        Assert.Equal(PngEncoder.Signature.ToArray(), bytes);
    }

    [Fact]
    public async Task PlottingTwoCategoriesOrAnUnknownColumnSaysWhy()
    {
        await _h.UploadAsync("churn.csv", ChurnCsv);
        var both = await _h.Agent.HandleAsync(Request("storage.plot_dataset", new JsonObject { ["dataset"] = "churn", ["column"] = "contract", ["column2"] = "churn" }));
        Assert.Contains("both non-numeric", both.Reply.Text);
        var unknown = await _h.Agent.HandleAsync(Request("storage.plot_dataset", new JsonObject { ["dataset"] = "churn", ["column"] = "age" }));
        Assert.Contains("no column 'age'", unknown.Reply.Text);
        var none = await _h.Agent.HandleAsync(Request("storage.plot_dataset", new JsonObject { ["dataset"] = "churn" }));
        Assert.Contains("Which column", none.Reply.Text);
        Assert.Contains(none.Reply.AllCards.Single().AllActions, a => a.Data["text"] == "plot tenure in dataset churn");
    }

    [Fact]
    public async Task ArtifactsOfARunOrAModelVersionAreListed()
    {
        await _h.Local.PutAsync("runs/12/metrics.json", new MemoryStream([1, 2]));
        await _h.Local.PutAsync("runs/12/plots/importance.png", new MemoryStream([1]));
        await _h.Local.PutAsync("runs/120/metrics.json", new MemoryStream([1]));
        await _h.Local.PutAsync("models/churn-model/3/model.json", new MemoryStream([1, 2, 3]));

        var run = await _h.Agent.HandleAsync(Request("storage.list_artifacts", new JsonObject { ["run_id"] = "12" }));
        var table = Assert.IsType<CardTable>(run.Reply.AllCards.Single().Elements.Single());
        Assert.Equal(["metrics.json", "plots/importance.png"], table.Rows.Select(r => r[0]));
        Assert.Equal("12", run.Remember!["run_id"]);

        var model = await _h.Agent.HandleAsync(Request("storage.list_artifacts", new JsonObject { ["model"] = "churn-model", ["version"] = 3 }));
        Assert.Equal(["model.json"], Assert.IsType<CardTable>(model.Reply.AllCards.Single().Elements.Single()).Rows.Select(r => r[0]));

        Assert.Contains("No artifacts under", (await _h.Agent.HandleAsync(Request("storage.list_artifacts", new JsonObject { ["run_id"] = "99" }))).Reply.Text);
        Assert.False((await _h.Agent.HandleAsync(Request("storage.list_artifacts", new JsonObject { ["run_id"] = "../x" }))).Succeeded);
    }

    [Fact]
    public async Task DeletingNeedsApprovalAndOnlyTheApprovedActionDeletes()
    {
        await _h.UploadAsync("churn.csv", ChurnCsv);
        await _h.UploadAsync("churn.csv", ChurnCsv + "C9999,3,20.00,one_year,dsl,mailed_check,0,no\n");

        var proposed = await _h.Agent.HandleAsync(Request("storage.delete_dataset", new JsonObject { ["dataset"] = "churn" }));
        Assert.NotNull(proposed.Approval);
        Assert.Equal("storage.delete_dataset", proposed.Approval.Intent);
        Assert.Contains("Delete dataset churn (v1, v2)", proposed.Approval.Summary);
        Assert.Equal("dataset:churn", proposed.Approval.Resource);
        Assert.Equal(2, (await _h.Registry.ListAsync()).Count);

        var done = await _h.Agent.ExecuteApprovedAsync(new ApprovedAction("1", "storage.delete_dataset", proposed.Approval.Arguments, "alice", "bob", new ConversationRef("test", "conv-1")));
        Assert.True(done.Succeeded, done.Reply.Text);
        Assert.Empty(await _h.Registry.ListAsync());
        Assert.Empty(await _h.Local.ListAsync("datasets/").ToListAsync());

        var twice = await _h.Agent.ExecuteApprovedAsync(new ApprovedAction("1", "storage.delete_dataset", proposed.Approval.Arguments, "alice", "bob", new ConversationRef("test", "conv-1")));
        Assert.False(twice.Succeeded);
        Assert.Contains("already gone", twice.Reply.Text);
    }

    [Fact]
    public async Task DeletingOneVersionKeepsTheOthers()
    {
        await _h.UploadAsync("churn.csv", ChurnCsv);
        await _h.UploadAsync("churn.csv", ChurnCsv + "C9999,3,20.00,one_year,dsl,mailed_check,0,no\n");
        var proposed = await _h.Agent.HandleAsync(Request("storage.delete_dataset", new JsonObject { ["dataset"] = "churn", ["version"] = 1 }));
        await _h.Agent.ExecuteApprovedAsync(new ApprovedAction("2", "storage.delete_dataset", proposed.Approval!.Arguments, "alice", "bob", new ConversationRef("test", "conv-1")));
        Assert.Equal([2], (await _h.Registry.ListAsync()).Select(d => d.Version));
        Assert.Single(await _h.Local.ListAsync("datasets/churn/").ToListAsync());
    }

    private async Task<byte[]> ReadAsync(string key)
    {
        await using var stream = await _h.Local.OpenReadAsync(key);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    public void Dispose() => _h.Dispose();

    /// <summary>An object store whose writes fail part-way, like a full disk.</summary>
    private sealed class FailingPutStore(IObjectStore inner) : IObjectStore
    {
        public string Describe() => inner.Describe();
        public Task<ObjectInfo> PutAsync(string key, Stream content, string? contentType = null, CancellationToken cancellationToken = default) =>
            inner.PutAsync(key, new ThrowingAfter(content, 1000), contentType, cancellationToken);
        public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default) => inner.OpenReadAsync(key, cancellationToken);
        public Task<ObjectInfo?> StatAsync(string key, CancellationToken cancellationToken = default) => inner.StatAsync(key, cancellationToken);
        public IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, CancellationToken cancellationToken = default) => inner.ListAsync(prefix, cancellationToken);
        public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

        private sealed class ThrowingAfter(Stream source, int limit) : Stream
        {
            private long _read;
            public override bool CanRead => true;
            public override bool CanSeek => false;
            public override bool CanWrite => false;
            public override long Length => source.Length;
            public override long Position { get => _read; set => throw new NotSupportedException(); }
            public override int Read(byte[] buffer, int offset, int count)
            {
                if (_read >= limit) throw new IOException("disk full");
                var n = source.Read(buffer, offset, (int)Math.Min(count, limit - _read));
                _read += n;
                return n;
            }
            public override void Flush() { }
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        }
    }
}
