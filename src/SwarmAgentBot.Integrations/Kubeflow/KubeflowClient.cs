using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Integrations.Http;

namespace SwarmAgentBot.Integrations.Kubeflow;

/// <summary>
/// A small typed client for the Kubeflow Pipelines v2beta1 REST API: pipelines and their versions,
/// runs (create, get, list with a filter, terminate, retry). Bearer token auth. Errors (google.rpc.Status
/// bodies) become <see cref="KubeflowApiException"/>; an unreachable server <see cref="KubeflowUnreachableException"/>.
/// </summary>
public sealed class KubeflowClient
{
    private readonly KubeflowOptions _options;
    private readonly RetryingHttpSender _sender;

    /// <summary>Creates the client over <paramref name="http"/> (BaseAddress = the KFP endpoint, infinite timeout).</summary>
    public KubeflowClient(HttpClient http, KubeflowOptions options, ILogger<KubeflowClient> logger, TimeProvider? time = null)
    {
        _options = options;
        _sender = new RetryingHttpSender(http, new RetrySettings(options.MaxRetries, options.RetryDelay, TimeSpan.FromSeconds(30), options.RequestTimeout), logger, time);
    }

    /// <summary>GET /apis/v2beta1/pipelines.</summary>
    public Task<KfpPipelineList> ListPipelinesAsync(int pageSize, string? pageToken = null, KfpFilter? filter = null, CancellationToken cancellationToken = default) =>
        GetAsync<KfpPipelineList>("/apis/v2beta1/pipelines" + Query(("page_size", pageSize.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("page_token", pageToken),
            ("filter", filter?.ToJson()), ("namespace", _options.Namespace)), "pipelines", cancellationToken);

    /// <summary>GET /apis/v2beta1/pipelines/{id}.</summary>
    public Task<KfpPipeline> GetPipelineAsync(string pipelineId, CancellationToken cancellationToken = default) =>
        GetAsync<KfpPipeline>($"/apis/v2beta1/pipelines/{Uri.EscapeDataString(pipelineId)}", $"pipeline {pipelineId}", cancellationToken);

    /// <summary>GET /apis/v2beta1/pipelines/{id}/versions, newest first.</summary>
    public Task<KfpPipelineVersionList> ListPipelineVersionsAsync(string pipelineId, int pageSize, CancellationToken cancellationToken = default) =>
        GetAsync<KfpPipelineVersionList>($"/apis/v2beta1/pipelines/{Uri.EscapeDataString(pipelineId)}/versions" + Query(("page_size", pageSize.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("sort_by", "created_at desc")),
            $"versions of pipeline {pipelineId}", cancellationToken);

    /// <summary>POST /apis/v2beta1/runs.</summary>
    public Task<KfpRun> CreateRunAsync(KfpCreateRun run, CancellationToken cancellationToken = default) =>
        SendAsync<KfpRun>(HttpMethod.Post, "/apis/v2beta1/runs", JsonSerializer.Serialize(run, KfpJson.Options), idempotent: false, $"a run of pipeline {run.PipelineVersionReference.PipelineId}", cancellationToken);

    /// <summary>GET /apis/v2beta1/runs/{id}.</summary>
    public Task<KfpRun> GetRunAsync(string runId, CancellationToken cancellationToken = default) =>
        GetAsync<KfpRun>($"/apis/v2beta1/runs/{Uri.EscapeDataString(runId)}", $"run {runId}", cancellationToken);

    /// <summary>GET /apis/v2beta1/runs?filter=...&amp;page_token=...&amp;page_size=...&amp;sort_by=created_at desc.</summary>
    public Task<KfpRunList> ListRunsAsync(int pageSize, string? pageToken, KfpFilter? filter, CancellationToken cancellationToken = default) =>
        GetAsync<KfpRunList>("/apis/v2beta1/runs" + Query(("page_size", pageSize.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("page_token", pageToken), ("sort_by", "created_at desc"),
            ("filter", filter?.ToJson()), ("experiment_id", _options.ExperimentId), ("namespace", _options.Namespace)), "runs", cancellationToken);

    /// <summary>POST /apis/v2beta1/runs/{id}:terminate.</summary>
    public Task TerminateRunAsync(string runId, CancellationToken cancellationToken = default) =>
        SendAsync<JsonElement>(HttpMethod.Post, $"/apis/v2beta1/runs/{Uri.EscapeDataString(runId)}:terminate", "{}", idempotent: true, $"run {runId}", cancellationToken);

    /// <summary>POST /apis/v2beta1/runs/{id}:retry.</summary>
    public Task RetryRunAsync(string runId, CancellationToken cancellationToken = default) =>
        SendAsync<JsonElement>(HttpMethod.Post, $"/apis/v2beta1/runs/{Uri.EscapeDataString(runId)}:retry", "{}", idempotent: false, $"run {runId}", cancellationToken);

    private Task<T> GetAsync<T>(string path, string what, CancellationToken cancellationToken) => SendAsync<T>(HttpMethod.Get, path, null, idempotent: true, what, cancellationToken);

    private async Task<T> SendAsync<T>(HttpMethod method, string path, string? body, bool idempotent, string what, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await _sender.SendAsync(() =>
            {
                var request = new HttpRequestMessage(method, path);
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                if (Token() is { Length: > 0 } token) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
                return request;
            }, idempotent, HttpCompletionOption.ResponseContentRead, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new KubeflowUnreachableException(_options.Endpoint!, ex);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                throw KubeflowApiException.From((int)response.StatusCode, text, what);
            }
            return (await response.Content.ReadFromJsonAsync<T>(KfpJson.Options, cancellationToken))!;
        }
    }

    private string? Token() => _options.TokenFile is { Length: > 0 } file && File.Exists(file) ? File.ReadAllText(file).Trim() : _options.Token;

    private static string Query(params (string Name, string? Value)[] parts)
    {
        var present = parts.Where(p => !string.IsNullOrEmpty(p.Value)).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}").ToList();
        return present.Count == 0 ? "" : "?" + string.Join("&", present);
    }
}

/// <summary>Kubeflow Pipelines answered with an error; the message says what failed and what to check.</summary>
public class KubeflowApiException(int statusCode, string message) : PipelineException(message)
{
    /// <summary>HTTP status code.</summary>
    public int StatusCode { get; } = statusCode;

