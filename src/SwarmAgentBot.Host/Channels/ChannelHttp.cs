using System.Net;
using Microsoft.AspNetCore.Http.Features;
using Polly;
using Polly.Retry;

namespace SwarmAgentBot.Host.Channels;

/// <summary>HTTP plumbing the channel adapters share: bounded request bodies and retries that honour Retry-After.</summary>
public static class ChannelHttp
{
    /// <summary>Longest Retry-After we wait for; a longer one fails the call rather than hold a worker.</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(60);

    /// <summary>
    /// A retry pipeline for outgoing calls: network errors and the given status codes are retried up to
    /// four times with exponential back-off (0.5 s, 1 s, 2 s, 4 s, jittered), or after the server's Retry-After when it sends one.
    /// </summary>
    public static ResiliencePipeline<HttpResponseMessage> RetryPipeline(ILogger logger, string service, params HttpStatusCode[] retryOn) =>
        new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = 4,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(500),
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .HandleResult(r => ShouldRetry(r, retryOn)),
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result is { } r ? RetryAfter(r) : null),
                OnRetry = args =>
                {
                    logger.LogWarning("{Service} call failed ({Outcome}); retry {Attempt} in {Delay}",
                        service, args.Outcome.Result is { } r ? ((int)r.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture) : args.Outcome.Exception?.GetType().Name, args.AttemptNumber + 1, args.RetryDelay);
                    args.Outcome.Result?.Dispose();
                    return default;
                },
            })
            .Build();

    private static bool ShouldRetry(HttpResponseMessage response, HttpStatusCode[] retryOn)
    {
        if (!retryOn.Contains(response.StatusCode)) return false;
        // A server asking for a long pause gets the failure back instead of a blocked worker.
        return RetryAfter(response) is not { } wait || wait <= MaxRetryAfter;
    }

    /// <summary>The server's Retry-After (seconds or a date), or null when it sent none.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta) return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        if (header?.Date is { } date)
        {
            var wait = date - DateTimeOffset.UtcNow;
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }
        return null;
    }

    /// <summary>
    /// Reads the raw request body (signatures are computed over the exact bytes); null when it is
    /// larger than <paramref name="maxBytes"/>.
    /// </summary>
    public static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken = default)
    {
        if (request.ContentLength > maxBytes) return null;
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = maxBytes;
        var buffer = new byte[Math.Min(maxBytes + 1, (int)(request.ContentLength ?? 16 * 1024) + 1)];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (buffer.Length > maxBytes) return null;
                Array.Resize(ref buffer, Math.Min(maxBytes + 1, buffer.Length * 2));
            }
            var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
            if (read == 0) break;
            length += read;
            if (length > maxBytes) return null;
        }
        return buffer[..length];
    }

    /// <summary>True for http(s) URLs on this machine (fixtures, the Bot Framework Emulator).</summary>
    public static bool IsLoopback(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.IsLoopback;

    /// <summary>True for absolute http or https URLs.</summary>
    public static bool IsHttpUrl(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);
}
