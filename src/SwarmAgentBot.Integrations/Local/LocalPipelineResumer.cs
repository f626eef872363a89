using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SwarmAgentBot.Integrations.Local;

/// <summary>When the host starts, picks up the local pipeline runs whose driving process is gone (a restart).</summary>
public sealed class LocalPipelineResumer(LocalPipelineEngine engine, ILogger<LocalPipelineResumer> logger) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var resumed = await engine.ResumeOrphanedRunsAsync(stoppingToken);
            if (resumed > 0) logger.LogInformation("Resumed {Count} pipeline run(s) after a restart", resumed);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Resuming pipeline runs failed");
        }
    }
}
