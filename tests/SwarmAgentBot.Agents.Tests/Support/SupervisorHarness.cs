using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Agents.Supervisor;

namespace SwarmAgentBot.Agents.Tests.Support;

/// <summary>A clock tests can move.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() => _now;

    /// <summary>Moves time forward.</summary>
    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>Records proactive messages per conversation.</summary>
public sealed class RecordingSender : IChannelSender
{
    /// <summary>Messages sent, in order.</summary>
    public List<(ConversationRef To, BotReply Reply)> Sent { get; } = [];

    /// <inheritdoc />
    public bool Handles(string channelId) => true;

    /// <inheritdoc />
    public Task<string?> SendAsync(ConversationRef conversation, BotReply reply, CancellationToken cancellationToken = default)
    {
        lock (Sent) Sent.Add((conversation, reply));
        return Task.FromResult<string?>(Guid.NewGuid().ToString("N"));
    }

    /// <inheritdoc />
    public Task UpdateAsync(ConversationRef conversation, string messageId, BotReply reply, CancellationToken cancellationToken = default) => SendAsync(conversation, reply, cancellationToken);
}

/// <summary>The real supervisor, gate and stores over a data folder, with a scripted router and test agents.</summary>
public sealed class SupervisorHarness : IAsyncDisposable
{
    private readonly IHost _host;

    /// <summary>
    /// Builds the services; the same <paramref name="dataDir"/> twice simulates a restart. <paramref name="configure"/>
    /// runs last (e.g. to put the LLM planner in front of the scripted router).
    /// </summary>
    public SupervisorHarness(string dataDir, ScriptedRouter router, IEnumerable<IAgent> agents, TimeProvider? clock = null, IDictionary<string, string?>? settings = null, Action<IHostApplicationBuilder>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var config = new Dictionary<string, string?>
        {
            ["Swarm:DataDir"] = dataDir,
            ["Swarm:Security:Roles:alice:0"] = "approver",
            ["Swarm:Security:Roles:bob:0"] = "approver",
            ["Swarm:Security:Roles:bob:1"] = "prod-approver",
            ["Swarm:Security:Roles:carol:0"] = "prod-approver",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) config[k] = v;
        builder.Configuration.AddInMemoryCollection(config);
        builder.AddSwarmCore();
        builder.Services.AddSingleton<IIntentRouter>(router);
        foreach (var agent in agents) builder.Services.AddSingleton(agent);
        builder.Services.AddSingleton<IChannelSender>(Sender);
        if (clock is not null) builder.Services.AddSingleton(clock);
        configure?.Invoke(builder);
        _host = builder.Build();
    }

    /// <summary>Proactive messages the gate and supervisor sent.</summary>
    public RecordingSender Sender { get; } = new();

    /// <summary>The supervisor.</summary>
    public global::SwarmAgentBot.Agents.Supervisor.Supervisor Supervisor => _host.Services.GetRequiredService<global::SwarmAgentBot.Agents.Supervisor.Supervisor>();

    /// <summary>Any service.</summary>
    public T Get<T>() where T : notnull => _host.Services.GetRequiredService<T>();

    /// <summary>Sends a message as a user in a conversation and returns the reply texts joined.</summary>
    public async Task<string> SayAsync(string user, string text, string conversation = "c1", string channel = "test")
    {
        var replies = await Supervisor.HandleAsync(new IncomingMessage(new ConversationRef(channel, conversation), new UserRef(user, user), text));
        return string.Join("\n", replies.Select(TextCardRenderer.Render));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_host is IAsyncDisposable d) await d.DisposeAsync(); else _host.Dispose();
    }
}
