using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SwarmAgentBot.Agents.Supervisor.Routing;

/// <summary>
/// Numbers written in words ("ninety", "twenty-five", "one hundred and fifty", "third") turned into digits,
/// so every extractor only has to read digits.
/// </summary>
public static partial class NumberWords
{
    private static readonly Dictionary<string, int> Units = new(StringComparer.OrdinalIgnoreCase)
    {
        ["zero"] = 0, ["one"] = 1, ["two"] = 2, ["three"] = 3, ["four"] = 4, ["five"] = 5, ["six"] = 6, ["seven"] = 7, ["eight"] = 8,
        ["nine"] = 9, ["ten"] = 10, ["eleven"] = 11, ["twelve"] = 12, ["thirteen"] = 13, ["fourteen"] = 14, ["fifteen"] = 15,
        ["sixteen"] = 16, ["seventeen"] = 17, ["eighteen"] = 18, ["nineteen"] = 19, ["dozen"] = 12,
    };

    private static readonly Dictionary<string, int> Tens = new(StringComparer.OrdinalIgnoreCase)
    {
        ["twenty"] = 20, ["thirty"] = 30, ["forty"] = 40, ["fifty"] = 50, ["sixty"] = 60, ["seventy"] = 70, ["eighty"] = 80, ["ninety"] = 90,
    };

    private static readonly Dictionary<string, int> Ordinals = new(StringComparer.OrdinalIgnoreCase)
    {
        ["first"] = 1, ["second"] = 2, ["third"] = 3, ["fourth"] = 4, ["fifth"] = 5, ["sixth"] = 6, ["seventh"] = 7, ["eighth"] = 8,
        ["ninth"] = 9, ["tenth"] = 10, ["eleventh"] = 11, ["twelfth"] = 12,
    };

    /// <summary>
    /// Replaces number words by digits. A lone "one" is kept as a word unless a unit or an id keyword
    /// is next to it ("one hour", "version one"), because "that one" is a pronoun, not a number.
    /// Ordinals become "3rd" only before "version"/"run" ("third version" → "3rd version").
    /// </summary>
    public static string ToDigits(string text)
    {
        if (!MayContainNumberWord(text)) return text;
        return NumberPhrase().Replace(text, m =>
        {
            var words = m.Value.Split([' ', '-'], StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 1 && words[0].Equals("one", StringComparison.OrdinalIgnoreCase) && !OneIsNumber(text, m))
                return m.Value;
            if (words.Length == 1 && Ordinals.TryGetValue(words[0], out var ord))
                return OrdinalBeforeId().IsMatch(text.AsSpan(m.Index + m.Length)) ? ord.ToString(CultureInfo.InvariantCulture) + "th" : m.Value;
            return TryParse(words, out var value) ? value.ToString(CultureInfo.InvariantCulture) : m.Value;
        });
    }

    /// <summary>Parses a sequence of number words ("twenty", "five") into a value.</summary>
    public static bool TryParse(IReadOnlyList<string> words, out long value)
    {
        value = 0;
        long current = 0;
        var any = false;
        foreach (var raw in words)
        {
            var w = raw.ToLowerInvariant();
            if (w == "and") continue;
            if (Units.TryGetValue(w, out var u)) { current += u; any = true; }
            else if (Tens.TryGetValue(w, out var t)) { current += t; any = true; }
            else if (w == "hundred") { current = (current == 0 ? 1 : current) * 100; any = true; }
            else if (w == "thousand") { value += (current == 0 ? 1 : current) * 1000; current = 0; any = true; }
            else if (Ordinals.TryGetValue(w, out var o)) { current += o; any = true; }
            else return false;
        }
        value += current;
        return any;
    }

    private static bool OneIsNumber(string text, Match m)
    {
        var after = text.AsSpan(m.Index + m.Length);
        var before = text.AsSpan(Math.Max(0, m.Index - 24), Math.Min(m.Index, 24));
        return UnitAfter().IsMatch(after) || IdBefore().IsMatch(before);
    }

    private static bool MayContainNumberWord(string text)
    {
        // Cheap pre-check so the common message with no number words costs no regex pass.
        var lower = text.AsSpan();
        foreach (var probe in Probes)
            if (lower.Contains(probe, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    private static readonly string[] Probes =
        ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "twenty", "thirty", "forty",
         "fifty", "hundred", "thousand", "dozen", "first", "second", "third", "fifth", "eighth", "twelfth", "thirteen", "fifteen"];

    [GeneratedRegex(@"\b(?:(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|dozen)(?:(?:(?<=hundred|thousand)\s+and\s+|[\s-]+)(?=(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand)\b))?)+\b|\b(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth)\b", RegexOptions.IgnoreCase)]
    private static partial Regex NumberPhrase();

    [GeneratedRegex(@"^\s*(?:hours?|hrs?|minutes?|mins?|seconds?|secs?|days?|weeks?|months?|rows?|lines?|records?|predictions?)\b", RegexOptions.IgnoreCase)]
    private static partial Regex UnitAfter();

    [GeneratedRegex(@"\b(?:version|v|run|runs|job|approval|request|number|no\.?|#|top|first|last)\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex IdBefore();

    [GeneratedRegex(@"^\s*(?:version|release|run|iteration)\b", RegexOptions.IgnoreCase)]
    private static partial Regex OrdinalBeforeId();
}
