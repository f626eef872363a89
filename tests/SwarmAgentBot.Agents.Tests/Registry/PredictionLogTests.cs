using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using SwarmAgentBot.Agents.Agents.Registry;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Tests.Support;
using SwarmAgentBot.Ml.AutoMl;

namespace SwarmAgentBot.Agents.Tests.Registry;

/// <summary>The prediction log's one-row-per-call format: ids that feedback finds, windows that see every row, and rows of the earlier format.</summary>
public sealed class PredictionLogTests(TinyModelFixture models) : IClassFixture<TinyModelFixture>, IAsyncLifetime
{
    private readonly TestDatabase _db = new([.. RegistryMigrations.All]);
    private readonly InMemoryObjectStore _store = new();
    private ModelRegistry _registry = null!;
    private PredictionLog _log = null!;
    private ModelServer _server = null!;

    public async Task InitializeAsync()
    {
        _registry = new ModelRegistry(_db.Database, TimeProvider.System);
        _log = new PredictionLog(_db.Database, TimeProvider.System);
        _server = new ModelServer(_registry, _store, _log, Microsoft.Extensions.Options.Options.Create(new RegistryOptions()), TimeProvider.System, NullLogger<ModelServer>.Instance);
        await TinyModels.RegisterAsync(_registry, _store, models.First);
        await TinyModels.RegisterAsync(_registry, _store, models.First, model: "other");
    }

    public async Task DisposeAsync()
    {
        _server.Dispose();
        await _log.DisposeAsync();
        _registry.Dispose();
        _db.Dispose();
    }

    private static string Record(int tenure) => $$"""{"tenure": {{tenure}}, "contract": "monthly", "monthly_charges": 70.5}""";

    private Task<ServedPredictions> PredictAsync(string model, params int[] tenures) =>
        _server.PredictAsync(model, "1", PredictionRequest.Parse(Encoding.UTF8.GetBytes("[" + string.Join(",", tenures.Select(Record)) + "]"), 1000));

    [Fact]
    public async Task EveryIdOfABatchTakesFeedbackForItsOwnRowOnly()
    {
        var served = await PredictAsync("churn", 1, 2, 3, 4, 5);
        Assert.Equal(5, served.PredictionIds.Distinct().Count());

        Assert.True(await _log.AttachLabelAsync("churn", served.PredictionIds[3], JsonValue.Create("yes")));
        Assert.True(await _log.AttachLabelAsync("churn", served.PredictionIds[3], JsonValue.Create("no")));

        var logged = await _log.RecentAsync("churn", 10);
        Assert.Equal(served.PredictionIds, logged.Select(p => p.Id));
        Assert.Equal([null, null, null, "no", null], logged.Select(p => p.Label?.GetValue<string>()));
        Assert.NotNull(logged[3].LabelledAt);
    }

    [Fact]
    public async Task FeedbackRefusesIdsThatNameNoLoggedPrediction()
    {
        var served = await PredictAsync("churn", 1, 2);
        var call = ((PredictionIds)served.PredictionIds).CallId;

        Assert.False(await _log.AttachLabelAsync("other", served.PredictionIds[0], JsonValue.Create("yes")));
        Assert.False(await _log.AttachLabelAsync("churn", $"p-{call}-2", JsonValue.Create("yes")));
        Assert.False(await _log.AttachLabelAsync("churn", $"p-{call}-01", JsonValue.Create("yes")));
        Assert.False(await _log.AttachLabelAsync("churn", $"p-{call}--1", JsonValue.Create("yes")));
        Assert.False(await _log.AttachLabelAsync("churn", "p-nothing-0", JsonValue.Create("yes")));
        Assert.All(await _log.RecentAsync("churn", 10), p => Assert.Null(p.Label));
    }

    [Fact]
    public async Task AWindowSeesEveryLoggedRowInOrderWithItsFeaturesAndPrediction()
    {
        var ids = new List<string>();
        var predictions = new List<Prediction>();
        var tenures = new List<int>();
        foreach (var call in new[] { new[] { 1, 2, 3 }, [4], [5, 6], [7], [8, 9, 10, 11] })
        {
            var served = await PredictAsync("churn", call);
            ids.AddRange(served.PredictionIds);
            predictions.AddRange(served.Predictions);
            tenures.AddRange(call);
        }
        await PredictAsync("other", 99);

        var logged = await _log.RecentAsync("churn", 1000);
        Assert.Equal(ids, logged.Select(p => p.Id));
        Assert.Equal(tenures, logged.Select(p => p.Features["tenure"]!.GetValue<int>()));
        for (var i = 0; i < logged.Count; i++)
        {
            Assert.Equal(predictions[i].Label, logged[i].Prediction["label"]!.GetValue<string>());
            Assert.Equal(Math.Round(predictions[i].Probabilities![1], 6), logged[i].Prediction["probabilities"]!["yes"]!.GetValue<double>());
            Assert.Equal(1, logged[i].Version);
        }
        Assert.Equal(11, await _log.CountAsync("churn"));

        // A window smaller than the log ends with the newest rows, cutting into the middle of a call.
        Assert.Equal(ids.TakeLast(6), (await _log.RecentAsync("churn", 6)).Select(p => p.Id));
    }

