using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace SwarmAgentBot.Integrations.Tests.Pipelines;

/// <summary>What a job created on the fixture does.</summary>
public enum FakeJobBehavior { Succeed, Fail, StayPending, StayRunning }

/// <summary>
/// A loopback server speaking the Kubernetes API wire format for the calls the bot makes
/// (batch/v1 Jobs: create, get, watch, delete; v1 Pods: list, log; server-side apply of apps/v1
/// Deployments and v1 Services), as the API reference documents them: bearer auth, Status error bodies (404 NotFound, 409 AlreadyExists, 422 Invalid, 401, 403),
/// resourceVersion-ordered watch events as JSON lines, and a job controller that labels pods
/// job-name=NAME. It rejects what a real API server rejects for these calls.
/// </summary>
public sealed partial class KubernetesApiFixture : LoopbackApi
{
    public const string Token = "test-token-123";

    private readonly object _gate = new();
    private readonly Dictionary<string, JsonObject> _jobs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (JsonObject Pod, string Log)> _pods = new(StringComparer.Ordinal);
    private readonly List<(long Version, string Type, JsonObject Job)> _events = [];
    private long _resourceVersion = 1000;

    public KubernetesApiFixture(System.Security.Cryptography.X509Certificates.X509Certificate2? tls = null) : base(Token, tls)
    {
    }

    protected override void Map(WebApplication app)
    {
        app.MapPost("/apis/batch/v1/namespaces/{ns}/jobs", CreateJobAsync);
        app.MapGet("/apis/batch/v1/namespaces/{ns}/jobs", WatchJobsAsync);
        app.MapGet("/apis/batch/v1/namespaces/{ns}/jobs/{name}", GetJobAsync);
        app.MapDelete("/apis/batch/v1/namespaces/{ns}/jobs/{name}", DeleteJobAsync);
        app.MapGet("/api/v1/namespaces/{ns}/pods", ListPodsAsync);
        app.MapGet("/api/v1/namespaces/{ns}/pods/{pod}/log", ReadLogAsync);
        app.MapMethods("/apis/apps/v1/namespaces/{ns}/deployments/{name}", ["PATCH"], (HttpContext c, string ns, string name) => ApplyAsync(c, ns, name, "apps/v1", "Deployment", "deployments.apps"));
        app.MapMethods("/api/v1/namespaces/{ns}/services/{name}", ["PATCH"], (HttpContext c, string ns, string name) => ApplyAsync(c, ns, name, "v1", "Service", "services"));
    }

    /// <summary>Objects created or updated by server-side apply, by "Kind namespace/name", as stored.</summary>
    public ConcurrentDictionary<string, JsonObject> Applied { get; } = new(StringComparer.Ordinal);

