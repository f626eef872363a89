using System.Threading.Channels;

namespace SwarmAgentBot.Host.Channels;

/// <summary>
/// Work a webhook has accepted and already acknowledged (Slack wants an answer within 3 seconds,
/// the Bot Connector within 15). Items with the same key (one person in one conversation) run in
/// arrival order; different keys run in parallel, up to <see cref="MaxConcurrency"/> at once.
/// </summary>
public sealed class ChannelWorkQueue(ILogger<ChannelWorkQueue> logger) : BackgroundService
{
    /// <summary>Most items running at the same time.</summary>
    public const int MaxConcurrency = 8;

    /// <summary>Most items waiting; beyond that webhooks answer 503 so the sender retries later.</summary>
    public const int Capacity = 1000;

    private sealed record WorkItem(string Key, string Description, Func<CancellationToken, Task> Work);

    private readonly Channel<WorkItem> _items = Channel.CreateBounded<WorkItem>(new BoundedChannelOptions(Capacity) { SingleReader = true });
    private readonly Dictionary<string, Task> _tails = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _slots = new(MaxConcurrency, MaxConcurrency);
    private int _unfinished;

    /// <summary>Items accepted and not finished yet (tests poll this to know the queue is idle).</summary>
    public int Unfinished => Volatile.Read(ref _unfinished);

    /// <summary>Queues work; false when the queue is full (answer 503 and let the sender retry).</summary>
    public bool TryEnqueue(string key, string description, Func<CancellationToken, Task> work)
    {
        Interlocked.Increment(ref _unfinished);
        if (_items.Writer.TryWrite(new WorkItem(key, description, work))) return true;
        Interlocked.Decrement(ref _unfinished);
        logger.LogWarning("Channel work queue is full ({Capacity} items); refused {Description}", Capacity, description);
        return false;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var item in _items.Reader.ReadAllAsync(stoppingToken))
            {
                lock (_tails)
                {
                    var previous = _tails.TryGetValue(item.Key, out var tail) ? tail : Task.CompletedTask;
                    var next = RunAfterAsync(previous, item, stoppingToken);
                    _tails[item.Key] = next;
                    _ = next.ContinueWith(_ => Forget(item.Key, next), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Host is stopping; queued items are dropped (webhook senders already got their answer).
        }
    }

    private void Forget(string key, Task finished)
    {
        lock (_tails)
            if (_tails.TryGetValue(key, out var current) && current == finished) _tails.Remove(key);
    }

    private async Task RunAfterAsync(Task previous, WorkItem item, CancellationToken cancellationToken)
    {
        try
        {
            // The previous item of this key never throws (see below), so this only waits for order.
            await previous;
            await _slots.WaitAsync(cancellationToken);
            try
            {
                await item.Work(cancellationToken);
            }
            finally
            {
                _slots.Release();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Channel work {Description} failed", item.Description);
        }
        finally
        {
            Interlocked.Decrement(ref _unfinished);
        }
    }

    /// <summary>Registers the queue once, however many channels ask for it.</summary>
    public static void Register(IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(ChannelWorkQueue))) return;
        services.AddSingleton<ChannelWorkQueue>();
        services.AddHostedService(sp => sp.GetRequiredService<ChannelWorkQueue>());
    }
}
