using System.Net;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace SwarmAgentBot.Integrations.Http;

/// <summary>How a REST client retries.</summary>
/// <param name="MaxRetries">Retries after the first attempt.</param>
/// <param name="Delay">First delay; doubles each retry, with jitter.</param>
/// <param name="MaxRetryAfter">Longest Retry-After honoured.</param>
/// <param name="RequestTimeout">Timeout of one attempt (not of a streamed response body).</param>
public sealed record RetrySettings(int MaxRetries, TimeSpan Delay, TimeSpan MaxRetryAfter, TimeSpan RequestTimeout);

/// <summary>
/// Sends HTTP requests with retries (Polly): on 429 (honouring Retry-After), on 500/502/503/504 and on
/// connection errors. Requests that are not idempotent (a POST that creates something) are retried
/// only when the server certainly did not act on them: 429, 503, or a connection that never opened.
/// </summary>
public sealed class RetryingHttpSender
{
    private readonly HttpClient _http;
    private readonly RetrySettings _settings;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline<HttpResponseMessage> _idempotent;
    private readonly ResiliencePipeline<HttpResponseMessage> _once;

    /// <summary>Creates the sender over a client whose own timeout is infinite (watch streams); <see cref="RetrySettings.RequestTimeout"/> bounds each attempt.</summary>
    public RetryingHttpSender(HttpClient http, RetrySettings settings, ILogger logger, TimeProvider? time = null)
    {
        _http = http;
        _settings = settings;
        _logger = logger;
        _idempotent = Build(idempotent: true, time);
        _once = Build(idempotent: false, time);
    }

    /// <summary>
    /// Sends the request <paramref name="build"/> makes (called once per attempt: a request message can
    /// be sent only once). Throws <see cref="HttpRequestException"/> when the server stays unreachable.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> build, bool idempotent, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead, CancellationToken cancellationToken = default)
    {
        var pipeline = idempotent ? _idempotent : _once;
        return await pipeline.ExecuteAsync(async token =>
        {
            using var request = build();
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(token);
            // A streamed body (watch, logs) is read after this returns: only the headers are bounded here.
            attempt.CancelAfter(_settings.RequestTimeout);
            try
            {
                return await _http.SendAsync(request, completion, attempt.Token);
            }
            catch (OperationCanceledException ex) when (!token.IsCancellationRequested)
            {
                throw new HttpRequestException(HttpRequestError.Unknown, $"no answer within {_settings.RequestTimeout.TotalSeconds:0.#} s", ex);
            }
        }, cancellationToken);
    }

    private ResiliencePipeline<HttpResponseMessage> Build(bool idempotent, TimeProvider? time)
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage>();
        if (time is not null) builder.TimeProvider = time;
        if (_settings.MaxRetries == 0) return builder.Build();
        return builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
        {
            MaxRetryAttempts = _settings.MaxRetries,
            Delay = _settings.Delay,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            ShouldHandle = args => ValueTask.FromResult(args.Outcome switch
            {
                { Exception: HttpRequestException ex } => idempotent || ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError,
                { Result: { } response } => response.StatusCode == HttpStatusCode.TooManyRequests || response.StatusCode == HttpStatusCode.ServiceUnavailable
                    || (idempotent && response.StatusCode is HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout),
                _ => false,
            }),
            DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result)),
            OnRetry = args =>
            {
                _logger.LogWarning("Retrying {Uri} (attempt {Attempt}) after {Delay}: {Reason}",
                    _http.BaseAddress, args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception?.Message ?? ((int?)args.Outcome.Result?.StatusCode)?.ToString(System.Globalization.CultureInfo.InvariantCulture));
                args.Outcome.Result?.Dispose();
                return default;
            },
        }).Build();
    }

    private TimeSpan? RetryAfter(HttpResponseMessage? response)
    {
        if (response?.Headers.RetryAfter is not { } retryAfter) return null;
        var wait = retryAfter.Delta ?? (retryAfter.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        if (wait is not { } w) return null;
        return w < TimeSpan.Zero ? TimeSpan.Zero : w > _settings.MaxRetryAfter ? _settings.MaxRetryAfter : w;
    }
}
