using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Agents.Knowledge;

namespace SwarmAgentBot.Host.Knowledge;

/// <summary>Serves the knowledge documents that answers cite: <c>GET /knowledge/{path}</c> returns the raw Markdown.</summary>
public static class KnowledgeEndpoints
{
    private static readonly string[] Extensions = [".md", ".mdx", ".markdown"];

    /// <summary>Maps <c>GET /knowledge/{**path}</c>. Only Markdown files inside the knowledge folder are served.</summary>
    public static WebApplication MapKnowledge(this WebApplication app)
    {
        app.MapGet("/knowledge/{**path}", (string? path, IOptions<KnowledgeOptions> options) =>
        {
            var file = Resolve(options.Value.FolderFullPath, path);
            return file is null
                ? Results.NotFound(new { error = "No such knowledge document." })
                : Results.File(file, "text/markdown; charset=utf-8");
        });
        return app;
    }

    /// <summary>
    /// The full path of a document inside <paramref name="root"/>, or null for anything else: path
    /// traversal (<c>..</c>, absolute paths, encoded separators), hidden files, other file types, missing files.
    /// </summary>
    public static string? Resolve(string root, string? relative)
    {
        if (string.IsNullOrWhiteSpace(relative) || relative.Contains('\0') || relative.Contains('\\')) return null;
        var parts = relative.Split('/');
        if (parts.Any(p => p.Length == 0 || p.StartsWith('.'))) return null;
        if (!Extensions.Contains(Path.GetExtension(relative), StringComparer.OrdinalIgnoreCase)) return null;
        var rootFull = Path.GetFullPath(root);
        var full = Path.GetFullPath(Path.Combine(rootFull, relative));
        if (!full.StartsWith(rootFull.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal)) return null;
        // A link inside the folder could point anywhere; serve only real files.
        var info = new FileInfo(full);
        return info.Exists && info.LinkTarget is null ? full : null;
    }
}
