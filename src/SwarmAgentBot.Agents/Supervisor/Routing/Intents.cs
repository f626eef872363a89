namespace SwarmAgentBot.Agents.Supervisor.Routing;

/// <summary>The intent names of shared/spec/intents.md, and which entities each one takes.</summary>
public static class Intents
{
    public const string ListDatasets = "storage.list_datasets";
    public const string UploadDataset = "storage.upload_dataset";
    public const string PreviewDataset = "storage.preview_dataset";
    public const string ProfileDataset = "storage.profile_dataset";
    public const string DeleteDataset = "storage.delete_dataset";
    public const string PlotDataset = "storage.plot_dataset";
    public const string ListArtifacts = "storage.list_artifacts";
    public const string ListPipelines = "pipeline.list_pipelines";
    public const string DescribePipeline = "pipeline.describe_pipeline";
    public const string RunPipeline = "pipeline.run_pipeline";
    public const string ListRuns = "pipeline.list_runs";
    public const string RunStatus = "pipeline.run_status";
    public const string RunLogs = "pipeline.run_logs";
    public const string CancelRun = "pipeline.cancel_run";
    public const string CompareRuns = "pipeline.compare_runs";
    public const string Ask = "knowledge.ask";
    public const string TrainModel = "training.train_model";
    public const string TrainingStatus = "training.training_status";
    public const string Leaderboard = "training.leaderboard";
    public const string ExplainModel = "training.explain_model";
    public const string EvaluateModel = "training.evaluate_model";
    public const string RetrainModel = "training.retrain_model";
    public const string ListModels = "registry.list_models";
    public const string DeployModel = "registry.deploy_model";
    public const string Rollback = "registry.rollback";
    public const string ListDeployments = "registry.list_deployments";
    public const string Predict = "registry.predict";
    public const string CheckDrift = "drift.check_drift";
    public const string ExplainDrift = "drift.explain_drift";
    public const string DriftHistory = "drift.drift_history";
    public const string ConfigureMonitoring = "drift.configure_monitoring";
    public const string Lineage = "governance.lineage";
    public const string AuditLog = "governance.audit_log";
    public const string ReproduceRun = "governance.reproduce_run";
    public const string ListPending = "approvals.list_pending";
    public const string Approve = "approvals.approve";
    public const string Reject = "approvals.reject";
    public const string Help = "help";
    public const string Greeting = "greeting";
    public const string OutOfScope = "out_of_scope";

    /// <summary>Every intent, in catalogue order.</summary>
    public static readonly IReadOnlyList<string> All =
    [
        ListDatasets, UploadDataset, PreviewDataset, ProfileDataset, DeleteDataset, PlotDataset, ListArtifacts,
        ListPipelines, DescribePipeline, RunPipeline, ListRuns, RunStatus, RunLogs, CancelRun, CompareRuns,
        Ask, TrainModel, TrainingStatus, Leaderboard, ExplainModel, EvaluateModel, RetrainModel,
        ListModels, DeployModel, Rollback, ListDeployments, Predict,
        CheckDrift, ExplainDrift, DriftHistory, ConfigureMonitoring,
        Lineage, AuditLog, ReproduceRun, ListPending, Approve, Reject, Help, Greeting, OutOfScope,
    ];

    /// <summary>The intents that change something and go through approval: the router picks one only on explicit evidence.</summary>
    public static bool IsMutating(string intent) => intent is DeleteDataset or DeployModel or Rollback or CancelRun or RetrainModel or Approve or Reject;

    /// <summary>The agent serving an intent: the part before the dot ("training"), or the intent itself (help, greeting, out_of_scope).</summary>
    public static string AgentOf(string intent)
    {
        var dot = intent.IndexOf('.');
        return dot < 0 ? intent : intent[..dot];
    }

    /// <summary>The entities an intent takes (what the router keeps for it).</summary>
    public static IReadOnlyList<string> EntitiesOf(string intent) => intent switch
    {
        ListDatasets => ["bucket", "prefix"],
        UploadDataset => ["dataset", "bucket"],
        PreviewDataset => ["dataset", "bucket", "rows"],
        ProfileDataset => ["dataset", "bucket", "column", "target"],
        DeleteDataset => ["dataset", "bucket"],
        PlotDataset => ["dataset", "bucket", "column", "column2"],
        ListArtifacts => ["run_id", "model", "version"],
        DescribePipeline => ["pipeline"],
        RunPipeline => ["pipeline", "params"],
        ListRuns => ["pipeline", "status"],
        RunStatus or CancelRun or TrainingStatus or ReproduceRun => ["run_id"],
        RunLogs => ["run_id", "step"],
        CompareRuns => ["run_ids"],
        Ask => ["question"],
        TrainModel => ["dataset", "bucket", "target", "task", "metric", "time_budget_s"],
        Leaderboard => ["run_id", "model"],
        ExplainModel => ["model", "version"],
        EvaluateModel => ["model", "version", "dataset", "bucket", "metric"],
        RetrainModel => ["model", "dataset", "bucket", "time_budget_s"],
        ListModels => ["model"],
        DeployModel => ["model", "version", "stage"],
        Rollback => ["model", "stage"],
        ListDeployments => ["stage", "model"],
        Predict => ["model", "version", "stage", "record", "dataset", "bucket"],
        CheckDrift => ["model", "stage", "window"],
        ExplainDrift or DriftHistory => ["model", "stage", "window"],
        ConfigureMonitoring => ["model", "stage", "schedule", "threshold", "metric"],
        Lineage => ["model", "version", "dataset", "bucket", "run_id"],
        AuditLog => ["model", "user", "action"],
        Approve or Reject => ["approval_id", "comment"],
        ListPending => ["approval_id"],
        Help => ["topic"],
        _ => [],
    };
}
