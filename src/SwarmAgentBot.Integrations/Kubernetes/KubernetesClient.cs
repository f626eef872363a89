using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using SwarmAgentBot.Integrations.Http;

namespace SwarmAgentBot.Integrations.Kubernetes;

/// <summary>
/// A small typed client for the parts of the Kubernetes REST API the bot uses: batch/v1 Jobs
/// (create, get, watch, delete) and v1 Pods (list, log) for the job runner, and server-side apply of
/// namespaced objects (the serving Deployment and Service). Errors come back as
/// <see cref="KubernetesApiException"/> built from the API's Status body; an unreachable server as
/// <see cref="KubernetesUnreachableException"/>.
/// </summary>
public sealed class KubernetesClient
{
    private readonly HttpClient _http;
    private readonly KubernetesConnection _connection;
    private readonly RetryingHttpSender _sender;

    /// <summary>Creates the client over <paramref name="http"/> (BaseAddress = the API server, infinite timeout).</summary>
    public KubernetesClient(HttpClient http, KubernetesConnection connection, RetrySettings retry, ILogger<KubernetesClient> logger, TimeProvider? time = null)
    {
        _http = http;
        _connection = connection;
        _sender = new RetryingHttpSender(http, retry, logger, time);
    }

    /// <summary>The API server.</summary>
    public Uri Server => _connection.Server;

    /// <summary>POST /apis/batch/v1/namespaces/{ns}/jobs.</summary>
    public async Task<KubeJob> CreateJobAsync(string ns, JsonObject job, CancellationToken cancellationToken = default)
    {
        var body = job.ToJsonString();
        return await SendAsync<KubeJob>(HttpMethod.Post, $"/apis/batch/v1/namespaces/{Esc(ns)}/jobs", body, idempotent: false, $"job {job["metadata"]?["name"]}", cancellationToken);
    }

    /// <summary>GET /apis/batch/v1/namespaces/{ns}/jobs/{name}.</summary>
    public Task<KubeJob> GetJobAsync(string ns, string name, CancellationToken cancellationToken = default) =>
        SendAsync<KubeJob>(HttpMethod.Get, $"/apis/batch/v1/namespaces/{Esc(ns)}/jobs/{Esc(name)}", null, idempotent: true, $"job {name}", cancellationToken);

    /// <summary>DELETE the Job with propagationPolicy Background (its pods are removed by the garbage collector).</summary>
    public async Task DeleteJobAsync(string ns, string name, CancellationToken cancellationToken = default)
    {
        var body = new JsonObject { ["kind"] = "DeleteOptions", ["apiVersion"] = "v1", ["propagationPolicy"] = "Background" }.ToJsonString();
        await SendAsync<JsonElement>(HttpMethod.Delete, $"/apis/batch/v1/namespaces/{Esc(ns)}/jobs/{Esc(name)}", body, idempotent: true, $"job {name}", cancellationToken);
    }

    /// <summary>GET /api/v1/namespaces/{ns}/pods?labelSelector=...</summary>
    public async Task<IReadOnlyList<KubePod>> ListPodsAsync(string ns, string labelSelector, CancellationToken cancellationToken = default)
    {
        var list = await SendAsync<KubeList<KubePod>>(HttpMethod.Get, $"/api/v1/namespaces/{Esc(ns)}/pods?labelSelector={Uri.EscapeDataString(labelSelector)}", null, idempotent: true, "pods", cancellationToken);
        return list.Items;
    }

