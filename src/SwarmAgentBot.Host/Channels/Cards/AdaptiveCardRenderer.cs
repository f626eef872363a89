using System.Text.Json.Nodes;
using SwarmAgentBot.Agents.Conversation;

namespace SwarmAgentBot.Host.Channels.Cards;

/// <summary>How card buttons are sent back.</summary>
public enum AdaptiveActionStyle
{
    /// <summary>Action.Execute (Universal Actions): Teams sends an invoke "adaptiveCard/action".</summary>
    Execute,

    /// <summary>
    /// Action.Submit: botframework-webchat 4.18 turns it into a message activity carrying the data as
    /// value; it does not handle Action.Execute (it logs "unknown action"), so web chat gets Submit.
    /// </summary>
    Submit,
}

/// <summary>Renders channel-neutral cards as Adaptive Cards 1.5.</summary>
public static class AdaptiveCardRenderer
{
    /// <summary>The attachment content type of an Adaptive Card.</summary>
    public const string ContentType = "application/vnd.microsoft.card.adaptive";

    /// <summary>One card as an Adaptive Card JSON object.</summary>
    public static JsonObject Render(Card card, AdaptiveActionStyle style)
    {
        var body = new JsonArray { new JsonObject { ["type"] = "TextBlock", ["text"] = card.Title, ["weight"] = "Bolder", ["size"] = "Medium", ["wrap"] = true } };
        foreach (var element in card.Elements) body.Add(RenderElement(element));
        var result = new JsonObject
        {
            ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
            ["type"] = "AdaptiveCard",
            ["version"] = "1.5",
            ["body"] = body,
        };
        if (card.AllActions.Count > 0)
        {
            var actions = new JsonArray();
            foreach (var a in card.AllActions)
            {
                var data = new JsonObject { ["verb"] = a.Verb };
                foreach (var (k, v) in a.Data) data[k] = v;
                var action = new JsonObject { ["title"] = a.Title, ["data"] = data };
                if (style == AdaptiveActionStyle.Execute) { action["type"] = "Action.Execute"; action["verb"] = a.Verb; }
                else action["type"] = "Action.Submit";
                if (a.Style is { } s) action["style"] = s;
                actions.Add(action);
            }
            result["actions"] = actions;
        }
        return result;
    }

    /// <summary>A Bot Framework attachment wrapping the card.</summary>
    public static JsonObject Attachment(Card card, AdaptiveActionStyle style) =>
        new() { ["contentType"] = ContentType, ["content"] = Render(card, style) };

    private static JsonObject RenderElement(CardElement element) => element switch
    {
        CardText t => new JsonObject { ["type"] = "TextBlock", ["text"] = t.Text, ["wrap"] = true, ["isSubtle"] = t.Subtle },
        CardFacts f => new JsonObject
        {
            ["type"] = "FactSet",
            ["facts"] = new JsonArray(f.Facts.Select(kv => (JsonNode)new JsonObject { ["title"] = kv.Key, ["value"] = kv.Value }).ToArray()),
        },
        CardTable t => RenderTable(t),
        CardImage i => new JsonObject { ["type"] = "Image", ["url"] = i.Url, ["altText"] = i.AltText, ["size"] = "Stretch" },
        _ => new JsonObject { ["type"] = "TextBlock", ["text"] = element.ToString() },
    };

    private static JsonObject RenderTable(CardTable table)
    {
        // Table is an Adaptive Cards 1.5 element; first row is the header.
        var columns = new JsonArray(table.Columns.Select(_ => (JsonNode)new JsonObject { ["width"] = 1 }).ToArray());
        JsonObject Row(IEnumerable<string> cells, bool header) => new()
        {
            ["type"] = "TableRow",
            ["cells"] = new JsonArray(cells.Select(c => (JsonNode)new JsonObject
            {
                ["type"] = "TableCell",
                ["items"] = new JsonArray(new JsonObject { ["type"] = "TextBlock", ["text"] = c, ["wrap"] = true, ["weight"] = header ? "Bolder" : "Default" }),
            }).ToArray()),
        };
        var rows = new JsonArray { Row(table.Columns, true) };
        foreach (var r in table.Rows) rows.Add(Row(r, false));
        return new JsonObject { ["type"] = "Table", ["columns"] = columns, ["rows"] = rows, ["firstRowAsHeader"] = true };
    }
}
