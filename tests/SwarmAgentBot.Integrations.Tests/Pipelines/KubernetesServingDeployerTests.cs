using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Agents.Registry;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Integrations.Http;
using SwarmAgentBot.Integrations.Kubernetes;

namespace SwarmAgentBot.Integrations.Tests.Pipelines;

/// <summary>
/// A deployment with Swarm:Jobs:Provider=Kubernetes applies the serving Deployment and Service through
/// the real client against the loopback API server, which rejects what a real one rejects.
/// </summary>
public sealed class KubernetesServingDeployerTests : IAsyncLifetime
{
    private readonly KubernetesApiFixture _api = new();
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "swarm-k8s-serve-" + Guid.NewGuid().ToString("N")[..8]);
    private ModelRegistry _registry = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        var swarm = Options.Create(new SwarmOptions { DataDir = _folder });
        var database = new SwarmDatabase(swarm, [.. CoreMigrations.All, .. RegistryMigrations.All], NullLogger<SwarmDatabase>.Instance);
        _registry = new ModelRegistry(database, TimeProvider.System);
        foreach (var run in new[] { 7, 9 })
            await _registry.RegisterAsync(new NewModelVersion("Churn_Model", run, "churn.csv", 1, null, "binary", "f1",
                new Dictionary<string, double> { ["f1"] = 0.8 }, $"runs/{run}/bundle.zip", "sha" + run, "alice"));
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }

    private KubernetesServingDeployer Deployer(string token = KubernetesApiFixture.Token, string manifests = "manifests")
    {
        var kubeconfig = TestKubeconfig.Write(_folder, _api.BaseAddress, token, ns: "ml-serving");
        var connection = KubernetesConnection.FromKubeconfig(kubeconfig);
        var http = new HttpClient(connection.CreateHandler()) { BaseAddress = connection.Server, Timeout = Timeout.InfiniteTimeSpan };
        var client = new KubernetesClient(http, connection, new RetrySettings(1, TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10)), NullLogger<KubernetesClient>.Instance);
        var jobs = new JobsOptions { Provider = "Kubernetes", Kubernetes = new KubernetesJobsOptions { Image = "registry.example/swarm:2.1" } };
        return new KubernetesServingDeployer(client, connection, _registry, Options.Create(jobs), Options.Create(new PipelinesOptions { ManifestsPath = manifests }), NullLogger<KubernetesServingDeployer>.Instance);
    }

    [Fact]
    public async Task ADeploymentAppliesTheServingDeploymentAndServiceInTheContextNamespace()
    {
        var text = await Deployer().DeployAsync("Churn_Model", 2, "production");

        Assert.Contains("applied Deployment model-churn-model-production (generation 1) and Service model-churn-model-production in namespace ml-serving", text);
        var deployment = _api.Applied["Deployment ml-serving/model-churn-model-production"];
        var container = deployment["spec"]!["template"]!["spec"]!["containers"]![0]!;
        Assert.Equal("registry.example/swarm:2.1", container["image"]!.GetValue<string>());
        var env = container["env"]!.AsArray().ToDictionary(e => e!["name"]!.GetValue<string>(), e => e!["value"]!.GetValue<string>());
        Assert.Equal("Churn_Model", env["Swarm__Serving__Model"]);
        Assert.Equal("2", env["Swarm__Serving__Version"]);
        Assert.Equal("runs/9/bundle.zip", env["Swarm__Serving__ArtifactKey"]);
        Assert.True(_api.Applied.ContainsKey("Service ml-serving/model-churn-model-production"));
        Assert.All(_api.Requests.Where(r => r.StartsWith("PATCH", StringComparison.Ordinal)), r => Assert.Contains("fieldManager=swarm-bot&force=true", r));
    }

    [Fact]
    public async Task MovingTheStageUpdatesTheSameDeploymentToTheNewVersion()
    {
        var deployer = Deployer();
        await deployer.DeployAsync("Churn_Model", 2, "production");
        var text = await deployer.DeployAsync("Churn_Model", 1, "production");

        Assert.Contains("generation 2", text);
        Assert.Single(_api.Applied.Keys, k => k.StartsWith("Deployment ", StringComparison.Ordinal));
        var env = _api.Applied["Deployment ml-serving/model-churn-model-production"]["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray();
        Assert.Contains(env, e => e!["name"]!.GetValue<string>() == "Swarm__Serving__Version" && e["value"]!.GetValue<string>() == "1");
    }

    [Fact]
    public async Task AForbiddenApplySaysWhatFailedAndDoesNotThrow()
    {
        _api.Inject("PATCH", "/deployments/", 403);

        var text = await Deployer().DeployAsync("Churn_Model", 2, "staging");

        Assert.Contains("failed", text);
        Assert.Contains("forbidden", text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Nothing was applied", text);
        Assert.Empty(_api.Applied);
    }

    [Fact]
    public async Task AnUnreachableApiServerIsReportedNotThrown()
    {
        var text = await Deployer(token: "wrong-token").DeployAsync("Churn_Model", 1, "staging");

        Assert.Contains("failed", text);
        Assert.Empty(_api.Applied);
    }

    [Fact]
    public async Task AMissingTemplateAppliesNothingAndSaysWhichFile()
    {
        var text = await Deployer(manifests: Path.Combine(_folder, "no-manifests")).DeployAsync("Churn_Model", 1, "staging");

        Assert.Contains("nothing was applied", text);
        Assert.Contains("model-deployment.yaml", text);
        Assert.DoesNotContain(_api.Requests, r => r.StartsWith("PATCH", StringComparison.Ordinal));
    }
}
