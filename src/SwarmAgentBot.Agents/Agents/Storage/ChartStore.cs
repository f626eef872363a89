using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Ml.Charts;

namespace SwarmAgentBot.Agents.Agents.Storage;

/// <summary>A stored chart: its id and the URL the host serves it at.</summary>
/// <param name="Id">32 hex characters.</param>
/// <param name="Url">{PublicBaseUrl}/charts/{id}.png.</param>
/// <param name="Key">Object key of the PNG.</param>
public sealed record StoredChart(string Id, string Url, string Key)
{
    /// <summary>A card image showing the chart.</summary>
    public CardImage ToImage(string altText) => new(Url, altText);
}

/// <summary>
/// Keeps chart PNGs as artifacts in the object store (<c>charts/{id}.png</c>) so cards can show
/// them by URL (GET /charts/{id}.png on the host). Any agent may save charts here.
/// </summary>
public sealed partial class ChartStore(IObjectStore store, IOptions<SwarmOptions> swarm)
{
    /// <summary>Stores a rendered chart.</summary>
    public Task<StoredChart> SaveAsync(Canvas chart, CancellationToken cancellationToken = default) => SaveAsync(chart.ToPng(), cancellationToken);

    /// <summary>Stores PNG bytes.</summary>
    public async Task<StoredChart> SaveAsync(byte[] png, CancellationToken cancellationToken = default)
    {
        var id = Guid.NewGuid().ToString("N");
        var key = KeyOf(id);
        await store.PutAsync(key, new MemoryStream(png, writable: false), "image/png", cancellationToken);
        return new StoredChart(id, $"{swarm.Value.PublicBaseUrl.TrimEnd('/')}/charts/{id}.png", key);
    }

    /// <summary>Opens a chart's PNG, or null when the id is malformed or unknown.</summary>
    public async Task<Stream?> OpenAsync(string id, CancellationToken cancellationToken = default)
    {
        if (!IdPattern().IsMatch(id)) return null;
        try
        {
            return await store.OpenReadAsync(KeyOf(id), cancellationToken);
        }
        catch (ObjectNotFoundException)
        {
            return null;
        }
    }

    private static string KeyOf(string id) => $"charts/{id}.png";

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex IdPattern();
}
