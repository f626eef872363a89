using SwarmAgentBot.Agents.Conversation;

namespace SwarmAgentBot.Host.Channels.Cards;

/// <summary>
/// Makes card image links absolute. Agents link charts as host paths ("/charts/x.png"); Teams and
/// Slack fetch images from their own servers, so they need Swarm:PublicBaseUrl in front.
/// </summary>
public static class CardLinks
{
    /// <summary>An absolute URL for <paramref name="url"/> relative to <paramref name="publicBaseUrl"/> (absolute URLs are kept).</summary>
    public static string Absolute(string url, string publicBaseUrl)
    {
        if (Uri.TryCreate(url, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https") return url;
        var root = new Uri(publicBaseUrl.EndsWith('/') ? publicBaseUrl : publicBaseUrl + "/");
        return new Uri(root, url.TrimStart('/')).ToString();
    }

    /// <summary>The card with every <see cref="CardImage"/> URL made absolute.</summary>
    public static Card WithAbsoluteImages(Card card, string publicBaseUrl) =>
        card.Elements.Any(e => e is CardImage)
            ? card with { Elements = card.Elements.Select(e => e is CardImage i ? i with { Url = Absolute(i.Url, publicBaseUrl) } : e).ToList() }
            : card;
}
