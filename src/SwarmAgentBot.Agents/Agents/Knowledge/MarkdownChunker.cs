using System.Text;
using System.Text.RegularExpressions;
using Markdig;
using Markdig.Extensions.Tables;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace SwarmAgentBot.Agents.Agents.Knowledge;

/// <summary>A Markdown document cut into passages along its headings.</summary>
/// <param name="Title">Front matter <c>title</c>, else the first level-1 heading, else the file name.</param>
/// <param name="Description">Front matter <c>description</c>, when there is one.</param>
/// <param name="Chunks">Passages in document order.</param>
public sealed record ChunkedDocument(string Title, string? Description, IReadOnlyList<DocumentChunk> Chunks);

/// <summary>One passage: the text under one heading (long sections are split at block boundaries).</summary>
/// <param name="Headings">The heading path from the top, e.g. ["Install", "With Docker"]; empty for text before the first heading.</param>
/// <param name="Anchor">The fragment that links to the nearest heading (GitHub/Hugo style), or "" for the top of the document.</param>
/// <param name="Text">Plain text: markup, front matter, shortcodes and JSX tags removed; one block per line.</param>
public sealed record DocumentChunk(IReadOnlyList<string> Headings, string Anchor, string Text)
{
    /// <summary>The heading path joined for display ("Install › With Docker").</summary>
    public string HeadingPath => string.Join(" › ", Headings);
}

/// <summary>
/// Parses Markdown and MDX with Markdig and cuts it into passages along its headings. Each passage
/// keeps its document's title and heading path, so a hit can be cited as "Document › Section".
/// Front matter (YAML <c>---</c> or TOML <c>+++</c>), Hugo shortcodes (<c>{{&lt; … &gt;}}</c>,
/// <c>{{% … %}}</c>), HTML comments and JSX/HTML tags (<c>&lt;Tabs&gt;</c>, <c>&lt;Card title="…"&gt;</c>) are
/// stripped; the text between tags is kept, and so are <c>title</c> attributes, which name what a card or tab is about.
/// </summary>
public sealed partial class MarkdownChunker
{
    /// <summary>Changes whenever chunking changes, so an index built by older code is rebuilt.</summary>
    public const int Version = 2;

    /// <summary>Passages longer than this many characters are split at block boundaries.</summary>
    public const int MaxChunkChars = 1800;

    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UsePipeTables().UseGridTables().Build();

    /// <summary>Chunks one document. <paramref name="fileName"/> is the fallback title.</summary>
    public ChunkedDocument Chunk(string markdown, string fileName)
    {
        var (frontMatter, body) = SplitFrontMatter(markdown.Replace("\r\n", "\n", StringComparison.Ordinal));
        var title = FrontMatterValue(frontMatter, "title") ?? FrontMatterValue(frontMatter, "linkTitle");
        var description = FrontMatterValue(frontMatter, "description");
        var document = Markdown.Parse(StripMarkup(body), Pipeline);

        var chunks = new List<DocumentChunk>();
        var headings = new List<(int Level, string Text)>();
        var anchors = new Dictionary<string, int>(StringComparer.Ordinal);
        var anchor = "";
        var blocks = new List<string>();
        var size = 0;

        void Flush()
        {
            if (blocks.Count > 0) chunks.Add(new DocumentChunk(headings.Select(h => h.Text).ToList(), anchor, string.Join("\n", blocks)));
            blocks.Clear();
            size = 0;
        }

        foreach (var block in document)
        {
            if (block is HeadingBlock heading)
            {
                var text = Clean(InlineText(heading.Inline).Replace('\n', ' '));
                if (text.Length == 0) continue;
                if (heading.Level == 1 && headings.Count == 0 && chunks.Count == 0 && blocks.Count == 0)
                {
                    // The page's own H1 is its title (or repeats the front matter title), not a section.
                    title ??= text;
                    continue;
                }
                Flush();
                while (headings.Count > 0 && headings[^1].Level >= heading.Level) headings.RemoveAt(headings.Count - 1);
                headings.Add((heading.Level, text));
                anchor = UniqueAnchor(Slug(text), anchors);
                continue;
            }
            var content = Clean(BlockText(block));
            if (content.Length == 0) continue;
            if (size > 0 && size + content.Length > MaxChunkChars) Flush();
            foreach (var piece in SplitLong(content))
            {
                blocks.Add(piece);
                size += piece.Length + 1;
                if (size > MaxChunkChars) Flush();
            }
        }
        Flush();
        title ??= Path.GetFileNameWithoutExtension(fileName);
        return new ChunkedDocument(title, description, chunks);
    }

