using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace SwarmAgentBot.Integrations.Tests.Pipelines;

/// <summary>
/// A loopback server speaking the Kubeflow Pipelines v2beta1 REST API for the calls the service
/// makes, as the API reference documents them: snake_case JSON, bearer auth, google.rpc.Status error
/// bodies ({"code": 5, "message": ...} with HTTP 404, code 3 with 400, 16 with 401), the filter
/// query parameter as a JSON-encoded Filter (predicates with key, operation, string_value; only
/// the documented keys), page tokens, :terminate and :retry. It rejects what KFP rejects here.
/// </summary>
public sealed class KubeflowApiFixture : LoopbackApi
{
    public const string Token = "kfp-token-456";
    public const string PipelineId = "6f1b5a3e-0000-4000-8000-000000000001";
    public const string VersionId = "9a2c7d4e-0000-4000-8000-000000000002";

    private static readonly HashSet<string> RunFilterKeys = ["run_id", "display_name", "created_at", "finished_at", "state", "storage_state", "namespace", "experiment_id", "pipeline_id", "pipeline_version_id", "recurring_run_id"];
    private static readonly HashSet<string> PipelineFilterKeys = ["pipeline_id", "display_name", "created_at", "description", "namespace"];
    private static readonly HashSet<string> Operations = ["EQUALS", "NOT_EQUALS", "GREATER_THAN", "GREATER_THAN_EQUALS", "LESS_THAN", "LESS_THAN_EQUALS", "IN", "IS_SUBSTRING"];

    private readonly object _gate = new();
    private readonly List<JsonObject> _runs = [];

    public KubeflowApiFixture() : base(Token)
    {
    }

    protected override void Map(WebApplication app)
    {
        app.MapGet("/apis/v2beta1/pipelines", ListPipelinesAsync);
        app.MapGet("/apis/v2beta1/pipelines/{id}", GetPipelineAsync);
        app.MapGet("/apis/v2beta1/pipelines/{id}/versions", ListVersionsAsync);
        app.MapPost("/apis/v2beta1/runs", CreateRunAsync);
        app.MapGet("/apis/v2beta1/runs", ListRunsAsync);
        app.MapGet("/apis/v2beta1/runs/{id}", GetRunAsync);
        app.MapPost("/apis/v2beta1/runs/{id}:terminate", TerminateAsync);
        app.MapPost("/apis/v2beta1/runs/{id}:retry", RetryAsync);
    }

    // gRPC status codes as KFP's gateway reports them: 16 Unauthenticated, 7 PermissionDenied, 8 ResourceExhausted, 13 Internal.
    protected override Task WriteErrorAsync(HttpContext context, int status) => status switch
    {
        401 => ErrorAsync(context, 401, 16, "Unauthenticated: request is missing a valid bearer token"),
        403 => ErrorAsync(context, 403, 7, "PermissionDenied: user cannot access namespace team-a"),
        429 => ErrorAsync(context, 429, 8, "ResourceExhausted: too many requests"),
        _ => ErrorAsync(context, status, 13, "Internal error: injected failure"),
    };

    public ConcurrentQueue<JsonObject> CreatedRuns { get; } = new();

    /// <summary>Decoded filter of each list request.</summary>
    public ConcurrentQueue<JsonObject> Filters { get; } = new();

    /// <summary>Moves a run on, as the backend would: a new state and task details.</summary>
    public void Advance(string runId, string state, params (string Name, string State)[] tasks)
    {
        lock (_gate)
        {
            var run = _runs.First(r => r["run_id"]!.GetValue<string>() == runId);
            run["state"] = state;
            if (state is "SUCCEEDED" or "FAILED" or "CANCELED") run["finished_at"] = "2026-03-01T10:05:00Z";
            if (state == "FAILED") run["error"] = new JsonObject { ["code"] = 2, ["message"] = "task train failed" };
            var details = new JsonArray(new JsonObject { ["task_id"] = "t-root", ["display_name"] = "root", ["state"] = state, ["start_time"] = "2026-03-01T10:00:00Z" });
            foreach (var (name, s) in tasks)
                details.Add(new JsonObject { ["task_id"] = "t-" + name, ["display_name"] = name, ["state"] = s, ["start_time"] = "2026-03-01T10:01:00Z",
                    ["end_time"] = s is "RUNNING" or "PENDING" ? "1970-01-01T00:00:00Z" : "2026-03-01T10:02:00Z",
                    ["error"] = s == "FAILED" ? new JsonObject { ["code"] = 2, ["message"] = "exit status 1" } : null });
            run["run_details"] = new JsonObject { ["task_details"] = details };
        }
    }

    private static JsonObject Pipeline() => new()
    {
        ["pipeline_id"] = PipelineId, ["display_name"] = "train-and-register", ["description"] = "Train and register a model", ["created_at"] = "2026-02-01T09:00:00Z",
    };

