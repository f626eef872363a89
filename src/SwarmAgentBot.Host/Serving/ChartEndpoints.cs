using SwarmAgentBot.Agents.Agents.Storage;

namespace SwarmAgentBot.Host.Serving;

/// <summary>Serves the chart PNGs agents store, so cards can show them by URL.</summary>
public static class ChartEndpoints
{
    /// <summary>Maps GET /charts/{id}.png (404 for unknown or malformed ids).</summary>
    public static WebApplication MapCharts(this WebApplication app)
    {
        app.MapGet("/charts/{id}.png", async (string id, ChartStore charts, HttpContext http, CancellationToken cancellationToken) =>
        {
            var png = await charts.OpenAsync(id, cancellationToken);
            if (png is null) return Results.NotFound();
            // A chart id is never reused for other content, so clients may keep it.
            http.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
            return Results.Stream(png, "image/png");
        });
        return app;
    }
}
