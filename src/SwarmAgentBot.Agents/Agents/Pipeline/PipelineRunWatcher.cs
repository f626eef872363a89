using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Agents.Ports;

namespace SwarmAgentBot.Agents.Agents.Pipeline;

/// <summary>Settings of the run watcher (section <c>Swarm:Pipelines</c>).</summary>
public sealed class PipelineWatchOptions
{
    /// <summary>How often unfinished runs started from chat are checked. Default: 5 s.</summary>
    public TimeSpan WatchInterval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Watches the runs started from conversations and, when one ends, posts the outcome there
/// (metrics on success, the failing step and its log tail on failure) and resumes the rest of a
/// multi-step plan ("run the pipeline, then deploy if f1 &gt;= 0.8") with the run's metrics.
/// </summary>
public sealed class PipelineRunWatcher(
    IPipelineService pipelines,
    PipelineRunWatches watches,
    ProactiveMessenger messenger,
    IServiceProvider services,
    IOptions<PipelineWatchOptions> options,
    TimeProvider time,
    ILogger<PipelineRunWatcher> logger) : BackgroundService
{
    /// <summary>How many log lines of a failed step are posted.</summary>
    public const int FailureLogLines = 15;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await CheckOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Checking pipeline runs failed");
            }
            await Task.Delay(options.Value.WatchInterval, time, stoppingToken);
        }
    }

    /// <summary>Checks every open run once and reports those that ended; returns how many were reported.</summary>
    public async Task<int> CheckOnceAsync(CancellationToken cancellationToken = default)
    {
        var reported = 0;
        foreach (var watch in await watches.OpenAsync(cancellationToken))
        {
            PipelineRun run;
            try
            {
                run = await pipelines.GetRunAsync(watch.RunId, cancellationToken);
            }
            catch (PipelineRunNotFoundException)
            {
                logger.LogWarning("Run {RunId} disappeared; it will not be reported", watch.RunId);
                await watches.TryMarkNotifiedAsync(watch.RunId, cancellationToken);
                continue;
            }
            catch (PipelineException ex)
            {
                // The backend is unreachable right now: try again on the next round.
                logger.LogWarning("Could not check run {RunId}: {Message}", watch.RunId, ex.Message);
                continue;
            }
            if (!run.IsFinished || !await watches.TryMarkNotifiedAsync(watch.RunId, cancellationToken)) continue;
            await ReportAsync(watch, run, cancellationToken);
            reported++;
        }
        return reported;
    }

    private async Task ReportAsync(PipelineRunWatch watch, PipelineRun run, CancellationToken cancellationToken)
    {
        var succeeded = run.State == PipelineRunState.Succeeded;
        var took = run.FinishedAt is { } f ? $" in {PipelineCards.Duration(f - run.CreatedAt)}" : "";
        string text;
        if (succeeded)
            text = $"✅ Pipeline run **{run.Id}** ({run.Pipeline}) succeeded{took}." + (run.Metrics.Count > 0 ? $" Metrics: {PipelineCards.Metrics(run.Metrics)}." : "");
        else
        {
            text = $"{(run.State == PipelineRunState.Canceled ? "⏹️" : "❌")} Pipeline run **{run.Id}** ({run.Pipeline}) ended {run.State.ToWire()}{took}."
                + (run.Error is { } e ? $" {e.TrimEnd('.')}." : "");
            var failed = run.Steps.FirstOrDefault(s => s.State == PipelineRunState.Failed);
            if (failed is not null)
            {
                try
                {
                    var tail = await pipelines.GetLogsAsync(run.Id, failed.Name, FailureLogLines, cancellationToken);
                    if (tail.Trim().Length > 0) text += $"\n\nLast lines of step **{failed.Name}**:\n```\n{tail.TrimEnd()}\n```";
                }
                catch (PipelineException ex)
                {
                    logger.LogWarning("Could not read the log of step {Step} of run {RunId}: {Message}", failed.Name, run.Id, ex.Message);
                }
            }
        }
        await messenger.SendAsync(watch.Conversation, new BotReply(text, [PipelineCards.Run(run)]), cancellationToken);
        var remember = new Dictionary<string, string> { ["run_id"] = run.Id, ["pipeline"] = run.Pipeline };
        // Resolved here, not injected: the supervisor needs the router, and a host without one must still report runs.
        Supervisor.Supervisor supervisor;
        try
        {
            supervisor = services.GetRequiredService<Supervisor.Supervisor>();
        }
        catch (InvalidOperationException ex)
        {
            logger.LogWarning("Run {RunId} ended, but no plan can be resumed: {Message}", run.Id, ex.Message);
            return;
        }
        foreach (var reply in await supervisor.ResumePlanAsync(watch.ContinuationKey, succeeded, run.Metrics, remember, cancellationToken))
            await messenger.SendAsync(watch.Conversation, reply, cancellationToken);
        logger.LogInformation("Reported the end of run {RunId} ({State}) to {Conversation}", run.Id, run.State, watch.Conversation.Key);
    }
}
