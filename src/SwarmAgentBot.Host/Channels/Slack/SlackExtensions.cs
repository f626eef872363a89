using Microsoft.Extensions.DependencyInjection.Extensions;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Ports;

namespace SwarmAgentBot.Host.Channels.Slack;

/// <summary>Registers the Slack channel (Events API, interactivity, Web API replies).</summary>
public static class SlackExtensions
{
    /// <summary>
    /// Adds what writing to Slack needs (options, Web API client, <see cref="SlackSender"/>) and the
    /// seen-events table; any process can post proactive messages with it.
    /// </summary>
    public static IHostApplicationBuilder AddSlackSender(this IHostApplicationBuilder builder)
    {
        if (builder.Services.Any(d => d.ServiceType == typeof(SlackSender))) return builder;
        builder.Services.AddOptions<SlackOptions>().Bind(builder.Configuration.GetSection(SlackOptions.Section))
            .Validate(o => o.Validate() is null, "Swarm:Channels:Slack settings are invalid: SigningSecret and BotToken (xoxb-…) go together, ApiBaseUrl must be an absolute URL, TimestampTolerance at most 15 minutes.")
            .ValidateOnStart();
        builder.Services.AddSingleton<IMigration>(SlackEventLog.Migration);
        builder.Services.AddHttpClient(SlackApiClient.HttpClientName);
        builder.Services.TryAddSingleton<ApprovalCardTracker>();
        builder.Services.AddSingleton<SlackApiClient>();
        builder.Services.AddSingleton<SlackSender>();
        builder.Services.AddSingleton<IChannelSender>(sp => sp.GetRequiredService<SlackSender>());
        return builder;
    }

    /// <summary>Adds the sender and the webhook services; the endpoints answer 503 until the signing secret and bot token are set.</summary>
    public static IHostApplicationBuilder AddSlackChannel(this IHostApplicationBuilder builder)
    {
        builder.AddSlackSender();
        builder.Services.AddSingleton<SlackSignatureVerifier>();
        builder.Services.AddSingleton<SlackEventLog>();
        builder.Services.AddSingleton<SlackBot>();
        ChannelWorkQueue.Register(builder.Services);
        return builder;
    }

    /// <summary>Maps /api/slack/events and /api/slack/interactions.</summary>
    public static WebApplication MapSlackChannel(this WebApplication app) => app.MapSlackEndpoints();
}
