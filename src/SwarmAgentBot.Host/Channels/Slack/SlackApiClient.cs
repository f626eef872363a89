using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Polly;

namespace SwarmAgentBot.Host.Channels.Slack;

/// <summary>A Slack Web API call that failed: Slack answered ok=false (with its error code) or an HTTP error.</summary>
public sealed class SlackApiException(string method, string error)
    : Exception($"Slack {method} failed: {error}")
{
    /// <summary>The API method, e.g. chat.postMessage.</summary>
    public string Method { get; } = method;

    /// <summary>Slack's error code ("invalid_auth", "channel_not_found", ...) or the HTTP status.</summary>
    public string Error { get; } = error;
}

/// <summary>
/// The Slack Web API calls the bot makes: chat.postMessage, chat.update and file downloads, with the
/// bot token as bearer. Slack answers HTTP 200 with {"ok":false,"error":…} on failure, which is
/// treated as a failure; 429 (rate limited) and 5xx are retried after Retry-After.
/// </summary>
public sealed class SlackApiClient(IHttpClientFactory httpFactory, IOptions<SlackOptions> options, ILogger<SlackApiClient> logger)
{
    /// <summary>Name of the HttpClient this client uses.</summary>
    public const string HttpClientName = "slack-web-api";

    private readonly ResiliencePipeline<HttpResponseMessage> _retry = ChannelHttp.RetryPipeline(logger, "Slack Web API",
        HttpStatusCode.TooManyRequests, HttpStatusCode.InternalServerError, HttpStatusCode.BadGateway, HttpStatusCode.ServiceUnavailable, HttpStatusCode.GatewayTimeout);

    /// <summary>Posts a message (in a thread when <paramref name="threadTs"/> is set); returns its ts.</summary>
    public async Task<string> PostMessageAsync(string channel, string? threadTs, string text, JsonArray? blocks, CancellationToken cancellationToken = default)
    {
        var body = new JsonObject { ["channel"] = channel, ["text"] = text, ["unfurl_links"] = false };
        if (!string.IsNullOrEmpty(threadTs)) body["thread_ts"] = threadTs;
        if (blocks is { Count: > 0 }) body["blocks"] = blocks;
        var result = await CallAsync("chat.postMessage", body, cancellationToken);
        return result["ts"]?.ToString() ?? throw new SlackApiException("chat.postMessage", "the answer carried no ts");
    }

    /// <summary>Replaces the text and blocks of message <paramref name="ts"/>.</summary>
    public async Task UpdateMessageAsync(string channel, string ts, string text, JsonArray? blocks, CancellationToken cancellationToken = default)
    {
        var body = new JsonObject { ["channel"] = channel, ["ts"] = ts, ["text"] = text, ["blocks"] = blocks ?? new JsonArray() };
        await CallAsync("chat.update", body, cancellationToken);
    }

    /// <summary>
    /// Downloads a file shared in a message (url_private_download). The bot token goes only to Slack's
    /// own hosts (or the configured API host), never to another server a message might name.
    /// </summary>
    public async Task<byte[]> DownloadFileAsync(string url, CancellationToken cancellationToken = default)
    {
        var o = options.Value;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !IsSlackHost(uri, o.ApiBase))
            throw new SlackApiException("files.download", $"refusing to send the bot token to {uri?.Host ?? url}");
        var http = httpFactory.CreateClient(HttpClientName);
        using var response = await _retry.ExecuteAsync(async ct =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", o.BotToken);
            return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        }, cancellationToken);
        if (!response.IsSuccessStatusCode) throw new SlackApiException("files.download", $"HTTP {(int)response.StatusCode}");
        if (response.Content.Headers.ContentLength > o.MaxFileBytes)
            throw new SlackApiException("files.download", $"the file is larger than {o.MaxFileBytes / (1024 * 1024)} MB");
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > o.MaxFileBytes) throw new SlackApiException("files.download", $"the file is larger than {o.MaxFileBytes / (1024 * 1024)} MB");
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private static bool IsSlackHost(Uri uri, Uri apiBase) =>
        (uri.Scheme == Uri.UriSchemeHttps && (uri.Host == "slack.com" || uri.Host.EndsWith(".slack.com", StringComparison.OrdinalIgnoreCase)))
        || (uri.Scheme == apiBase.Scheme && uri.Authority.Equals(apiBase.Authority, StringComparison.OrdinalIgnoreCase));

    private async Task<JsonObject> CallAsync(string method, JsonObject body, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var http = httpFactory.CreateClient(HttpClientName);
        var url = new Uri(o.ApiBase, method);
        var json = body.ToJsonString();
        using var response = await _retry.ExecuteAsync(async ct =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", o.BotToken);
            return await http.SendAsync(request, ct);
        }, cancellationToken);
        if (!response.IsSuccessStatusCode) throw new SlackApiException(method, $"HTTP {(int)response.StatusCode}");
        JsonObject? result;
        try { result = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken)) as JsonObject; }
        catch (JsonException) { result = null; }
        if (result is null) throw new SlackApiException(method, "the answer was not JSON");
        if (!(result["ok"] is JsonValue ok && ok.TryGetValue<bool>(out var succeeded) && succeeded))
        {
            var error = result["error"]?.ToString() ?? "unknown_error";
            logger.LogWarning("Slack {Method} answered ok=false: {Error}", method, error);
            throw new SlackApiException(method, error);
        }
        return result;
    }
}
