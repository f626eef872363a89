using SwarmAgentBot.Agents.Agents.Training;
using SwarmAgentBot.Agents.Agents.Drift;
using SwarmAgentBot.Agents.Agents.Registry;
using SwarmAgentBot.Host;
using SwarmAgentBot.Host.Channels.BotFramework;
using SwarmAgentBot.Host.Channels.DirectLine;
using SwarmAgentBot.Host.Channels.Slack;
using SwarmAgentBot.Host.Cli;
using SwarmAgentBot.Host.Serving;

// `swarm <command>` runs the CLI; `swarm serve` (or no command) starts the host.
if (SwarmCli.IsCommand(args)) return await SwarmCli.RunAsync(args);

var builder = WebApplication.CreateBuilder(SwarmHosting.WebOptions(SwarmCli.ServeArgs(args)));
builder.AddSwarm();
builder.AddDirectLine();
builder.AddBotFrameworkChannel();
builder.AddSlackChannel();
builder.AddSwarmWeb();
builder.AddTrainingMonitor();
builder.AddDriftMonitor();
builder.AddPinnedModelServing();

var app = builder.Build();
app.MapSwarmWeb();
app.MapDirectLine();
app.MapBotFrameworkChannel();
app.MapSlackChannel();
app.MapServing();

await app.RunAsync();
return 0;

/// <summary>The host's entry point (public so WebApplicationFactory can find it).</summary>
public partial class Program;
