using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SwarmAgentBot.Agents.Supervisor.Routing;

/// <summary>
/// One piece of a message, analysed once: the cleaned text (original case, number words as digits) that
/// entity extractors read, and the canonical lower-case words (typos corrected, phrases folded) with their
/// concepts that the intent classifier reads. Entity-like spans (file names, s3:// paths, hyphenated
/// names, key=value pairs) are masked out of the words so "train.csv" never reads as the verb "train".
/// </summary>
internal sealed partial class Utterance
{
    private Utterance(string text, string[] words, Concept concepts)
    {
        Text = text;
        Words = words;
        Concepts = concepts;
        Canon = " " + string.Join(' ', words) + " ";
    }

    /// <summary>Cleaned text, original case, number words as digits.</summary>
    public string Text { get; }

    /// <summary>Canonical words, in order.</summary>
    public string[] Words { get; }

    /// <summary>The canonical words joined by single spaces and padded with one space at each end (for phrase tests).</summary>
    public string Canon { get; }

    /// <summary>Union of the words' concepts.</summary>
    public Concept Concepts { get; }

    /// <summary>Words that are neither keywords, function words nor entity placeholders ("troops" in "deploy the troops").</summary>
    public int UnknownWords { get; private init; }

    /// <summary>True when any of <paramref name="concepts"/> is present.</summary>
    public bool Has(Concept concepts) => (Concepts & concepts) != 0;

    /// <summary>True when the canonical text contains the phrase (give it padded with spaces: " how do i ").</summary>
    public bool Says(string paddedPhrase) => Canon.Contains(paddedPhrase, StringComparison.Ordinal);

    /// <summary>Analyses already-cleaned text.</summary>
    public static Utterance Analyse(string cleaned)
    {
        var text = NumberWords.ToDigits(cleaned);
        var masked = Mask(LogLines.Mask(text));
        var words = new List<string>(24);
        foreach (Match m in WordPattern().Matches(masked))
        {
            var w = m.Value.ToLowerInvariant();
            if (w is "?" or "," or ":" or ";") { words.Add(w); continue; }
            AddWord(words, w);
        }
        var final = FoldPhrases(words);
        MarkRailwayTrains(final);
        var concepts = Concept.None;
        foreach (var w in final) concepts |= Lexicon.Of(w);
        var unknown = 0;
        foreach (var w in final)
            if (w.Length > 2 && w[0] != 'x' && !char.IsDigit(w[0]) && !Lexicon.Words.ContainsKey(w) && !EntityPatterns.Stop.Contains(w) && !Lexicon.KnownWords.Contains(w) && !CommonWords.Contains(w))
                unknown++;
        return new Utterance(text, final, concepts) { UnknownWords = unknown };
    }

    /// <summary>Folds multi-word phrases ("roll back" → "rollback") in one left-to-right pass; a folded phrase may start another.</summary>
    private static string[] FoldPhrases(List<string> words)
    {
        var output = new List<string>(words.Count);
        var pending = new List<string>(4);
        var i = 0;
        while (i < words.Count || pending.Count > 0)
        {
            // Words produced by a fold are read again before the rest ("past drift results" → "history drift results" → ...).
            var w = pending.Count > 0 ? pending[0] : words[i];
            if (Lexicon.PhrasesByFirstWord.TryGetValue(w, out var candidates))
            {
                var matched = false;
                foreach (var (from, to) in candidates)
                {
                    if (!Matches(from, pending, words, i)) continue;
                    var consumed = from.Length;
                    var fromPending = Math.Min(consumed, pending.Count);
                    pending.RemoveRange(0, fromPending);
                    i += consumed - fromPending;
                    // The first word of the replacement is final; the rest may start another phrase.
                    output.Add(to[0]);
                    pending.InsertRange(0, to.Skip(1));
                    matched = true;
                    break;
                }
                if (matched) continue;
            }
            output.Add(w);
            if (pending.Count > 0) pending.RemoveAt(0); else i++;
        }
        return output.ToArray();
    }

    /// <summary>
    /// "the train to work was late": "train" after an article and not followed by ML words is the vehicle, not the verb
    /// ("the train set", "the train on churn.csv" stay ML).
    /// </summary>
    private static void MarkRailwayTrains(string[] words)
    {
        for (var i = 1; i < words.Length; i++)
        {
            if (words[i] is not ("train" or "trains") || words[i - 1] is not ("the" or "a" or "my" or "our" or "next" or "last" or "that" or "this")) continue;
            if (i + 1 < words.Length && TrainFollowers.Contains(words[i + 1])) continue;
            words[i] = "railway";
        }
    }

