using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SwarmAgentBot.Agents.Agents.Drift;
using SwarmAgentBot.Agents.Agents.Governance;
using SwarmAgentBot.Agents.Agents.Registry;
using SwarmAgentBot.Agents.Agents.Storage;
using SwarmAgentBot.Agents.Agents.Training;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Agents.Tests.Registry;
using SwarmAgentBot.Agents.Tests.Support;
using SwarmAgentBot.Ml.Drift;

namespace SwarmAgentBot.Agents.Tests.Drift;

public sealed class DriftAgentTests(TinyModelFixture models) : IClassFixture<TinyModelFixture>, IAsyncLifetime
{
    private readonly TestDatabase _db = new();
    private readonly InMemoryObjectStore _store = new();
    private SupervisorHarness _h = null!;

    private static readonly ScriptedRouter Router = new ScriptedRouter()
        .On("check drift on churn", "drift.check_drift", new JsonObject { ["model"] = "churn" })
        .On("check drift on churn over the last 200 predictions", "drift.check_drift", new JsonObject { ["model"] = "churn", ["window"] = "200 predictions" })
        .On("why did it drift", "drift.explain_drift")
        .On("show drift history of churn", "drift.drift_history", new JsonObject { ["model"] = "churn" })
        .On("monitor churn every 100 predictions above 30%", "drift.configure_monitoring",
            new JsonObject { ["model"] = "churn", ["schedule"] = "100 predictions", ["threshold"] = 0.3, ["retrain_threshold"] = 0.4 });

