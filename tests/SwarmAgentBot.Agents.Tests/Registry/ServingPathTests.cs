using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using SwarmAgentBot.Agents.Agents.Registry;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Tests.Support;
using SwarmAgentBot.Ml.AutoMl;
using SwarmAgentBot.Ml.Preparation;

namespace SwarmAgentBot.Agents.Tests.Registry;

/// <summary>The serving path for request bodies: JSON records read straight into features, the background prediction log (one row per call), alias resolution.</summary>
public sealed class ServingPathTests(TinyModelFixture models) : IClassFixture<TinyModelFixture>, IAsyncLifetime
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
        _server = new ModelServer(_registry, _store, _log, Microsoft.Extensions.Options.Options.Create(new RegistryOptions { MaxBatchRecords = 50 }), TimeProvider.System, NullLogger<ModelServer>.Instance);
        await TinyModels.RegisterAsync(_registry, _store, models.First);
        await TinyModels.RegisterAsync(_registry, _store, models.Second);
        await _registry.SetAliasAsync("churn", "production", 1, "alice");
    }

    public async Task DisposeAsync()
    {
        _server.Dispose();
        await _log.DisposeAsync();
        _registry.Dispose();
        _db.Dispose();
    }

    private PredictionRequest Body(string json) => PredictionRequest.Parse(Encoding.UTF8.GetBytes(json), _server.MaxBatchRecords);

    private static string Good(int tenure) => $$"""{"tenure": {{tenure}}, "contract": "monthly", "monthly_charges": 70.5}""";

    [Fact]
    public async Task ABadRecordInABatchIsNamedByItsPositionAndField()
    {
        var mistyped = await Assert.ThrowsAsync<BatchRecordException>(() => _server.PredictAsync("churn", "1",
            Body($$"""{"records": [{{Good(1)}}, {{Good(2)}}, {"tenure": "lots", "contract": "monthly", "monthly_charges": 70.5}, {{Good(3)}}]}""")));
        Assert.Equal(2, mistyped.Index);
        Assert.Equal("tenure", mistyped.Inner.Field);
        Assert.StartsWith("Record 2: ", mistyped.Message);
        Assert.Contains("'lots'", mistyped.Message);

        var missing = await Assert.ThrowsAsync<BatchRecordException>(() => _server.PredictAsync("churn", "1",
            Body($$"""[{{Good(1)}}, {"tenure": 3, "contract": "monthly"}]""")));
        Assert.Equal(1, missing.Index);
        Assert.Equal("monthly_charges", missing.Inner.Field);
        Assert.Equal(0, await _log.CountAsync("churn"));
    }

    [Fact]
    public async Task ASingleBadRecordIsNamedByFieldAsTheDictionaryPathNamesIt()
    {
        // No tenure and a mistyped monthly_charges: whichever the preparation lists first is reported, on both paths.
        var record = """{"contract": "monthly", "monthly_charges": "a lot"}""";
        var fromJson = await Assert.ThrowsAsync<RecordValidationException>(() => _server.PredictAsync("churn", "1", Body($$"""{"record": {{record}}}""")));
        var fromDictionary = await Assert.ThrowsAsync<RecordValidationException>(() => _server.PredictAsync("churn", "1",
            [new Dictionary<string, object?> { ["contract"] = "monthly", ["monthly_charges"] = "a lot" }]));
        Assert.Equal(fromDictionary.Field, fromJson.Field);
        Assert.Equal(fromDictionary.Message, fromJson.Message);
    }

    [Fact]
    public void JsonRecordsGiveExactlyTheFeaturesOfTheRecordTransform()
    {
        var preparation = models.First.Preparation;
        var cases = new (string Json, Dictionary<string, object?> Record)[]
        {
            (Good(7), new() { ["tenure"] = 7.0, ["contract"] = "monthly", ["monthly_charges"] = 70.5 }),
            ("""{"Tenure": "12", "CONTRACT": "yearly", "monthly_charges": null, "extra": [1, 2]}""", new() { ["Tenure"] = "12", ["CONTRACT"] = "yearly", ["monthly_charges"] = null, ["extra"] = "[1,2]" }),
            ("""{"tenure": 0, "TENURE": 99, "contract": "unknown-plan", "monthly_charges": 1e2}""", new() { ["tenure"] = 0.0, ["TENURE"] = 99.0, ["contract"] = "unknown-plan", ["monthly_charges"] = 100.0 }),
            ("""{"TENURE": "bad", "tenure": 5, "contract": "monthly", "monthly_charges": 3}""", new() { ["TENURE"] = "bad", ["tenure"] = 5.0, ["contract"] = "monthly", ["monthly_charges"] = 3.0 }),
        };
        foreach (var (json, record) in cases)
        {
            var expected = new float[preparation.FeatureCount];
            preparation.TransformRecord(record, expected);
            var actual = new float[preparation.FeatureCount];
            Assert.Null(preparation.JsonRecords.Encode(Encoding.UTF8.GetBytes(json), actual));
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public async Task ABatchIsScoredAsEachOfItsRecordsAlone()
    {
        var tenures = new[] { 1, 5, 12, 30, 60, 71 };
        var batch = await _server.PredictAsync("churn", "2", Body("[" + string.Join(",", tenures.Select(Good)) + "]"));
        for (var i = 0; i < tenures.Length; i++)
        {
            var alone = await _server.PredictAsync("churn", "2", Body($$"""{"record": {{Good(tenures[i])}}}"""));
            Assert.Equal(alone.Predictions[0].Label, batch.Predictions[i].Label);
            Assert.Equal(alone.Predictions[0].Probabilities![1], batch.Predictions[i].Probabilities![1], 6);
        }
    }

    [Fact]
    public async Task ALargeBatchReadOnEveryCoreScoresAndNamesItsFirstBadRecordAsASmallOneDoes()
    {
        using var server = new ModelServer(_registry, _store, _log, Microsoft.Extensions.Options.Options.Create(new RegistryOptions()), TimeProvider.System, NullLogger<ModelServer>.Instance);
        PredictionRequest Large(params int[] bad) => PredictionRequest.Parse(Encoding.UTF8.GetBytes("[" + string.Join(",", Enumerable.Range(0, 5000).Select(i =>
            bad.Contains(i) ? """{"tenure": "lots", "contract": "monthly", "monthly_charges": 1}""" : Good(i % 72))) + "]"), 100_000);

        var large = await server.PredictAsync("churn", "2", Large());
        var small = await server.PredictAsync("churn", "2", PredictionRequest.Parse(Encoding.UTF8.GetBytes("[" + string.Join(",", Enumerable.Range(0, 72).Select(Good)) + "]"), 100));
        Assert.Equal(5000, large.Predictions.Count);
        for (var i = 0; i < 5000; i += 97)
        {
            Assert.Equal(small.Predictions[i % 72].Label, large.Predictions[i].Label);
            Assert.Equal(small.Predictions[i % 72].Probabilities, large.Predictions[i].Probabilities);
        }

        Assert.Equal(3000, (await Assert.ThrowsAsync<BatchRecordException>(() => server.PredictAsync("churn", "2", Large(4999, 3000)))).Index);
        Assert.Equal(10, (await Assert.ThrowsAsync<BatchRecordException>(() => server.PredictAsync("churn", "2", Large(4000, 10)))).Index);
    }

    [Theory]
    [InlineData("""{"record": {"tenure": 1}}""", 1)]
    [InlineData("""{"records": [{"tenure": 1}, {"tenure": 2}], "record": {"tenure": 3}}""", 2)]
    [InlineData("""[{"tenure": 1}, {"tenure": 2}, {"tenure": 3}]""", 3)]
    [InlineData("""{"tenure": 1, "contract": "monthly"}""", 1)]
    public void EveryAcceptedShapeLocatesItsRecords(string json, int count)
    {
        var request = Body(json);
        Assert.Equal(count, request.Count);
        for (var i = 0; i < count; i++) Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(request.Record(i)).RootElement.ValueKind);
    }

    [Fact]
    public void ABodyMayStartWithAByteOrderMark()
    {
        var request = PredictionRequest.Parse((byte[])[.. "\uFEFF"u8, .. """{"record": {"tenure": 1}}"""u8], 10);
        Assert.Equal("""{"tenure": 1}""", Encoding.UTF8.GetString(request.Record(0).Span));
    }

    [Theory]
    [InlineData("""{"records": [{"tenure": 1}, 5]}""", "Record 1 is not a JSON object.")]
    [InlineData("""{"records": []}""", "Send a record as a JSON object")]
    [InlineData("""42""", "Send a record as a JSON object")]
    [InlineData("""{"record": {"tenure": 1}""", "The body is not valid JSON")]
    [InlineData("""{"record": {"tenure": 1}} {}""", "The body is not valid JSON")]
    [InlineData("", "The body is not valid JSON")]
    public void ABodyOfTheWrongShapeIsRefusedSayingWhy(string json, string message)
    {
        var refused = Assert.Throws<PredictionRequestException>(() => Body(json));
        Assert.StartsWith(message, refused.Message);
    }

    [Fact]
    public void ABatchOverTheLimitIsRefusedWithItsSize()
    {
        var refused = Assert.Throws<PredictionRequestException>(() => Body("[" + string.Join(",", Enumerable.Repeat("{}", 51)) + "]"));
        Assert.Equal("A call takes at most 50 records; this one has 51.", refused.Message);
    }

    [Fact]
    public async Task FeedbackFindsAPredictionJustReturnedWhileItsLogWriteIsStillQueued()
    {
        await using var holder = await _db.Database.OpenAsync();
        await holder.ExecuteAsync("BEGIN IMMEDIATE");
        // The database is locked, so the prediction can only be waiting in the log's queue when it is returned.
        var served = await _server.PredictAsync("churn", "production", Body($$"""{"record": {{Good(4)}}}"""));
        var attached = _log.AttachLabelAsync("churn", served.PredictionIds[0], JsonValue.Create("yes"));
        await holder.ExecuteAsync("ROLLBACK");

        Assert.True(await attached);
        var logged = Assert.Single(await _log.RecentAsync("churn", 10));
        Assert.Equal(served.PredictionIds[0], logged.Id);
        Assert.Equal("yes", logged.Label!.GetValue<string>());
        Assert.Equal(4, logged.Features["tenure"]!.GetValue<int>());
        Assert.Equal(served.Predictions[0].Label, logged.Prediction["label"]!.GetValue<string>());
    }

    [Fact]
    public async Task PredictionsStillQueuedAreWrittenWhenTheLogShutsDown()
    {
        var holder = await _db.Database.OpenAsync();
        await holder.ExecuteAsync("BEGIN IMMEDIATE");
        var ids = new List<string>();
        for (var call = 0; call < 3; call++)
            ids.AddRange((await _server.PredictAsync("churn", "1", Body("[" + string.Join(",", Enumerable.Range(call * 10, 10).Select(Good)) + "]"))).PredictionIds);
        var shutdown = _log.DisposeAsync().AsTask();
        await holder.ExecuteAsync("ROLLBACK");
        await holder.DisposeAsync();
        await shutdown;
        await using (var check = await _db.Database.OpenAsync())
            Assert.Equal(ids.Count, await check.ExecuteScalarAsync<int>("SELECT SUM(row_count) FROM prediction_calls"));

        await using var reopened = new PredictionLog(_db.Database, TimeProvider.System);
        var logged = await reopened.RecentAsync("churn", 100);
        Assert.Equal(ids, logged.Select(p => p.Id));
        Assert.All(logged, p => Assert.Equal(1, p.Version));
    }

    [Fact]
    public async Task AnAliasMovedOrRolledBackElsewhereIsServedByTheNextCall()
    {
        // Another registry on the same database stands for another process (the CLI approving a deployment).
        using var elsewhere = new ModelRegistry(_db.Database, TimeProvider.System);
        var request = Body($$"""{"record": {{Good(9)}}}""");
        Assert.Equal(1, (await _server.PredictAsync("churn", "production", request)).Version);

        await elsewhere.SetAliasAsync("churn", "production", 2, "bob");
        Assert.Equal(2, (await _server.PredictAsync("churn", "production", request)).Version);

        var back = await elsewhere.RollbackTargetAsync("churn", "production");
        await elsewhere.SetAliasAsync("churn", "production", back!.Value, "bob", kind: "rollback");
        Assert.Equal(1, (await _server.PredictAsync("churn", "production", request)).Version);

        await _registry.SetAliasAsync("churn", "production", 2, "alice");
        Assert.Equal(2, (await _server.PredictAsync("churn", "production", request)).Version);
        Assert.Equal(2, (await _server.PredictAsync("churn", "latest", request)).Version);
    }

    // The prediction log's one-row-per-call format: ids that feedback finds, windows that see every row, and rows of the earlier format.

    private Task<ServedPredictions> PredictAsync(string model, params int[] tenures) => _server.PredictAsync(model, "1", Body("[" + string.Join(",", tenures.Select(Good)) + "]"));

    [Fact]
    public async Task WithLoggingOffPredictionsCarryNoIdsAndNothingIsLogged()
    {
        using var unlogged = new ModelServer(_registry, _store, _log,
            Microsoft.Extensions.Options.Options.Create(new RegistryOptions { MaxBatchRecords = 50, LogPredictions = false }), TimeProvider.System, NullLogger<ModelServer>.Instance);
        var served = await unlogged.PredictAsync("churn", "1", Body("[" + Good(1) + "," + Good(2) + "]"));

        Assert.Equal(2, served.Predictions.Count);
        Assert.Empty(served.PredictionIds);
        Assert.False(served.PredictionIds.TryFormat(0, new char[64], out _));
        Assert.Equal(0, await _log.CountAsync("churn"));
    }

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
        await TinyModels.RegisterAsync(_registry, _store, models.First, model: "other");
        var served = await PredictAsync("churn", 1, 2);
        var call = served.PredictionIds.CallId;

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
        await TinyModels.RegisterAsync(_registry, _store, models.First, model: "other");
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
                    new { id = $"p-0000000000{i}aaaaaaaaaaaaaaaa", features = Good(40 + i), prediction = """{"label":"no","probabilities":{"no":0.75,"yes":0.25}}""", at = at.AddSeconds(i).ToString("O") });
        }
        var upgraded = new SwarmDatabase(folder.Options, CoreMigrations.All.Concat(RegistryMigrations.All), NullLogger<SwarmDatabase>.Instance);
        using var registry = new ModelRegistry(upgraded, TimeProvider.System);
        await using var log = new PredictionLog(upgraded, TimeProvider.System);
        using var server = new ModelServer(registry, _store, log, Microsoft.Extensions.Options.Options.Create(new RegistryOptions()), TimeProvider.System, NullLogger<ModelServer>.Instance);
        await TinyModels.RegisterAsync(registry, _store, models.First);
        var served = await server.PredictAsync("churn", "1", PredictionRequest.Parse(Encoding.UTF8.GetBytes("[" + Good(1) + "," + Good(2) + "]"), 10));

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
