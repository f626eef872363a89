using System.Text.Json.Serialization;

namespace SwarmAgentBot.Agents.Conversation;

/// <summary>
/// A channel-neutral card: rendered as an Adaptive Card 1.5 (Teams, web chat),
/// Block Kit (Slack) or plain text (CLI). Keep it to what every channel can show.
/// </summary>
/// <param name="Title">Bold heading.</param>
/// <param name="Elements">Body, top to bottom.</param>
/// <param name="Actions">Buttons; a click comes back as <see cref="IncomingMessage.Value"/>.</param>
public sealed record Card(string Title, IReadOnlyList<CardElement> Elements, IReadOnlyList<CardAction>? Actions = null)
{
    /// <summary>Actions, never null.</summary>
    public IReadOnlyList<CardAction> AllActions => Actions ?? [];
}

/// <summary>One block of a card body.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(CardText), "text")]
[JsonDerivedType(typeof(CardFacts), "facts")]
[JsonDerivedType(typeof(CardTable), "table")]
[JsonDerivedType(typeof(CardImage), "image")]
public abstract record CardElement;

/// <summary>A paragraph of Markdown text.</summary>
public sealed record CardText(string Text, bool Subtle = false) : CardElement;

/// <summary>Name/value pairs (a fact set).</summary>
public sealed record CardFacts(IReadOnlyList<KeyValuePair<string, string>> Facts) : CardElement;

/// <summary>A small table: header row plus rows of cells.</summary>
public sealed record CardTable(IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<string>> Rows) : CardElement;

/// <summary>An image by URL (charts are served by the host under /charts/).</summary>
public sealed record CardImage(string Url, string AltText) : CardElement;

/// <summary>
/// A button. <paramref name="Verb"/> names what it does ("approve", "reject", "choose");
/// <paramref name="Data"/> travels back with the click.
/// </summary>
public sealed record CardAction(string Title, string Verb, IReadOnlyDictionary<string, string> Data, string? Style = null)
{
    /// <summary>A clarifying choice: clicking it runs <paramref name="text"/> as if the user had typed it.</summary>
    public static CardAction Choose(string title, string text) => new(title, "choose", new Dictionary<string, string> { ["text"] = text });
}
