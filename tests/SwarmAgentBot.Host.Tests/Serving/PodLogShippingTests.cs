using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using SwarmAgentBot.Agents.Agents.Drift;
using SwarmAgentBot.Agents.Agents.Registry;
using SwarmAgentBot.Agents.Agents.Training;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Agents.Tests.Registry;
using SwarmAgentBot.Agents.Tests.Support;
using SwarmAgentBot.Host.Tests.Support;
using SwarmAgentBot.Integrations.Local;

namespace SwarmAgentBot.Host.Tests.Serving;

/// <summary>
/// A serving pod and the bot, each with its own data folder, sharing one local object-store folder: the pod ships
/// its prediction log there and the bot imports it, so drift checks and feedback at the bot cover the pod's traffic.
/// </summary>
public sealed class PodLogShippingTests(TinyModelFixture models) : IClassFixture<TinyModelFixture>, IDisposable
{
    private const string BundleKey = "runs/1/bundle.zip";
    private readonly string _objects = Path.Combine(Path.GetTempPath(), "swarm-objects-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly List<SwarmWebFactory> _hosts = [];

    private IObjectStore Store() => new LocalObjectStore(_objects);

    private SwarmWebFactory Host(string? dataDir, IDictionary<string, string?> settings, IObjectStore? objects = null)
    {
        objects ??= Store();
        var host = new SwarmWebFactory(dataDir, settings, s => s.AddSingleton(objects));
        _hosts.Add(host);
        return host;
    }

    private SwarmWebFactory Bot(IObjectStore? objects = null) => Host(null, new Dictionary<string, string?>(), objects);

    /// <summary>A pod pinned to churn v1; it ships every <paramref name="everySeconds"/> and on shutdown.</summary>
    private SwarmWebFactory Pod(string? dataDir = null, int everySeconds = 3600, IObjectStore? objects = null) => Host(dataDir, new Dictionary<string, string?>
    {
        ["Swarm:Serving:Model"] = "churn",
        ["Swarm:Serving:Version"] = "1",
        ["Swarm:Serving:Stage"] = "production",
        ["Swarm:Serving:ArtifactKey"] = BundleKey,
        ["Swarm:Serving:PodId"] = "churn-pod-a",
        ["Swarm:Serving:ShipLogsEverySeconds"] = everySeconds.ToString(CultureInfo.InvariantCulture),
    }, objects);

    private async Task PutBundleAsync()
    {
        using var zip = new MemoryStream();
        await models.First.SaveAsync(zip);
        zip.Position = 0;
        await Store().PutAsync(BundleKey, zip);
    }

    /// <summary>Serves <paramref name="calls"/> calls of <paramref name="perCall"/> records at the pod; returns the prediction ids.</summary>
    private static async Task<List<string>> ServeAsync(SwarmWebFactory pod, int calls, int perCall, bool shifted = false, int seed = 1)
    {
        var rng = new Random(seed);
        string[] contracts = ["monthly", "yearly", "two-year"];
        using var http = pod.CreateClient();
        var ids = new List<string>();
        for (var c = 0; c < calls; c++)
        {
            var records = Enumerable.Range(0, perCall).Select(_ => new
            {
                tenure = shifted ? 60 + rng.Next(0, 40) : rng.Next(0, 72),
                contract = contracts[rng.Next(3)],
                monthly_charges = Math.Round(shifted ? 140 + rng.NextDouble() * 60 : 20 + rng.NextDouble() * 80, 2),
            }).ToArray();
            var response = await http.PostAsJsonAsync("/models/churn@production/predict", new { records });
            response.EnsureSuccessStatusCode();
            var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
            ids.AddRange(body["predictions"]!.AsArray().Select(p => p!["id"]!.ToString()));
        }
        return ids;
    }

    private async Task<List<string>> SegmentKeysAsync()
    {
        var keys = new List<string>();
        await foreach (var o in Store().ListAsync(PredictionLogSegment.Prefix)) keys.Add(o.Key);
        return keys;
    }

    [Fact]
    public async Task PredictionsServedByAPodAreSeenByTheBotsDriftCheckOnceShipped()
    {
        await PutBundleAsync();
        var bot = Bot();
        // The bot knows churn v1 with the training run whose data is the drift reference.
        var table = TinyModels.ChurnTable();
        var csv = new StringBuilder(string.Join(",", table.ColumnNames)).Append('\n');
        for (var r = 0; r < table.RowCount; r++)
            csv.Append(string.Join(",", Enumerable.Range(0, table.ColumnCount).Select(c => table[r, c]))).Append('\n');
        await Store().PutAsync("datasets/churn/v1/churn.csv", new MemoryStream(Encoding.UTF8.GetBytes(csv.ToString())));
        var run = await bot.Services.GetRequiredService<TrainingRunStore>().CreateAsync("churn", "churn.csv", 1, null, "churn",
            new JsonObject { ["dataset_key"] = "datasets/churn/v1/churn.csv" }, "alice", null);
        var registry = bot.Services.GetRequiredService<ModelRegistry>();
        await registry.RegisterAsync(new NewModelVersion("churn", run.Id, "churn.csv", 1, null, models.First.Task.ToString(), models.First.Metric,
            models.First.TestMetrics, BundleKey, ModelServer.ModelHash(models.First), "alice"));
        await registry.SetAliasAsync("churn", "production", 1, "alice");

        var pod = Pod(everySeconds: 1);
        await ServeAsync(pod, calls: 4, perCall: 50, shifted: true, seed: 6);

        // The pod ships on its own schedule: wait for its segment (with a deadline), never for a fixed time.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await SegmentKeysAsync()).Count == 0 && DateTime.UtcNow < deadline) await Task.Delay(100);
        var check = await bot.Services.GetRequiredService<DriftChecker>().CheckAsync("churn", "production", new DriftWindow(200, null), null, "test");

        Assert.NotNull(check);
        Assert.Equal(200, check.Rows);
        Assert.True(check.Stored!.Drifted);
        // The check imported the pod's segment, which then left the store.
        Assert.Empty(await SegmentKeysAsync());
    }

    [Fact]
    public async Task ShippingAcrossAPodRestartSendsEveryCallExactlyOnce()
    {
        await PutBundleAsync();
        var pod = Pod();
        var served = await ServeAsync(pod, calls: 3, perCall: 2);
        Assert.Equal(3, await pod.Services.GetRequiredService<PredictionLogShipper>().ShipAsync());
        served.AddRange(await ServeAsync(pod, calls: 2, perCall: 2, seed: 2));
        // A graceful stop ships what was logged since the last pass.
        pod.Dispose();

        var restarted = Pod(pod.DataDir);
        var shipper = restarted.Services.GetRequiredService<PredictionLogShipper>();
        Assert.Equal(0, await shipper.ShipAsync());
        served.AddRange(await ServeAsync(restarted, calls: 1, perCall: 2, seed: 3));
        Assert.Equal(1, await shipper.ShipAsync());
        restarted.Dispose();

        var keys = await SegmentKeysAsync();
        Assert.Equal(3, keys.Count);
        var shippedCalls = new List<ShippedCall>();
        foreach (var key in keys)
        {
            await using var stream = await Store().OpenReadAsync(key);
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer);
            shippedCalls.AddRange(PredictionLogSegment.Read(buffer.ToArray()));
        }
        var shippedIds = shippedCalls.SelectMany(c => Enumerable.Range(0, c.RowCount).Select(i => PredictionLog.PredictionId(c.CallId, i))).ToList();
        Assert.Equal(served.Order(StringComparer.Ordinal), shippedIds.Order(StringComparer.Ordinal));

        var bot = Bot();
        var import = await bot.Services.GetRequiredService<PredictionLogImporter>().ImportAsync();
        Assert.Equal(new PredictionLogImport(3, 6, 0, 3, 0), import);
        Assert.Equal(12, await bot.Services.GetRequiredService<PredictionLog>().CountAsync("churn"));
        // Imported segments leave the store: their calls are in the bot's log now.
        Assert.Empty(await SegmentKeysAsync());
        Assert.Equal(new PredictionLogImport(0, 0, 0, 0, 0), await bot.Services.GetRequiredService<PredictionLogImporter>().ImportAsync());
    }

