using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SwarmAgentBot.Agents.Agents.Registry;
using SwarmAgentBot.Agents.Conversation;

namespace SwarmAgentBot.Agents.Agents.Drift;

/// <summary>
/// Runs the scheduled drift checks configured with drift.configure_monitoring: every N minutes or after every N new
/// predictions. It stores each report and posts to the subscribing conversation when a model goes over its threshold
/// (proposing retraining, which the training agent still puts behind approval) and when it comes back under.
/// </summary>
public sealed class DriftMonitor(DriftReportStore reports, DriftChecker checker, DriftCards cards, PredictionLog log, PredictionLogImporter importer, ProactiveMessenger messenger,
    TimeProvider clock, ILogger<DriftMonitor> logger) : BackgroundService
{
    /// <summary>How often the monitor looks for due checks.</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromMinutes(1);

    /// <summary>Runs every due check once; returns how many checks ran.</summary>
    public async Task<int> RunDueAsync(CancellationToken cancellationToken = default)
    {
        var ran = 0;
        var monitors = await reports.ListMonitorsAsync(cancellationToken);
        // The pods' shipped predictions count towards "every N predictions" too.
        if (monitors.Count > 0) await importer.ImportAsync(cancellationToken);
        foreach (var config in monitors)
        {
            var now = clock.GetUtcNow();
            var count = await log.CountAsync(config.Model, cancellationToken);
            var due = config.EveryPredictions is { } n
                ? count - config.LastCheckCount >= n
                : config.LastCheckAt is not { } last || now - last >= TimeSpan.FromMinutes(config.EveryMinutes ?? 60);
            if (!due) continue;
            try
            {
                await CheckAsync(config, count, cancellationToken);
                ran++;
            }
            catch (Exception ex) when (ex is ModelNotFoundException or DriftReferenceException)
            {
                logger.LogWarning("Drift monitor could not check {Model}: {Reason}", config.Model, ex.Message);
            }
            await reports.MarkCheckedAsync(config.Model, now, count, cancellationToken);
        }
        return ran;
    }

    private async Task CheckAsync(DriftMonitorConfig config, long count, CancellationToken ct)
    {
        // The window is what arrived since the last check (at least the schedule's span or count).
        var window = config.EveryPredictions is { } n
            ? new DriftWindow((int)Math.Min(DriftChecker.MaxWindowRows, Math.Max(n, count - config.LastCheckCount)), null)
            : new DriftWindow(null, TimeSpan.FromMinutes(config.EveryMinutes ?? 60));
        var result = await checker.CheckAsync(config.Model, config.Stage, window, config.Threshold, "monitor", ct);
        if (result?.Stored is not { } stored) return;
        logger.LogInformation("Drift monitor checked {Model} v{Version}: share {Share}, drifted {Drifted}", config.Model, stored.Version, stored.Score, stored.Drifted);
        if (stored.Drifted == true && stored.WindowsSinceAlert == 0)
        {
            var summary = await cards.SummaryAsync(result, ct);
            var retrain = config.AutoRetrain == "propose" && stored.Score >= config.RetrainThreshold;
            var text = $"⚠️ Drift alert for **{config.Model}**: {DriftAgent.Pct(stored.Score)} drift share is over the {DriftAgent.Pct(config.Threshold)} threshold (report #{stored.Id}). "
                + summary.Text
                + (retrain ? $" It is also over the retrain threshold ({DriftAgent.Pct(config.RetrainThreshold)}): shall I retrain {config.Model}? Retraining needs approval." : "");
            var cardsOut = summary.AllCards.ToList();
            if (retrain)
                cardsOut.Add(new Card($"Retrain {config.Model}?",
                    [new CardText($"Retrains {config.Model} on its dataset; the training agent asks an approver first.")],
                    [CardAction.Choose($"Retrain {config.Model}", $"retrain {config.Model}"),
                     CardAction.Choose($"Why did {config.Model} drift?", $"why did {config.Model} drift")]));
            await messenger.SendAsync(config.Conversation, new BotReply(text, cardsOut), ct);
        }
        else if (stored.IsRecovery)
            await messenger.SendAsync(config.Conversation, BotReply.Plain(
                $"✅ {config.Model} is back under the drift threshold ({DriftAgent.Pct(stored.Score)}, report #{stored.Id}) after {stored.WindowsSinceAlert!.Value.ToString(CultureInfo.InvariantCulture)} window(s)."), ct);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Tick, clock);
        do
        {
            try { await RunDueAsync(stoppingToken); }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Drift monitor pass failed");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