    private static readonly HashSet<string> TrainFollowers = new(StringComparer.Ordinal)
    {
        "set", "sets", "split", "splits", "data", "dataset", "datasets", "job", "jobs", "run", "runs", "step", "pipeline", "file", "files", "csv", "xfilex",
        "xnamex", "on", "with", "using", "for", "of", "loss", "error", "score", "accuracy", "metrics", "metric", "test", "fold", "folds", "and", "partition",
        "portion", "rows", "sample", "samples", "part", "period", "window", "budget", "time", "again", "now",
    };

    private static bool Matches(string[] phrase, List<string> pending, List<string> words, int i)
    {
        for (var k = 0; k < phrase.Length; k++)
        {
            string next;
            if (k < pending.Count) next = pending[k];
            else if (i + k - pending.Count < words.Count) next = words[i + k - pending.Count];
            else return false;
            if (!string.Equals(next, phrase[k], StringComparison.Ordinal)) return false;
        }
        return true;
    }

    private static void AddWord(List<string> words, string w)
    {
        if (w.Contains('-'))
        {
            // English prefixes and set phrases ("re-train", "sign-off") are words, not names: join them.
            var joined = w.Replace("-", "", StringComparison.Ordinal);
            if (Lexicon.Words.ContainsKey(joined) || Lexicon.Shorthand.ContainsKey(joined)) w = joined;
            else
            {
                foreach (var part in w.Split('-', StringSplitOptions.RemoveEmptyEntries)) AddWord(words, part);
                return;
            }
        }
        if (w.EndsWith("'s", StringComparison.Ordinal) && !Lexicon.Shorthand.ContainsKey(w) && !Lexicon.KnownWords.Contains(w)) w = w[..^2];
        else if (w.EndsWith("n't", StringComparison.Ordinal)) { words.Add(w[..^3]); words.Add("not"); return; }
        if (Lexicon.Shorthand.TryGetValue(w, out var expanded))
        {
            foreach (var part in expanded.Split(' ')) words.Add(part);
            return;
        }
        words.Add(Correct(w));
    }

    /// <summary>
    /// The keyword a misspelt word was meant to be ("deplyo" → "deploy"), else the word itself (or its
    /// lexicon stem: "uploads" → "upload"). Only unknown all-letter words of five letters or more are
    /// corrected, one edit (two from eight letters), towards keywords with the same first letter.
    /// </summary>
    public static string Correct(string w)
    {
        if (Lexicon.Words.ContainsKey(w) || Lexicon.KnownWords.Contains(w)) return w;
        var stem = Stem(w);
        if (stem is not null) return stem;
        if (w.Length < 5 || !IsAsciiLetters(w)) return w;
        if (!Lexicon.CorrectionTargets.TryGetValue(w[0], out var candidates)) return w;
        var max = w.Length >= 8 ? 2 : 1;
        string? best = null;
        var bestDistance = max + 1;
        foreach (var c in candidates)
        {
            if (Math.Abs(c.Length - w.Length) > max) continue;
            var d = EditDistance.Bounded(w, c, max);
            // On a tie prefer the same length: a swapped pair ("stauts" → "status") is likelier than a dropped letter ("stats").
            if (d < bestDistance || d == bestDistance && best is not null && c.Length == w.Length && best.Length != w.Length) { best = c; bestDistance = d; }
        }
        return best ?? w;
    }

    /// <summary>The keyword a word is an inflection of ("pushed" → "push"), or null.</summary>
    public static string? Stem(string w)
    {
        if (w.Length < 4) return null;
        ReadOnlySpan<string> suffixes = ["s", "es", "ed", "d", "ing", "ly"];
        foreach (var suffix in suffixes)
        {
            if (!w.EndsWith(suffix, StringComparison.Ordinal)) continue;
            var s = w[..^suffix.Length];
            if (s.Length >= 3 && Lexicon.Words.ContainsKey(s)) return s;
        }
        return null;
    }

    private static bool IsAsciiLetters(string w)
    {
        foreach (var ch in w) if (!char.IsAsciiLetterLower(ch)) return false;
        return true;
    }

    /// <summary>Replaces entity-like spans by neutral placeholder words.</summary>
    private static string Mask(string text)
    {
        if (!MayHaveOpaqueSpan(text)) return text;
        var sb = new StringBuilder(text.Length + 16);
        var last = 0;
        foreach (Match m in EntityPatterns.Opaque().Matches(text))
        {
            if (m.Groups["ident"].Success && !EntityPatterns.IsNameLike(m.Value)) continue;
            var placeholder = m.Groups["uri"].Success || m.Groups["file"].Success ? " xfilex " : m.Groups["kv"].Success ? " xkvx " : " xnamex ";
            sb.Append(text, last, m.Index - last).Append(placeholder);
            last = m.Index + m.Length;
        }
        sb.Append(text, last, text.Length - last);
        return sb.ToString();
    }

