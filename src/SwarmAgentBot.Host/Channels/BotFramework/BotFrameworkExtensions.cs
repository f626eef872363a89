using Microsoft.Extensions.DependencyInjection.Extensions;
using SwarmAgentBot.Agents.Ports;

namespace SwarmAgentBot.Host.Channels.BotFramework;

/// <summary>Registers the Bot Framework channel (Teams and the other Azure Bot Service channels).</summary>
public static class BotFrameworkExtensions
{
    /// <summary>
    /// Adds what writing to Bot Framework conversations needs (options, token provider, Connector
    /// client, <see cref="BotFrameworkSender"/>); any process can post proactive messages with it.
    /// </summary>
    public static IHostApplicationBuilder AddBotFrameworkSender(this IHostApplicationBuilder builder)
    {
        if (builder.Services.Any(d => d.ServiceType == typeof(BotFrameworkSender))) return builder;
        builder.Services.AddOptions<BotFrameworkOptions>().Bind(builder.Configuration.GetSection(BotFrameworkOptions.Section))
            .Validate(o => o.Validate() is null, "Swarm:Channels:BotFramework settings are invalid: AppPassword is required with AppId, OpenIdMetadataUrl and TokenEndpoint must be https (http on loopback only), ClockSkew at most 10 minutes.")
            .ValidateOnStart();
        builder.Services.AddHttpClient(BotFrameworkTokenProvider.HttpClientName);
        builder.Services.AddHttpClient(BotConnectorClient.HttpClientName);
        builder.Services.TryAddSingleton<ApprovalCardTracker>();
        builder.Services.AddSingleton<BotFrameworkTokenProvider>();
        builder.Services.AddSingleton<BotConnectorClient>();
        builder.Services.AddSingleton<BotFrameworkSender>();
        builder.Services.AddSingleton<IChannelSender>(sp => sp.GetRequiredService<BotFrameworkSender>());
        return builder;
    }

    /// <summary>Adds the sender and the /api/messages services; without an AppId the endpoint answers 503.</summary>
    public static IHostApplicationBuilder AddBotFrameworkChannel(this IHostApplicationBuilder builder)
    {
        builder.AddBotFrameworkSender();
        builder.Services.AddHttpClient(BotFrameworkAuthenticator.HttpClientName);
        builder.Services.AddSingleton<BotFrameworkAuthenticator>();
        builder.Services.AddSingleton<BotFrameworkBot>();
        ChannelWorkQueue.Register(builder.Services);
        return builder;
    }

    /// <summary>Maps POST /api/messages.</summary>
    public static WebApplication MapBotFrameworkChannel(this WebApplication app) => app.MapBotFrameworkEndpoints();
}
