using System.Text;
using System.Text.Json.Nodes;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Host.Channels.Slack;

namespace SwarmAgentBot.Host.Channels.Cards;

/// <summary>
/// Renders replies and channel-neutral cards as Slack Block Kit: a header per card, mrkdwn sections,
/// facts as section fields, tables as a code-formatted section, images as image blocks and buttons
/// in an actions block (action_id = the verb, value = the action data as JSON). Slack's size limits
/// are respected by splitting or truncating, never by failing the post.
/// </summary>
public static class BlockKitRenderer
{
    /// <summary>Most blocks Slack accepts in one message.</summary>
    public const int MaxBlocks = 50;

    /// <summary>Longest text of a section block.</summary>
    public const int SectionLimit = 3000;

    private const int HeaderLimit = 150;
    private const int FieldLimit = 2000;
    private const int FieldsPerSection = 10;
    private const int ButtonTextLimit = 75;
    private const int ButtonsPerBlock = 25;
    private const int ValueLimit = 2000;
    private const int TableColumnWidth = 24;

    /// <summary>Blocks for a whole reply: its text, then each card.</summary>
    public static JsonArray Render(BotReply reply, string publicBaseUrl)
    {
        var blocks = new List<JsonObject>();
        if (!string.IsNullOrWhiteSpace(reply.Text)) blocks.AddRange(Sections(SlackMarkdown.ToMrkdwn(reply.Text)));
        foreach (var card in reply.AllCards)
        {
            if (blocks.Count > 0) blocks.Add(new JsonObject { ["type"] = "divider" });
            blocks.AddRange(RenderCard(card, publicBaseUrl));
        }
        if (blocks.Count > MaxBlocks)
        {
            var omitted = blocks.Count - (MaxBlocks - 1);
            blocks = blocks.Take(MaxBlocks - 1).ToList();
            blocks.Add(Context($"… {omitted} more block(s) did not fit in one Slack message."));
        }
        return new JsonArray(blocks.Select(b => (JsonNode)b).ToArray());
    }

    /// <summary>The blocks of one card.</summary>
    public static IReadOnlyList<JsonObject> RenderCard(Card card, string publicBaseUrl)
    {
        var blocks = new List<JsonObject>();
        if (!string.IsNullOrWhiteSpace(card.Title))
            blocks.Add(new JsonObject { ["type"] = "header", ["text"] = PlainText(Truncate(card.Title, HeaderLimit)) });
        foreach (var element in card.Elements)
        {
            switch (element)
            {
                case CardText { Subtle: true } t: blocks.Add(Context(Truncate(SlackMarkdown.ToMrkdwn(t.Text), SectionLimit))); break;
                case CardText t: blocks.AddRange(Sections(SlackMarkdown.ToMrkdwn(t.Text))); break;
                case CardFacts f: blocks.AddRange(FactSections(f)); break;
                case CardTable table: blocks.Add(Section(TableText(table))); break;
                case CardImage i:
                    blocks.Add(new JsonObject
                    {
                        ["type"] = "image",
                        ["image_url"] = CardLinks.Absolute(i.Url, publicBaseUrl),
                        ["alt_text"] = string.IsNullOrWhiteSpace(i.AltText) ? "chart" : Truncate(i.AltText, 2000),
                    });
                    break;
            }
        }
        var actions = card.AllActions;
        for (var start = 0; start < actions.Count; start += ButtonsPerBlock)
        {
            var buttons = actions.Skip(start).Take(ButtonsPerBlock).Select((a, i) => (JsonNode)Button(a, start + i, actions)).ToArray();
            blocks.Add(new JsonObject { ["type"] = "actions", ["elements"] = new JsonArray(buttons) });
        }
        return blocks;
    }

    /// <summary>The notification/fallback text of a message (Slack shows it where blocks cannot be shown).</summary>
    public static string FallbackText(BotReply reply)
    {
        var text = !string.IsNullOrWhiteSpace(reply.Text) ? reply.Text : string.Join(" · ", reply.AllCards.Select(c => c.Title));
        return Truncate(SlackMarkdown.ToMrkdwn(text), SectionLimit);
    }

