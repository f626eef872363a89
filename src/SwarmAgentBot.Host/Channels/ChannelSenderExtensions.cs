using SwarmAgentBot.Host.Channels.BotFramework;
using SwarmAgentBot.Host.Channels.Slack;

namespace SwarmAgentBot.Host.Channels;

/// <summary>Channel senders for every process, not only the web host.</summary>
public static class ChannelSenderExtensions
{
    /// <summary>
    /// Adds the Teams/Bot Framework and Slack senders, so CLI commands and job workers can post
    /// proactively (results, alerts) and update approval cards in those conversations.
    /// </summary>
    public static IHostApplicationBuilder AddChannelSenders(this IHostApplicationBuilder builder)
    {
        builder.AddBotFrameworkSender();
        builder.AddSlackSender();
        return builder;
    }
}
