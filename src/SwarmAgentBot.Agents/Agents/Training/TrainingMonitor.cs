using System.Globalization;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Ports;

namespace SwarmAgentBot.Agents.Agents.Training;

/// <summary>
/// Watches training runs in the host: posts progress to the conversation that started each run,
/// posts the result card when it ends (once: the announcement is recorded), resumes a parked
/// multi-step plan with the run's test metrics, and fails runs whose job died without reporting.
/// </summary>
public sealed class TrainingMonitor(
    TrainingRunStore runs,
    SwarmDatabase database,
    IJobRunner jobs,
    ProactiveMessenger messenger,
    IServiceProvider services,
    IOptions<TrainingOptions> options,
    TimeProvider clock,
    ILogger<TrainingMonitor> logger) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.Value.MonitorPollMilliseconds), clock);
        do
        {
            try
            {
                await CheckOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Training monitor pass failed");
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One pass over unannounced runs (public for tests).</summary>
    public async Task CheckOnceAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var ids = (await connection.QueryAsync<long>("SELECT id FROM training_runs WHERE announced_at IS NULL ORDER BY id")).ToList();
        foreach (var id in ids)
        {
            var run = await runs.GetAsync(id, cancellationToken);
            if (run is null) continue;
            if (!RunStatus.IsFinal(run.Status) && run.JobId is { } jobId)
                run = await DetectDeadJobAsync(run, jobId, cancellationToken);
            if (RunStatus.IsFinal(run.Status)) await AnnounceAsync(run, cancellationToken);
            else await PostProgressAsync(run, cancellationToken);
        }
    }

    private async Task<TrainingRun> DetectDeadJobAsync(TrainingRun run, string jobId, CancellationToken ct)
    {
        JobStatus status;
        try { status = await jobs.GetStatusAsync(jobId, ct); }
        catch (KeyNotFoundException) { return run; }
        if (!status.IsFinished) return run;
        // The job ended; give the worker's own final write a moment to land before calling it dead.
        var fresh = await runs.GetAsync(run.Id, ct) ?? run;
        if (RunStatus.IsFinal(fresh.Status)) return fresh;
        if (status.FinishedAt is { } finished && clock.GetUtcNow() - finished < TimeSpan.FromSeconds(5)) return fresh;
        var tail = await jobs.GetLogsAsync(jobId, 5, ct);
        var reason = status.State == JobState.Canceled ? "Canceled." : $"The training job ended ({status.State}, exit code {status.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "?"}) without reporting. Last log lines: {tail.Trim()}";
        await runs.FailAsync(run.Id, reason, status.State == JobState.Canceled, ct);
        return await runs.GetAsync(run.Id, ct) ?? fresh;
    }

    private async Task PostProgressAsync(TrainingRun run, CancellationToken ct)
    {
        if (run.Conversation is null || run.Progress is null) return;
        await using var connection = await database.OpenAsync(ct);
        var now = clock.GetUtcNow();
        var due = now.AddSeconds(-options.Value.ProgressIntervalSeconds).ToString("O");
        // Compare-and-set on the last post time: one host posts each update even if two monitor passes overlap.
        var claimed = await connection.ExecuteAsync(
            "UPDATE training_runs SET last_progress_post_at = @now WHERE id = @id AND (last_progress_post_at IS NULL OR last_progress_post_at <= @due)",
            new { id = run.Id, now = now.ToString("O"), due });
        if (claimed == 1) await messenger.SendAsync(run.Conversation, BotReply.Plain("⏳ " + TrainingCards.ProgressLine(run)), ct);
    }

    private async Task AnnounceAsync(TrainingRun run, CancellationToken ct)
    {
        await using (var connection = await database.OpenAsync(ct))
        {
            var claimed = await connection.ExecuteAsync("UPDATE training_runs SET announced_at = @now WHERE id = @id AND announced_at IS NULL",
                new { id = run.Id, now = clock.GetUtcNow().ToString("O") });
            if (claimed != 1) return;
        }
        var metrics = new Dictionary<string, double>();
        if (run.Metrics is not null)
            foreach (var (k, v) in run.Metrics)
                if (v is JsonValue value && value.TryGetValue<double>(out var d)) metrics[k] = d;
        var remember = new Dictionary<string, string> { ["run_id"] = run.Id.ToString(CultureInfo.InvariantCulture), ["model"] = run.ModelName };
        if (run.ModelVersion is { } version) remember["version"] = version.ToString(CultureInfo.InvariantCulture);
        if (run.Conversation is null) return;
        var original = run.ReproducesRunId is { } from ? await runs.GetAsync(from, ct) : null;
        await messenger.SendAsync(run.Conversation, TrainingCards.Result(run, original), ct);
        var supervisor = services.GetRequiredService<Supervisor.Supervisor>();
        var replies = await supervisor.ResumePlanAsync("run:" + run.Id, run.Status == RunStatus.Succeeded, metrics, remember, ct);
        if (replies.Count == 0) await services.GetRequiredService<ConversationStore>().RememberAsync(run.Conversation, remember, ct);
        foreach (var reply in replies) await messenger.SendAsync(run.Conversation, reply, ct);
    }
}
