using SwarmAgentBot.Agents.Agents.Knowledge;

namespace SwarmAgentBot.Agents.Tests.Knowledge;

public class KnowledgeIndexTests
{
    [Fact]
    public async Task ItFindsThePassageUnderTheRightHeading()
    {
        using var folder = new KnowledgeFolder().WithSampleDocs();
        using var index = await folder.IndexAsync();

        var hits = await index.SearchAsync("what should I say to roll back churn-model?", 3);

        var best = hits[0];
        Assert.Equal("runbooks/rollback.md", best.Path);
        Assert.Equal("Rolling back a model", best.Title);
        Assert.Equal("ask-for-the-rollback", best.Anchor);
        Assert.Contains("roll back", best.Snippet, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ItMatchesOtherFormsOfAWord()
    {
        using var folder = new KnowledgeFolder().WithSampleDocs();
        using var index = await folder.IndexAsync();

        var hits = await index.SearchAsync("comparing distributions", 1);

        Assert.Equal("glossary.md", hits[0].Path);
        Assert.Equal("PSI", hits[0].Heading);
    }

    [Fact]
    public async Task ItReindexesOnlyChangedFilesAndRemovesDeletedOnes()
    {
        using var folder = new KnowledgeFolder().WithSampleDocs();
        using var index = new KnowledgeIndex(folder.Database);

        var first = await index.IndexFolderAsync(folder.Docs);
        Assert.Equal((3, 3, 0, 0, 0), (first.Documents, first.Added, first.Updated, first.Unchanged, first.Removed));

        var again = await index.IndexFolderAsync(folder.Docs);
        Assert.Equal((0, 0, 3, 0, 0), (again.Added, again.Updated, again.Unchanged, again.Removed, again.Chunks));

        folder.Write("glossary.md", "# Glossary\n\n## Wasserstein distance\n\nThe earth mover's distance between two distributions.\n");
        folder.Delete("guide/storage.mdx");
        folder.Write("new.md", "# Lineage\n\nLineage links a model version to its dataset and run.\n");
        var changed = await index.IndexFolderAsync(folder.Docs);

        Assert.Equal((1, 1, 1, 1), (changed.Added, changed.Updated, changed.Unchanged, changed.Removed));
        Assert.Empty(await index.SearchAsync("population stability index", 5));
        Assert.DoesNotContain(await index.SearchAsync("list datasets stored size", 5), h => h.Path == "guide/storage.mdx");
        Assert.Equal("glossary.md", (await index.SearchAsync("earth mover distance", 1))[0].Path);
        Assert.Equal("new.md", (await index.SearchAsync("lineage", 1))[0].Path);
    }

    [Fact]
    public async Task ItStartsOverWhenPointedAtAnotherFolder()
    {
        using var folder = new KnowledgeFolder().WithSampleDocs();
        using var other = new KnowledgeFolder();
        other.Write("only.md", "# Only\n\nThe only document here talks about quotas.\n");
        using var index = new KnowledgeIndex(folder.Database);
        await index.IndexFolderAsync(folder.Docs);

        var report = await index.IndexFolderAsync(other.Docs);

        Assert.Equal((1, 1), (report.Documents, report.Added));
        Assert.Equal(1, await index.DocumentCountAsync());
        Assert.Empty(await index.SearchAsync("rollback", 5));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\"")]
    [InlineData("NEAR(rollback deploy, 2) AND title:* OR -psi NOT (\"unbalanced")]
    [InlineData("{{< shortcode >}} <Tabs> ^ : ; ' ` ~ | \\")]
    public async Task ItAnswersOddQuestionsWithoutError(string question)
    {
        using var folder = new KnowledgeFolder().WithSampleDocs();
        using var index = await folder.IndexAsync();

        var hits = await index.SearchAsync(question, 5);

        Assert.NotNull(hits);
    }

    [Fact]
    public async Task ItSearchesAQuestionOfTenThousandCharacters()
    {
        using var folder = new KnowledgeFolder().WithSampleDocs();
        using var index = await folder.IndexAsync();
        var question = "rollback " + string.Concat(Enumerable.Repeat("lorem ipsum (dolor) \"sit\" AND amet* ", 300));

        var hits = await index.SearchAsync(question[..10_000], 5);

        Assert.Contains(hits, h => h.Path == "runbooks/rollback.md");
    }

    [Fact]
    public async Task ItReturnsAtMostOnePassagePerDocument()
    {
        using var folder = new KnowledgeFolder().WithSampleDocs();
        using var index = await folder.IndexAsync();

        var hits = await index.SearchAsync("rollback production version approval drift check", 10);

        Assert.Equal(hits.Count, hits.Select(h => h.Path).Distinct().Count());
    }

    [Fact]
    public async Task ItRanksAPageAboutTheTopicAboveAPageThatMentionsItOnce()
    {
        using var folder = new KnowledgeFolder()
            .Write("replication.md", "# Bucket replication\n\n## Set up replication\n\nReplication copies new objects to a remote bucket.\n\n"
                + "## Replication status\n\nEach object shows whether replication is pending or done.\n")
            .Write("faq.md", "# Questions\n\n## Quotas\n\nA quota caps a bucket.\n\n## Copies\n\nSee the replication page for copies of a bucket.\n");
        using var index = await folder.IndexAsync();

        var hits = await index.SearchAsync("how does bucket replication work", 2);

        Assert.Equal(["replication.md", "faq.md"], hits.Select(h => h.Path));
    }

    [Fact]
    public async Task ItFindsDocumentsAddedAfterEarlierSearches()
    {
        using var folder = new KnowledgeFolder().WithSampleDocs();
        using var index = await folder.IndexAsync();
        Assert.Empty(await index.SearchAsync("lineage", 3));

        folder.Write("lineage.md", "# Lineage\n\nLineage links a model version to its dataset and run.\n");
        await index.IndexFolderAsync(folder.Docs);

        var hit = Assert.Single(await index.SearchAsync("lineage", 3));
        Assert.Equal("lineage.md", hit.Path);
        Assert.True(hit.Relevance >= 0.99, $"relevance {hit.Relevance}");
    }

    [Fact]
    public async Task ItAnswersQuestionsAskedAtTheSameTime()
    {
        using var folder = new KnowledgeFolder().WithSampleDocs();
        using var index = await folder.IndexAsync();

        var answers = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() =>
            index.SearchAsync(i % 2 == 0 ? "roll back churn-model" : "comparing distributions", 1))));

        for (var i = 0; i < answers.Length; i++)
            Assert.Equal(i % 2 == 0 ? "runbooks/rollback.md" : "glossary.md", answers[i][0].Path);
    }

    [Fact]
    public async Task ItRefusesAFolderThatDoesNotExist()
    {
        using var folder = new KnowledgeFolder();
        using var index = new KnowledgeIndex(folder.Database);

        await Assert.ThrowsAsync<DirectoryNotFoundException>(() => index.IndexFolderAsync(Path.Combine(folder.Docs, "missing")));
    }
}