    private static JsonObject Version() => new()
    {
        ["pipeline_id"] = PipelineId, ["pipeline_version_id"] = VersionId, ["display_name"] = "v3", ["created_at"] = "2026-02-20T09:00:00Z",
        ["pipeline_spec"] = new JsonObject
        {
            ["pipelineInfo"] = new JsonObject { ["name"] = "train-and-register" },
            ["schemaVersion"] = "2.1.0",
            ["root"] = new JsonObject
            {
                ["inputDefinitions"] = new JsonObject
                {
                    ["parameters"] = new JsonObject
                    {
                        ["dataset"] = new JsonObject { ["parameterType"] = "STRING", ["description"] = "Training data" },
                        ["budget_s"] = new JsonObject { ["parameterType"] = "NUMBER_INTEGER", ["defaultValue"] = 120, ["isOptional"] = true },
                        ["min_score"] = new JsonObject { ["parameterType"] = "NUMBER_DOUBLE", ["defaultValue"] = 0.5, ["isOptional"] = true },
                        ["register"] = new JsonObject { ["parameterType"] = "BOOLEAN", ["defaultValue"] = true, ["isOptional"] = true },
                    },
                },
                ["dag"] = new JsonObject
                {
                    ["tasks"] = new JsonObject
                    {
                        ["train"] = new JsonObject { ["taskInfo"] = new JsonObject { ["name"] = "train" }, ["dependentTasks"] = new JsonArray("profile") },
                        ["profile"] = new JsonObject { ["taskInfo"] = new JsonObject { ["name"] = "profile" } },
                    },
                },
            },
        },
    };

    private async Task ListPipelinesAsync(HttpContext context)
    {
        if (await FilterAsync(context, PipelineFilterKeys) is not { } filter) return;
        var pipelines = new[] { Pipeline() }.Where(p => Matches(p, filter)).ToList();
        await context.Response.WriteAsJsonAsync(new JsonObject { ["pipelines"] = new JsonArray(pipelines.Select(p => (JsonNode?)p).ToArray()), ["total_size"] = pipelines.Count });
    }

    private async Task GetPipelineAsync(HttpContext context, string id)
    {
        if (id != PipelineId) await ErrorAsync(context, 404, 5, $"Failed to get pipeline: ResourceNotFoundError: Pipeline {id} not found");
        else await context.Response.WriteAsJsonAsync(Pipeline());
    }

    private async Task ListVersionsAsync(HttpContext context, string id)
    {
        if (id != PipelineId)
        {
            await ErrorAsync(context, 404, 5, $"Pipeline {id} not found");
            return;
        }
        await context.Response.WriteAsJsonAsync(new JsonObject { ["pipeline_versions"] = new JsonArray(Version()), ["total_size"] = 1 });
    }

    private async Task CreateRunAsync(HttpContext context)
    {
        var body = await JsonNode.ParseAsync(context.Request.Body) as JsonObject;
        if (body?["display_name"]?.GetValue<string>() is not { Length: > 0 })
        {
            await ErrorAsync(context, 400, 3, "Failed to create a run: InvalidInputError: The run name is empty");
            return;
        }
        var reference = body["pipeline_version_reference"];
        if (reference?["pipeline_id"]?.GetValue<string>() != PipelineId || reference["pipeline_version_id"]?.GetValue<string>() != VersionId)
        {
            await ErrorAsync(context, 404, 5, "Failed to create a run: pipeline version not found");
            return;
        }
        var declared = Version()["pipeline_spec"]!["root"]!["inputDefinitions"]!["parameters"]!.AsObject();
        foreach (var (name, value) in body["runtime_config"]?["parameters"] as JsonObject ?? [])
        {
            var type = declared[name]?["parameterType"]?.GetValue<string>();
            var kind = value?.GetValueKind();
            var ok = type switch
            {
                "STRING" => kind == JsonValueKind.String,
                "NUMBER_INTEGER" or "NUMBER_DOUBLE" => kind == JsonValueKind.Number,
                "BOOLEAN" => kind is JsonValueKind.True or JsonValueKind.False,
                _ => false,
            };
            if (!ok)
            {
                await ErrorAsync(context, 400, 3, $"Failed to create a run: InvalidInputError: parameter {name} is not declared or has the wrong type");
                return;
            }
        }
        CreatedRuns.Enqueue((JsonObject)body.DeepClone());
        var run = (JsonObject)body.DeepClone();
        run["run_id"] = Guid.NewGuid().ToString();
        run["state"] = "PENDING";
        run["created_at"] = "2026-03-01T10:00:00Z";
        run["finished_at"] = "1970-01-01T00:00:00Z";
        run["experiment_id"] ??= "default-experiment";
        lock (_gate) _runs.Add(run);
        await context.Response.WriteAsJsonAsync(run);
    }

