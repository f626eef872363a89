using System.Text;
using System.Text.RegularExpressions;

namespace SwarmAgentBot.Agents.Agents.Knowledge;

/// <summary>
/// Picks the sentences of a passage that answer a question (the ones holding the most distinct
/// question terms), for search snippets and for the bold key sentences of an extractive answer.
/// </summary>
public static partial class KnowledgeSnippets
{
    /// <summary>The best sentence of <paramref name="text"/> (with its neighbour when short), at most <paramref name="maxChars"/> long.</summary>
    public static string Best(string text, KnowledgeQuery query, int maxChars)
    {
        var sentences = Sentences(text);
        if (sentences.Count == 0) return "";
        var best = BestIndex(sentences, query);
        var snippet = sentences[best];
        if (snippet.Length < maxChars / 2 && best + 1 < sentences.Count) snippet += " " + sentences[best + 1];
        return Shorten(snippet, maxChars);
    }

    /// <summary>
    /// An excerpt of the passage around its best sentences, the <paramref name="keySentences"/> best of
    /// them in bold, at most about <paramref name="maxChars"/> long. Markdown characters of the passage are escaped.
    /// </summary>
    public static string Highlighted(string text, KnowledgeQuery query, int keySentences = 2, int maxChars = 600)
    {
        var sentences = Sentences(text);
        if (sentences.Count == 0) return "";
        var scores = sentences.Select(s => Matches(s, query)).ToList();
        var keys = Enumerable.Range(0, sentences.Count).Where(i => scores[i] > 0)
            .OrderByDescending(i => scores[i]).ThenBy(i => i).Take(keySentences).ToHashSet();
        if (keys.Count == 0) keys.Add(0);
        var first = keys.Min();
        var last = keys.Max();
        // Grow the window with context on both sides while it fits.
        var length = Enumerable.Range(first, last - first + 1).Sum(i => sentences[i].Length + 1);
        while (length > maxChars && last > first)
        {
            // Too far apart: keep the better one's neighbourhood.
            if (scores[first] >= scores[last]) { keys.Remove(last); last = keys.Max(); }
            else { keys.Remove(first); first = keys.Min(); }
            length = Enumerable.Range(first, last - first + 1).Sum(i => sentences[i].Length + 1);
        }
        if (first > 0 && length + sentences[first - 1].Length < maxChars) { first--; length += sentences[first].Length + 1; }
        if (last + 1 < sentences.Count && length + sentences[last + 1].Length < maxChars) { last++; }

        var sb = new StringBuilder();
        if (first > 0) sb.Append("… ");
        for (var i = first; i <= last; i++)
        {
            var s = Escape(Shorten(sentences[i], maxChars));
            sb.Append(keys.Contains(i) ? $"**{s}**" : s);
            if (i < last) sb.Append(' ');
        }
        if (last + 1 < sentences.Count) sb.Append(" …");
        return sb.ToString();
    }

    /// <summary>Splits a passage into sentences (lines, then sentence ends).</summary>
    public static List<string> Sentences(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .SelectMany(line => SentenceEnd().Split(line))
            .Select(s => s.Trim())
            .Where(s => s.Length > 0)
            .ToList();

    private static int BestIndex(List<string> sentences, KnowledgeQuery query)
    {
        var best = 0;
        var bestScore = -1;
        for (var i = 0; i < sentences.Count; i++)
        {
            var score = Matches(sentences[i], query);
            if (score > bestScore) { best = i; bestScore = score; }
        }
        return best;
    }

    /// <summary>
    /// How many distinct question stems start a word of the sentence. A stem is (nearly always) a prefix
    /// of the words it comes from, so a prefix search finds "deployment" for "deploy" without tokenising.
    /// </summary>
    private static int Matches(string sentence, KnowledgeQuery query)
    {
        var count = 0;
        foreach (var stem in query.Stems.Distinct(StringComparer.Ordinal))
        {
            for (var at = sentence.IndexOf(stem, StringComparison.OrdinalIgnoreCase); at >= 0; at = sentence.IndexOf(stem, at + 1, StringComparison.OrdinalIgnoreCase))
            {
                if (at == 0 || !char.IsLetterOrDigit(sentence[at - 1])) { count++; break; }
            }
        }
        return count;
    }

    private static string Shorten(string s, int max)
    {
        if (s.Length <= max) return s;
        var cut = s.LastIndexOf(' ', Math.Max(0, max - 1));
        return (cut > max / 2 ? s[..cut] : s[..max]).TrimEnd() + "…";
    }

    private static string Escape(string s) => MarkdownSpecial().Replace(s, @"\$0");

    [GeneratedRegex(@"(?<=[.!?])\s+(?=[A-Z0-9""'`(\[])")]
    private static partial Regex SentenceEnd();

    [GeneratedRegex(@"[*_`\[\]<>#|]")]
    private static partial Regex MarkdownSpecial();
}
