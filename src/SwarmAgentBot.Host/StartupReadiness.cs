using SwarmAgentBot.Agents.Agents.Knowledge;

namespace SwarmAgentBot.Host;

/// <summary>
/// Says when the host has finished its start-up work (listening, and the first indexing run of the knowledge folder),
/// which <c>GET /readyz</c> reports, so Kubernetes (readinessProbe) or a load balancer sends traffic only then: a
/// question asked before the first indexing run would wait for it, and the run competes with conversations for the CPU.
/// <c>/healthz</c> stays the liveness check (the process answers).
/// </summary>
public sealed class StartupReadiness(KnowledgeBase knowledge, IHostApplicationLifetime lifetime, ILogger<StartupReadiness> logger) : BackgroundService
{
    /// <summary>How long the first knowledge indexing run may hold readiness back; past it the host is ready without it.</summary>
    public static readonly TimeSpan KnowledgeWait = TimeSpan.FromMinutes(2);

    private volatile bool _ready;

    /// <summary>True once start-up work is done.</summary>
    public bool IsReady => _ready;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        await using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
            await started.Task;
        await knowledge.WaitForFirstRunAsync(KnowledgeWait, stoppingToken);
        _ready = true;
        logger.LogInformation("Start-up work done (knowledge folder indexed); ready for traffic");
    }
}
