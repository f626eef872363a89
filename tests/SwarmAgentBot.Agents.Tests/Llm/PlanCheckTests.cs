using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using SwarmAgentBot.Agents.Supervisor;
using SwarmAgentBot.Agents.Supervisor.Llm;

namespace SwarmAgentBot.Agents.Tests.Llm;

/// <summary>The pieces of the plan check: schema validation, argument normalisation, consent, secret scrubbing, the schema catalogue.</summary>
public sealed class PlanCheckTests
{
    private static readonly JsonObject Schema = JsonNode.Parse("""
        {"type":"object","required":["dataset"],"properties":{
          "dataset":{"type":"string"},
          "time_budget_s":{"type":"integer","minimum":1,"maximum":86400},
          "threshold":{"type":"number"},
          "stage":{"type":"string","enum":["staging","production"]},
          "version":{"type":["integer","string"]},
          "run_ids":{"type":"array","items":{"type":"string"},"minItems":2},
          "record":{"type":"object"}}}
        """)!.AsObject();

    [Fact]
    public void ValidArgumentsPass()
    {
        var args = JsonNode.Parse("""{"dataset":"churn.csv","time_budget_s":300,"threshold":0.2,"stage":"production","version":"latest","run_ids":["7","8"],"record":{"tenure":3}}""");
        Assert.Empty(JsonSchemaValidator.Validate(args, Schema));
    }

    [Theory]
    [InlineData("""{"time_budget_s":300}""", "arguments.dataset: is required.")]
    [InlineData("""{"dataset":3}""", "arguments.dataset: expected string, got the number 3.")]
    [InlineData("""{"dataset":"d","time_budget_s":2.5}""", "arguments.time_budget_s: expected integer, got the number 2.5.")]
    [InlineData("""{"dataset":"d","time_budget_s":0}""", "arguments.time_budget_s: must be at least 1, got 0.")]
    [InlineData("""{"dataset":"d","time_budget_s":100000}""", "arguments.time_budget_s: must be at most 86400, got 100000.")]
    [InlineData("""{"dataset":"d","stage":"prod"}""", "arguments.stage: must be one of \"staging\", \"production\", got the string \"prod\".")]
    [InlineData("""{"dataset":"d","version":true}""", "arguments.version: expected integer or string, got true.")]
    [InlineData("""{"dataset":"d","run_ids":["7"]}""", "arguments.run_ids: needs at least 2 items, got 1.")]
    [InlineData("""{"dataset":"d","run_ids":["7",8]}""", "arguments.run_ids[1]: expected string, got the number 8.")]
    [InlineData("""{"dataset":"d","record":[1]}""", "arguments.record: expected object, got an array.")]
    public void InvalidArgumentsAreReportedWithPathExpectationAndValue(string json, string error)
    {
        Assert.Equal([error], JsonSchemaValidator.Validate(JsonNode.Parse(json), Schema));
    }

    [Fact]
    public void UnknownArgumentsAreRejectedOnlyWhenTheSchemaSaysSo()
    {
        var closed = JsonNode.Parse("""{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false}""")!.AsObject();
        Assert.Equal(["arguments.b: is not a known argument (known: a)."], JsonSchemaValidator.Validate(JsonNode.Parse("""{"b":1}"""), closed));
        Assert.Empty(JsonSchemaValidator.Validate(JsonNode.Parse("""{"dataset":"d","b":1}"""), Schema));
    }

    [Fact]
    public void TheNormaliserFixesHarmlessSlipsAndLeavesRealErrorsToTheValidator()
    {
        var schema = IntentSchemas.SchemaFor("registry.deploy_model");
        var fixedUp = ArgumentNormaliser.Normalise(JsonNode.Parse("""{"model":"churn","version":"v3","stage":"Prod","extra":"x","empty":""}""")!.AsObject(), schema);
        Assert.Equal("""{"model":"churn","version":3,"stage":"production"}""", fixedUp.ToJsonString());

        var train = ArgumentNormaliser.Normalise(JsonNode.Parse("""{"dataset":"churn.csv","time_budget_s":"300","metric":"F1"}""")!.AsObject(), IntentSchemas.SchemaFor("training.train_model"));
        Assert.Equal("""{"dataset":"churn.csv","time_budget_s":300,"metric":"f1"}""", train.ToJsonString());

        var compare = ArgumentNormaliser.Normalise(JsonNode.Parse("""{"run_ids":[7,"#8"]}""")!.AsObject(), IntentSchemas.SchemaFor("pipeline.compare_runs"));
        Assert.Equal("""{"run_ids":["7","8"]}""", compare.ToJsonString());

        var wrong = ArgumentNormaliser.Normalise(JsonNode.Parse("""{"time_budget_s":"five minutes"}""")!.AsObject(), IntentSchemas.SchemaFor("training.train_model"));
        Assert.NotEmpty(JsonSchemaValidator.Validate(wrong, IntentSchemas.SchemaFor("training.train_model")));
    }

