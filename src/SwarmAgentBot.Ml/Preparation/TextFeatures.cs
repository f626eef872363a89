using SwarmAgentBot.Ml.Tabular;

namespace SwarmAgentBot.Ml.Preparation;

/// <summary>
/// Features from a free-text column: its length in characters, its word count, and one 0/1 feature per frequent word.
/// Words are lower-case runs of letters (two or more), so titles and keywords ("Mr.", "Mrs", "refund") become flags
/// while numbers and one-off names do not. The words are chosen on the training rows by how many rows contain them
/// (no target involved, so there is nothing to leak), and saved with the preparation so serving repeats the transform.
/// </summary>
internal static class TextFeatures
{
    /// <summary>Length and word count come before the word flags.</summary>
    public const int CountFeatures = 2;

    /// <summary>At most this many word flags per column.</summary>
    private const int MaxWords = 20;

    /// <summary>A word must occur in at least this many rows (and 1% of them) to carry a usable signal.</summary>
    private const int MinRows = 5;

    /// <summary>A word in nearly every row ("the", a fixed prefix) says nothing.</summary>
    private const double MaxShare = 0.95;

    public static int Width(string[] words) => CountFeatures + words.Length;

    /// <summary>
    /// The most widespread words of a column (by rows containing them, then alphabetically), at most <see cref="MaxWords"/>;
    /// empty when no word is frequent enough.
    /// </summary>
    public static string[] FrequentWords(IReadOnlyList<string?> cells)
    {
        var rowsWith = new Dictionary<string, int>(StringComparer.Ordinal);
        var present = 0;
        foreach (var cell in cells)
        {
            if (MissingValues.IsMissing(cell)) continue;
            present++;
            foreach (var word in Words(cell!).Distinct(StringComparer.Ordinal))
                rowsWith[word] = rowsWith.GetValueOrDefault(word) + 1;
        }
        var minimum = Math.Max(MinRows, (int)Math.Ceiling(0.01 * present));
        return rowsWith
            .Where(kv => kv.Value >= minimum && kv.Value <= MaxShare * present)
            .OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Take(MaxWords)
            .Select(kv => kv.Key)
            .ToArray();
    }

    /// <summary>Writes length, word count and the word flags of one cell (null = missing: unknown counts, no words).</summary>
    public static void Encode(string? text, string[] words, Span<float> slot)
    {
        slot.Clear();
        if (text is null)
        {
            slot[0] = float.NaN;
            slot[1] = float.NaN;
            return;
        }
        slot[0] = text.Length;
        slot[1] = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
        foreach (var word in Words(text))
        {
            var at = Array.IndexOf(words, word);
            if (at >= 0) slot[CountFeatures + at] = 1;
        }
    }

    /// <summary>Lower-case runs of two or more letters.</summary>
    public static IEnumerable<string> Words(string text)
    {
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var letter = i < text.Length && char.IsLetter(text[i]);
            if (letter && start < 0) start = i;
            else if (!letter && start >= 0)
            {
                if (i - start >= 2) yield return text[start..i].ToLowerInvariant();
                start = -1;
            }
        }
    }
}