    public async Task InitializeAsync()
    {
        _h = new SupervisorHarness(_db.DataDir, Router, [], configure: b =>
        {
            b.Services.AddSingleton<IObjectStore>(_store);
            foreach (var m in RegistryMigrations.All) b.Services.AddSingleton(m);
            b.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(new RegistryOptions()));
            b.Services.AddSingleton<ModelRegistry>();
            b.Services.AddSingleton<PredictionLog>();
            b.Services.AddSingleton<ModelServer>();
            b.Services.AddSingleton<TrainingRunStore>();
            b.Services.AddSingleton<ChartStore>();
            b.Services.AddSingleton<LineageService>();
            b.AddDrift();
        });
        // The reference is the training data of the version's run, as the training agent records it.
        var table = TinyModels.ChurnTable();
        var csv = new StringBuilder(string.Join(",", table.ColumnNames)).Append('\n');
        for (var r = 0; r < table.RowCount; r++)
            csv.Append(string.Join(",", Enumerable.Range(0, table.ColumnCount).Select(c => table[r, c]))).Append('\n');
        await _store.PutAsync("datasets/churn/v1/churn.csv", new MemoryStream(Encoding.UTF8.GetBytes(csv.ToString())));
        var run = await _h.Get<TrainingRunStore>().CreateAsync("churn", "churn.csv", 1, null, "churn",
            new JsonObject { ["dataset_key"] = "datasets/churn/v1/churn.csv" }, "alice", null);
        using var zip = new MemoryStream();
        await models.First.SaveAsync(zip);
        zip.Position = 0;
        await _store.PutAsync("runs/1/bundle.zip", zip);
        await _h.Get<ModelRegistry>().RegisterAsync(new NewModelVersion("churn", run.Id, "churn.csv", 1, null, models.First.Task.ToString(), models.First.Metric,
            models.First.TestMetrics, "runs/1/bundle.zip", ModelServer.ModelHash(models.First), "alice"));
    }

    public async Task DisposeAsync()
    {
        await _h.DisposeAsync();
        _db.Dispose();
    }

    /// <summary>Serves <paramref name="rows"/> records; shifted ones have long tenure and much higher charges than the training data.</summary>
    private async Task ServeAsync(int rows, bool shifted, int seed)
    {
        var rng = new Random(seed);
        string[] contracts = ["monthly", "yearly", "two-year"];
        var records = Enumerable.Range(0, rows).Select(_ => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?>
        {
            ["tenure"] = shifted ? 60 + rng.Next(0, 40) : rng.Next(0, 72),
            ["contract"] = contracts[rng.Next(3)],
            ["monthly_charges"] = Math.Round(shifted ? 140 + rng.NextDouble() * 60 : 20 + rng.NextDouble() * 80, 2),
        }).ToList();
        await _h.Get<ModelServer>().PredictAsync("churn", "latest", records);
    }

    private async Task<DriftReport> LatestReportAsync() => DriftChecker.Parse((await _h.Get<DriftReportStore>().ListAsync("churn")).Last());

    [Fact]
    public async Task ItFindsNoDriftInAWindowLikeTheTrainingData()
    {
        await ServeAsync(200, shifted: false, seed: 5);

        var reply = await _h.SayAsync("alice", "check drift on churn");

        Assert.Contains("has not drifted", reply);
        var report = await LatestReportAsync();
        Assert.All(report.Columns, c => Assert.False(c.Drifted));
    }

    [Fact]
    public async Task ItDetectsDriftOnTheShiftedFeaturesOnly()
    {
        await ServeAsync(200, shifted: false, seed: 5);
        await ServeAsync(200, shifted: true, seed: 6);

        var reply = await _h.SayAsync("alice", "check drift on churn over the last 200 predictions");

        Assert.Contains("has drifted", reply);
        Assert.Contains("monthly_charges", reply);
        var report = await LatestReportAsync();
        Assert.True(report.Columns.Single(c => c.Column == "monthly_charges").Drifted);
        Assert.True(report.Columns.Single(c => c.Column == "tenure").Drifted);
        Assert.False(report.Columns.Single(c => c.Column == "contract").Drifted);
        Assert.Equal(200, (await _h.Get<DriftReportStore>().ListAsync("churn")).Single().Rows);
    }

    [Fact]
    public async Task ItExplainsTheDriftOfTheModelInTheConversationWithTheRunbook()
    {
        await ServeAsync(200, shifted: true, seed: 6);
        await _h.SayAsync("alice", "check drift on churn");

        var answer = await _h.SayAsync("alice", "why did it drift");

        Assert.Contains("monthly_charges", answer);
        Assert.Contains("mean", answer);
        Assert.Contains("knowledge/runbooks/investigating-drift.md", answer);
        Assert.Contains("Since when", answer);
        Assert.True(File.Exists(Path.Combine(FindRepoRoot(), "knowledge", DriftAgent.RunbookPath)));
    }

    [Fact]
    public async Task ItSaysWhenTheWindowHasTooFewPredictionsAndDecidesNothing()
    {
        await ServeAsync(10, shifted: true, seed: 6);

        var reply = await _h.SayAsync("alice", "check drift on churn");

        Assert.Contains("Only 10 prediction(s)", reply);
        Assert.Contains("did not decide", reply);
        Assert.Empty(await _h.Get<DriftReportStore>().ListAsync("churn"));
    }

    [Fact]
    public async Task MonitoringPersistsAndAMonitorPassAlertsTheConversationWithARetrainButton()
    {
        var configured = await _h.SayAsync("alice", "monitor churn every 100 predictions above 30%", conversation: "ops");
        Assert.Contains("every 100 predictions", configured);
        var config = await _h.Get<DriftReportStore>().GetMonitorAsync("churn");
        Assert.NotNull(config);
        Assert.Equal(0.3, config.Threshold);
        Assert.Equal("ops", config.Conversation.ConversationId);

        var monitor = _h.Get<DriftMonitor>();
        Assert.Equal(0, await monitor.RunDueAsync());
        await ServeAsync(150, shifted: true, seed: 8);
        Assert.Equal(1, await monitor.RunDueAsync());

        var (to, alert) = Assert.Single(_h.Sender.Sent);
        Assert.Equal("ops", to.ConversationId);
        Assert.Contains("Drift alert for **churn**", alert.Text);
        var retrain = alert.AllCards.SelectMany(c => c.AllActions).Single(a => a.Title.StartsWith("Retrain", StringComparison.Ordinal));
        Assert.Equal("choose", retrain.Verb);
        Assert.Equal("retrain churn", retrain.Data["text"]);

        // Back to normal: the next pass records and announces the recovery with how many windows it took.
        await ServeAsync(150, shifted: false, seed: 9);
        Assert.Equal(1, await monitor.RunDueAsync());
        var recovered = (await _h.Get<DriftReportStore>().ListAsync("churn")).Last();
        Assert.True(recovered.IsRecovery);
        Assert.Equal(1, recovered.WindowsSinceAlert);
        Assert.Contains("back under", _h.Sender.Sent.Last().Reply.Text);
        var history = await _h.SayAsync("alice", "show drift history of churn");
        Assert.Contains("recovered after 1 window(s)", history);
    }

    [Fact]
    public async Task LineageShowsTheDriftReportUnderTheModelVersion()
    {
        await ServeAsync(100, shifted: true, seed: 6);
        await _h.SayAsync("alice", "check drift on churn");

        var lineage = (await _h.Get<LineageService>().ForModelAsync("churn", 1))!.Render();

        Assert.Contains("drift report", lineage);
        Assert.Contains("(drifted)", lineage);
    }

    [Fact]
    public async Task TheFeatureImportanceLookupServesTheRegisteredModel()
    {
        var lookup = _h.Get<FeatureImportanceLookup>();

        var importance = await lookup("churn");

        Assert.NotNull(importance);
        Assert.Contains("monthly_charges", importance.Keys);
        Assert.Null(await lookup("nope"));
    }

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "knowledge"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("knowledge/ not found above the test binaries.");
    }
}
