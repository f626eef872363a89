using System.Text.Json.Nodes;

namespace SwarmAgentBot.Agents.Supervisor;

/// <summary>
/// The intent catalogue of shared/spec/intents.md as data: for every intent its agent, a one-line description,
/// a JSON schema of its typical entities (with the normalisation rules as types, enums and bounds) and whether
/// it mutates. Agents may build their <see cref="IntentDescriptor"/> from it (<see cref="Descriptor"/>); the LLM
/// planner uses it to fill in schemas an agent left thin. Every call returns fresh JSON (callers may edit it).
/// </summary>
public static class IntentSchemas
{
    /// <summary>Intents the supervisor serves itself (no agent registers them).</summary>
    public static readonly IReadOnlySet<string> SupervisorIntents = new HashSet<string>(StringComparer.Ordinal)
    {
        "help", "greeting", "out_of_scope", "approvals.list_pending", "approvals.approve", "approvals.reject",
    };

    /// <summary>One catalogue entry.</summary>
    /// <param name="Intent">Intent name.</param>
    /// <param name="Agent">Agent name (help, greeting and out_of_scope are their own).</param>
    /// <param name="Description">What the user wants.</param>
    /// <param name="Mutating">True when it changes something and must pass the approval gate.</param>
    public sealed record Entry(string Intent, string Agent, string Description, bool Mutating);

    private static readonly Dictionary<string, (Entry Entry, string[] Properties, string[] Required)> Catalogue = Build();

    /// <summary>Every intent of the contract, in the order of intents.md.</summary>
    public static IReadOnlyList<Entry> All { get; } = Catalogue.Values.Select(v => v.Entry).ToList();

    /// <summary>The entry for an intent, or null when intents.md does not list it.</summary>
    public static Entry? Find(string intent) => Catalogue.TryGetValue(intent, out var e) ? e.Entry : null;

    /// <summary>The JSON schema of an intent's entities (an object schema; empty properties when unknown).</summary>
    public static JsonObject SchemaFor(string intent)
    {
        var properties = new JsonObject();
        var required = new JsonArray();
        if (Catalogue.TryGetValue(intent, out var e))
        {
            foreach (var p in e.Properties) properties[p] = EntitySchema(p);
            foreach (var r in e.Required) required.Add(r);
        }
        var schema = new JsonObject { ["type"] = "object", ["properties"] = properties };
        if (required.Count > 0) schema["required"] = required;
        return schema;
    }

    /// <summary>A descriptor for an intent straight from the catalogue (agents may use it instead of writing their own).</summary>
    public static IntentDescriptor Descriptor(string intent, IReadOnlyList<string>? examples = null)
    {
        var e = Find(intent) ?? throw new ArgumentException($"Intent {intent} is not in intents.md.", nameof(intent));
        return new IntentDescriptor(e.Intent, e.Description, SchemaFor(intent), e.Mutating, examples);
    }

    /// <summary>
    /// The schema to use for an agent's intent: the catalogue's properties overlaid with the agent's own
    /// (the agent wins property by property; its required list wins when it has one).
    /// </summary>
    public static JsonObject Effective(IntentDescriptor descriptor)
    {
        var schema = SchemaFor(descriptor.Name);
        var properties = schema["properties"]!.AsObject();
        if (descriptor.ParametersSchema["properties"] is JsonObject own)
            foreach (var (name, value) in own)
                properties[name] = value?.DeepClone();
        if (descriptor.ParametersSchema["required"] is JsonArray ownRequired && ownRequired.Count > 0)
            schema["required"] = ownRequired.DeepClone();
        return schema;
    }

    /// <summary>The schema of one entity, by its name in intents.md (strings for anything not listed).</summary>
    public static JsonObject EntitySchema(string name) => name switch
    {
        "time_budget_s" => Int("Time budget in whole seconds (\"5 minutes\" is 300).", 1, 86_400),
        "rows" => Int("How many rows.", 1, 10_000),
        "version" => new JsonObject
        {
            ["type"] = new JsonArray("integer", "string"),
            ["minimum"] = 1,
            ["description"] = "Model version as an integer (v3 is 3), or the string \"latest\".",
        },
        "stage" => Enum("Deployment stage (prod/live is production; stage/test env is staging).", "staging", "production"),
        "task" => Enum("Kind of learning task.", "classification", "regression"),
        "metric" => Enum("Metric, lower-case.", "accuracy", "f1", "macro_f1", "auc", "logloss", "rmse", "mae", "r2", "psi"),
        "threshold" => new JsonObject { ["type"] = "number", ["description"] = "A number (20% is 0.2)." },
        "run_ids" => new JsonObject
        {
            ["type"] = "array",
            ["items"] = new JsonObject { ["type"] = "string" },
            ["minItems"] = 2,
            ["description"] = "Run ids as written, in the order written.",
        },
        "params" => new JsonObject { ["type"] = "object", ["description"] = "Pipeline parameters (learning rate 0.1 is {\"learning_rate\":0.1})." },
        "record" => new JsonObject { ["type"] = "object", ["description"] = "Feature values of one record (tenure=3 is {\"tenure\":3})." },
        _ => new JsonObject { ["type"] = "string", ["description"] = Describe(name) },
    };