    [Fact]
    public async Task APodStoppedBetweenUploadAndWatermarkDoesNotRewriteTheSegmentNorLoseCalls()
    {
        await PutBundleAsync();
        var pod = Pod();
        var served = await ServeAsync(pod, calls: 2, perCall: 2);
        var shipper = pod.Services.GetRequiredService<PredictionLogShipper>();
        await shipper.ShipAsync();
        var key = Assert.Single(await SegmentKeysAsync());
        var written = await Store().StatAsync(key);
        // As if the pod had stopped after the upload but before moving its watermark: the segment is still pending.
        await using (var connection = await pod.Services.GetRequiredService<SwarmAgentBot.Agents.Metadata.SwarmDatabase>().OpenAsync())
        await Dapper.SqlMapper.ExecuteAsync(connection,
            "UPDATE prediction_log_shipping SET shipped_rowid = 0, pending_key = @key, pending_last_rowid = (SELECT MAX(rowid) FROM prediction_calls)", new { key });

        await shipper.ShipAsync();
        served.AddRange(await ServeAsync(pod, calls: 1, perCall: 2, seed: 2));
        await shipper.ShipAsync();

        var keys = await SegmentKeysAsync();
        Assert.Equal(2, keys.Count);
        Assert.Equal(written, await Store().StatAsync(key));
        var bot = Bot();
        Assert.Equal(new PredictionLogImport(2, 3, 0, 2, 0), await bot.Services.GetRequiredService<PredictionLogImporter>().ImportAsync());
        var logged = await bot.Services.GetRequiredService<PredictionLog>().RecentAsync("churn", 100);
        Assert.Equal(served.Order(StringComparer.Ordinal), logged.Select(p => p.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task FeedbackAtTheBotForAPodsPredictionIdAttachesTheLabel()
    {
        await PutBundleAsync();
        var pod = Pod();
        var ids = await ServeAsync(pod, calls: 1, perCall: 3);
        await pod.Services.GetRequiredService<PredictionLogShipper>().ShipAsync();
        var bot = Bot();

        using var http = bot.CreateClient();
        var response = await http.PostAsJsonAsync("/models/churn/feedback", new { prediction_id = ids[1], label = "yes" });

        response.EnsureSuccessStatusCode();
        Assert.Equal(1, (await response.Content.ReadFromJsonAsync<JsonObject>())!["attached"]!.GetValue<int>());
        var logged = await bot.Services.GetRequiredService<PredictionLog>().RecentAsync("churn", 10);
        Assert.Equal("yes", logged.Single(p => p.Id == ids[1]).Label!.ToString());
        Assert.All(logged.Where(p => p.Id != ids[1]), p => Assert.Null(p.Label));
        var unknown = await http.PostAsJsonAsync("/models/churn/feedback", new { prediction_id = ids[0][..^1] + "7", label = "no" });
        Assert.Equal(System.Net.HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task ACorruptSegmentIsSkippedAndTheOthersAreImported()
    {
        await PutBundleAsync();
        var store = Store();
        // Sorted before the pod's segment, so the import meets it first.
        await store.PutAsync("prediction-logs/churn/churn-pod-a/0000-broken.json", new MemoryStream("{\"format\": \"swarm-prediction-log/1\", \"calls\": [{\"call_id\""u8.ToArray()));
        await store.PutAsync("prediction-logs/churn/churn-pod-b/0000-short.json", new MemoryStream(Encoding.UTF8.GetBytes(
            """{"format": "swarm-prediction-log/1", "calls": [{"call_id": "0a", "model": "churn", "version": 1, "created_at": "2026-01-01T00:00:00Z", "rows": 2, "classes": ["no", "yes"], "records": [{"tenure": 1}], "predictions": "AQA="}]}""")));
        var pod = Pod();
        await ServeAsync(pod, calls: 2, perCall: 5);
        await pod.Services.GetRequiredService<PredictionLogShipper>().ShipAsync();
        var bot = Bot();
        var importer = bot.Services.GetRequiredService<PredictionLogImporter>();

        Assert.Equal(new PredictionLogImport(1, 2, 2, 1, 0), await importer.ImportAsync());
        Assert.Equal(10, await bot.Services.GetRequiredService<PredictionLog>().CountAsync("churn"));
        // Skipped segments are remembered: the next pass does not try (or warn about) them again. They stay in the
        // store for someone to look at; only the imported one is gone.
        Assert.Equal(new PredictionLogImport(0, 0, 0, 0, 0), await importer.ImportAsync());
        Assert.Equal(["prediction-logs/churn/churn-pod-a/0000-broken.json", "prediction-logs/churn/churn-pod-b/0000-short.json"], await SegmentKeysAsync());
    }

    [Fact]
    public async Task AnImportedSegmentTheStoreWouldNotDeleteIsDeletedAtTheNextPassAndNotImportedTwice()
    {
        await PutBundleAsync();
        var pod = Pod();
        await ServeAsync(pod, calls: 2, perCall: 3);
        await pod.Services.GetRequiredService<PredictionLogShipper>().ShipAsync();
        var store = new FlakyStore(Store()) { RefuseDeletes = true };
        var bot = Bot(store);
        var importer = bot.Services.GetRequiredService<PredictionLogImporter>();

        Assert.Equal(new PredictionLogImport(1, 2, 0, 0, 0), await importer.ImportAsync());
        Assert.Single(await SegmentKeysAsync());
        store.RefuseDeletes = false;
        Assert.Equal(new PredictionLogImport(0, 0, 0, 1, 0), await importer.ImportAsync());
        Assert.Empty(await SegmentKeysAsync());
        Assert.Equal(6, await bot.Services.GetRequiredService<PredictionLog>().CountAsync("churn"));
    }

    [Fact]
    public async Task FeedbackSentToAPodReachesTheBotWithItsCall()
    {
        await PutBundleAsync();
        var pod = Pod();
        var ids = await ServeAsync(pod, calls: 1, perCall: 3);
        using var http = pod.CreateClient();

        // Before the pod's shipping interval: the feedback ships the call first, then the label.
        var response = await http.PostAsJsonAsync("/models/churn/feedback", new { prediction_id = ids[2], label = "yes" });

        response.EnsureSuccessStatusCode();
        Assert.Equal(1, (await response.Content.ReadFromJsonAsync<JsonObject>())!["attached"]!.GetValue<int>());
        var bot = Bot();
        Assert.Equal(new PredictionLogImport(2, 1, 0, 2, 1), await bot.Services.GetRequiredService<PredictionLogImporter>().ImportAsync());
        var logged = await bot.Services.GetRequiredService<PredictionLog>().RecentAsync("churn", 10);
        Assert.Equal("yes", logged.Single(p => p.Id == ids[2]).Label!.ToString());
        Assert.All(logged.Where(p => p.Id != ids[2]), p => Assert.Null(p.Label));
        Assert.Empty(await SegmentKeysAsync());
    }

    [Fact]
    public async Task FeedbackWhoseCallCouldNotBeReadYetWaitsForTheNextPass()
    {
        await PutBundleAsync();
        var pod = Pod();
        var ids = await ServeAsync(pod, calls: 1, perCall: 2);
        using var http = pod.CreateClient();
        (await http.PostAsJsonAsync("/models/churn/feedback", new[] { new { prediction_id = ids[0], label = "no" } })).EnsureSuccessStatusCode();
        var store = new FlakyStore(Store()) { RefuseRead = key => !PredictionLogSegment.IsFeedbackKey(key) };
        var bot = Bot(store);
        var importer = bot.Services.GetRequiredService<PredictionLogImporter>();

        Assert.Equal(new PredictionLogImport(0, 0, 0, 0, 0), await importer.ImportAsync());
        Assert.Equal(2, (await SegmentKeysAsync()).Count);
        store.RefuseRead = null;
        Assert.Equal(new PredictionLogImport(2, 1, 0, 2, 1), await importer.ImportAsync());
        Assert.Equal("no", (await bot.Services.GetRequiredService<PredictionLog>().RecentAsync("churn", 10)).Single(p => p.Id == ids[0]).Label!.ToString());
    }

    [Fact]
    public async Task FeedbackThePodCannotPassOnIsAnErrorAndCanBeSentAgain()
    {
        await PutBundleAsync();
        var store = new FlakyStore(Store()) { RefusePut = PredictionLogSegment.IsFeedbackKey };
        var pod = Pod(objects: store);
        var ids = await ServeAsync(pod, calls: 1, perCall: 2);
        using var http = pod.CreateClient();

        var refused = await http.PostAsJsonAsync("/models/churn/feedback", new { prediction_id = ids[1], label = "yes" });

        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Contains("send the same feedback again", (await refused.Content.ReadFromJsonAsync<JsonObject>())!["error"]!.ToString());
        store.RefusePut = null;
        (await http.PostAsJsonAsync("/models/churn/feedback", new { prediction_id = ids[1], label = "yes" })).EnsureSuccessStatusCode();
        var bot = Bot();
        Assert.Equal(1, (await bot.Services.GetRequiredService<PredictionLogImporter>().ImportAsync()).Labels);
        Assert.Equal("yes", (await bot.Services.GetRequiredService<PredictionLog>().RecentAsync("churn", 10)).Single(p => p.Id == ids[1]).Label!.ToString());
    }

    [Fact]
    public async Task FeedbackWhoseCallsNeverArriveIsSetAsideAfterADayAndKept()
    {
        var store = Store();
        var labels = new[] { new ShippedLabel("p-0abc-0", JsonValue.Create("yes")) };
        var stale = PredictionLogSegment.FeedbackKey("churn", "churn-pod-a", DateTimeOffset.UtcNow - PredictionLogImporter.FeedbackPatience - TimeSpan.FromHours(1));
        var fresh = PredictionLogSegment.FeedbackKey("churn", "churn-pod-a", DateTimeOffset.UtcNow);
        foreach (var key in new[] { stale, fresh })
            await store.PutAsync(key, new MemoryStream(PredictionLogSegment.WriteFeedback("churn-pod-a", labels)));
        var importer = Bot().Services.GetRequiredService<PredictionLogImporter>();

        Assert.Equal(new PredictionLogImport(0, 0, 1, 0, 0), await importer.ImportAsync());
        // The stale one is remembered and never tried again; the fresh one still waits; both stay in the store.
        Assert.Equal(new PredictionLogImport(0, 0, 0, 0, 0), await importer.ImportAsync());
        Assert.Equal(new[] { stale, fresh }.Order(StringComparer.Ordinal), await SegmentKeysAsync());
    }

    [Theory]
    [InlineData("""{"format": "swarm-prediction-feedback/1", "labels": [{"prediction_id": "x-1", "label": "yes"}]}""", "prediction_id")]
    [InlineData("""{"format": "swarm-prediction-feedback/1", "labels": [{"prediction_id": "p-0a-1", "label": null}]}""", "no \"label\"")]
    [InlineData("""{"format": "swarm-prediction-log/1", "labels": []}""", "not a feedback segment")]
    [InlineData("""{"format": "swarm-prediction-feedback/1", "labels": [""", "not valid JSON")]
    public void AMalformedFeedbackSegmentIsRejectedWhole(string segment, string reason)
    {
        var error = Assert.Throws<PredictionLogSegmentException>(() => PredictionLogSegment.ReadFeedback(Encoding.UTF8.GetBytes(segment)));
        Assert.Contains(reason, error.Message);
    }

    /// <summary>
    /// A store that refuses what it is told to: deletes (as an S3 DeleteObject refused by a bucket policy would),
    /// reads or writes of chosen keys.
    /// </summary>
    private sealed class FlakyStore(IObjectStore inner) : IObjectStore
    {
        public bool RefuseDeletes { get; set; }
        public Func<string, bool>? RefuseRead { get; set; }
        public Func<string, bool>? RefusePut { get; set; }
        public string Describe() => inner.Describe();
        public Task<ObjectInfo> PutAsync(string key, Stream content, string? contentType = null, CancellationToken cancellationToken = default) =>
            RefusePut?.Invoke(key) == true ? throw new ObjectStoreException($"The store refused '{key}'.") : inner.PutAsync(key, content, contentType, cancellationToken);
        public Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default) =>
            RefuseRead?.Invoke(key) == true ? throw new ObjectStoreException($"Timed out reading '{key}'.") : inner.OpenReadAsync(key, cancellationToken);
        public Task<ObjectInfo?> StatAsync(string key, CancellationToken cancellationToken = default) => inner.StatAsync(key, cancellationToken);
        public IAsyncEnumerable<ObjectInfo> ListAsync(string prefix, CancellationToken cancellationToken = default) => inner.ListAsync(prefix, cancellationToken);
        public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) =>
            RefuseDeletes ? throw new ObjectStoreException($"Access denied deleting '{key}'.") : inner.DeleteAsync(key, cancellationToken);
    }

    [Fact]
    public void APodWithAnInvalidShippingIntervalDoesNotStartAndNamesTheSetting()
    {
        var pod = Host(null, new Dictionary<string, string?>
        {
            ["Swarm:Serving:Model"] = "churn",
            ["Swarm:Serving:Version"] = "1",
            ["Swarm:Serving:ArtifactKey"] = BundleKey,
            ["Swarm:Serving:ShipLogsEverySeconds"] = "0",
        });
        var error = Assert.ThrowsAny<Exception>(() => pod.CreateClient());
        Assert.Contains("Swarm:Serving:ShipLogsEverySeconds", error.ToString());
    }

    /// <summary>Stops every host before removing the folders (their logs still write while stopping).</summary>
    public void Dispose()
    {
        foreach (var host in _hosts) host.Dispose();
        foreach (var host in _hosts) SwarmWebFactory.DeleteDataDir(host.DataDir);
        try { Directory.Delete(_objects, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
