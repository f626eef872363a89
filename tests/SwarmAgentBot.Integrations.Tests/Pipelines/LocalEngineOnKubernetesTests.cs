using System.Text.Json.Nodes;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Integrations.Kubernetes;

namespace SwarmAgentBot.Integrations.Tests.Pipelines;

/// <summary>The local pipeline engine with Swarm:Jobs:Provider = Kubernetes: every step becomes a Job on the (loopback) API server.</summary>
public sealed class LocalEngineOnKubernetesTests : IAsyncLifetime
{
    private readonly KubernetesApiFixture _api = new();
    private PipelineTestHost? _host;

    public Task InitializeAsync()
    {
        var kubeconfig = Path.Combine(Path.GetTempPath(), "swarm-kubeconfig-" + Guid.NewGuid().ToString("N")[..8]);
        File.WriteAllText(kubeconfig, $"""
            apiVersion: v1
            kind: Config
            current-context: loopback
            clusters: [{"{"}name: c, cluster: {"{"}server: "{_api.BaseAddress.ToString().TrimEnd('/')}"{"}"}{"}"}]
            users: [{"{"}name: u, user: {"{"}token: {KubernetesApiFixture.Token}{"}"}{"}"}]
            contexts: [{"{"}name: loopback, context: {"{"}cluster: c, user: u, namespace: ml{"}"}{"}"}]
            """);
        _host = new PipelineTestHost(new Dictionary<string, string?>
        {
            ["Swarm:Jobs:Provider"] = "Kubernetes",
            ["Swarm:Jobs:Kubernetes:Kubeconfig"] = kubeconfig,
            ["Swarm:Jobs:Kubernetes:Image"] = "registry.example/swarm:2.0",
            ["Swarm:Jobs:Kubernetes:PollInterval"] = "00:00:00.100",
        });
        return Task.CompletedTask;
    }

    [Fact]
    public async Task EachStepRunsAsAKubernetesJobAndReportsMetricsFromItsPodLog()
    {
        _api.Log = "training...\n##metric f1=0.82\n##output model=churn@4\n";
        _host!.WritePipeline("two", """
            name: two
            parameters: [{name: data, type: string}]
            steps:
              - {name: train, command: [worker, step, --, train, --data, "{{params.data}}", --json]}
              - {name: register, depends_on: [train], command: [worker, echo, --text, "{{steps.train.outputs.model}}"]}
            """);
        var pipelines = _host.Get<IPipelineService>();
        Assert.IsType<KubernetesJobRunner>(_host.Get<IJobRunner>());

        var started = await pipelines.StartRunAsync(new PipelineRunRequest("two", new JsonObject { ["data"] = "s3://ml/churn.csv" }));
        var run = await Eventually.GetAsync(() => pipelines.GetRunAsync(started.Id), r => r.IsFinished, TimeSpan.FromSeconds(30), "the run to end");

        Assert.Equal(PipelineRunState.Succeeded, run.State);
        Assert.Equal(0.82, run.Metrics["f1"]);
        var jobs = _api.CreatedJobs.ToList();
        Assert.Equal(2, jobs.Count);
        Assert.Equal(["worker", "step", "--", "train", "--data", "s3://ml/churn.csv", "--json"], jobs[0]["spec"]!["template"]!["spec"]!["containers"]![0]!["args"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal(["worker", "echo", "--text", "churn@4"], jobs[1]["spec"]!["template"]!["spec"]!["containers"]![0]!["args"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal(run.Id, jobs[1]["metadata"]!["labels"]!["swarm.dev/pipeline-run"]!.GetValue<string>());
        Assert.Contains(_api.Requests, r => r.StartsWith("POST /apis/batch/v1/namespaces/ml/jobs", StringComparison.Ordinal));
        Assert.Contains("training...", await pipelines.GetLogsAsync(run.Id, "train"));
    }

    public async Task DisposeAsync()
    {
        _host?.Dispose();
        await _api.DisposeAsync();
    }
}
