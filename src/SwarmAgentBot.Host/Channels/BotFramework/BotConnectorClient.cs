using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Polly;

namespace SwarmAgentBot.Host.Channels.BotFramework;

/// <summary>A Bot Connector call that failed.</summary>
public sealed class BotConnectorException(string message, int statusCode) : Exception(message)
{
    /// <summary>HTTP status the service answered.</summary>
    public int StatusCode { get; } = statusCode;
}

/// <summary>
/// The Bot Connector REST API the bot writes with: send to a conversation, reply to an activity,
/// update an activity; authenticated with the client-credentials token. 429, 412 (Teams: conversation
/// not ready yet), 502, 503 and 504 are retried, honouring Retry-After.
/// </summary>
public sealed class BotConnectorClient(IHttpClientFactory httpFactory, BotFrameworkTokenProvider tokens, ILogger<BotConnectorClient> logger)
{
    /// <summary>Name of the HttpClient that calls the Connector.</summary>
    public const string HttpClientName = "botframework-connector";

    private readonly ResiliencePipeline<HttpResponseMessage> _retry = ChannelHttp.RetryPipeline(logger, "Bot Connector",
        HttpStatusCode.TooManyRequests, HttpStatusCode.PreconditionFailed, HttpStatusCode.BadGateway, HttpStatusCode.ServiceUnavailable, HttpStatusCode.GatewayTimeout);

    /// <summary>
    /// POST {serviceUrl}/v3/conversations/{conversationId}/activities[/{replyToId}]; returns the new activity's id.
    /// </summary>
    public async Task<string?> SendAsync(string serviceUrl, string conversationId, JsonObject activity, string? replyToId, CancellationToken cancellationToken = default)
    {
        var path = $"v3/conversations/{Uri.EscapeDataString(conversationId)}/activities" + (replyToId is null ? "" : "/" + Uri.EscapeDataString(replyToId));
        var result = await CallAsync(HttpMethod.Post, serviceUrl, path, activity, cancellationToken);
        return result?["id"]?.ToString();
    }

    /// <summary>PUT {serviceUrl}/v3/conversations/{conversationId}/activities/{activityId}: replaces a posted activity (a card after a decision).</summary>
    public async Task UpdateAsync(string serviceUrl, string conversationId, string activityId, JsonObject activity, CancellationToken cancellationToken = default)
    {
        var path = $"v3/conversations/{Uri.EscapeDataString(conversationId)}/activities/{Uri.EscapeDataString(activityId)}";
        await CallAsync(HttpMethod.Put, serviceUrl, path, activity, cancellationToken);
    }

    private async Task<JsonObject?> CallAsync(HttpMethod method, string serviceUrl, string path, JsonObject activity, CancellationToken cancellationToken)
    {
        var url = new Uri(new Uri(serviceUrl.EndsWith('/') ? serviceUrl : serviceUrl + "/"), path);
        var token = await tokens.GetTokenAsync(cancellationToken);
        var json = activity.ToJsonString();
        var http = httpFactory.CreateClient(HttpClientName);
        using var response = await _retry.ExecuteAsync(async ct =>
        {
            using var request = new HttpRequestMessage(method, url) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
            if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return await http.SendAsync(request, ct);
        }, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            logger.LogWarning("Bot Connector {Method} {Url} answered {Status}: {Body}", method.Method, url, (int)response.StatusCode, text.Length > 300 ? text[..300] : text);
            throw new BotConnectorException($"The Bot Connector answered {(int)response.StatusCode} to {method.Method} {url.AbsolutePath}.", (int)response.StatusCode);
        }
        try { return text.Length == 0 ? null : JsonNode.Parse(text) as JsonObject; }
        catch (System.Text.Json.JsonException) { return null; }
    }
}
