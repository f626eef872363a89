using Microsoft.Data.Sqlite;

namespace SwarmAgentBot.Agents.Tests.Knowledge;

/// <summary>A temporary folder of Markdown documents and a place for its index; deleted afterwards.</summary>
internal sealed class KnowledgeFolder : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("swarm-knowledge-test-");

    public KnowledgeFolder()
    {
        Docs = Directory.CreateDirectory(Path.Combine(_root.FullName, "docs")).FullName;
    }

    /// <summary>The documents folder.</summary>
    public string Docs { get; }

    /// <summary>A data folder beside the documents.</summary>
    public string DataDir => Path.Combine(_root.FullName, "data");

    /// <summary>An index file path inside the temp folder.</summary>
    public string Database => Path.Combine(_root.FullName, "knowledge.db");

    /// <summary>Writes (or overwrites) a document.</summary>
    public KnowledgeFolder Write(string relativePath, string markdown)
    {
        var full = Path.Combine(Docs, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, markdown);
        return this;
    }

    /// <summary>A keyword index of the folder, already filled.</summary>
    public async Task<SwarmAgentBot.Agents.Agents.Knowledge.KnowledgeIndex> IndexAsync()
    {
        var index = new SwarmAgentBot.Agents.Agents.Knowledge.KnowledgeIndex(Database);
        await index.IndexFolderAsync(Docs);
        return index;
    }

    /// <summary>Deletes a document.</summary>
    public void Delete(string relativePath) => File.Delete(Path.Combine(Docs, relativePath));

    /// <summary>A small knowledge base in the style of our own knowledge/ folder.</summary>
    public KnowledgeFolder WithSampleDocs() => this
        .Write("runbooks/rollback.md", """
            ---
            title: Rolling back a model
            ---

            Use this runbook when a newly deployed version misbehaves in production.

            ## Ask for the rollback

            Say "roll back churn-model in production". The assistant proposes returning the stage to its previous version.
            A rollback needs approval by someone with the prod-approver role.

            ## Check the result

            Run a drift check and watch the error rate after the rollback.
            """)
        .Write("glossary.md", """
            # Glossary

            ## PSI

            The Population Stability Index compares the distribution of a feature in two windows. A PSI above 0.2 usually means significant drift.

            ## Champion and challenger

            The champion is the version serving traffic; a challenger is a candidate compared against it.
            """)
        .Write("guide/storage.mdx", """
            ---
            title: Datasets
            ---

            <Tabs>
            <Tab title="Chat">
            Say "list datasets" to see every stored dataset with its size.
            </Tab>
            </Tabs>
            """);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { _root.Delete(recursive: true); } catch (IOException) { /* best effort */ }
    }
}