    /// <summary>Builds the exception from an error body ({"code":5,"message":"..."} or {"error":"..."}).</summary>
    public static KubeflowApiException From(int code, string body, string what)
    {
        string? detail = null;
        try
        {
            if (JsonNode.Parse(body) is JsonObject obj) detail = obj["message"]?.GetValue<string>() ?? obj["error"]?.GetValue<string>();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Not JSON (a proxy's page): show the start of it.
        }
        detail ??= body.Length > 300 ? body[..300] + "…" : body;
        var message = code switch
        {
            404 => $"Kubeflow Pipelines has no {what} (404): {detail}",
            401 => $"Kubeflow Pipelines did not accept the credentials (401): {detail}. Check Swarm:Pipelines:Kubeflow:Token or TokenFile.",
            403 => $"Kubeflow Pipelines refused access to {what} (403): {detail}. The token's identity needs access to this namespace/experiment (Swarm:Pipelines:Kubeflow:Namespace).",
            400 => $"Kubeflow Pipelines rejected the request for {what} (400): {detail}",
            409 => $"Kubeflow Pipelines reports a conflict for {what} (409): {detail}",
            429 => $"Kubeflow Pipelines kept asking to slow down (429) for {what}: {detail}. Try again later.",
            >= 500 => $"Kubeflow Pipelines failed ({code}) on {what}, also after retries: {detail}. Check the ml-pipeline API server.",
            _ => $"Kubeflow Pipelines answered {code} for {what}: {detail}",
        };
        return new KubeflowApiException(code, message);
    }
}

/// <summary>The Kubeflow Pipelines API could not be reached, also after retries.</summary>
public sealed class KubeflowUnreachableException(string endpoint, HttpRequestException inner)
    : KubeflowApiException(0, $"Cannot reach Kubeflow Pipelines at {endpoint} ({inner.Message}). Check Swarm:Pipelines:Kubeflow:Endpoint and that the ml-pipeline service is reachable from here.");

/// <summary>A KFP list filter: predicates AND-ed, sent JSON-encoded in the <c>filter</c> query parameter.</summary>
public sealed record KfpFilter([property: JsonPropertyName("predicates")] IReadOnlyList<KfpPredicate> Predicates)
{
    /// <summary>The JSON form.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, KfpJson.Options);
}

/// <summary>One predicate: key, operation (EQUALS, NOT_EQUALS, IN, IS_SUBSTRING, ...) and a value.</summary>
public sealed record KfpPredicate(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("operation")] string Operation,
    [property: JsonPropertyName("string_value")] string? StringValue = null);

/// <summary>A pipeline.</summary>
public sealed record KfpPipeline(
    [property: JsonPropertyName("pipeline_id")] string PipelineId,
    [property: JsonPropertyName("display_name")] string? DisplayName,
    [property: JsonPropertyName("description")] string? Description = null,
    [property: JsonPropertyName("created_at")] DateTimeOffset? CreatedAt = null);

/// <summary>A page of pipelines.</summary>
public sealed record KfpPipelineList(
    [property: JsonPropertyName("pipelines")] List<KfpPipeline>? Pipelines,
    [property: JsonPropertyName("total_size")] int? TotalSize = null,
    [property: JsonPropertyName("next_page_token")] string? NextPageToken = null);

/// <summary>A pipeline version with its compiled spec (the IR YAML as JSON).</summary>
public sealed record KfpPipelineVersion(
    [property: JsonPropertyName("pipeline_id")] string PipelineId,
    [property: JsonPropertyName("pipeline_version_id")] string PipelineVersionId,
    [property: JsonPropertyName("display_name")] string? DisplayName,
    [property: JsonPropertyName("description")] string? Description = null,
    [property: JsonPropertyName("created_at")] DateTimeOffset? CreatedAt = null,
    [property: JsonPropertyName("pipeline_spec")] JsonObject? PipelineSpec = null);

/// <summary>A page of pipeline versions.</summary>
public sealed record KfpPipelineVersionList(
    [property: JsonPropertyName("pipeline_versions")] List<KfpPipelineVersion>? PipelineVersions,
    [property: JsonPropertyName("total_size")] int? TotalSize = null,
    [property: JsonPropertyName("next_page_token")] string? NextPageToken = null);

/// <summary>Which pipeline version a run runs.</summary>
public sealed record KfpPipelineVersionReference(
    [property: JsonPropertyName("pipeline_id")] string PipelineId,
    [property: JsonPropertyName("pipeline_version_id")] string? PipelineVersionId);

/// <summary>Runtime parameters of a run.</summary>
public sealed record KfpRuntimeConfig([property: JsonPropertyName("parameters")] JsonObject? Parameters);

/// <summary>The body of POST /apis/v2beta1/runs.</summary>
public sealed record KfpCreateRun(
    [property: JsonPropertyName("display_name")] string DisplayName,
    [property: JsonPropertyName("pipeline_version_reference")] KfpPipelineVersionReference PipelineVersionReference,
    [property: JsonPropertyName("runtime_config")] KfpRuntimeConfig RuntimeConfig,
    [property: JsonPropertyName("experiment_id")] string? ExperimentId = null,
    [property: JsonPropertyName("description")] string? Description = null);

/// <summary>google.rpc.Status inside a run or task.</summary>
public sealed record KfpStatus([property: JsonPropertyName("code")] int? Code = null, [property: JsonPropertyName("message")] string? Message = null);

/// <summary>A task (step) of a run.</summary>
public sealed record KfpTaskDetail(
    [property: JsonPropertyName("task_id")] string? TaskId = null,
    [property: JsonPropertyName("display_name")] string? DisplayName = null,
    [property: JsonPropertyName("state")] string? State = null,
    [property: JsonPropertyName("start_time")] DateTimeOffset? StartTime = null,
    [property: JsonPropertyName("end_time")] DateTimeOffset? EndTime = null,
    [property: JsonPropertyName("error")] KfpStatus? Error = null,
    [property: JsonPropertyName("parent_task_id")] string? ParentTaskId = null);

/// <summary>run_details of a run.</summary>
public sealed record KfpRunDetails([property: JsonPropertyName("task_details")] List<KfpTaskDetail>? TaskDetails = null);

/// <summary>A run.</summary>
public sealed record KfpRun(
    [property: JsonPropertyName("run_id")] string RunId,
    [property: JsonPropertyName("display_name")] string? DisplayName = null,
    [property: JsonPropertyName("experiment_id")] string? ExperimentId = null,
    [property: JsonPropertyName("pipeline_version_reference")] KfpPipelineVersionReference? PipelineVersionReference = null,
    [property: JsonPropertyName("runtime_config")] KfpRuntimeConfig? RuntimeConfig = null,
    [property: JsonPropertyName("state")] string? State = null,
    [property: JsonPropertyName("created_at")] DateTimeOffset? CreatedAt = null,
    [property: JsonPropertyName("finished_at")] DateTimeOffset? FinishedAt = null,
    [property: JsonPropertyName("error")] KfpStatus? Error = null,
    [property: JsonPropertyName("run_details")] KfpRunDetails? RunDetails = null);

/// <summary>A page of runs.</summary>
public sealed record KfpRunList(
    [property: JsonPropertyName("runs")] List<KfpRun>? Runs,
    [property: JsonPropertyName("total_size")] int? TotalSize = null,
    [property: JsonPropertyName("next_page_token")] string? NextPageToken = null);

/// <summary>JSON settings for the KFP API (names are given per property; nulls left out).</summary>
public static class KfpJson
{
    /// <summary>The options.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
