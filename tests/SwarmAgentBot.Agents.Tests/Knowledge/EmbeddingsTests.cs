using SwarmAgentBot.Agents.Agents.Knowledge;

namespace SwarmAgentBot.Agents.Tests.Knowledge;

public class EmbeddingsTests
{
    private static KnowledgeEmbeddingsOptions Options(EmbeddingsServerFixture server, string? key = EmbeddingsServerFixture.Key) =>
        new() { Enabled = true, Endpoint = server.Endpoint, Model = "text-embedding-test", ApiKey = key, BatchSize = 2 };

    private static KnowledgeFolder Docs() => new KnowledgeFolder()
        .Write("quota.md", "# Bucket quota\n\nSet a hard quota so a bucket cannot grow past a size.\n")
        .Write("versioning.md", "# Bucket versioning\n\nKeep every version of an object in a bucket.\n")
        .Write("tls.md", "# TLS\n\nServe the API over https with your certificates.\n");

    [Fact]
    public async Task ItSendsModelAndInputsWithTheBearerKeyAndKeepsInputOrder()
    {
        await using var server = await EmbeddingsServerFixture.StartAsync();
        using var http = new HttpClient();
        var client = new EmbeddingClient(http, Options(server));

        var vectors = await client.EmbedAsync(["bucket quota", "tls certificates", "versioning"]);

        Assert.Equal(3, vectors.Count);
        var expected = EmbeddingClient.Normalise(EmbeddingsServerFixture.Embed("tls certificates"));
        Assert.Equal(expected, vectors[1]);
        var request = Assert.Single(server.Requests);
        Assert.Equal("text-embedding-test", request["model"]!.GetValue<string>());
        Assert.Equal(3, request["input"]!.AsArray().Count);
    }

    [Fact]
    public async Task ItReportsAWrongKeyClearly()
    {
        await using var server = await EmbeddingsServerFixture.StartAsync();
        using var http = new HttpClient();
        var client = new EmbeddingClient(http, Options(server, key: "wrong"));

        var error = await Assert.ThrowsAsync<EmbeddingException>(() => client.EmbedAsync(["x"]));

        Assert.Contains("401", error.Message);
        Assert.Contains("Incorrect API key", error.Message);
    }

    [Fact]
    public async Task ItStoresAVectorPerPassageAndFindsWhatKeywordsMiss()
    {
        await using var server = await EmbeddingsServerFixture.StartAsync();
        using var http = new HttpClient();
        using var folder = Docs();
        using var keywordsOnly = new KnowledgeIndex(folder.Database + ".plain");
        await keywordsOnly.IndexFolderAsync(folder.Docs);
        using var hybrid = new KnowledgeIndex(folder.Database, new EmbeddingClient(http, Options(server)));

        var report = await hybrid.IndexFolderAsync(folder.Docs);
        var plain = await keywordsOnly.SearchAsync("how do I cap storage", 3);
        var fused = await hybrid.SearchAsync("how do I cap storage", 3);

        Assert.Equal(3, report.Embedded);
        Assert.Null(report.EmbeddingError);
        // Three passages in batches of two, then the question.
        Assert.Equal([2, 1, 1], server.Requests.Select(r => r["input"]!.AsArray().Count));
        Assert.Empty(plain);
        Assert.Equal("quota.md", fused[0].Path);
    }

    [Fact]
    public async Task ItEmbedsOnlyNewPassagesOnReindex()
    {
        await using var server = await EmbeddingsServerFixture.StartAsync();
        using var http = new HttpClient();
        using var folder = Docs();
        using var index = new KnowledgeIndex(folder.Database, new EmbeddingClient(http, Options(server)));
        await index.IndexFolderAsync(folder.Docs);

        folder.Write("new.md", "# Lifecycle\n\nExpire objects after a number of days.\n");
        var report = await index.IndexFolderAsync(folder.Docs);

        Assert.Equal(1, report.Embedded);
    }

    [Fact]
    public async Task ItFallsBackToKeywordsWhenTheEndpointRefuses()
    {
        await using var server = await EmbeddingsServerFixture.StartAsync();
        using var http = new HttpClient();
        using var folder = Docs();
        using var index = new KnowledgeIndex(folder.Database, new EmbeddingClient(http, Options(server, key: "wrong")));

        var report = await index.IndexFolderAsync(folder.Docs);
        var hits = await index.SearchAsync("bucket versioning", 1);

        Assert.Equal(0, report.Embedded);
        Assert.Contains("401", report.EmbeddingError);
        Assert.Equal("versioning.md", hits[0].Path);
    }
}
