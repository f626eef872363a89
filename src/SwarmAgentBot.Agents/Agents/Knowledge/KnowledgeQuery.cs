using System.Globalization;
using System.Text;

namespace SwarmAgentBot.Agents.Agents.Knowledge;

/// <summary>
/// A question turned into search terms: lower-case words without stop words, each with its Porter
/// stem, and an FTS5 MATCH expression in which every term is a quoted string. Quoting is what makes
/// any text safe: FTS5 operators (AND, OR, NOT, NEAR), column filters (<c>title:</c>), prefixes (<c>*</c>),
/// <c>-</c>, <c>^</c>, parentheses and quotes inside a question are never read as query syntax.
/// </summary>
public sealed record KnowledgeQuery(IReadOnlyList<string> Terms, IReadOnlyList<string> Stems)
{
    /// <summary>Most terms kept from one question; a 10,000-character question still makes a quick query.</summary>
    public const int MaxTerms = 32;

    /// <summary>Longest word kept (longer runs are hashes, base64 or noise).</summary>
    public const int MaxTermLength = 40;

    /// <summary>True when nothing searchable is left (empty question, only punctuation).</summary>
    public bool IsEmpty => Terms.Count == 0;

    /// <summary>The FTS5 MATCH expression: the quoted terms joined by OR.</summary>
    public string MatchExpression => string.Join(" OR ", Terms.Select(Quote));

    /// <summary>
    /// Builds the query. Stop words are dropped unless the question has nothing else
    /// ("what is it" still searches), duplicates are dropped and at most <see cref="MaxTerms"/> are kept.
    /// </summary>
    public static KnowledgeQuery Parse(string? question)
    {
        var words = Tokenize(question ?? "").Where(w => w.Length <= MaxTermLength).ToList();
        var content = words.Where(w => !StopWords.Contains(w)).ToList();
        var chosen = (content.Count > 0 ? content : words).Distinct(StringComparer.Ordinal).Take(MaxTerms).ToList();
        return new KnowledgeQuery(chosen, chosen.Select(PorterStemmer.Stem).ToList());
    }

    /// <summary>Words of a text: runs of letters and digits, lower-cased, diacritics kept (as FTS5 unicode61 splits them).</summary>
    public static IEnumerable<string> Tokenize(string text)
    {
        var sb = new StringBuilder();
        foreach (var ch in text)
        {
            if (char.IsLetterOrDigit(ch)) { sb.Append(char.ToLowerInvariant(ch)); continue; }
            if (char.GetUnicodeCategory(ch) == UnicodeCategory.NonSpacingMark && sb.Length > 0) continue;
            if (sb.Length > 0) { yield return sb.ToString(); sb.Clear(); }
        }
        if (sb.Length > 0) yield return sb.ToString();
    }

    /// <summary>The stems of a text's words, for term matching outside SQLite.</summary>
    public static IEnumerable<string> StemsOf(string text) => Tokenize(text).Select(PorterStemmer.Stem);

    /// <summary>An FTS5 string literal: the term in double quotes, inner quotes doubled.</summary>
    public static string Quote(string term) => "\"" + term.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>Common English words that carry no topic ("how do I", "what is the").</summary>
    public static readonly IReadOnlySet<string> StopWords = new HashSet<string>(StringComparer.Ordinal)
    {
        "a", "about", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "because", "been",
        "before", "being", "between", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "done", "during", "each", "either",
        "else", "etc", "ever", "every", "for", "from", "get", "gets", "getting", "got", "had", "has", "have", "having", "he", "her",
        "here", "hers", "him", "his", "how", "i", "if", "im", "in", "into", "is", "it", "its", "itself", "just", "let", "lets", "me",
        "might", "mine", "more", "most", "much", "must", "my", "need", "needs", "no", "nor", "not", "now", "of", "off", "on", "once", "one",
        "only", "or", "other", "our", "ours", "out", "over", "own", "please", "same", "shall", "she", "should", "so", "some", "such",
        "than", "that", "the", "their", "theirs", "them", "then", "there", "these", "they", "thing", "things", "this", "those", "through",
        "to", "too", "under", "until", "up", "us", "very", "via", "want", "wants", "was", "way", "we", "were", "what", "whats", "when",
        "where", "whether", "which", "while", "who", "whom", "whose", "why", "will", "with", "within", "without", "would", "you", "your",
        "yours", "yourself", "s", "t", "d", "ll", "re", "ve", "don", "doesn", "isn", "aren", "won", "cant", "dont", "tell", "explain",
        "know", "like", "possible", "someone", "something", "anyone", "anything", "there's", "okay", "ok", "hi", "hello", "thanks",
    };
}
