using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SwarmAgentBot.Tests.Shared;

/// <summary>
/// A small Kestrel app on 127.0.0.1 with a random port, standing in for a cloud service in tests
/// (Kubernetes, Kubeflow, an OpenAI-compatible API, Bot Connector, Slack, a faulty S3 proxy).
/// Linked into every test project that needs one, so each fixture only maps its API's routes.
/// </summary>
internal sealed class LoopbackServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackServer(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    /// <summary>http(s)://127.0.0.1:PORT (no trailing slash).</summary>
    public string BaseUrl { get; }

    /// <summary>Starts a server with the endpoints and middleware <paramref name="map"/> adds.</summary>
    /// <param name="map">Adds the routes (and any middleware) of the service the server stands in for.</param>
    /// <param name="tls">A server certificate (with key) to serve HTTPS with; null: plain HTTP.</param>
    public static async Task<LoopbackServer> StartAsync(Action<WebApplication> map, X509Certificate2? tls = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            if (tls is null) kestrel.Listen(IPAddress.Loopback, 0);
            else kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(tls));
        });
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        // Tests must never open a port beyond this machine.
        if (!address.Contains("://127.0.0.1:", StringComparison.Ordinal))
            throw new InvalidOperationException($"A loopback server must listen on 127.0.0.1 only, but listens on {address}.");
        return new LoopbackServer(app, address.TrimEnd('/'));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
