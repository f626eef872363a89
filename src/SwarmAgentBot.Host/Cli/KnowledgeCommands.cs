using System.CommandLine;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Agents.Knowledge;

namespace SwarmAgentBot.Host.Cli;

/// <summary><c>swarm knowledge index|search</c>: build and query a knowledge index of any Markdown/MDX folder.</summary>
public static class KnowledgeCommands
{
    /// <summary>Creates the command.</summary>
    public static Command Create(CliContext context)
    {
        var command = new Command("knowledge", "Index Markdown documents and search them (the knowledge agent's index).");
        command.Subcommands.Add(Index(context));
        command.Subcommands.Add(Search(context));
        return command;
    }

    private static Command Index(CliContext context)
    {
        var path = new Option<string?>("--path") { Description = "Folder of .md/.mdx files (default: Swarm:Knowledge:Path)." };
        var db = new Option<string?>("--db") { Description = "Index file (default: Swarm:Knowledge:DatabasePath or <DataDir>/knowledge.db)." };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON." };
        var command = new Command("index", "Index a folder: changed files only, deleted files removed.") { path, db, json };
        command.SetAction(async (ParseResult parse, CancellationToken ct) =>
        {
            var folder = Path.GetFullPath(parse.GetValue(path) ?? context.Get<IOptions<KnowledgeOptions>>().Value.Path);
            if (!Directory.Exists(folder))
            {
                await context.Error.WriteLineAsync($"The folder {folder} does not exist.");
                return 1;
            }
            using var own = OpenIndex(context, parse.GetValue(db));
            var index = own ?? context.Get<KnowledgeIndex>();
            var report = await index.IndexFolderAsync(folder, ct);
            if (parse.GetValue(json))
                context.WriteJson(new { folder, db = index.DatabasePath, documents = report.Documents, added = report.Added, updated = report.Updated, unchanged = report.Unchanged, removed = report.Removed, chunks = report.Chunks, embedded = report.Embedded, seconds = Math.Round(report.Elapsed.TotalSeconds, 3), embedding_error = report.EmbeddingError });
            else
                await context.Out.WriteLineAsync($"{folder} → {index.DatabasePath}: {report}");
            return 0;
        });
        return command;
    }

    private static Command Search(CliContext context)
    {
        var question = new Argument<string>("question") { Description = "The question, in quotes." };
        var top = new Option<int>("--top") { Description = "How many documents to return.", DefaultValueFactory = _ => 5 };
        var db = new Option<string?>("--db") { Description = "Index file (default: the configured index)." };
        var json = new Option<bool>("--json") { Description = "Print a JSON array of {path, heading, score, snippet}." };
        var command = new Command("search", "Search the knowledge index, best passage per document first.") { question, top, db, json };
        command.SetAction(async (ParseResult parse, CancellationToken ct) =>
        {
            var k = parse.GetValue(top);
            var text = parse.GetValue(question) ?? "";
            if (string.IsNullOrWhiteSpace(text))
            {
                await context.Error.WriteLineAsync("The question is empty: give the words to search for, e.g. swarm knowledge search \"how do I roll back a model\".");
                return 1;
            }
            if (k < 1)
            {
                await context.Error.WriteLineAsync("--top must be at least 1.");
                return 1;
            }
            using var own = OpenIndex(context, parse.GetValue(db));
            if (own is null)
            {
                // The configured index is filled by the host at start; a CLI user may not have run it yet.
                var knowledge = context.Get<KnowledgeBase>();
                if (await knowledge.Index.DocumentCountAsync(ct) == 0) await knowledge.RefreshAsync(ct);
            }
            var index = own ?? context.Get<KnowledgeIndex>();
            var hits = await index.SearchAsync(text, k, ct);
            if (parse.GetValue(json))
            {
                context.WriteJson(hits.Select(h => new { path = h.Path, heading = h.Heading.Length > 0 ? h.Heading : h.Title, score = h.Score, snippet = h.Snippet }));
                return 0;
            }
            if (hits.Count == 0) await context.Out.WriteLineAsync("No matching documents.");
            foreach (var h in hits)
                await context.Out.WriteLineAsync($"{h.Score,8:0.000}  {h.Path}{(h.Anchor.Length > 0 ? "#" + h.Anchor : "")}\n          {h.Title}{(h.Heading.Length > 0 ? " › " + h.Heading : "")}\n          {h.Snippet}");
            return 0;
        });
        return command;
    }

    /// <summary>An index on an explicit --db file (caller disposes), or null for the configured one.</summary>
    private static KnowledgeIndex? OpenIndex(CliContext context, string? db)
    {
        if (db is null) return null;
        var options = context.Get<IOptions<KnowledgeOptions>>().Value;
        return new KnowledgeIndex(db, KnowledgeExtensions.CreateEmbeddingClient(context.Services, options), context.Get<ILogger<KnowledgeIndex>>());
    }
}