    private async Task GetRunAsync(HttpContext context, string id)
    {
        JsonObject? run;
        lock (_gate) run = _runs.FirstOrDefault(r => r["run_id"]!.GetValue<string>() == id)?.DeepClone().AsObject();
        if (run is null) await ErrorAsync(context, 404, 5, $"Failed to get a run: ResourceNotFoundError: Run {id} not found");
        else await context.Response.WriteAsJsonAsync(run);
    }

    private async Task ListRunsAsync(HttpContext context)
    {
        if (await FilterAsync(context, RunFilterKeys) is not { } filter) return;
        var size = int.TryParse(context.Request.Query["page_size"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : 20;
        var offset = 0;
        if (context.Request.Query["page_token"].ToString() is { Length: > 0 } token && !int.TryParse(Encoding.UTF8.GetString(Convert.FromBase64String(token)), NumberStyles.Integer, CultureInfo.InvariantCulture, out offset))
        {
            await ErrorAsync(context, 400, 3, "Invalid page token");
            return;
        }
        List<JsonObject> matching;
        lock (_gate) matching = _runs.Where(r => Matches(r, filter)).Reverse().Select(r => r.DeepClone().AsObject()).ToList();
        var page = matching.Skip(offset).Take(size).ToList();
        var response = new JsonObject { ["runs"] = new JsonArray(page.Select(r => (JsonNode?)r).ToArray()), ["total_size"] = matching.Count };
        if (offset + size < matching.Count) response["next_page_token"] = Convert.ToBase64String(Encoding.UTF8.GetBytes((offset + size).ToString(CultureInfo.InvariantCulture)));
        await context.Response.WriteAsJsonAsync(response);
    }

    private async Task TerminateAsync(HttpContext context, string id) => await ChangeAsync(context, id, run =>
    {
        if (run["state"]!.GetValue<string>() is "SUCCEEDED" or "FAILED" or "CANCELED") return "FailedPrecondition: the run has already finished";
        run["state"] = "CANCELING";
        return null;
    });

    private async Task RetryAsync(HttpContext context, string id) => await ChangeAsync(context, id, run =>
    {
        if (run["state"]!.GetValue<string>() is not ("FAILED" or "CANCELED")) return "FailedPrecondition: only a failed or terminated run can be retried";
        run["state"] = "RUNNING";
        run.Remove("error");
        return null;
    });

    private async Task ChangeAsync(HttpContext context, string id, Func<JsonObject, string?> change)
    {
        string? problem = "missing";
        lock (_gate)
            if (_runs.FirstOrDefault(r => r["run_id"]!.GetValue<string>() == id) is { } run) problem = change(run);
        if (problem == "missing") await ErrorAsync(context, 404, 5, $"Run {id} not found");
        else if (problem is not null) await ErrorAsync(context, 400, 9, problem);
        else await context.Response.WriteAsJsonAsync(new JsonObject());
    }

    /// <summary>The decoded filter (empty when none), or null after answering 400 for a bad one.</summary>
    private async Task<JsonObject?> FilterAsync(HttpContext context, HashSet<string> keys)
    {
        var text = context.Request.Query["filter"].ToString();
        if (text.Length == 0) return [];
        JsonObject? filter = null;
        try { filter = JsonNode.Parse(text) as JsonObject; }
        catch (JsonException) { }
        var problem = filter is null ? "filter is not valid JSON" : null;
        foreach (var p in filter?["predicates"] as JsonArray ?? [])
        {
            if (p?["key"]?.GetValue<string>() is not { } key || !keys.Contains(key)) problem ??= $"Invalid filter: key {p?["key"]} is not supported";
            if (p?["operation"]?.GetValue<string>() is not { } op || !Operations.Contains(op)) problem ??= $"Invalid filter: unknown operation {p?["operation"]}";
        }
        if (problem is not null)
        {
            await ErrorAsync(context, 400, 3, problem);
            return null;
        }
        Filters.Enqueue(filter!);
        return filter;
    }

    private static bool Matches(JsonObject item, JsonObject filter) => (filter["predicates"] as JsonArray ?? []).All(p =>
    {
        var key = p!["key"]!.GetValue<string>();
        var actual = key == "pipeline_id" ? item["pipeline_version_reference"]?["pipeline_id"]?.GetValue<string>() ?? item["pipeline_id"]?.GetValue<string>() : item[key]?.GetValue<string>();
        var wanted = p["string_value"]?.GetValue<string>();
        return p["operation"]!.GetValue<string>() switch
        {
            "EQUALS" => actual == wanted,
            "NOT_EQUALS" => actual != wanted,
            "IS_SUBSTRING" => actual?.Contains(wanted ?? "", StringComparison.Ordinal) == true,
            _ => true,
        };
    });

    private static async Task ErrorAsync(HttpContext context, int status, int code, string message)
    {
        context.Response.StatusCode = status;
        await context.Response.WriteAsJsonAsync(new JsonObject { ["error"] = message, ["code"] = code, ["message"] = message, ["details"] = new JsonArray() });
    }
}