    /// <summary>GET /api/v1/namespaces/{ns}/pods/{pod}/log (optionally ?tailLines=N).</summary>
    public async Task<string> ReadPodLogAsync(string ns, string pod, int? tailLines = null, CancellationToken cancellationToken = default)
    {
        var path = $"/api/v1/namespaces/{Esc(ns)}/pods/{Esc(pod)}/log" + (tailLines is > 0 ? $"?tailLines={tailLines}" : "");
        using var response = await SendRawAsync(HttpMethod.Get, path, null, idempotent: true, HttpCompletionOption.ResponseContentRead, cancellationToken);
        if (!response.IsSuccessStatusCode) throw await ErrorAsync(response, $"log of pod {pod}", cancellationToken);
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    /// <summary>
    /// Server-side apply (PATCH with <c>application/apply-patch+yaml</c>, <c>fieldManager</c>, <c>force=true</c>) of a
    /// namespaced object at <paramref name="collectionPath"/> (e.g. <c>/apis/apps/v1/namespaces/swarm/deployments</c>):
    /// creates it or updates the fields this manager owns, and returns the object as stored. A JSON body is valid YAML.
    /// </summary>
    public async Task<JsonObject> ApplyAsync(string collectionPath, JsonObject obj, string fieldManager, CancellationToken cancellationToken = default)
    {
        var name = obj["metadata"]?["name"]?.GetValue<string>() ?? throw new ArgumentException("the object has no metadata.name", nameof(obj));
        var path = $"{collectionPath}/{Esc(name)}?fieldManager={Uri.EscapeDataString(fieldManager)}&force=true";
        // Apply is idempotent by design: sending the same object twice leaves one object, so retries are safe.
        return await SendAsync<JsonObject>(HttpMethod.Patch, path, obj.ToJsonString(), idempotent: true, $"{obj["kind"]} {name}", cancellationToken, ApplyPatchMediaType);
    }

    /// <summary>
    /// Watches Jobs (GET ...?watch=true): the events of the newline-delimited JSON stream, from
    /// <paramref name="resourceVersion"/> on, until the server closes it after <paramref name="timeoutSeconds"/>.
    /// An ERROR event (for example 410 Gone: the version is too old) is returned like any other; the caller re-lists.
    /// </summary>
    public async IAsyncEnumerable<KubeWatchEvent> WatchJobsAsync(string ns, string fieldSelector, string? resourceVersion, int timeoutSeconds, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var path = $"/apis/batch/v1/namespaces/{Esc(ns)}/jobs?watch=true&allowWatchBookmarks=true&fieldSelector={Uri.EscapeDataString(fieldSelector)}&timeoutSeconds={timeoutSeconds}"
            + (resourceVersion is null ? "" : $"&resourceVersion={Uri.EscapeDataString(resourceVersion)}");
        using var response = await SendRawAsync(HttpMethod.Get, path, null, idempotent: true, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode) throw await ErrorAsync(response, "watch of jobs", cancellationToken);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0) continue;
            var evt = JsonSerializer.Deserialize<KubeWatchEvent>(line, KubeJson.Options);
            if (evt is not null) yield return evt;
        }
    }

    private const string ApplyPatchMediaType = "application/apply-patch+yaml";

    private async Task<T> SendAsync<T>(HttpMethod method, string path, string? body, bool idempotent, string what, CancellationToken cancellationToken, string contentType = "application/json")
    {
        using var response = await SendRawAsync(method, path, body, idempotent, HttpCompletionOption.ResponseContentRead, cancellationToken, contentType);
        if (!response.IsSuccessStatusCode) throw await ErrorAsync(response, what, cancellationToken);
        return (await response.Content.ReadFromJsonAsync<T>(KubeJson.Options, cancellationToken))!;
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string path, string? body, bool idempotent, HttpCompletionOption completion, CancellationToken cancellationToken, string contentType = "application/json")
    {
        try
        {
            return await _sender.SendAsync(() =>
            {
                var request = new HttpRequestMessage(method, path);
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                if (_connection.Token() is { Length: > 0 } token) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, contentType);
                return request;
            }, idempotent, completion, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new KubernetesUnreachableException(_connection.Server, _connection.Source, ex);
        }
    }

    private async Task<KubernetesApiException> ErrorAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        KubeStatus? status = null;
        try { status = JsonSerializer.Deserialize<KubeStatus>(text, KubeJson.Options); }
        catch (JsonException) { /* not a Status body (a proxy's HTML page): use the text */ }
        return KubernetesApiException.From((int)response.StatusCode, status is { Kind: "Status" } ? status : new KubeStatus(Message: Shorten(text), Reason: response.ReasonPhrase), what, _connection.Source);
    }

    private static string Shorten(string text) => text.Length > 300 ? text[..300] + "…" : text;

    private static string Esc(string segment) => Uri.EscapeDataString(segment);
}

/// <summary>The Kubernetes API answered with an error; the message says what failed and what to check.</summary>
public class KubernetesApiException(int statusCode, string? reason, string message) : Exception(message)
{
    /// <summary>HTTP status code (404, 409, 403, 422, ...).</summary>
    public int StatusCode { get; } = statusCode;

    /// <summary>The Status reason (NotFound, AlreadyExists, Forbidden, Invalid, ...).</summary>
    public string? Reason { get; } = reason;

    /// <summary>Builds the exception with a message fit for the user from a Status body.</summary>
    public static KubernetesApiException From(int code, KubeStatus status, string what, string source)
    {
        var reason = status.Reason;
        var detail = status.Message ?? reason ?? "no details";
        var message = code switch
        {
            404 => $"Kubernetes has no {what} (404 NotFound): {detail}.",
            409 => $"Kubernetes already has {what} (409 AlreadyExists): {detail}. Names must be unique in the namespace; delete the old one or use a new id.",
            403 => $"Kubernetes refused access to {what} (403 Forbidden): {detail}. The bot's service account lacks an RBAC permission: apply manifests/bot/rbac.yaml (jobs: create/get/list/watch/delete; pods: get/list; pods/log: get) in this namespace.",
            401 => $"Kubernetes did not accept the credentials (401 Unauthorized) from {source}: {detail}. Check the token or client certificate.",
            422 => $"Kubernetes rejected {what} as invalid (422 Invalid): {detail}" + (status.Details?.Causes is { Count: > 0 } causes ? " — " + string.Join("; ", causes.Select(c => $"{c.Field}: {c.Message}")) : "") + ". Check the job template in manifests/jobs/.",
            429 => $"Kubernetes kept asking to slow down (429 TooManyRequests) for {what}: {detail}. Try again later.",
            >= 500 => $"The Kubernetes API failed ({code} {reason}) on {what}, also after retries: {detail}. Check the API server's health.",
            _ => $"Kubernetes answered {code} {reason} for {what}: {detail}.",
        };
        return new KubernetesApiException(code, reason, message);
    }
}

/// <summary>The API server could not be reached (connection refused, DNS, TLS, timeout), also after retries.</summary>
public sealed class KubernetesUnreachableException(Uri server, string source, HttpRequestException inner)
    : KubernetesApiException(0, "Unreachable", $"Cannot reach the Kubernetes API at {server} ({inner.Message}). Check that the cluster is running and reachable from here, and that Swarm:Jobs:Kubernetes:Kubeconfig / Context ({source}) point at it.")
{
    /// <summary>The network error.</summary>
    public HttpRequestException Network { get; } = inner;
}