    private static readonly HashSet<string> CommonWords = new(StringComparer.Ordinal)
    {
        "please", "can", "could", "would", "you", "want", "need", "like", "let", "lets", "let's", "go", "ahead", "right", "away", "asap", "quickly",
        "soon", "immediately", "now", "today", "tonight", "thanks", "okay", "sure", "yes", "yeah", "yep", "great", "cool", "just", "also", "still",
        "mind", "kindly", "straight", "finally", "actually", "really", "again", "new", "version", "everything", "done", "ready", "good", "looks",
        // Conversational words that say nothing about the request ("can someone remind me what we've got, I lost track").
        "remind", "someone", "somebody", "anyone", "anybody", "track", "lost", "got", "have", "we've", "i've", "you've", "quick", "wondering", "wonder",
        "possible", "maybe", "think", "know", "sure", "thing", "things", "stuff", "bit", "little", "far", "been", "getting", "currently", "anything",
        "something", "somewhere", "pretty", "sorry", "hmm", "uh", "um", "guess", "seems", "seem", "wanted", "needed", "trying", "able", "help", "which",
        "what", "where", "there", "should", "would", "could", "might", "much", "many", "more", "most", "less", "some", "any", "all", "every",
    };

    /// <summary>
    /// True when the text may hold a file name, path, URI, key=value or hyphenated name: a '.', '-', '/' or ':' joined
    /// to a following word character, or any '='. A sentence-ending "." or "Note:" alone costs no regex pass.
    /// </summary>
    private static bool MayHaveOpaqueSpan(string text)
    {
        for (var i = text.IndexOfAny(MaskTriggers); i >= 0; i = text.IndexOfAny(MaskTriggers, i + 1))
            if (text[i] == '=' || i + 1 < text.Length && (char.IsLetterOrDigit(text[i + 1]) || text[i + 1] is '/' or '_')) return true;
        return false;
    }

    private static readonly char[] MaskTriggers = ['.', '-', '=', '/', ':'];

    [GeneratedRegex(@"[\p{L}\p{N}_]+(?:['’-][\p{L}\p{N}_]+)*|[?,:;]")]
    private static partial Regex WordPattern();
}

/// <summary>
/// Pasted stack traces and error lines ("File "/app/train.py", line 42, in fit", "ValueError: could not convert ...") are
/// material, not words of the request: their "fit" or "train" must not read as a verb.
/// </summary>
internal static partial class LogLines
{
    /// <summary>Replaces log-like spans by the neutral word "xlogx".</summary>
    public static string Mask(string text) =>
        text.Contains("Error", StringComparison.Ordinal) || text.Contains("Exception", StringComparison.Ordinal) || text.Contains("File \"", StringComparison.Ordinal)
        || text.Contains("Traceback", StringComparison.Ordinal) ? Span().Replace(text, " xlogx ") : text;

    [GeneratedRegex(@"\bFile\s+""[^""]*"",\s+line\s+\d+(?:,\s+in\s+[\w<>.]+)?|\bTraceback\s+\(most\s+recent\s+call\s+last\):?|\b[A-Z]\w*(?:Error|Exception)\b(?::[^.!?\n]*)?|\bat\s+[\w.$]+\([\w.]*:\d+\)")]
    private static partial Regex Span();
}

/// <summary>Cleans raw chat text: typographic punctuation to ASCII, emoji and control characters out, spaces collapsed.</summary>
public static class ChatText
{
    /// <summary>
    /// Longest text routed as written. A longer message is a request wrapped around pasted material (a log, a table, a long
    /// story), so it is routed on its first <see cref="HeadLength"/> and last <see cref="TailLength"/> characters, as two
    /// sentences: routing then costs the same for 2,000 or 100,000 characters.
    /// </summary>
    public const int MaxLength = 640;

    /// <summary>Characters kept from the start of a message longer than <see cref="MaxLength"/>.</summary>
    public const int HeadLength = 320;

    /// <summary>Characters kept from the end of a message longer than <see cref="MaxLength"/>.</summary>
    public const int TailLength = 160;

