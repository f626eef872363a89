using SwarmAgentBot.Agents.Supervisor;
using SwarmAgentBot.Host.Tests.Channels.Fixtures;
using SwarmAgentBot.Host.Tests.Support;

namespace SwarmAgentBot.Host.Tests.Channels.Slack;

/// <summary>
/// A Slack workspace for one test: the Web API fixture, a data folder and the hosts started over it
/// (a second host over the same folder is a restart).
/// </summary>
public sealed class SlackTestWorld : IAsyncDisposable
{
    private readonly List<SwarmWebFactory> _hosts = [];
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "swarm-slack-" + Guid.NewGuid().ToString("N")[..10]);

    private SlackTestWorld(SlackWebApi slack) => Slack = slack;

    /// <summary>The router every host uses (records what it routed).</summary>
    public ChannelTestRouter Router { get; } = new();

    /// <summary>Slack's Web API.</summary>
    public SlackWebApi Slack { get; }

    /// <summary>Starts the Web API fixture.</summary>
    public static async Task<SlackTestWorld> StartAsync() => new(await SlackWebApi.StartAsync());

    /// <summary>A host with the Slack channel pointed at the fixture (or left unconfigured).</summary>
    public SwarmWebFactory Host(DeployAgent? agent = null, string botToken = SlackWebApi.BotToken, bool configured = true)
    {
        var settings = ChannelTestSettings.People();
        if (configured)
        {
            settings["Swarm:Channels:Slack:SigningSecret"] = SlackRequests.SigningSecret;
            settings["Swarm:Channels:Slack:BotToken"] = botToken;
        }
        settings["Swarm:Channels:Slack:ApiBaseUrl"] = Slack.ApiBaseUrl;
        var host = new SwarmWebFactory(_dataDir, settings, s =>
        {
            s.AddSingleton<IIntentRouter>(Router);
            SwarmWebFactory.RemoveAgents(s, typeof(SwarmAgentBot.Agents.Agents.Storage.StorageAgent));
            s.AddSingleton<IAgent>(agent ?? new DeployAgent());
            s.AddSingleton<IAgent, UploadAgent>();
        });
        _hosts.Add(host);
        return host;
    }

    /// <summary>Stops a host once its queue is drained (the data folder stays for the next one).</summary>
    public async Task StopAsync(SwarmWebFactory host)
    {
        await ChannelTestSettings.IdleAsync(host);
        _hosts.Remove(host);
        await host.DisposeAsync();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts) await host.DisposeAsync();
        await Slack.DisposeAsync();
        SwarmWebFactory.DeleteDataDir(_dataDir);
    }
}
