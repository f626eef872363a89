using SwarmAgentBot.Agents.Agents.Knowledge;

namespace SwarmAgentBot.Agents.Tests.Knowledge;

public class MarkdownChunkerTests
{
    private readonly MarkdownChunker _chunker = new();

    [Fact]
    public void ItSplitsAlongHeadingsAndKeepsTheHeadingPath()
    {
        var doc = _chunker.Chunk("""
            # Rolling back

            Intro text.

            ## In chat

            Say roll back.

            ### With a version

            Name the version.

            ## From the CLI

            Use the command.
            """, "rollback.md");

        Assert.Equal("Rolling back", doc.Title);
        Assert.Equal(["", "In chat", "In chat › With a version", "From the CLI"], doc.Chunks.Select(c => c.HeadingPath));
        Assert.Equal(["", "in-chat", "with-a-version", "from-the-cli"], doc.Chunks.Select(c => c.Anchor));
        Assert.Equal("Name the version.", doc.Chunks[2].Text);
    }

    [Theory]
    [InlineData("---\ntitle: 'Customize Data Drift'\ndescription: How to change drift methods.\n---\n\nBody text.\n")]
    [InlineData("+++\ntitle = \"Customize Data Drift\"\ndescription = \"How to change drift methods.\"\nweight = 3\n+++\n\nBody text.\n")]
    public void ItStripsYamlAndTomlFrontMatterAndReadsTitleAndDescription(string markdown)
    {
        var doc = _chunker.Chunk(markdown, "file.md");

        Assert.Equal("Customize Data Drift", doc.Title);
        Assert.Equal("How to change drift methods.", doc.Description);
        var only = Assert.Single(doc.Chunks);
        Assert.Equal("Body text.", only.Text);
    }

    [Fact]
    public void ItStripsHugoShortcodesAndJsxTagsButKeepsTheirText()
    {
        var doc = _chunker.Chunk("""
            ## Install

            {{% alert title="Warning" color="warning" %}}
            Back up the database first.
            {{% /alert %}}

            {{< figure src="/img/x.png" >}}

            <Tabs>
              <Tab title="Python">
                Install the **package** with pip.
              </Tab>
            </Tabs>

            <Card title="Quickstart" href="/quickstart">Run your first check.</Card>
            <!-- a hidden comment -->
            """, "install.mdx");

        var text = Assert.Single(doc.Chunks).Text;
        Assert.DoesNotContain("{{", text);
        Assert.DoesNotContain("<", text);
        Assert.DoesNotContain("hidden comment", text);
        Assert.Contains("Back up the database first.", text);
        Assert.Contains("Install the package with pip.", text);
        Assert.Contains("Warning", text);
        Assert.Contains("Python", text);
        Assert.Contains("Quickstart", text);
        Assert.Contains("Run your first check.", text);
    }

    [Fact]
    public void ItKeepsPlaceholdersInAngleBracketsAsText()
    {
        var doc = _chunker.Chunk("## Retry\n\nSay \"run <pipeline> with <parameters>\" or `swarm knowledge index --path <folder>`.<br/>\n", "p.md");

        Assert.Equal("Say \"run <pipeline> with <parameters>\" or swarm knowledge index --path <folder>.", Assert.Single(doc.Chunks).Text);
    }

    [Fact]
    public void ItTreatsAnH1ThatRepeatsTheFrontMatterTitleAsTheTitle()
    {
        var doc = _chunker.Chunk("---\ntitle: Rollback\n---\n\n# Rollback\n\nIntro.\n\n## Steps\n\nDo it.\n", "r.md");

        Assert.Equal("Rollback", doc.Title);
        Assert.Equal(["", "Steps"], doc.Chunks.Select(c => c.HeadingPath));
    }

    [Fact]
    public void ItLeavesTagsInsideCodeFencesAlone()
    {
        var doc = _chunker.Chunk("""
            ## Example

            ```xml
            <Tabs>keep me</Tabs>
            ```
            """, "code.md");

        Assert.Contains("<Tabs>keep me</Tabs>", Assert.Single(doc.Chunks).Text);
    }

    [Fact]
    public void ItStripsLinkAndEmphasisMarkupAndDropsImages()
    {
        var doc = _chunker.Chunk("# Guide [![Slack](https://x/badge.svg)](https://slack)\n\nSee **the** [runbook](runbooks/rollback.md) and `swarm audit verify`.\n", "g.md");

        Assert.Equal("Guide", doc.Title);
        Assert.Equal("See the runbook and swarm audit verify.", Assert.Single(doc.Chunks).Text);
    }

    [Fact]
    public void ItFallsBackToTheFileNameAndMakesUniqueAnchors()
    {
        var doc = _chunker.Chunk("## Steps\n\none\n\n## Steps\n\ntwo\n", "folder/my-page.md");

        Assert.Equal("my-page", doc.Title);
        Assert.Equal(["steps", "steps-1"], doc.Chunks.Select(c => c.Anchor));
    }

    [Fact]
    public void ItSplitsVeryLongSectionsIntoSeveralPassagesWithTheSameHeading()
    {
        var paragraphs = string.Join("\n\n", Enumerable.Range(0, 40).Select(i => $"Paragraph {i} " + new string('x', 100)));
        var doc = _chunker.Chunk("## Long\n\n" + paragraphs, "long.md");

        Assert.True(doc.Chunks.Count > 1);
        Assert.All(doc.Chunks, c => Assert.Equal("Long", c.HeadingPath));
        Assert.All(doc.Chunks, c => Assert.True(c.Text.Length <= MarkdownChunker.MaxChunkChars + 200));
    }

    [Fact]
    public void AFileWithOnlyFrontMatterHasNoPassages()
    {
        var doc = _chunker.Chunk("+++\ntitle = \"Section\"\n+++\n", "_index.md");

        Assert.Equal("Section", doc.Title);
        Assert.Empty(doc.Chunks);
    }
}