    /// <summary>Returns the cleaned text (never null).</summary>
    public static string Clean(string? raw)
    {
        if (string.IsNullOrEmpty(raw)) return "";
        var source = raw.Length > MaxLength ? HeadAndTail(raw) : raw;
        var sb = new StringBuilder(source.Length);
        var lastSpace = true;
        for (var i = 0; i < source.Length; i++)
        {
            var ch = source[i];
            string? replacement = ch switch
            {
                '\u2018' or '\u2019' or '\u201B' or '\u00B4' => "'",
                // Slack/Teams code spans ("`income`", "`exports/2024/`") are formatting around a name; between letters a backtick is an apostrophe.
                '`' => i > 0 && i + 1 < source.Length && char.IsLetter(source[i - 1]) && char.IsLetter(source[i + 1]) ? "'" : "",
                '\u201C' or '\u201D' or '\u201E' => "\"",
                '\u2013' or '\u2014' or '\u2212' => "-",
                '\u2265' => " >= ",
                '\u2264' => " <= ",
                '\u2026' => "...",
                '\u00D7' => "x",
                '\u00B2' => "2",
                _ => null,
            };
            if (replacement is not null) { Append(sb, replacement, ref lastSpace); continue; }
            if (IsMarkup(source, i)) continue;
            var category = CharUnicodeInfo.GetUnicodeCategory(ch);
            var drop = char.IsWhiteSpace(ch) || category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
                or UnicodeCategory.PrivateUse or UnicodeCategory.OtherSymbol or UnicodeCategory.ModifierSymbol or UnicodeCategory.OtherNotAssigned
                or UnicodeCategory.EnclosingMark;
            if (drop)
            {
                // A line break ends a sentence: pasted lines of a log must not run into the request around them.
                if (ch == '\n' && sb.Length > 0 && !lastSpace && (char.IsLetterOrDigit(sb[^1]) || sb[^1] is ')' or '"')) sb.Append('.');
                if (!lastSpace) { sb.Append(' '); lastSpace = true; }
                continue;
            }
            sb.Append(ch);
            lastSpace = false;
        }
        var cleaned = sb.ToString().Trim();
        // Leading and trailing @mentions that a channel left in ("@swarm deploy ...", "hi @swarm").
        while (cleaned.StartsWith('@'))
        {
            var space = cleaned.IndexOf(' ');
            cleaned = space < 0 ? "" : cleaned[(space + 1)..].TrimStart();
        }
        while (cleaned.LastIndexOf(' ') is var last and >= 0 && cleaned.Length > last + 1 && cleaned[last + 1] == '@')
            cleaned = cleaned[..last].TrimEnd();
        return cleaned;
    }

    /// <summary>
    /// The start and the end of a long text, joined as two sentences; each is cut at a line break where one is near
    /// (a pasted line is kept whole or left out), else at a space.
    /// </summary>
    private static string HeadAndTail(string raw)
    {
        var headEnd = raw.LastIndexOf('\n', HeadLength);
        if (headEnd < HeadLength / 2) headEnd = raw.LastIndexOf(' ', HeadLength);
        if (headEnd < HeadLength / 2) headEnd = HeadLength;
        var tailStart = raw.IndexOf('\n', raw.Length - TailLength);
        if (tailStart < 0 || tailStart > raw.Length - TailLength / 2) tailStart = raw.IndexOf(' ', raw.Length - TailLength);
        if (tailStart < 0 || tailStart > raw.Length - TailLength / 2) tailStart = raw.Length - TailLength;
        return string.Concat(raw.AsSpan(0, headEnd).TrimEnd(), ". ", raw.AsSpan(tailStart).TrimStart());
    }

    /// <summary>
    /// Slack/Teams emphasis around words ("*deploy*", "_prod_", "~old~") is formatting, not text; "is_fraud" and "3 * 4" keep theirs.
    /// </summary>
    private static bool IsMarkup(string s, int i)
    {
        var ch = s[i];
        if (ch is not ('*' or '_' or '~')) return false;
        var before = i > 0 && char.IsLetterOrDigit(s[i - 1]);
        var after = i + 1 < s.Length && char.IsLetterOrDigit(s[i + 1]);
        if (ch == '_')
        {
            // Only a pair wrapping a word ("_prod_"): a prefix written "sales_" keeps its underscore.
            if (before == after) return false;
            var start = i;
            while (start > 0 && !char.IsWhiteSpace(s[start - 1])) start--;
            var end = i;
            while (end + 1 < s.Length && !char.IsWhiteSpace(s[end + 1])) end++;
            var token = s.AsSpan(start, end - start + 1).Trim(".,!?;:()'\"`");
            return token.Length > 2 && token[0] == '_' && token[^1] == '_';
        }
        return before || after || i + 1 < s.Length && s[i + 1] == ch || i > 0 && s[i - 1] == ch;
    }

    private static void Append(StringBuilder sb, string s, ref bool lastSpace)
    {
        foreach (var c in s)
        {
            if (c == ' ') { if (!lastSpace) sb.Append(' '); lastSpace = true; }
            else { sb.Append(c); lastSpace = false; }
        }
    }
}
