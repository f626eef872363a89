using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using SwarmAgentBot.Tests.Shared;

namespace SwarmAgentBot.Integrations.Tests.Pipelines;

/// <summary>
/// A Kestrel server on 127.0.0.1 (random port) that records requests, demands a bearer token and can
/// answer chosen requests with an error status (and Retry-After) before the real routes see them.
/// Subclasses map the routes and write errors in their API's own format.
/// </summary>
public abstract class LoopbackApi : IAsyncDisposable
{
    private readonly LoopbackServer _server;
    private readonly ConcurrentQueue<(string Method, string PathPart, int Status, string? RetryAfter)> _injected = new();

    /// <param name="token">The bearer token requests must carry.</param>
    /// <param name="tls">A server certificate (with key) to serve HTTPS with; null: plain HTTP.</param>
    protected LoopbackApi(string token, X509Certificate2? tls = null)
    {
        // Subclass fixtures are built synchronously (in field initialisers and test constructors).
        _server = LoopbackServer.StartAsync(app =>
        {
            app.Use(async (context, next) =>
            {
                Requests.Enqueue($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}");
                if (context.Request.Headers.Authorization.ToString() != "Bearer " + token)
                {
                    await WriteErrorAsync(context, 401);
                    return;
                }
                if (_injected.TryPeek(out var injection) && injection.Method == context.Request.Method
                    && context.Request.Path.Value!.Contains(injection.PathPart, StringComparison.Ordinal) && _injected.TryDequeue(out _))
                {
                    if (injection.RetryAfter is not null) context.Response.Headers.RetryAfter = injection.RetryAfter;
                    await WriteErrorAsync(context, injection.Status);
                    return;
                }
                await next(context);
            });
            Map(app);
        }, tls).GetAwaiter().GetResult();
        BaseAddress = new Uri(_server.BaseUrl + "/");
    }

    public Uri BaseAddress { get; }

    /// <summary>"METHOD /path?query" of every request, in order.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Answers the next <paramref name="times"/> requests of <paramref name="method"/> whose path contains <paramref name="pathPart"/> with <paramref name="status"/>.</summary>
    public void Inject(string method, string pathPart, int status, string? retryAfter = null, int times = 1)
    {
        for (var i = 0; i < times; i++) _injected.Enqueue((method, pathPart, status, retryAfter));
    }

    /// <summary>Maps the API's routes.</summary>
    protected abstract void Map(WebApplication app);

    /// <summary>Writes an error response (401 for a missing/wrong token, or an injected status) in the API's format.</summary>
    protected abstract Task WriteErrorAsync(HttpContext context, int status);

    /// <summary>
    /// A loopback port that refuses connections for as long as the returned socket lives: bound, never listening.
    /// A port merely freed again could be taken by another test's server, or picked by the kernel as the client's
    /// own source port (a TCP self-connect that "succeeds"); holding the bind rules out both.
    /// </summary>
    public static Socket RefusingPort(out int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        return socket;
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();
}