    /// <summary>The verb a button's action_id stands for ("choose:2" → "choose").</summary>
    public static string VerbOf(string actionId)
    {
        var colon = actionId.IndexOf(':');
        return colon < 0 ? actionId : actionId[..colon];
    }

    private static JsonObject Button(CardAction action, int index, IReadOnlyList<CardAction> all)
    {
        var value = new JsonObject { ["verb"] = action.Verb };
        foreach (var (k, v) in action.Data) value[k] = v;
        var json = value.ToJsonString();
        // action_id must be unique within the message: several "choose" buttons get an index.
        var unique = all.Count(a => a.Verb == action.Verb) == 1;
        var button = new JsonObject
        {
            ["type"] = "button",
            ["text"] = PlainText(Truncate(action.Title, ButtonTextLimit)),
            ["action_id"] = unique ? action.Verb : $"{action.Verb}:{index}",
            ["value"] = json.Length <= ValueLimit ? json : new JsonObject { ["verb"] = action.Verb }.ToJsonString(),
        };
        var style = action.Style?.ToLowerInvariant() switch
        {
            "positive" or "primary" => "primary",
            "destructive" or "danger" => "danger",
            _ => null,
        };
        if (style is not null) button["style"] = style;
        return button;
    }

    private static IEnumerable<JsonObject> FactSections(CardFacts facts)
    {
        var fields = facts.Facts.Select(kv => (JsonNode)new JsonObject
        {
            ["type"] = "mrkdwn",
            ["text"] = Truncate($"*{SlackMarkdown.Escape(kv.Key)}*\n{SlackMarkdown.ToMrkdwn(kv.Value)}", FieldLimit),
        }).ToList();
        for (var i = 0; i < fields.Count; i += FieldsPerSection)
            yield return new JsonObject { ["type"] = "section", ["fields"] = new JsonArray(fields.Skip(i).Take(FieldsPerSection).ToArray()) };
    }

    private static string TableText(CardTable table)
    {
        var count = table.Columns.Count;
        var widths = Enumerable.Range(0, count)
            .Select(i => Math.Min(TableColumnWidth, table.Rows.Select(r => i < r.Count ? r[i].Length : 0).Prepend(table.Columns[i].Length).Max()))
            .ToArray();
        string Line(IReadOnlyList<string> cells) =>
            string.Join("  ", widths.Select((w, i) => Cell(i < cells.Count ? cells[i] : "", w))).TrimEnd();
        var sb = new StringBuilder("```\n");
        sb.Append(Line(table.Columns)).Append('\n');
        sb.Append(string.Join("  ", widths.Select(w => new string('-', w)))).Append('\n');
        var shown = 0;
        foreach (var row in table.Rows)
        {
            var line = Line(row) + "\n";
            // Leave room for the closing fence and a note about rows that did not fit.
            if (SlackMarkdown.Escape(sb.ToString() + line).Length > SectionLimit - 60) break;
            sb.Append(line);
            shown++;
        }
        if (shown < table.Rows.Count) sb.Append($"… {table.Rows.Count - shown} more row(s)\n");
        sb.Append("```");
        return SlackMarkdown.Escape(sb.ToString());
    }

    private static string Cell(string text, int width) => text.Length > width ? text[..(width - 1)] + "…" : text.PadRight(width);

    private static IEnumerable<JsonObject> Sections(string mrkdwn)
    {
        // Split at line breaks so a long reply becomes several sections rather than a rejected post.
        var rest = mrkdwn.Trim();
        while (rest.Length > SectionLimit)
        {
            var cut = rest.LastIndexOf('\n', SectionLimit - 1);
            if (cut < SectionLimit / 2) cut = SectionLimit;
            yield return Section(rest[..cut]);
            rest = rest[cut..].TrimStart('\n');
        }
        if (rest.Length > 0) yield return Section(rest);
    }

    private static JsonObject Section(string mrkdwn) =>
        new() { ["type"] = "section", ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = mrkdwn } };

    private static JsonObject Context(string mrkdwn) =>
        new() { ["type"] = "context", ["elements"] = new JsonArray(new JsonObject { ["type"] = "mrkdwn", ["text"] = mrkdwn }) };

    private static JsonObject PlainText(string text) => new() { ["type"] = "plain_text", ["text"] = text, ["emoji"] = true };

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