    private static string Describe(string name) => name switch
    {
        "dataset" => "Dataset name as the user wrote it (keep any s3://bucket/ prefix).",
        "bucket" => "Bucket name.",
        "prefix" => "Key prefix to list under.",
        "column" => "Column name as written.",
        "column2" => "Second column name as written.",
        "run_id" => "Run id as written (\"run 12\" is \"12\").",
        "model" => "Registered model name.",
        "pipeline" => "Pipeline name.",
        "status" => "Run state to filter on (running, succeeded, failed ...).",
        "step" => "Pipeline step name.",
        "question" => "The question as the user asked it.",
        "target" => "Target (label) column name as written.",
        "window" => "Time window, e.g. \"7d\" or \"last week\".",
        "schedule" => "How often to check, e.g. \"hourly\" or a cron expression.",
        "user" => "Person name.",
        "action" => "Action name prefix, e.g. registry.deploy.",
        "approval_id" => "Approval number as written (\"#12\" is \"12\").",
        "comment" => "Comment to record with the decision.",
        "topic" => "Area to explain (storage, training, registry, drift, pipeline, knowledge, governance).",
        _ => name.Replace('_', ' ') + ".",
    };

    private static JsonObject Int(string description, int min, int max) =>
        new() { ["type"] = "integer", ["minimum"] = min, ["maximum"] = max, ["description"] = description };

    private static JsonObject Enum(string description, params string[] values) =>
        new() { ["type"] = "string", ["enum"] = new JsonArray(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray()), ["description"] = description };

    private static Dictionary<string, (Entry, string[], string[])> Build()
    {
        var d = new Dictionary<string, (Entry, string[], string[])>(StringComparer.Ordinal);
        void Add(string intent, string description, string properties, bool mutating = false, string required = "")
        {
            var agent = intent.Contains('.') ? intent[..intent.IndexOf('.')] : intent;
            d[intent] = (new Entry(intent, agent, description, mutating), Split(properties), Split(required));
        }
        Add("storage.list_datasets", "List datasets, buckets or files.", "bucket prefix");
        Add("storage.upload_dataset", "Store an attached or referenced file as a dataset.", "dataset bucket");
        Add("storage.preview_dataset", "Show the first rows and the columns of a dataset.", "dataset rows");
        Add("storage.profile_dataset", "Profile a dataset: schema, missing values, distributions, label balance.", "dataset column");
        Add("storage.delete_dataset", "Delete a dataset (needs confirmation).", "dataset", mutating: true);
        Add("storage.plot_dataset", "Chart one or two columns of a dataset (histogram, bar, scatter).", "dataset column column2");
        Add("storage.list_artifacts", "List files a run or model produced (metrics, plots, model files).", "run_id model version");
        Add("pipeline.list_pipelines", "List the pipelines that exist.", "");
        Add("pipeline.describe_pipeline", "Explain what a pipeline does and its parameters.", "pipeline");
        Add("pipeline.run_pipeline", "Start a pipeline run with parameters.", "pipeline params");
        Add("pipeline.list_runs", "List recent runs, optionally of one pipeline.", "pipeline status");
        Add("pipeline.run_status", "State and progress of a run.", "run_id");
        Add("pipeline.run_logs", "Logs of a run or of one of its steps.", "run_id step");
        Add("pipeline.cancel_run", "Stop a running run (needs approval).", "run_id", mutating: true);
        Add("pipeline.compare_runs", "Metrics and parameters of two or more runs side by side.", "run_ids");
        Add("knowledge.ask", "Answer a how-to, concept or policy question from the knowledge base.", "question", required: "question");
        Add("training.train_model", "AutoML training on a dataset.", "dataset target task metric time_budget_s");
        Add("training.training_status", "Progress of a training run.", "run_id");
        Add("training.leaderboard", "Candidates tried in a training run and their scores.", "run_id model");
        Add("training.explain_model", "Which features matter for a model, or why it made a prediction.", "model version");
        Add("training.evaluate_model", "Score a model version on a dataset.", "model version dataset");
        Add("registry.list_models", "List registered models and their versions.", "model");
        Add("registry.deploy_model", "Deploy or promote a model version to a stage (needs approval).", "model version stage", mutating: true);
        Add("registry.rollback", "Return a stage to its previous model version (needs approval).", "model stage", mutating: true);
        Add("registry.list_deployments", "What is deployed where.", "stage");
        Add("registry.predict", "Score one record or a dataset with a deployed model.", "model stage record dataset");
        Add("drift.check_drift", "Run a drift check now.", "model stage window");
        Add("drift.explain_drift", "Explain why a model or its data drifted.", "model window");
        Add("drift.drift_history", "Drift of a model over time.", "model window");
        Add("drift.configure_monitoring", "Schedule drift checks, thresholds, alerts and an auto-retrain policy.", "model schedule threshold metric");
        Add("training.retrain_model", "Retrain a registered model on newer data (deploying the result needs approval).", "model dataset", mutating: true);
        Add("governance.lineage", "Where an artifact came from and what it produced.", "model version dataset run_id");
        Add("governance.audit_log", "Who did what and when.", "model user action");
        Add("governance.reproduce_run", "Re-run a recorded training run and compare the results.", "run_id");
        Add("approvals.list_pending", "List what is waiting for approval.", "");
        Add("approvals.approve", "Approve a pending request.", "approval_id comment", mutating: true);
        Add("approvals.reject", "Reject a pending request.", "approval_id comment", mutating: true);
        Add("help", "Explain what the assistant can do, optionally for one area.", "topic");
        Add("greeting", "Answer hello, thanks or bye.", "");
        Add("out_of_scope", "Anything the assistant does not do: answered politely, never turned into an action.", "");
        return d;
    }

    private static string[] Split(string s) => s.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
