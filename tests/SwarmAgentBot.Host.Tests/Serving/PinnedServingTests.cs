using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SwarmAgentBot.Agents.Agents.Registry;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Agents.Tests.Registry;
using SwarmAgentBot.Agents.Tests.Support;
using SwarmAgentBot.Host.Tests.Support;

namespace SwarmAgentBot.Host.Tests.Serving;

/// <summary>
/// A serving pod: a host started with Swarm:Serving naming one version and its bundle in the shared
/// object store serves it under the stage from the first request, with the bot's version number.
/// </summary>
public sealed class PinnedServingTests(TinyModelFixture models) : IClassFixture<TinyModelFixture>
{
    private static object Record(int tenure = 3) => new { tenure, contract = "monthly", monthly_charges = 70.0 };

    private static async Task<string> PutBundleAsync(IObjectStore store, SwarmAgentBot.Ml.AutoMl.ModelBundle bundle)
    {
        using var zip = new MemoryStream();
        await bundle.SaveAsync(zip);
        zip.Position = 0;
        const string key = "runs/12/bundle.zip";
        await store.PutAsync(key, zip);
        return key;
    }

    private static SwarmWebFactory Pod(InMemoryObjectStore store, string artifactKey, int version = 4) => new(
        settings: new Dictionary<string, string?>
        {
            ["Swarm:Serving:Model"] = "churn-model",
            ["Swarm:Serving:Version"] = version.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Swarm:Serving:Stage"] = "production",
            ["Swarm:Serving:ArtifactKey"] = artifactKey,
        },
        configure: s => s.AddSingleton<IObjectStore>(store));

    [Fact]
    public async Task APodServesThePinnedVersionUnderItsStageFromTheFirstRequest()
    {
        var store = new InMemoryObjectStore();
        var key = await PutBundleAsync(store, models.Second);
        var pod = Pod(store, key);
        try
        {
            using var http = pod.CreateClient();
            var response = await http.PostAsJsonAsync("/models/churn-model@production/predict", new { record = Record() });
            response.EnsureSuccessStatusCode();
            var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.Equal(4, body["version"]!.GetValue<int>());

            // The same predictions as the bundle itself gives: the pod serves exactly that version.
            using var predictor = SwarmAgentBot.Ml.AutoMl.Predictor.Create(models.Second);
            var expected = predictor.Predict(new Dictionary<string, object?> { ["tenure"] = 3, ["contract"] = "monthly", ["monthly_charges"] = 70.0 });
            Assert.Equal(expected.Label, body["predictions"]![0]!["label"]!.ToString());
            var registry = pod.Services.GetRequiredService<ModelRegistry>();
            Assert.Equal(key, (await registry.GetVersionAsync("churn-model", 4))!.ArtifactKey);
        }
        finally
        {
            // Stop the host before removing its folder: its prediction log still writes there while stopping.
            pod.Dispose();
            SwarmWebFactory.DeleteDataDir(pod.DataDir);
        }
    }

    [Fact]
    public void APodWhoseBundleIsMissingDoesNotStartAndSaysWhichKey()
    {
        var pod = Pod(new InMemoryObjectStore(), "runs/99/bundle.zip");
        try
        {
            var error = Assert.ThrowsAny<Exception>(() => pod.CreateClient());
            Assert.Contains("runs/99/bundle.zip", error.ToString());
        }
        finally
        {
            // Stop the host before removing its folder: its prediction log still writes there while stopping.
            pod.Dispose();
            SwarmWebFactory.DeleteDataDir(pod.DataDir);
        }
    }
}