    [Fact]
    public void PredictionsOfEveryShapeAreReadBackAsServed()
    {
        string[] classes = ["a", "b", "c"];
        Prediction[] classified = [new("b", null, [0.1234567, 0.8, 0.0765433]), new("a", null, [0.5, 0.25, 0.25])];
        Prediction[] values = [new(null, 3.25, null), new(null, -1e-7, null)];
        Prediction[] other = [new("zzz", null, [0.5, 0.5, 0.0]), new("a", 2.0, null)];

        var blob = PredictionCallFormat.Predictions(classified, classes);
        Assert.Equal(classified[0] with { Probabilities = [0.123457, 0.8, 0.076543] }, PredictionCallFormat.Prediction(blob, 0, classes), PredictionComparer.Instance);
        Assert.Equal(classified[1], PredictionCallFormat.Prediction(blob, 1, classes), PredictionComparer.Instance);
        blob = PredictionCallFormat.Predictions(values, []);
        Assert.Equal(values, new[] { 0, 1 }.Select(i => PredictionCallFormat.Prediction(blob, i, [])), PredictionComparer.Instance);
        blob = PredictionCallFormat.Predictions(other, classes);
        Assert.Equal(other, new[] { 0, 1 }.Select(i => PredictionCallFormat.Prediction(blob, i, classes)), PredictionComparer.Instance);
    }

    [Fact]
    public async Task RowsLoggedBeforeTheCallFormatStayReadableAndTakeFeedback()
    {
        // A data folder as the one-row-per-prediction version left it: only the migrations up to 0202, rows written as it wrote them.
        using var folder = new TestDatabase([.. RegistryMigrations.All.Where(m => string.CompareOrdinal(m.Id, "0203") < 0)]);
        var at = DateTimeOffset.UtcNow.AddMinutes(-5);
        await using (var old = await folder.Database.OpenAsync())
        {
            for (var i = 0; i < 3; i++)
                await old.ExecuteAsync(
                    "INSERT INTO prediction_log (id, model_name, version, alias, features_json, prediction_json, created_at) VALUES (@id, 'churn', 1, 'production', @features, @prediction, @at)",
                    new { id = $"p-0000000000{i}aaaaaaaaaaaaaaaa", features = Record(40 + i), prediction = """{"label":"no","probabilities":{"no":0.75,"yes":0.25}}""", at = at.AddSeconds(i).ToString("O") });
        }
        var upgraded = new SwarmDatabase(folder.Options, CoreMigrations.All.Concat(RegistryMigrations.All), NullLogger<SwarmDatabase>.Instance);
        using var registry = new ModelRegistry(upgraded, TimeProvider.System);
        await using var log = new PredictionLog(upgraded, TimeProvider.System);
        using var server = new ModelServer(registry, _store, log, Microsoft.Extensions.Options.Options.Create(new RegistryOptions()), TimeProvider.System, NullLogger<ModelServer>.Instance);
        await TinyModels.RegisterAsync(registry, _store, models.First);
        var served = await server.PredictAsync("churn", "1", PredictionRequest.Parse(Encoding.UTF8.GetBytes("[" + Record(1) + "," + Record(2) + "]"), 10));

        var logged = await log.RecentAsync("churn", 100);
        Assert.Equal(["p-00000000000aaaaaaaaaaaaaaaa", "p-00000000001aaaaaaaaaaaaaaaa", "p-00000000002aaaaaaaaaaaaaaaa", .. served.PredictionIds], logged.Select(p => p.Id));
        Assert.Equal([40, 41, 42, 1, 2], logged.Select(p => p.Features["tenure"]!.GetValue<int>()));
        Assert.Equal(0.25, logged[0].Prediction["probabilities"]!["yes"]!.GetValue<double>());
        Assert.Equal("production", logged[0].Alias);
        Assert.Equal(5, await log.CountAsync("churn"));

        Assert.True(await log.AttachLabelAsync("churn", "p-00000000001aaaaaaaaaaaaaaaa", JsonValue.Create("yes")));
        Assert.True(await log.AttachLabelAsync("churn", served.PredictionIds[1], JsonValue.Create("no")));
        Assert.Equal([null, "yes", null, null, "no"], (await log.RecentAsync("churn", 100)).Select(p => p.Label?.GetValue<string>()));
        Assert.Equal(["p-00000000002aaaaaaaaaaaaaaaa", .. served.PredictionIds], (await log.RecentAsync("churn", 3)).Select(p => p.Id));
    }

    private sealed class PredictionComparer : IEqualityComparer<Prediction>
    {
        public static readonly PredictionComparer Instance = new();

        public bool Equals(Prediction? x, Prediction? y) =>
            x is not null && y is not null && x.Label == y.Label && x.Value == y.Value &&
            (x.Probabilities ?? []).SequenceEqual(y.Probabilities ?? []) && (x.Probabilities is null) == (y.Probabilities is null);

        public int GetHashCode(Prediction p) => p.Label?.GetHashCode() ?? 0;
    }
}
