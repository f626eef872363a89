using System.Text;
using System.Text.RegularExpressions;

namespace SwarmAgentBot.Host.Channels.Slack;

/// <summary>
/// Converts the Markdown the agents write into Slack's mrkdwn: **bold** → *bold*, *italic* → _italic_,
/// [text](url) → &lt;url|text&gt;, headings → bold lines, list dashes → bullets, ~~strike~~ → ~strike~.
/// &amp;, &lt; and &gt; are escaped everywhere (Slack reads them as control characters); code is left as code.
/// </summary>
public static partial class SlackMarkdown
{
    // Stands in for a bold asterisk while single-asterisk italics are converted.
    private const char BoldMark = '\u0001';

    /// <summary>The mrkdwn form of <paramref name="markdown"/>.</summary>
    public static string ToMrkdwn(string markdown)
    {
        if (string.IsNullOrEmpty(markdown)) return "";
        var sb = new StringBuilder(markdown.Length + 16);
        var position = 0;
        foreach (Match code in CodePattern().Matches(markdown))
        {
            sb.Append(ConvertProse(markdown[position..code.Index]));
            // Slack has no language tags on fences: drop "```csharp" down to "```".
            sb.Append(Escape(FenceLanguage().Replace(code.Value, "```\n")));
            position = code.Index + code.Length;
        }
        sb.Append(ConvertProse(markdown[position..]));
        return sb.ToString();
    }

    /// <summary>Escapes the three characters Slack treats as markup.</summary>
    public static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    private static string ConvertProse(string text)
    {
        if (text.Length == 0) return text;
        text = Escape(text);
        text = Link().Replace(text, m => $"<{m.Groups["url"].Value}|{m.Groups["text"].Value.Replace("|", "¦")}>");
        text = Heading().Replace(text, m => $"{BoldMark}{m.Groups[1].Value.Trim()}{BoldMark}");
        text = Bullet().Replace(text, "$1• ");
        text = BoldItalic().Replace(text, m => $"{BoldMark}_{m.Groups[1].Value}_{BoldMark}");
        text = Bold().Replace(text, m => $"{BoldMark}{m.Groups["b"].Value}{BoldMark}");
        text = Italic().Replace(text, "_$1_");
        text = Strike().Replace(text, "~$1~");
        return text.Replace(BoldMark, '*');
    }

    [GeneratedRegex(@"```[\s\S]*?```|`[^`\n]+`")]
    private static partial Regex CodePattern();

    [GeneratedRegex(@"^```[A-Za-z0-9_+#.-]+\n")]
    private static partial Regex FenceLanguage();

    [GeneratedRegex(@"!?\[(?<text>[^\]\n]+)\]\((?<url>[^)\s]+)\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"(?m)^#{1,6}[ \t]+(.+?)[ \t#]*$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"(?m)^([ \t]*)[-*+][ \t]+")]
    private static partial Regex Bullet();

    [GeneratedRegex(@"\*\*\*(?=\S)(.+?)(?<=\S)\*\*\*")]
    private static partial Regex BoldItalic();

    [GeneratedRegex(@"\*\*(?=\S)(?<b>.+?)(?<=\S)\*\*|__(?=\S)(?<b>.+?)(?<=\S)__")]
    private static partial Regex Bold();

    [GeneratedRegex(@"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])")]
    private static partial Regex Italic();

    [GeneratedRegex(@"~~(?=\S)(.+?)(?<=\S)~~")]
    private static partial Regex Strike();
}
