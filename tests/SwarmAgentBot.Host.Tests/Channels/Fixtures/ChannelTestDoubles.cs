using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using SwarmAgentBot.Agents.Supervisor;
using SwarmAgentBot.Host.Channels;
using SwarmAgentBot.Host.Tests.Support;

namespace SwarmAgentBot.Host.Tests.Channels.Fixtures;

/// <summary>
/// A router for channel tests: "help", "deploy churn to staging" (a mutating intent) and "upload this
/// file" (what the supervisor routes a bare attachment as); everything else is out of scope. It
/// records what it was asked, to check what the channel made of the raw text.
/// </summary>
public sealed class ChannelTestRouter : IIntentRouter
{
    /// <summary>Texts routed, in order.</summary>
    public ConcurrentQueue<string> Routed { get; } = new();

    /// <inheritdoc />
    public Task<RouteResult> RouteAsync(string text, RoutingContext context, CancellationToken cancellationToken = default)
    {
        Routed.Enqueue(text);
        RouteResult route = text.Trim().ToLowerInvariant() switch
        {
            "help" => new() { Agent = "help", Intent = "help" },
            "deploy churn to staging" => new() { Agent = "registry", Intent = "registry.deploy_model", Entities = new JsonObject { ["model"] = "churn", ["stage"] = "staging" } },
            "upload this file" => new() { Agent = "storage", Intent = "storage.upload_dataset" },
            _ => new() { Agent = "out_of_scope", Intent = "out_of_scope" },
        };
        return Task.FromResult(route);
    }
}

/// <summary>A registry agent whose deploy needs approval by an "approver" and counts how often it really ran.</summary>
public sealed class DeployAgent : IAgent
{
    private int _executions;

    /// <summary>Approved deployments carried out.</summary>
    public int Executions => Volatile.Read(ref _executions);

    /// <inheritdoc />
    public string Name => "registry";

    /// <inheritdoc />
    public IReadOnlyList<IntentDescriptor> Intents { get; } =
        [new("registry.deploy_model", "Deploy a model version to a stage.", new JsonObject { ["type"] = "object" }, Mutating: true)];

    /// <inheritdoc />
    public Task<AgentResult> HandleAsync(AgentRequest request, CancellationToken cancellationToken = default)
    {
        var model = request.Get("model") ?? "churn";
        var stage = request.Get("stage") ?? "staging";
        var proposal = new ApprovalProposal(request.Intent, $"Deploy {model} to {stage}", new JsonObject { ["model"] = model, ["stage"] = stage }, "approver", "model:" + model);
        return Task.FromResult(AgentResult.NeedsApproval(proposal, $"Deploying **{model}** to {stage}."));
    }

    /// <inheritdoc />
    public Task<AgentResult> ExecuteApprovedAsync(ApprovedAction action, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _executions);
        return Task.FromResult(AgentResult.Ok($"Deployed {action.Arguments["model"]} to {action.Arguments["stage"]}."));
    }
}

/// <summary>A storage agent that reports the files it received (name and byte count).</summary>
public sealed class UploadAgent : IAgent
{
    /// <inheritdoc />
    public string Name => "storage";

    /// <inheritdoc />
    public IReadOnlyList<IntentDescriptor> Intents { get; } =
        [new("storage.upload_dataset", "Store an attached file as a dataset.", new JsonObject { ["type"] = "object" })];

    /// <inheritdoc />
    public Task<AgentResult> HandleAsync(AgentRequest request, CancellationToken cancellationToken = default) =>
        Task.FromResult(AgentResult.Ok(string.Join("; ", request.Attachments.Select(f => $"received {f.Name}: {f.Content?.Length ?? 0} bytes"))));

    /// <inheritdoc />
    public Task<AgentResult> ExecuteApprovedAsync(ApprovedAction action, CancellationToken cancellationToken = default) =>
        Task.FromResult(AgentResult.Fail("Nothing to approve here."));
}

/// <summary>Settings every channel test shares: who is who and a public base URL.</summary>
public static class ChannelTestSettings
{
    /// <summary>People: alice and bob are approvers (appsettings.json), carol and mallory are not.</summary>
    public static Dictionary<string, string?> People() => new()
    {
        ["Swarm:PublicBaseUrl"] = "https://bot.example.test",
        ["Swarm:Security:Users:UALICE"] = "alice",
        ["Swarm:Security:Users:UBOB"] = "bob",
        ["Swarm:Security:Users:UCAROL"] = "carol",
        ["Swarm:Security:Users:UMALLORY"] = "mallory",
        ["Swarm:Security:Users:aad-alice"] = "alice",
        ["Swarm:Security:Users:aad-carol"] = "carol",
        ["Swarm:Security:Users:aad-mallory"] = "mallory",
    };

    /// <summary>Polls <paramref name="condition"/> until it holds (deadline 20 s).</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out waiting for {what}.");
            await Task.Delay(20);
        }
    }

    /// <summary>Waits until the host's channel work queue is empty (everything accepted has run).</summary>
    public static Task IdleAsync(SwarmWebFactory host)
    {
        var queue = host.Services.GetRequiredService<ChannelWorkQueue>();
        return WaitUntilAsync(() => queue.Unfinished == 0, "the channel work queue to drain");
    }
}
