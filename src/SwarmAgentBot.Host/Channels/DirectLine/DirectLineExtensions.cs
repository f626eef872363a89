namespace SwarmAgentBot.Host.Channels.DirectLine;

/// <summary>Direct Line 3.0 subset for botframework-webchat (filled in below).</summary>
public static class DirectLineExtensions
{
    /// <summary>Registers Direct Line services.</summary>
    public static IHostApplicationBuilder AddDirectLine(this IHostApplicationBuilder builder) => builder;

    /// <summary>Maps Direct Line endpoints.</summary>
    public static WebApplication MapDirectLine(this WebApplication app) => app;
}
