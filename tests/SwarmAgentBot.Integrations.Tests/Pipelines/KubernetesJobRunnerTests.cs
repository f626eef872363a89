using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Integrations.Http;
using SwarmAgentBot.Integrations.Kubernetes;

namespace SwarmAgentBot.Integrations.Tests.Pipelines;

public sealed class KubernetesJobRunnerTests : IAsyncLifetime
{
    private readonly KubernetesApiFixture _api = new();
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "swarm-k8s-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly RecordingTimeProvider _time = new();

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        return Task.CompletedTask;
    }

    private string Kubeconfig(Uri server, string token = KubernetesApiFixture.Token, string extraUser = "") =>
        TestKubeconfig.Write(_folder, server, token, extraUser: extraUser);

    private KubernetesJobRunner Runner(Uri? server = null, TimeSpan? startTimeout = null, string? template = null, int retries = 3, bool watch = true)
    {
        var connection = KubernetesConnection.FromKubeconfig(Kubeconfig(server ?? _api.BaseAddress));
        var options = new JobsOptions
        {
            Provider = "Kubernetes",
            StartTimeout = startTimeout ?? TimeSpan.FromMinutes(5),
            Kubernetes = new KubernetesJobsOptions
            {
                Image = "registry.example/swarm:1.0",
                JobTemplate = template ?? "manifests/jobs/worker-job.yaml",
                MemoryLimit = "3Gi",
                PollInterval = TimeSpan.FromMilliseconds(100),
                UseWatch = watch,
                MaxRetries = retries,
                RetryDelay = TimeSpan.FromMilliseconds(10),
            },
        };
        var http = new HttpClient(connection.CreateHandler()) { BaseAddress = connection.Server, Timeout = Timeout.InfiniteTimeSpan };
        var client = new KubernetesClient(http, connection, new RetrySettings(retries, TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10)),
            NullLogger<KubernetesClient>.Instance, _time);
        return new KubernetesJobRunner(client, connection, Options.Create(options), TimeProvider.System, NullLogger<KubernetesJobRunner>.Instance);
    }

    private static JobSpec Spec(string id) => new(id, "pipeline-step", ["worker", "step", "--", "train", "--json"], TimeSpan.FromMinutes(10),
        new Dictionary<string, string> { ["swarm.dev/pipeline-run"] = "12" }, new Dictionary<string, string> { ["SWARM_TRACE"] = "1" });

    [Fact]
    public async Task ItCreatesTheJobFromTheTemplateAndFollowsItToSuccessByWatching()
    {
        var runner = Runner();
        var started = await runner.StartAsync(Spec("p12-train-0"));
        Assert.Equal(JobState.Pending, started.State);

        var status = await runner.WaitAsync("p12-train-0");

        Assert.Equal(JobState.Succeeded, status.State);
        var job = Assert.Single(_api.CreatedJobs);
        Assert.Equal("swarm-p12-train-0", job["metadata"]!["name"]!.GetValue<string>());
        foreach (var labels in new[] { job["metadata"]!["labels"]!, job["spec"]!["template"]!["metadata"]!["labels"]! })
        {
            Assert.Equal("p12-train-0", labels["swarm.dev/job-id"]!.GetValue<string>());
            Assert.Equal("pipeline-step", labels["swarm.dev/kind"]!.GetValue<string>());
            Assert.Equal("12", labels["swarm.dev/pipeline-run"]!.GetValue<string>());
        }
        var container = job["spec"]!["template"]!["spec"]!["containers"]![0]!;
        Assert.Equal("registry.example/swarm:1.0", container["image"]!.GetValue<string>());
        Assert.Equal(["dotnet", "/app/swarm.dll"], container["command"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(["worker", "step", "--", "train", "--json"], container["args"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Contains(container["env"]!.AsArray(), e => e!["name"]!.GetValue<string>() == "SWARM_TRACE");
        Assert.Equal("3Gi", container["resources"]!["limits"]!["memory"]!.GetValue<string>());
        Assert.Equal("500m", container["resources"]!["requests"]!["cpu"]!.GetValue<string>()); // from the template
        Assert.Equal(600, job["spec"]!["activeDeadlineSeconds"]!.GetValue<long>());
        Assert.Equal(0, job["spec"]!["backoffLimit"]!.GetValue<long>());
        Assert.Contains(_api.Requests, r => r.StartsWith("POST /apis/batch/v1/namespaces/swarm/jobs", StringComparison.Ordinal));
        Assert.Contains(_api.Requests, r => r.Contains("watch=true", StringComparison.Ordinal) && r.Contains("fieldSelector=metadata.name%3Dswarm-p12-train-0", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PollingWithoutAWatchGivesTheSameOutcome()
    {
        var runner = Runner(watch: false);
        await runner.StartAsync(Spec("polled"));
        Assert.Equal(JobState.Succeeded, (await runner.WaitAsync("polled")).State);
        Assert.DoesNotContain(_api.Requests, r => r.Contains("watch=true", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ItReadsThePodLogWithTailLines()
    {
        var runner = Runner();
        await runner.StartAsync(Spec("logs"));
        await runner.WaitAsync("logs");

        Assert.Equal("line 1\nline 2\nline 3\n", await runner.GetLogsAsync("logs"));
        Assert.Equal("line 3\n", await runner.GetLogsAsync("logs", tailLines: 1));
        Assert.Contains(_api.Requests, r => r.StartsWith("GET /api/v1/namespaces/swarm/pods?labelSelector=job-name%3Dswarm-logs", StringComparison.Ordinal));
        Assert.Contains(_api.Requests, r => r.Contains("/log?tailLines=1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AFailedJobIsReportedWithTheContainersExitCode()
    {
        _api.Behavior = FakeJobBehavior.Fail;
        _api.ExitCode = 3;
        var runner = Runner();
        await runner.StartAsync(Spec("fails"));

        var status = await runner.WaitAsync("fails");

        Assert.Equal(JobState.Failed, status.State);
        Assert.Equal(3, status.ExitCode);
        Assert.Contains("exited with code 3", status.Message);
    }

    [Fact]
    public async Task AJobStillPendingAfterTheStartTimeoutIsFailedWithWhyAndDeleted()
    {
        _api.Behavior = FakeJobBehavior.StayPending;
        var runner = Runner(startTimeout: TimeSpan.FromSeconds(1));
        await runner.StartAsync(Spec("stuck"));

        var status = await runner.WaitAsync("stuck");

        Assert.Equal(JobState.Failed, status.State);
        Assert.Contains("did not start within 1 s", status.Message);
        Assert.Contains("ImagePullBackOff", status.Message);
        Assert.Contains("Swarm:Jobs:Kubernetes:Image", status.Message);
        Assert.Contains(_api.Requests, r => r.StartsWith("DELETE /apis/batch/v1/namespaces/swarm/jobs/swarm-stuck", StringComparison.Ordinal));
        Assert.Equal(JobState.Failed, (await runner.GetStatusAsync("stuck")).State);
    }

    [Fact]
    public async Task ThePendingReasonIsShownInsteadOfALogBeforeTheContainerStarts()
    {
        _api.Behavior = FakeJobBehavior.StayPending;
        var runner = Runner();
        await runner.StartAsync(Spec("waiting"));
        Assert.Equal(JobState.Pending, (await runner.GetStatusAsync("waiting")).State);
        Assert.Contains("ImagePullBackOff", await runner.GetLogsAsync("waiting"));
    }

    [Fact]
    public async Task CancelDeletesTheJobWithBackgroundPropagation()
    {
        _api.Behavior = FakeJobBehavior.StayRunning;
        var runner = Runner();
        await runner.StartAsync(Spec("long"));
        Assert.Equal(JobState.Running, (await runner.GetStatusAsync("long")).State);

        await runner.CancelAsync("long");

        Assert.Equal("Background", Assert.Single(_api.DeleteBodies)["propagationPolicy"]!.GetValue<string>());
        Assert.Equal(JobState.Canceled, (await runner.GetStatusAsync("long")).State);
    }

    [Fact]
    public async Task AnUnknownJobIsNotFound()
    {
        var runner = Runner();
        await Assert.ThrowsAsync<KeyNotFoundException>(() => runner.GetStatusAsync("nope"));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => runner.CancelAsync("nope"));
    }

    [Fact]
    public async Task ANameThatAlreadyExistsIsAClearConflict()
    {
        _api.Seed("swarm", "swarm-taken");
        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => Runner().StartAsync(Spec("taken")));
        Assert.Equal(409, error.StatusCode);
        Assert.Contains("already has job swarm-taken (409 AlreadyExists)", error.Message);
    }

    [Fact]
    public async Task ForbiddenExplainsTheMissingRbacPermission()
    {
        _api.Inject("POST", "/jobs", 403);
        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => Runner().StartAsync(Spec("denied")));
        Assert.Equal(403, error.StatusCode);
        Assert.Contains("cannot create resource \"jobs\"", error.Message);
        Assert.Contains("manifests/bot/rbac.yaml", error.Message);
    }

    [Fact]
    public async Task AnInvalidJobIsReportedWithTheFieldsKubernetesRejected()
    {
        var template = Path.Combine(_folder, "bad-template.yaml");
        await File.WriteAllTextAsync(template, "apiVersion: batch/v1\nkind: Job\nmetadata: {name: x}\nspec:\n  template:\n    spec:\n      containers:\n        - name: worker\n          image: placeholder\n");
        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => Runner(template: template).StartAsync(Spec("invalid")));
        Assert.Equal(422, error.StatusCode);
        Assert.Contains("spec.template.spec.restartPolicy", error.Message);
        Assert.Contains("manifests/jobs/", error.Message);
    }

    [Fact]
    public async Task TooManyRequestsIsRetriedAfterTheServersRetryAfter()
    {
        var runner = Runner();
        await runner.StartAsync(Spec("busy"));
        _api.Inject("GET", "/jobs/swarm-busy", 429, retryAfter: "2");

        var status = await runner.GetStatusAsync("busy");

        Assert.NotEqual(JobState.Failed, status.State);
        Assert.Equal(2, _api.Requests.Count(r => r.StartsWith("GET /apis/batch/v1/namespaces/swarm/jobs/swarm-busy", StringComparison.Ordinal)));
        Assert.Contains(TimeSpan.FromSeconds(2), _time.Delays);
    }

    [Fact]
    public async Task ServerErrorsAreRetriedAndThenReported()
    {
        var runner = Runner(retries: 2);
        await runner.StartAsync(Spec("flaky"));
        _api.Inject("GET", "/jobs/swarm-flaky", 500);
        Assert.NotEqual(JobState.Failed, (await runner.GetStatusAsync("flaky")).State);

        _api.Inject("GET", "/jobs/swarm-flaky", 500, times: 3);
        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => runner.GetStatusAsync("flaky"));
        Assert.Equal(500, error.StatusCode);
        Assert.Contains("also after retries", error.Message);
    }

    [Fact]
    public async Task AnUnreachableClusterSaysWhatToCheck()
    {
        using var refusing = LoopbackApi.RefusingPort(out var port);
        var error = await Assert.ThrowsAsync<KubernetesUnreachableException>(() => Runner(new Uri($"http://127.0.0.1:{port}"), retries: 2).StartAsync(Spec("nowhere")));
        Assert.Contains($"Cannot reach the Kubernetes API at http://127.0.0.1:{port}/", error.Message);
        Assert.Contains("Swarm:Jobs:Kubernetes:Kubeconfig", error.Message);
        Assert.True(_time.Delays.Count == 2, $"expected two retries before the error, saw {_time.Delays.Count}; the last failure: {error.InnerException?.InnerException?.Message}");
    }

    [Fact]
    public async Task AWrongTokenIsUnauthorized()
    {
        var connection = KubernetesConnection.FromKubeconfig(Kubeconfig(_api.BaseAddress, token: "expired"));
        var client = new KubernetesClient(new HttpClient(connection.CreateHandler()) { BaseAddress = connection.Server }, connection,
            new RetrySettings(0, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromSeconds(10)), NullLogger<KubernetesClient>.Instance);
        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => client.GetJobAsync("swarm", "any"));
        Assert.Equal(401, error.StatusCode);
        Assert.Contains("did not accept the credentials", error.Message);
    }

    [Fact]
    public void KubeconfigProblemsAreExplained()
    {
        var exec = File.ReadAllText(Kubeconfig(_api.BaseAddress)).Replace("token: " + KubernetesApiFixture.Token, "exec: {command: aws}");
        var execPath = Path.Combine(_folder, "exec-config");
        File.WriteAllText(execPath, exec);
        var execError = Assert.Throws<KubernetesConfigException>(() => KubernetesConnection.FromKubeconfig(execPath)).Message;
        Assert.True(execError.Contains("exec/auth-provider plugin"), execError + "\n" + exec);
        Assert.Contains("no context 'prod'", Assert.Throws<KubernetesConfigException>(() => KubernetesConnection.FromKubeconfig(Kubeconfig(_api.BaseAddress), "prod")).Message);
        Assert.Contains("No kubeconfig at", Assert.Throws<KubernetesConfigException>(() => KubernetesConnection.FromKubeconfig(Path.Combine(_folder, "missing"))).Message);

        var ok = KubernetesConnection.FromKubeconfig(Kubeconfig(_api.BaseAddress));
        Assert.Equal("swarm", ok.Namespace);
        Assert.Equal(KubernetesApiFixture.Token, ok.Token());
    }


    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}

/// <summary>The system clock, recording every delay asked of it (Polly's retry waits go through here).</summary>
public sealed class RecordingTimeProvider : TimeProvider
{
    public System.Collections.Concurrent.ConcurrentBag<TimeSpan> Delays { get; } = [];

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime > TimeSpan.Zero && dueTime != Timeout.InfiniteTimeSpan) Delays.Add(dueTime);
        return System.CreateTimer(callback, state, dueTime, period);
    }
}
