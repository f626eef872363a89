using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using SwarmAgentBot.Tests.Shared;

namespace SwarmAgentBot.Integrations.Tests.Storage;

/// <summary>
/// A loopback reverse proxy in front of s3rver that answers chosen requests with S3's own 500
/// InternalError instead of forwarding them, so tests can watch retries and the multipart abort.
/// The Host header is kept, so SigV4 signatures still verify at s3rver.
/// </summary>
public sealed class FaultyS3Proxy : IAsyncDisposable
{
    private LoopbackServer? _server;
    private readonly HttpClient _forward = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
    private readonly ConcurrentDictionary<string, int> _attempts = new();

    private FaultyS3Proxy()
    {
    }

    /// <summary>Every request seen, as "METHOD path?query".</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>The proxy's URL.</summary>
    public string Url { get; private set; } = "";

    /// <summary>Starts a proxy to <paramref name="target"/>; <paramref name="fail"/> gets the request line and its attempt number (1-based) and says whether to fail it.</summary>
    public static async Task<FaultyS3Proxy> StartAsync(string target, Func<string, int, bool> fail)
    {
        var proxy = new FaultyS3Proxy();
        proxy._server = await LoopbackServer.StartAsync(app => app.Run(async context =>
        {
            var line = $"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}";
            proxy.Requests.Enqueue(line);
            var attempt = proxy._attempts.AddOrUpdate(line, 1, (_, n) => n + 1);
            if (fail(line, attempt))
            {
                // Drain the body first, as a real server would have read it.
                await context.Request.Body.CopyToAsync(Stream.Null);
                context.Response.StatusCode = 500;
                context.Response.ContentType = "application/xml";
                await context.Response.WriteAsync("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>InternalError</Code><Message>injected failure</Message></Error>");
                return;
            }
            await proxy.ForwardAsync(context, target);
        }));
        proxy.Url = proxy._server.BaseUrl;
        return proxy;
    }

    private async Task ForwardAsync(HttpContext context, string target)
    {
        var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), target + context.Request.Path + context.Request.QueryString);
        var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        body.Position = 0;
        request.Content = new StreamContent(body);
        foreach (var (name, values) in context.Request.Headers)
        {
            if (name is "Host" or "Expect" or "Transfer-Encoding" or "Connection") continue;
            if (!request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
                request.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
        }
        request.Headers.Host = context.Request.Host.Value;
        using var response = await _forward.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            if (name is not ("Transfer-Encoding" or "Connection")) context.Response.Headers[name] = values.ToArray();
        await response.Content.CopyToAsync(context.Response.Body);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        _forward.Dispose();
    }
}
