using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SwarmAgentBot.Agents.Agents.Registry;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Agents.Tests.Registry;
using SwarmAgentBot.Agents.Tests.Support;
using SwarmAgentBot.Host.Cli;
using SwarmAgentBot.Host.Tests.Support;

namespace SwarmAgentBot.Host.Tests.Serving;

public sealed class ServingTests(TinyModelFixture models) : IClassFixture<TinyModelFixture>, IAsyncLifetime
{
    private readonly InMemoryObjectStore _store = new();
    private SwarmWebFactory _factory = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _factory = new SwarmWebFactory(configure: s => { s.AddSingleton<IObjectStore>(_store); s.AddSingleton<SwarmAgentBot.Agents.Supervisor.IIntentRouter, HelpOnlyRouter>(); });
        _http = _factory.CreateClient();
        var registry = _factory.Services.GetRequiredService<ModelRegistry>();
        await TinyModels.RegisterAsync(registry, _store, models.First);
        await TinyModels.RegisterAsync(registry, _store, models.Second);
        await registry.SetAliasAsync("churn", "production", 2, "alice");
    }

    public Task DisposeAsync()
    {
        _factory.Dispose();
        SwarmWebFactory.DeleteDataDir(_factory.DataDir);
        return Task.CompletedTask;
    }

    private static object Record(int tenure = 3) => new { tenure, contract = "monthly", monthly_charges = 70.0 };

    [Fact]
    public async Task PredictByAliasReturnsTheLabelProbabilitiesAndVersion()
    {
        var response = await _http.PostAsJsonAsync("/models/churn@production/predict", new { record = Record() });
        response.EnsureSuccessStatusCode();
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(2, body["version"]!.GetValue<int>());
        var p = body["predictions"]![0]!;
        Assert.Contains(p["label"]!.ToString(), new[] { "yes", "no" });
        var probabilities = p["probabilities"]!.AsObject();
        Assert.Equal(1.0, probabilities["yes"]!.GetValue<double>() + probabilities["no"]!.GetValue<double>(), 5);
        Assert.StartsWith("p-", p["id"]!.ToString());
    }

    [Fact]
    public async Task PredictByVersionScoresABatchInOrder()
    {
        var response = await _http.PostAsJsonAsync("/models/churn/versions/1/predict", new { records = new[] { Record(1), Record(60), Record(30) } });
        response.EnsureSuccessStatusCode();
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(1, body["version"]!.GetValue<int>());
        Assert.Equal(3, body["predictions"]!.AsArray().Count);
        var single = (await (await _http.PostAsJsonAsync("/models/churn/versions/1/predict", new { record = Record(60) })).Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(single["predictions"]![0]!["label"]!.ToString(), body["predictions"]![1]!["label"]!.ToString());
    }

    [Fact]
    public async Task AMissingFieldIsRejectedNamingIt()
    {
        var response = await _http.PostAsJsonAsync("/models/churn@production/predict", new { record = new { contract = "monthly", monthly_charges = 70.0 } });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("tenure", body["field"]!.ToString());
        Assert.Contains("tenure", body["error"]!.ToString());
    }

    [Fact]
    public async Task AMistypedFieldIsRejectedNamingIt()
    {
        var response = await _http.PostAsJsonAsync("/models/churn@production/predict", new { record = new { tenure = "lots", contract = "monthly", monthly_charges = 70.0 } });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("tenure", (await response.Content.ReadFromJsonAsync<JsonObject>())!["field"]!.ToString());
    }

    [Fact]
    public async Task ABadRecordInABatchIsNamedByPosition()
    {
        var response = await _http.PostAsJsonAsync("/models/churn@production/predict", new { records = new object[] { Record(), new { tenure = 1, contract = "monthly" } } });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.StartsWith("Record 1:", body["error"]!.ToString());
        Assert.Equal("monthly_charges", body["field"]!.ToString());
    }

    [Fact]
    public async Task AMistypedValueDeepInABatchIsNamedByRowAndField()
    {
        var records = Enumerable.Range(0, 200).Select(i => (object)Record(i % 72)).ToList();
        records[137] = new { tenure = 5, contract = "monthly", monthly_charges = "expensive" };
        var response = await _http.PostAsJsonAsync("/models/churn/versions/1/predict", new { records });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.StartsWith("Record 137:", body["error"]!.ToString());
        Assert.Contains("'expensive'", body["error"]!.ToString());
        Assert.Equal("monthly_charges", body["field"]!.ToString());
    }

    [Fact]
    public async Task ABodyThatIsNotJsonIsRefused()
    {
        var response = await _http.PostAsync("/models/churn@production/predict", new StringContent("{\"record\": {", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("The body is not valid JSON", (await response.Content.ReadFromJsonAsync<JsonObject>())!["error"]!.ToString());
    }

    [Fact]
    public async Task EveryPredictionReturnedIsInTheLogAfterTheHostStops()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "swarm-host-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            var host = new SwarmWebFactory(dataDir, configure: s => { s.AddSingleton<IObjectStore>(_store); s.AddSingleton<SwarmAgentBot.Agents.Supervisor.IIntentRouter, HelpOnlyRouter>(); });
            var http = host.CreateClient();
            await TinyModels.RegisterAsync(host.Services.GetRequiredService<ModelRegistry>(), _store, models.First);
            var ids = new List<string>();
            // With the database locked, the predictions can only be waiting in the log's queue when the host is told to stop.
            await using (var holder = await host.Services.GetRequiredService<SwarmAgentBot.Agents.Metadata.SwarmDatabase>().OpenAsync())
            {
                await Dapper.SqlMapper.ExecuteAsync(holder, "BEGIN IMMEDIATE");
                for (var call = 0; call < 3; call++)
                {
                    var response = await http.PostAsJsonAsync("/models/churn/versions/1/predict", new { records = Enumerable.Range(0, 50).Select(i => Record(i)).ToArray() });
                    response.EnsureSuccessStatusCode();
                    ids.AddRange((await response.Content.ReadFromJsonAsync<JsonObject>())!["predictions"]!.AsArray().Select(p => p!["id"]!.ToString()));
                }
                var log = host.Services.GetRequiredService<PredictionLog>();
                var stopping = host.DisposeAsync().AsTask();
                await Dapper.SqlMapper.ExecuteAsync(holder, "ROLLBACK");
                await holder.CloseAsync();
                await stopping;
                // The app's own shutdown (its RunAsync disposing the host) can still be finishing when the factory's
                // dispose returns: wait for the log the host stopped, without stopping it here.
                await log.Completion.WaitAsync(TimeSpan.FromSeconds(30));
            }

            await using var restarted = new SwarmWebFactory(dataDir, configure: s => s.AddSingleton<IObjectStore>(_store));
            var logged = await restarted.Services.GetRequiredService<PredictionLog>().RecentAsync("churn", 1000);
            Assert.Equal(ids, logged.Select(p => p.Id));
        }
        finally
        {
            SwarmWebFactory.DeleteDataDir(dataDir);
        }
    }

    [Fact]
    public async Task UnknownModelsAndAliasesAreNotFound()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _http.PostAsJsonAsync("/models/nope@production/predict", new { record = Record() })).StatusCode);
        var response = await _http.PostAsJsonAsync("/models/churn@staging/predict", new { record = Record() });
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("no \"staging\" alias", (await response.Content.ReadFromJsonAsync<JsonObject>())!["error"]!.ToString());
    }

    [Fact]
    public async Task FeedbackAttachesTheTrueLabelToALoggedPrediction()
    {
        var predicted = (await (await _http.PostAsJsonAsync("/models/churn@production/predict", new { record = Record() })).Content.ReadFromJsonAsync<JsonObject>())!;
        var id = predicted["predictions"]![0]!["id"]!.ToString();

        var response = await _http.PostAsJsonAsync("/models/churn/feedback", new { prediction_id = id, label = "yes" });
        response.EnsureSuccessStatusCode();
        var logged = await _factory.Services.GetRequiredService<PredictionLog>().RecentAsync("churn", 10);
        Assert.Equal("yes", logged.Single(p => p.Id == id).Label!.ToString());
        Assert.Equal(HttpStatusCode.NotFound, (await _http.PostAsJsonAsync("/models/churn/feedback", new { prediction_id = "p-unknown", label = "no" })).StatusCode);
    }

    [Fact]
    public async Task TheCliRequestsADeploymentAndAnApproverCarriesItOut()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Swarm:DataDir"] = _factory.DataDir,
            ["Swarm:Security:Roles:alice:0"] = "approver",
            ["Swarm:Security:Roles:bob:0"] = "approver",
        };
        async Task<(int Code, string Output)> Run(params string[] args)
        {
            var output = new StringWriter();
            await using var context = new CliContext { Out = output, Error = output, Overrides = settings, Configure = s => { s.AddSingleton<IObjectStore>(_store); s.AddSingleton<SwarmAgentBot.Agents.Supervisor.IIntentRouter, HelpOnlyRouter>(); } };
            var code = await SwarmCli.RunAsync(args, context);
            return (code, output.ToString());
        }

        var (code, output) = await Run("models", "deploy", "churn", "--version", "1", "--stage", "staging", "--as", "alice", "--json");
        Assert.Equal(0, code);
        var approvalId = JsonNode.Parse(output)!["approval_id"]!.GetValue<long>();

        var refused = await Run("approvals", "approve", approvalId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--as", "mallory");
        Assert.Equal(1, refused.Code);
        Assert.Contains("needs the **approver** role", refused.Output);

        var approved = await Run("approvals", "approve", approvalId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--as", "bob");
        Assert.Equal(0, approved.Code);
        Assert.Equal(1, (await _factory.Services.GetRequiredService<ModelRegistry>().GetAliasAsync("churn", "staging"))!.Version);

        var lineage = await Run("lineage", "churn:1");
        Assert.Contains("staging at", lineage.Output);
        Assert.Contains("approved by bob", lineage.Output);
    }
}