    /// <summary>A GitHub/Hugo-style heading anchor: lower case, punctuation dropped, spaces to hyphens.</summary>
    public static string Slug(string heading)
    {
        var sb = new StringBuilder(heading.Length);
        foreach (var ch in heading.Trim().ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(ch) || ch is '-' or '_') sb.Append(ch);
            else if (ch == ' ') sb.Append('-');
        }
        return sb.ToString();
    }

    private static string UniqueAnchor(string slug, Dictionary<string, int> seen)
    {
        if (!seen.TryGetValue(slug, out var n)) { seen[slug] = 1; return slug; }
        seen[slug] = n + 1;
        return $"{slug}-{n}";
    }

    private static (string FrontMatter, string Body) SplitFrontMatter(string text)
    {
        var m = FrontMatterPattern().Match(text);
        return m.Success ? (m.Groups["fm"].Value, text[m.Length..]) : ("", text);
    }

    private static string? FrontMatterValue(string frontMatter, string key)
    {
        foreach (var line in frontMatter.Split('\n'))
        {
            var m = FrontMatterLinePattern().Match(line);
            if (m.Success && m.Groups["key"].Value.Equals(key, StringComparison.OrdinalIgnoreCase))
            {
                var value = m.Groups["value"].Value.Trim().Trim('"', '\'').Trim();
                return value.Length > 0 && value != "|" && value != ">" ? value : null;
            }
        }
        return null;
    }

    /// <summary>Removes shortcodes, comments and tags outside code fences, keeping the text between tags.</summary>
    private static string StripMarkup(string body)
    {
        var sb = new StringBuilder(body.Length);
        var inFence = false;
        string? fence = null;
        var outside = new StringBuilder();
        foreach (var line in body.Split('\n'))
        {
            var trimmed = line.TrimStart();
            var isFence = trimmed.StartsWith("```", StringComparison.Ordinal) || trimmed.StartsWith("~~~", StringComparison.Ordinal);
            if (isFence && (!inFence || trimmed.StartsWith(fence!, StringComparison.Ordinal)))
            {
                if (!inFence) { sb.Append(StripTags(outside.ToString())); outside.Clear(); fence = trimmed[..3]; }
                inFence = !inFence;
                // JSX indents fences inside <Tab>; Markdig would read an indented fence as an indented code block.
                sb.Append(trimmed).Append('\n');
                continue;
            }
            if (inFence) sb.Append(line).Append('\n');
            else outside.Append(line).Append('\n');
        }
        sb.Append(StripTags(outside.ToString()));
        return sb.ToString();
    }

    private static string StripTags(string text)
    {
        if (text.Length == 0) return text;
        text = ShortcodePattern().Replace(text, m => TitleAttributes(m.Value));
        text = CommentPattern().Replace(text, "");
        text = TagPattern().Replace(text, m => IsMarkupTag(m.Groups["name"].Value) ? TitleAttributes(m.Value) : m.Value);
        // JSX bodies are indented; four spaces would turn prose into an indented code block.
        return IndentPattern().Replace(text, "");
    }

    /// <summary>JSX components (capitalised: Tabs, Card, Note) and HTML elements are markup; other words in angle brackets are placeholders.</summary>
    private static bool IsMarkupTag(string name) => char.IsUpper(name[0]) || HtmlElements.Contains(name);

    private static readonly HashSet<string> HtmlElements = new(StringComparer.OrdinalIgnoreCase)
    {
        "a", "abbr", "area", "article", "aside", "audio", "b", "blockquote", "br", "button", "caption", "center", "cite", "code", "col",
        "colgroup", "dd", "del", "details", "div", "dl", "dt", "em", "embed", "figcaption", "figure", "font", "footer", "form", "h1", "h2",
        "h3", "h4", "h5", "h6", "header", "hr", "i", "iframe", "img", "input", "ins", "kbd", "label", "li", "link", "main", "map", "mark",
        "meta", "nav", "object", "ol", "option", "p", "picture", "pre", "q", "s", "script", "section", "select", "small", "source", "span",
        "strong", "style", "sub", "summary", "sup", "svg", "path", "table", "tbody", "td", "textarea", "tfoot", "th", "thead", "time", "tr",
        "track", "u", "ul", "var", "video", "wbr",
    };

    private static string TitleAttributes(string tag)
    {
        var titles = TitleAttributePattern().Matches(tag).Select(m => m.Groups["v"].Value.Trim()).Where(v => v.Length > 0).ToList();
        return titles.Count == 0 ? " " : " " + string.Join(" ", titles) + "\n\n";
    }

    private static IEnumerable<string> SplitLong(string text)
    {
        if (text.Length <= MaxChunkChars) { yield return text; yield break; }
        var sb = new StringBuilder();
        foreach (var line in text.Split('\n'))
        {
            if (sb.Length > 0 && sb.Length + line.Length > MaxChunkChars) { yield return sb.ToString().TrimEnd(); sb.Clear(); }
            sb.Append(line).Append('\n');
        }
        if (sb.Length > 0) yield return sb.ToString().TrimEnd();
    }

    private static string BlockText(Block block)
    {
        switch (block)
        {
            case FencedCodeBlock or CodeBlock:
                return LinesText((LeafBlock)block);
            case Table table:
                return string.Join("\n", table.OfType<TableRow>().Select(row => string.Join(" | ", row.OfType<TableCell>().Select(c => Clean(string.Join(" ", c.Select(BlockText)))))));
            case HtmlBlock html:
                return TagPattern().Replace(LinesText(html), " ");
            case LeafBlock leaf when leaf.Inline is not null:
                return InlineText(leaf.Inline);
            case LeafBlock leaf:
                return LinesText(leaf);
            case ListBlock list:
                return string.Join("\n", list.Select(item => "- " + string.Join(" ", ((ContainerBlock)item).Select(BlockText))));
            case ContainerBlock container:
                return string.Join("\n", container.Select(BlockText));
            default:
                return "";
        }
    }

    private static string LinesText(LeafBlock leaf) =>
        leaf.Lines.Lines is null ? "" : string.Join("\n", leaf.Lines.Lines.Take(leaf.Lines.Count).Select(l => l.ToString()));

    private static string InlineText(ContainerInline? inline)
    {
        if (inline is null) return "";
        var sb = new StringBuilder();
        AppendInline(inline, sb);
        return sb.ToString();
    }

    private static void AppendInline(Inline inline, StringBuilder sb)
    {
        switch (inline)
        {
            case LiteralInline literal: sb.Append(literal.Content.ToString()); break;
            case CodeInline code: sb.Append(code.Content); break;
            case LineBreakInline: sb.Append(' '); break;
            case AutolinkInline auto: sb.Append(auto.Url); break;
            case HtmlEntityInline entity: sb.Append(entity.Transcoded.ToString()); break;
            case HtmlInline html:
                // "<model>" in prose is a placeholder, not markup: keep it as text.
                var name = TagPattern().Match(html.Tag) is { Success: true } tag ? tag.Groups["name"].Value : "";
                if (name.Length > 0 && !IsMarkupTag(name)) sb.Append(html.Tag);
                break;
            case LinkInline { IsImage: true }:
                // Alt texts are mostly badges ("Slack", "Docker Pulls") and screenshots: noise for search.
                break;
            case ContainerInline container:
                foreach (var child in container) AppendInline(child, sb);
                break;
        }
    }

    private static string Clean(string text) => SpacesPattern().Replace(text.Replace('\u00a0', ' '), " ").Trim();

    [GeneratedRegex(@"\A(?:---|\+\+\+)[ \t]*\n(?<fm>.*?)\n(?:---|\+\+\+)[ \t]*(?:\n|\z)", RegexOptions.Singleline)]
    private static partial Regex FrontMatterPattern();

    [GeneratedRegex(@"^(?<key>[A-Za-z_][A-Za-z0-9_-]*)\s*[:=]\s*(?<value>.*)$")]
    private static partial Regex FrontMatterLinePattern();

    [GeneratedRegex(@"\{\{[<%].*?[%>]\}\}", RegexOptions.Singleline)]
    private static partial Regex ShortcodePattern();

    [GeneratedRegex(@"<!--.*?-->", RegexOptions.Singleline)]
    private static partial Regex CommentPattern();

    // An opening, closing or self-closing tag whose name starts with a letter; attribute values may hold '>' inside quotes or braces.
    [GeneratedRegex(@"</?(?<name>[A-Za-z][A-Za-z0-9.\-]*)(?:\s+(?:[^<>""'{}]|""[^""]*""|'[^']*'|\{[^{}]*\})*)?/?>", RegexOptions.Singleline)]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"\btitle\s*=\s*(?:""(?<v>[^""]*)""|'(?<v>[^']*)')", RegexOptions.IgnoreCase)]
    private static partial Regex TitleAttributePattern();

    [GeneratedRegex(@"^[ \t]+", RegexOptions.Multiline)]
    private static partial Regex IndentPattern();

    [GeneratedRegex(@"[ \t]+")]
    private static partial Regex SpacesPattern();
}
