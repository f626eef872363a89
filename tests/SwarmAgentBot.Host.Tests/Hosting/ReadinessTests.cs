using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SwarmAgentBot.Agents.Agents.Knowledge;
using SwarmAgentBot.Host.Tests.Support;

namespace SwarmAgentBot.Host.Tests.Hosting;

public sealed class ReadinessTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "swarm-ready-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose() => SwarmWebFactory.DeleteDataDir(_root);

    [Fact]
    public async Task ReadyzTurnsReadyOnlyOnceTheKnowledgeFolderIsIndexed()
    {
        var docs = Path.Combine(_root, "docs");
        Directory.CreateDirectory(docs);
        await File.WriteAllTextAsync(Path.Combine(docs, "rollback.md"), "# Rolling back\n\nAsk the bot to roll back a model to its previous version.\n");
        await using var factory = new SwarmWebFactory(Path.Combine(_root, "data"), new Dictionary<string, string?> { ["Swarm:Knowledge:Path"] = docs });
        using var client = factory.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        HttpResponseMessage ready;
        while ((ready = await client.GetAsync("/readyz")).StatusCode != HttpStatusCode.OK)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Equal("starting", JsonNode.Parse(await ready.Content.ReadAsStringAsync())!["status"]!.GetValue<string>());
            Assert.True(DateTime.UtcNow < deadline, "the host did not become ready within 60 s");
            await Task.Delay(20);
        }

        Assert.Equal("ready", JsonNode.Parse(await ready.Content.ReadAsStringAsync())!["status"]!.GetValue<string>());
        var knowledge = factory.Services.GetRequiredService<KnowledgeBase>();
        Assert.True(knowledge.FirstRunDone);
        Assert.Equal(1, await knowledge.Index.DocumentCountAsync());
    }
}