    [Theory]
    [InlineData("registry.deploy_model", "deploy churn v3 to prod", true)]
    [InlineData("registry.deploy_model", "promote v3 to production", true)]
    [InlineData("registry.deploy_model", "train churn then ship it if f1 >= 0.8", true)]
    [InlineData("registry.deploy_model", "how is run 12 going?", false)]
    [InlineData("registry.deploy_model", "summarise the drift report", false)]
    [InlineData("registry.rollback", "roll back churn in production", true)]
    [InlineData("registry.rollback", "list models", false)]
    [InlineData("storage.delete_dataset", "remove old.csv", true)]
    [InlineData("storage.delete_dataset", "preview old.csv", false)]
    [InlineData("pipeline.cancel_run", "stop run 7", true)]
    [InlineData("approvals.approve", "approve 12", true)]
    [InlineData("approvals.approve", "what is pending?", false)]
    [InlineData("training.retrain_model", "retrain churn on march data", true)]
    [InlineData("pipeline.pause_schedule", "pause the nightly schedule", true)]
    [InlineData("pipeline.pause_schedule", "show the nightly schedule", false)]
    [InlineData("registry.list_models", "anything at all", true)]
    public void AMutatingIntentNeedsTheUsersOwnWords(string intent, string message, bool asked)
    {
        var mutating = intent != "registry.list_models";
        Assert.Equal(asked, MutationConsent.IsAskedFor(intent, mutating, message));
    }

    [Fact]
    public void TheScrubberRemovesConfiguredSecretsAndCredentialShapes()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Swarm:Llm:ApiKey"] = "plain-looking-key-123",
            ["Swarm:Channels:Slack:SigningSecret"] = "abcdef0123456789",
            ["Swarm:DataDir"] = "data-folder-name",
        }).Build();
        var scrubber = SecretScrubber.FromConfiguration(configuration);

        var text = "key plain-looking-key-123, signing abcdef0123456789, folder data-folder-name, sk-abcdefghijklmnop1234, " +
                   "xoxb-123456789012-abcdefghij, AKIAABCDEFGHIJKLMNOP, Bearer abc.def-ghi_jkl.mnopqrstu, ghp_abcdefghijklmnopqrstuvwxyz0123456789";
        var scrubbed = scrubber.Scrub(text);

        Assert.Equal("key [redacted], signing [redacted], folder data-folder-name, [redacted], [redacted], [redacted], Bearer [redacted], [redacted]", scrubbed);
        Assert.Contains("ApiKey=[redacted]", new LlmOptions { Endpoint = "http://x/v1", ApiKey = "plain-looking-key-123" }.ToString());
        Assert.DoesNotContain("plain-looking-key-123", new LlmOptions { Endpoint = "http://x/v1", ApiKey = "plain-looking-key-123" }.ToString());
    }

    [Fact]
    public void EveryIntentOfTheContractHasAnEntryAndTheSpecExampleMatchesItsSchema()
    {
        string[] contract =
        [
            "storage.list_datasets", "storage.upload_dataset", "storage.preview_dataset", "storage.profile_dataset", "storage.delete_dataset",
            "storage.plot_dataset", "storage.list_artifacts", "pipeline.list_pipelines", "pipeline.describe_pipeline", "pipeline.run_pipeline",
            "pipeline.list_runs", "pipeline.run_status", "pipeline.run_logs", "pipeline.cancel_run", "pipeline.compare_runs", "knowledge.ask",
            "training.train_model", "training.training_status", "training.leaderboard", "training.explain_model", "training.evaluate_model",
            "registry.list_models", "registry.deploy_model", "registry.rollback", "registry.list_deployments", "registry.predict",
            "drift.check_drift", "drift.explain_drift", "drift.drift_history", "drift.configure_monitoring", "training.retrain_model",
            "governance.lineage", "governance.audit_log", "governance.reproduce_run", "approvals.list_pending", "approvals.approve",
            "approvals.reject", "help", "greeting", "out_of_scope",
        ];
        Assert.Equal(contract.Order(), IntentSchemas.All.Select(e => e.Intent).Order());
        Assert.Equal(["approvals.approve", "approvals.reject", "pipeline.cancel_run", "registry.deploy_model", "registry.rollback", "storage.delete_dataset", "training.retrain_model"],
            IntentSchemas.All.Where(e => e.Mutating).Select(e => e.Intent).Order());

        var example = JsonNode.Parse("""{"dataset":"churn.csv","target":"Churn","metric":"f1","time_budget_s":300}""");
        Assert.Empty(JsonSchemaValidator.Validate(example, IntentSchemas.SchemaFor("training.train_model")));
        Assert.Empty(JsonSchemaValidator.Validate(JsonNode.Parse("""{"stage":"production"}"""), IntentSchemas.SchemaFor("registry.deploy_model")));
    }

    [Fact]
    public void AnAgentsOwnSchemaWinsOverTheCatalogue()
    {
        var own = new IntentDescriptor("registry.deploy_model", "Deploy.", JsonNode.Parse("""{"type":"object","properties":{"stage":{"type":"string","enum":["staging","production","canary"]}},"required":["model"]}""")!.AsObject(), true);
        var effective = IntentSchemas.Effective(own);
        Assert.Equal(3, effective["properties"]!["stage"]!["enum"]!.AsArray().Count);
        Assert.NotNull(effective["properties"]!["version"]);
        Assert.Equal("model", effective["required"]![0]!.ToString());
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("ftp://x", "Swarm:Llm:Endpoint must be an absolute http(s) URL")]
    [InlineData("http://localhost:11434/v1", null)]
    public void LlmSettingsAreValidatedWithTheSettingsName(string? endpoint, string? error)
    {
        var problem = new LlmOptions { Endpoint = endpoint }.Validate();
        if (error is null) Assert.Null(problem); else Assert.StartsWith(error, problem);
        Assert.StartsWith("Swarm:Llm:MaxSteps", new LlmOptions { Endpoint = "http://h/v1", MaxSteps = 99 }.Validate());
    }
}
