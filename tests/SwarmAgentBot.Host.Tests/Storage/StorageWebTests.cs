using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using SwarmAgentBot.Agents.Agents.Storage;
using SwarmAgentBot.Agents.Supervisor;
using SwarmAgentBot.Host.Tests.Support;
using SwarmAgentBot.Ml.Charts;

namespace SwarmAgentBot.Host.Tests.Storage;

/// <summary>Charts served by the host, and a dataset uploaded and plotted through Direct Line.</summary>
public sealed class StorageWebTests : IDisposable
{
    private readonly SwarmWebFactory _factory = new(configure: s => s.AddSingleton<IIntentRouter, StorageRouter>());

    [Fact]
    public async Task AStoredChartIsServedAsPngAndUnknownIdsAre404()
    {
        var chart = await _factory.Services.GetRequiredService<ChartStore>().SaveAsync(ChartRenderer.Bar("t", "n", [new("a", 1)]));
        var http = _factory.CreateClient();

        var response = await http.GetAsync($"/charts/{chart.Id}.png");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(PngEncoder.Signature.ToArray(), (await response.Content.ReadAsByteArrayAsync())[..8]);

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/charts/{new string('0', 32)}.png")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/charts/..%2F..%2Fswarm.db.png")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/charts/not-an-id.png")).StatusCode);
    }

    [Fact]
    public async Task AFileUploadedThroughDirectLineBecomesADatasetAndItsPlotLoads()
    {
        var http = _factory.CreateClient();
        var client = new DirectLineClient(http);
        await client.StartAsync();

        using var form = new MultipartFormDataContent();
        var activity = new StringContent(new JsonObject { ["type"] = "message", ["from"] = new JsonObject { ["id"] = "alice" }, ["text"] = "upload this as sales" }.ToJsonString(), Encoding.UTF8, "application/vnd.microsoft.activity");
        form.Add(activity, "activity", "blob");
        var csv = new ByteArrayContent(Encoding.UTF8.GetBytes("region;amount\nnorth;10.5\nsouth;7\nnorth;3\n"));
        csv.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(csv, "file", "sales.csv");
        using var upload = new HttpRequestMessage(HttpMethod.Post, $"/v3/directline/conversations/{client.ConversationId}/upload?userId=alice") { Content = form };
        upload.Headers.Authorization = new AuthenticationHeaderValue("Bearer", client.Token);
        (await http.SendAsync(upload)).EnsureSuccessStatusCode();
        var stored = await client.NextBotMessageAsync();
        Assert.Contains("Stored **sales v1**: 3 rows × 2 columns", stored["text"]!.ToString());

        var plotted = (await client.SendAsync("plot amount")).EnsureSuccessStatusCode();
        var reply = await client.NextBotMessageAsync();
        var image = FindImage(reply) ?? throw new Xunit.Sdk.XunitException("No image in the reply: " + reply.ToJsonString());
        var png = await http.GetAsync(new Uri(image).PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, png.StatusCode);
        Assert.Equal("image/png", png.Content.Headers.ContentType!.MediaType);
    }

    private static string? FindImage(JsonNode? node) => node switch
    {
        JsonObject o when o["type"]?.ToString() == "Image" => o["url"]?.ToString(),
        JsonObject o => o.Select(p => FindImage(p.Value)).FirstOrDefault(u => u is not null),
        JsonArray a => a.Select(FindImage).FirstOrDefault(u => u is not null),
        _ => null,
    };

    public void Dispose()
    {
        _factory.Dispose();
        SwarmWebFactory.DeleteDataDir(_factory.DataDir);
    }

    /// <summary>Stands in for the NLU: the two phrases these tests say.</summary>
    private sealed class StorageRouter : IIntentRouter
    {
        public Task<RouteResult> RouteAsync(string text, RoutingContext context, CancellationToken cancellationToken = default) => Task.FromResult(text switch
        {
            "upload this as sales" => new RouteResult { Agent = "storage", Intent = "storage.upload_dataset", Entities = new JsonObject { ["dataset"] = "sales" } },
            "plot amount" => new RouteResult { Agent = "storage", Intent = "storage.plot_dataset", Entities = new JsonObject { ["column"] = "amount" } },
            _ => new RouteResult { Agent = "out_of_scope", Intent = "out_of_scope" },
        });
    }
}
