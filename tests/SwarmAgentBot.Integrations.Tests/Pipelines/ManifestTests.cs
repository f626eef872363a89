using System.Text.Json.Nodes;
using SwarmAgentBot.Integrations.Local;

namespace SwarmAgentBot.Integrations.Tests.Pipelines;

/// <summary>Every manifest in the repository parses, and carries the fields the clients rely on.</summary>
public sealed class ManifestTests
{
    private static readonly string Root = ManifestLocator.Resolve("manifests");

    private static IReadOnlyList<JsonObject> Documents(string relative) =>
        YamlJson.ParseAll(File.ReadAllText(Path.Combine(Root, relative))).Cast<JsonObject>().ToList();

    private static JsonObject Kind(string relative, string kind) => Assert.Single(Documents(relative), d => d["kind"]!.GetValue<string>() == kind);

    [Fact]
    public void EveryYamlFileParsesAndEveryKubernetesObjectHasApiVersionKindAndName()
    {
        foreach (var file in Directory.EnumerateFiles(Root, "*.yaml", SearchOption.AllDirectories))
            Assert.NotEmpty(YamlJson.ParseAll(File.ReadAllText(file)));

        // The Kubernetes manifests (other folders hold app manifests for chat platforms and pipelines).
        var files = new[] { "bot", "jobs", "serving" }.SelectMany(d => Directory.EnumerateFiles(Path.Combine(Root, d), "*.yaml")).ToList();
        Assert.True(files.Count >= 6, $"expected the bot, job and serving manifests under {Root}");
        foreach (var file in files)
            foreach (var doc in YamlJson.ParseAll(File.ReadAllText(file)).Cast<JsonObject>())
            {
                Assert.False(string.IsNullOrEmpty(doc["apiVersion"]?.GetValue<string>()), file);
                Assert.False(string.IsNullOrEmpty(doc["kind"]?.GetValue<string>()), file);
                Assert.False(string.IsNullOrEmpty(doc["metadata"]?["name"]?.GetValue<string>()), file);
            }
    }

    [Fact]
    public void TheRoleGrantsOnlyWhatTheJobRunnerAndTheServingDeployerCall()
    {
        var role = Kind("bot/rbac.yaml", "Role");
        var rules = role["rules"]!.AsArray().Select(r => (
            Group: r!["apiGroups"]!.AsArray().Single()!.GetValue<string>(),
            Resource: r["resources"]!.AsArray().Single()!.GetValue<string>(),
            Verbs: r["verbs"]!.AsArray().Select(v => v!.GetValue<string>()).Order().ToArray())).ToList();
        Assert.Equal(5, rules.Count);
        Assert.Contains(("batch", "jobs", new[] { "create", "delete", "get", "list", "watch" }), rules.Select(r => (r.Group, r.Resource, r.Verbs)), RuleComparer.Instance);
        Assert.Contains(("", "pods", new[] { "get", "list" }), rules.Select(r => (r.Group, r.Resource, r.Verbs)), RuleComparer.Instance);
        Assert.Contains(("", "pods/log", new[] { "get" }), rules.Select(r => (r.Group, r.Resource, r.Verbs)), RuleComparer.Instance);
        Assert.Contains(("apps", "deployments", new[] { "create", "get", "patch" }), rules.Select(r => (r.Group, r.Resource, r.Verbs)), RuleComparer.Instance);
        Assert.Contains(("", "services", new[] { "create", "get", "patch" }), rules.Select(r => (r.Group, r.Resource, r.Verbs)), RuleComparer.Instance);

        var binding = Kind("bot/rbac.yaml", "RoleBinding");
        Assert.Equal(role["metadata"]!["name"]!.GetValue<string>(), binding["roleRef"]!["name"]!.GetValue<string>());
        var subject = binding["subjects"]![0]!;
        Assert.Equal("ServiceAccount", subject["kind"]!.GetValue<string>());
        var bot = Kind("bot/deployment.yaml", "Deployment");
        Assert.Equal(subject["name"]!.GetValue<string>(), bot["spec"]!["template"]!["spec"]!["serviceAccountName"]!.GetValue<string>());
        Assert.Contains(Documents("bot/serviceaccount.yaml"), sa => sa["metadata"]!["name"]!.GetValue<string>() == subject["name"]!.GetValue<string>());
    }

