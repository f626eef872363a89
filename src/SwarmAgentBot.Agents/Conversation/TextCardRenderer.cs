using System.Text;

namespace SwarmAgentBot.Agents.Conversation;

/// <summary>Renders a reply with its cards as plain text (CLI, logs, channels without cards).</summary>
public static class TextCardRenderer
{
    /// <summary>Text of the reply followed by each card as text.</summary>
    public static string Render(BotReply reply)
    {
        var sb = new StringBuilder(reply.Text);
        foreach (var card in reply.AllCards)
        {
            if (sb.Length > 0) sb.AppendLine();
            sb.AppendLine($"[{card.Title}]");
            foreach (var element in card.Elements)
            {
                switch (element)
                {
                    case CardText t: sb.AppendLine(t.Text); break;
                    case CardFacts f: foreach (var (k, v) in f.Facts) sb.AppendLine($"  {k}: {v}"); break;
                    case CardTable table: AppendTable(sb, table); break;
                    case CardImage i: sb.AppendLine($"  (chart: {i.AltText} — {i.Url})"); break;
                }
            }
            foreach (var a in card.AllActions)
                sb.AppendLine($"  [{a.Title}]{(a.Data.TryGetValue("approval_id", out var id) ? $" — say \"{a.Verb} {id}\"" : a.Data.TryGetValue("text", out var text) ? $" — say \"{text}\"" : "")}");
        }
        return sb.ToString().TrimEnd();
    }

    private static void AppendTable(StringBuilder sb, CardTable table)
    {
        var widths = table.Columns.Select((c, i) => Math.Min(30, Math.Max(c.Length, table.Rows.Select(r => i < r.Count ? r[i].Length : 0).DefaultIfEmpty(0).Max()))).ToArray();
        string Line(IReadOnlyList<string> cells) => "  " + string.Join(" | ", widths.Select((w, i) => Fit(i < cells.Count ? cells[i] : "", w)));
        sb.AppendLine(Line(table.Columns));
        sb.AppendLine("  " + string.Join("-+-", widths.Select(w => new string('-', w))));
        foreach (var row in table.Rows) sb.AppendLine(Line(row));
    }

    private static string Fit(string s, int width) => s.Length > width ? s[..(width - 1)] + "…" : s.PadRight(width);
}
