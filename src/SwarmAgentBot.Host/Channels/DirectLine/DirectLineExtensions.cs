using SwarmAgentBot.Agents.Ports;

namespace SwarmAgentBot.Host.Channels.DirectLine;

/// <summary>Registers the Direct Line 3.0 subset the web chat page talks to.</summary>
public static class DirectLineExtensions
{
    /// <summary>Adds Direct Line conversations, the bot reader and the proactive sender.</summary>
    public static IHostApplicationBuilder AddDirectLine(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DirectLineOptions>().Bind(builder.Configuration.GetSection(DirectLineOptions.Section))
            .Validate(o => o.Validate() is null, "Swarm:Channels:DirectLine settings are invalid (TokenLifetime ≥ 1 minute, MaxActivitiesPerConversation ≥ 10, EchoHold 0-30 s).").ValidateOnStart();
        builder.Services.AddSingleton<DirectLineConversations>();
        builder.Services.AddSingleton<DirectLineBot>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DirectLineBot>());
        builder.Services.AddSingleton<IChannelSender>(sp => sp.GetRequiredService<DirectLineBot>());
        return builder;
    }

    /// <summary>Maps the Direct Line endpoints.</summary>
    public static WebApplication MapDirectLine(this WebApplication app) => app.MapDirectLineEndpoints();
}