    private async Task ApplyAsync(HttpContext context, string ns, string name, string apiVersion, string kind, string resource)
    {
        // The API server picks the patch strategy from Content-Type; apply needs a field manager.
        var mediaType = context.Request.ContentType?.Split(';')[0].Trim();
        if (mediaType is not ("application/apply-patch+yaml" or "application/merge-patch+json" or "application/json-patch+json" or "application/strategic-merge-patch+json"))
        {
            await WriteStatusAsync(context, 415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json");
            return;
        }
        if (mediaType != "application/apply-patch+yaml")
        {
            await WriteStatusAsync(context, 405, "MethodNotAllowed", "this fixture serves server-side apply only");
            return;
        }
        if (string.IsNullOrEmpty(context.Request.Query["fieldManager"]))
        {
            await WriteStatusAsync(context, 422, "Invalid", "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
            return;
        }
        JsonObject? obj;
        try { obj = await JsonNode.ParseAsync(context.Request.Body) as JsonObject; }
        catch (System.Text.Json.JsonException ex)
        {
            await WriteStatusAsync(context, 400, "BadRequest", $"error decoding YAML: {ex.Message}");
            return;
        }
        if (obj?["apiVersion"]?.ToString() != apiVersion || obj["kind"]?.ToString() != kind)
        {
            await WriteStatusAsync(context, 400, "BadRequest", $"the API version in the data ({obj?["apiVersion"]}) / kind ({obj?["kind"]}) do not match the expected {apiVersion} {kind}");
            return;
        }
        if (obj["metadata"]?["name"]?.ToString() != name)
        {
            await WriteStatusAsync(context, 400, "BadRequest", $"the name of the object ({obj["metadata"]?["name"]}) does not match the name on the URL ({name})");
            return;
        }
        if (obj["metadata"]?["namespace"]?.ToString() is { } bodyNs && bodyNs != ns)
        {
            await WriteStatusAsync(context, 400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request");
            return;
        }
        var problems = new List<string>();
        if (!Dns1123().IsMatch(name) || name.Length > 63) problems.Add($"metadata.name: Invalid value: \"{name}\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'");
        if (kind == "Deployment")
        {
            var selector = obj["spec"]?["selector"]?["matchLabels"] as JsonObject;
            var labels = obj["spec"]?["template"]?["metadata"]?["labels"] as JsonObject;
            if (selector is null || selector.Count == 0) problems.Add("spec.selector: Required value");
            else if (labels is null || selector.Any(kv => labels[kv.Key]?.ToString() != kv.Value?.ToString())) problems.Add("spec.template.metadata.labels: Invalid value: `selector` does not match template `labels`");
            if (obj["spec"]?["template"]?["spec"]?["containers"] is not JsonArray { Count: > 0 } containers || containers.Any(c => string.IsNullOrEmpty(c?["image"]?.ToString())))
                problems.Add("spec.template.spec.containers[0].image: Required value");
        }
        if (kind == "Service" && obj["spec"]?["ports"] is not JsonArray { Count: > 0 }) problems.Add("spec.ports: Required value");
        if (problems.Count > 0)
        {
            await WriteStatusAsync(context, 422, "Invalid", $"{kind}.{(kind == "Deployment" ? "apps" : "")} \"{name}\" is invalid: {string.Join(", ", problems)}");
            return;
        }
        var key = $"{kind} {ns}/{name}";
        bool created;
        JsonObject stored;
        lock (_gate)
        {
            created = !Applied.TryGetValue(key, out var existing);
            stored = (JsonObject)obj.DeepClone();
            var meta = stored["metadata"]!.AsObject();
            meta["namespace"] = ns;
            meta["uid"] = existing?["metadata"]?["uid"]?.DeepClone() ?? Guid.NewGuid().ToString();
            meta["resourceVersion"] = Next();
            // generation counts changes of a Deployment's spec, as the API server does (a Service has none).
            if (kind == "Deployment")
            {
                var previous = existing?["metadata"]?["generation"]?.GetValue<long>() ?? 0;
                var specChanged = existing is null || existing["spec"]?.ToJsonString() != stored["spec"]?.ToJsonString();
                meta["generation"] = specChanged ? previous + 1 : previous;
            }
            Applied[key] = stored;
        }
        context.Response.StatusCode = created ? 201 : 200;
        await context.Response.WriteAsJsonAsync(stored);
    }

    protected override Task WriteErrorAsync(HttpContext context, int status) => status switch
    {
        401 => WriteStatusAsync(context, 401, "Unauthorized", "Unauthorized"),
        403 => WriteStatusAsync(context, 403, "Forbidden", "jobs.batch is forbidden: User \"system:serviceaccount:swarm:swarm-bot\" cannot create resource \"jobs\" in API group \"batch\" in the namespace \"swarm\""),
        429 => WriteStatusAsync(context, 429, "TooManyRequests", "the server has received too many requests and has asked us to try again later"),
        _ => WriteStatusAsync(context, status, "InternalError", "an error on the server (\"injected failure\") has prevented the request from succeeding"),
    };

    /// <summary>What newly created jobs do.</summary>
    public FakeJobBehavior Behavior { get; set; } = FakeJobBehavior.Succeed;

    /// <summary>What their container prints.</summary>
    public string Log { get; set; } = "line 1\nline 2\nline 3\n";

    /// <summary>Exit code of a failing container.</summary>
    public int ExitCode { get; set; } = 2;

    /// <summary>Bodies of the Jobs created, in order.</summary>
    public ConcurrentQueue<JsonObject> CreatedJobs { get; } = new();

    /// <summary>Bodies of DELETE requests.</summary>
    public ConcurrentQueue<JsonObject> DeleteBodies { get; } = new();

    /// <summary>Adds a Job directly (as if someone else created it).</summary>
    public void Seed(string ns, string name)
    {
        lock (_gate) _jobs[$"{ns}/{name}"] = new JsonObject { ["apiVersion"] = "batch/v1", ["kind"] = "Job", ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["resourceVersion"] = Next() }, ["status"] = new JsonObject() };
    }

    private async Task CreateJobAsync(HttpContext context, string ns)
    {
        var job = await JsonNode.ParseAsync(context.Request.Body) as JsonObject;
        var problems = Validate(job);
        if (problems.Count > 0)
        {
            await WriteStatusAsync(context, 422, "Invalid", $"Job.batch \"{job?["metadata"]?["name"]}\" is invalid: {string.Join(", ", problems.Select(p => $"{p.Field}: {p.Message}"))}",
                new JsonObject { ["name"] = job?["metadata"]?["name"]?.ToString(), ["group"] = "batch", ["kind"] = "Job", ["causes"] = new JsonArray(problems.Select(p => (JsonNode?)new JsonObject { ["reason"] = "FieldValueInvalid", ["message"] = p.Message, ["field"] = p.Field }).ToArray()) });
            return;
        }
        var name = job!["metadata"]!["name"]!.GetValue<string>();
        CreatedJobs.Enqueue((JsonObject)job.DeepClone());
        lock (_gate)
        {
            if (_jobs.ContainsKey($"{ns}/{name}"))
            {
                _ = WriteStatusAsync(context, 409, "AlreadyExists", $"jobs.batch \"{name}\" already exists", new JsonObject { ["name"] = name, ["group"] = "batch", ["kind"] = "jobs" });
                return;
            }
            var meta = job["metadata"]!.AsObject();
            meta["namespace"] = ns;
            meta["uid"] = Guid.NewGuid().ToString();
            meta["creationTimestamp"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
            job["status"] = new JsonObject { ["active"] = 1, ["startTime"] = meta["creationTimestamp"]!.DeepClone() };
            Store(ns, job, "ADDED");
            var pod = $"{name}-{Guid.NewGuid().ToString("N")[..5]}";
            _pods[$"{ns}/{pod}"] = (NewPod(ns, pod, name, Behavior == FakeJobBehavior.StayPending ? "Pending" : "Running"), Log);
        }
        context.Response.StatusCode = 201;
        await context.Response.WriteAsJsonAsync(job);
        if (Behavior is FakeJobBehavior.Succeed or FakeJobBehavior.Fail)
            _ = FinishLaterAsync(ns, name, Behavior == FakeJobBehavior.Succeed);
    }

    private async Task FinishLaterAsync(string ns, string name, bool succeed)
    {
        // The job controller updates the Job a moment after its pod ends: the runner sees it through its watch.
        await Task.Delay(200);
        lock (_gate)
        {
            if (!_jobs.TryGetValue($"{ns}/{name}", out var job)) return;
            var now = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
            job["status"] = succeed
                ? new JsonObject { ["succeeded"] = 1, ["startTime"] = job["status"]!["startTime"]!.DeepClone(), ["completionTime"] = now,
                    ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Complete", ["status"] = "True", ["lastTransitionTime"] = now }) }
                : new JsonObject { ["failed"] = 1, ["startTime"] = job["status"]!["startTime"]!.DeepClone(),
                    ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Failed", ["status"] = "True", ["reason"] = "BackoffLimitExceeded", ["message"] = "Job has reached the specified backoff limit", ["lastTransitionTime"] = now }) };
            foreach (var key in _pods.Keys.Where(k => _pods[k].Pod["metadata"]!["labels"]!["job-name"]!.GetValue<string>() == name).ToList())
            {
                var (pod, log) = _pods[key];
                pod["status"] = new JsonObject
                {
                    ["phase"] = succeed ? "Succeeded" : "Failed",
                    ["containerStatuses"] = new JsonArray(new JsonObject { ["name"] = "worker", ["state"] = new JsonObject { ["terminated"] = new JsonObject { ["exitCode"] = succeed ? 0 : ExitCode, ["reason"] = succeed ? "Completed" : "Error" } } }),
                };
                _pods[key] = (pod, log);
            }
            Store(ns, job, "MODIFIED");
        }
    }

    private async Task GetJobAsync(HttpContext context, string ns, string name)
    {
        JsonObject? job;
        lock (_gate) job = _jobs.GetValueOrDefault($"{ns}/{name}")?.DeepClone().AsObject();
        if (job is null) await WriteStatusAsync(context, 404, "NotFound", $"jobs.batch \"{name}\" not found", new JsonObject { ["name"] = name, ["group"] = "batch", ["kind"] = "jobs" });
        else await context.Response.WriteAsJsonAsync(job);
    }

    private async Task WatchJobsAsync(HttpContext context, string ns)
    {
        if (context.Request.Query["watch"] != "true")
        {
            await WriteStatusAsync(context, 405, "MethodNotAllowed", "list is not served by this fixture");
            return;
        }
        var selector = context.Request.Query["fieldSelector"].ToString();
        var match = FieldSelector().Match(selector);
        if (!match.Success)
        {
            await WriteStatusAsync(context, 400, "BadRequest", $"unable to parse requirement: {selector}");
            return;
        }
        var name = match.Groups[1].Value;
        var since = long.TryParse(context.Request.Query["resourceVersion"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var rv) ? rv : 0;
        var timeout = int.TryParse(context.Request.Query["timeoutSeconds"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var t) ? t : 30;
        context.Response.ContentType = "application/json";
        await context.Response.StartAsync();
        var deadline = DateTime.UtcNow.AddSeconds(timeout);
        while (DateTime.UtcNow < deadline && !context.RequestAborted.IsCancellationRequested)
        {
            List<(long Version, string Type, JsonObject Job)> pending;
            lock (_gate) pending = _events.Where(e => e.Version > since && e.Job["metadata"]!["name"]!.GetValue<string>() == name && e.Job["metadata"]!["namespace"]!.GetValue<string>() == ns).ToList();
            foreach (var e in pending)
            {
                await context.Response.WriteAsync(new JsonObject { ["type"] = e.Type, ["object"] = e.Job.DeepClone() }.ToJsonString() + "\n");
                await context.Response.Body.FlushAsync();
                since = e.Version;
            }
            try { await Task.Delay(25, context.RequestAborted); }
            catch (OperationCanceledException) { break; }
        }
    }

    private async Task DeleteJobAsync(HttpContext context, string ns, string name)
    {
        var body = await JsonNode.ParseAsync(context.Request.Body) as JsonObject ?? [];
        DeleteBodies.Enqueue(body);
        var policy = body["propagationPolicy"]?.GetValue<string>();
        if (policy is not (null or "Background" or "Foreground" or "Orphan"))
        {
            await WriteStatusAsync(context, 400, "BadRequest", $"unsupported propagationPolicy {policy}");
            return;
        }
        lock (_gate)
        {
            if (!_jobs.Remove($"{ns}/{name}", out var job))
            {
                _ = WriteStatusAsync(context, 404, "NotFound", $"jobs.batch \"{name}\" not found", new JsonObject { ["name"] = name, ["group"] = "batch", ["kind"] = "jobs" });
                return;
            }
            // Background propagation: the garbage collector removes the pods (at once, here); Orphan keeps them.
            if (policy != "Orphan")
                foreach (var key in _pods.Keys.Where(k => _pods[k].Pod["metadata"]!["labels"]!["job-name"]!.GetValue<string>() == name).ToList()) _pods.Remove(key);
            _events.Add((long.Parse(Next(), CultureInfo.InvariantCulture), "DELETED", job));
        }
        await WriteStatusAsync(context, 200, null, null, new JsonObject { ["name"] = name, ["group"] = "batch", ["kind"] = "jobs" }, success: true);
    }

    private async Task ListPodsAsync(HttpContext context, string ns)
    {
        var selector = context.Request.Query["labelSelector"].ToString();
        var match = LabelSelector().Match(selector);
        if (!match.Success)
        {
            await WriteStatusAsync(context, 400, "BadRequest", $"unable to parse requirement: {selector}");
            return;
        }
        JsonArray items;
        lock (_gate)
            items = new JsonArray(_pods.Where(p => p.Key.StartsWith(ns + "/", StringComparison.Ordinal) && p.Value.Pod["metadata"]!["labels"]![match.Groups[1].Value]?.GetValue<string>() == match.Groups[2].Value)
                .Select(p => (JsonNode?)p.Value.Pod.DeepClone()).ToArray());
        await context.Response.WriteAsJsonAsync(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "PodList", ["metadata"] = new JsonObject { ["resourceVersion"] = Next() }, ["items"] = items });
    }

    private async Task ReadLogAsync(HttpContext context, string ns, string pod)
    {
        (JsonObject Pod, string Log) entry;
        lock (_gate)
        {
            if (!_pods.TryGetValue($"{ns}/{pod}", out entry))
            {
                _ = WriteStatusAsync(context, 404, "NotFound", $"pods \"{pod}\" not found");
                return;
            }
        }
        if (entry.Pod["status"]!["phase"]!.GetValue<string>() == "Pending")
        {
            await WriteStatusAsync(context, 400, "BadRequest", $"container \"worker\" in pod \"{pod}\" is waiting to start: image can't be pulled");
            return;
        }
        var lines = entry.Log.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (int.TryParse(context.Request.Query["tailLines"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var tail)) lines = lines.TakeLast(tail).ToArray();
        context.Response.ContentType = "text/plain";
        await context.Response.WriteAsync(string.Concat(lines.Select(l => l + "\n")));
    }

    private JsonObject NewPod(string ns, string name, string jobName, string phase) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Pod",
        ["metadata"] = new JsonObject
        {
            ["name"] = name, ["namespace"] = ns, ["creationTimestamp"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["labels"] = new JsonObject { ["job-name"] = jobName, ["batch.kubernetes.io/job-name"] = jobName },
        },
        ["status"] = phase == "Pending"
            ? new JsonObject
            {
                ["phase"] = "Pending",
                ["containerStatuses"] = new JsonArray(new JsonObject { ["name"] = "worker", ["state"] = new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "ImagePullBackOff", ["message"] = "Back-off pulling image \"registry.example/swarm:missing\"" } } }),
            }
            : new JsonObject { ["phase"] = "Running", ["containerStatuses"] = new JsonArray(new JsonObject { ["name"] = "worker", ["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = "2026-01-01T00:00:00Z" } } }) },
    };

    private void Store(string ns, JsonObject job, string type)
    {
        var version = Next();
        job["metadata"]!["resourceVersion"] = version;
        _jobs[$"{ns}/{job["metadata"]!["name"]}"] = job;
        _events.Add((long.Parse(version, CultureInfo.InvariantCulture), type, (JsonObject)job.DeepClone()));
    }

    private string Next() => Interlocked.Increment(ref _resourceVersion).ToString(CultureInfo.InvariantCulture);

    private static List<(string Field, string Message)> Validate(JsonObject? job)
    {
        var problems = new List<(string, string)>();
        if (job is null) return [("body", "not a JSON object")];
        if (job["apiVersion"]?.ToString() != "batch/v1") problems.Add(("apiVersion", "must be batch/v1"));
        if (job["kind"]?.ToString() != "Job") problems.Add(("kind", "must be Job"));
        var name = job["metadata"]?["name"]?.ToString() ?? "";
        if (!Dns1123().IsMatch(name) || name.Length > 63) problems.Add(("metadata.name", $"Invalid value: \"{name}\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'"));
        foreach (var (key, value) in job["metadata"]?["labels"] as JsonObject ?? [])
            if (value?.ToString() is { } v && (v.Length > 63 || !LabelValue().IsMatch(v))) problems.Add(($"metadata.labels.{key}", $"Invalid value: \"{v}\""));
        var pod = job["spec"]?["template"]?["spec"];
        var restart = pod?["restartPolicy"]?.ToString() ?? "Always";
        if (restart is not ("Never" or "OnFailure")) problems.Add(("spec.template.spec.restartPolicy", $"Unsupported value: \"{restart}\": supported values: \"OnFailure\", \"Never\""));
        if (pod?["containers"] is not JsonArray { Count: > 0 } containers) problems.Add(("spec.template.spec.containers", "Required value"));
        else
            foreach (var c in containers)
                if (string.IsNullOrEmpty(c?["image"]?.ToString())) problems.Add(("spec.template.spec.containers[0].image", "Required value"));
        if (job["spec"]?["activeDeadlineSeconds"] is JsonValue d && d.GetValue<long>() <= 0) problems.Add(("spec.activeDeadlineSeconds", "must be greater than 0"));
        return problems;
    }

    private static async Task WriteStatusAsync(HttpContext context, int code, string? reason, string? message, JsonObject? details = null, bool success = false)
    {
        context.Response.StatusCode = code;
        var status = new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = success ? "Success" : "Failure" };
        if (message is not null) status["message"] = message;
        if (reason is not null) status["reason"] = reason;
        if (details is not null) status["details"] = details;
        status["code"] = code;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(status.ToJsonString());
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1123();

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]
    private static partial Regex LabelValue();

    [GeneratedRegex("^metadata\\.name=([a-z0-9-]+)$")]
    private static partial Regex FieldSelector();

    [GeneratedRegex("^([A-Za-z0-9./-]+)=([A-Za-z0-9._-]+)$")]
    private static partial Regex LabelSelector();
}