    [Fact]
    public void TheBotDeploymentUsesKubernetesJobsAndItsServiceSelectsIt()
    {
        var bot = Kind("bot/deployment.yaml", "Deployment");
        var container = bot["spec"]!["template"]!["spec"]!["containers"]![0]!;
        var env = container["env"]!.AsArray().ToDictionary(e => e!["name"]!.GetValue<string>(), e => e!["value"]?.GetValue<string>());
        Assert.Equal("Kubernetes", env["Swarm__Jobs__Provider"]);
        Assert.False(string.IsNullOrEmpty(env["Swarm__Jobs__Kubernetes__Image"]));
        Assert.EndsWith("manifests/jobs/worker-job.yaml", env["Swarm__Jobs__Kubernetes__JobTemplate"]);
        var service = Kind("bot/service.yaml", "Service");
        var selector = service["spec"]!["selector"]!.AsObject();
        var labels = bot["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();
        Assert.All(selector, kv => Assert.Equal(kv.Value!.GetValue<string>(), labels[kv.Key]!.GetValue<string>()));
        Assert.Equal(3978, container["ports"]![0]!["containerPort"]!.GetValue<long>());
    }

    [Fact]
    public void TheJobTemplateHasWhatTheRunnerFillsInAndWhatKubernetesRequires()
    {
        var job = Kind("jobs/worker-job.yaml", "Job");
        Assert.Equal("batch/v1", job["apiVersion"]!.GetValue<string>());
        Assert.Equal(0, job["spec"]!["backoffLimit"]!.GetValue<long>());
        var pod = job["spec"]!["template"]!["spec"]!;
        Assert.Equal("Never", pod["restartPolicy"]!.GetValue<string>());
        var container = pod["containers"]![0]!;
        Assert.Equal("worker", container["name"]!.GetValue<string>());
        Assert.NotNull(container["resources"]!["requests"]!["cpu"]);
        Assert.NotNull(container["resources"]!["limits"]!["memory"]);
        Assert.Equal("2", container["resources"]!["limits"]!["cpu"]!.GetValue<string>()); // quoted in YAML: stays a string
    }

    [Fact]
    public void TheServingTemplateIsADeploymentAndServiceWithThePlaceholders()
    {
        var text = File.ReadAllText(Path.Combine(Root, "serving/model-deployment.yaml"));
        foreach (var placeholder in new[] { "{{name}}", "{{model}}", "{{version}}", "{{stage}}", "{{image}}", "{{artifact}}" }) Assert.Contains(placeholder, text);
        var filled = text.Replace("{{name}}", "churn-production").Replace("{{model}}", "churn").Replace("{{version}}", "3").Replace("{{stage}}", "production").Replace("{{image}}", "swarm:1").Replace("{{artifact}}", "runs/7/bundle.zip");
        var docs = YamlJson.ParseAll(filled).Cast<JsonObject>().ToList();
        var deployment = Assert.Single(docs, d => d["kind"]!.GetValue<string>() == "Deployment");
        var service = Assert.Single(docs, d => d["kind"]!.GetValue<string>() == "Service");
        Assert.Equal("model-churn-production", deployment["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal("3", deployment["metadata"]!["labels"]!["swarm.dev/version"]!.GetValue<string>());
        Assert.Equal(deployment["spec"]!["selector"]!["matchLabels"]!["app.kubernetes.io/name"]!.GetValue<string>(), service["spec"]!["selector"]!["app.kubernetes.io/name"]!.GetValue<string>());
    }

    [Fact]
    public void TheShippedPipelinesAreValidAndStepsCallSwarmWorkers()
    {
        var names = new List<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Root, "pipelines"), "*.yaml"))
        {
            var manifest = PipelineManifests.Parse(File.ReadAllText(file), Path.GetFileName(file));
            names.Add(manifest.Name);
            Assert.False(string.IsNullOrEmpty(manifest.Description));
            Assert.All(manifest.Steps, s => Assert.Equal("worker", s.Command[0]));
            Assert.All(manifest.Parameters, p => Assert.False(string.IsNullOrEmpty(p.Description)));
        }
        Assert.Equal(["batch-score", "drift-check", "train-and-register"], names.Order());
        var train = PipelineManifests.ToDefinition(PipelineManifests.Parse(File.ReadAllText(Path.Combine(Root, "pipelines", "train-and-register.yaml")), "t"));
        Assert.Equal(["profile", "train", "evaluate", "register"], train.Steps.Select(s => s.Name));
    }

    private sealed class RuleComparer : IEqualityComparer<(string, string, string[])>
    {
        public static readonly RuleComparer Instance = new();
        public bool Equals((string, string, string[]) x, (string, string, string[]) y) => x.Item1 == y.Item1 && x.Item2 == y.Item2 && x.Item3.SequenceEqual(y.Item3);
        public int GetHashCode((string, string, string[]) obj) => HashCode.Combine(obj.Item1, obj.Item2);
    }
}
