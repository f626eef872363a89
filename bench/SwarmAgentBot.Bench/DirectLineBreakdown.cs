using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Agents.Supervisor;
using SwarmAgentBot.Host;
using SwarmAgentBot.Host.Channels.DirectLine;

namespace SwarmAgentBot.Bench;

/// <summary>
/// Where the host's share of one "help" round trip goes, step by step, in this process with the host's own
/// services (no HTTP, no websocket): CPU µs and bytes allocated per message, each step over many messages,
/// so the figures hold on a busy machine. Transport (Kestrel, sockets) is what the full round trip adds on top.
/// </summary>
internal static class DirectLineBreakdown
{
    public static async Task PrintAsync(BenchEnvironment env, CancellationToken cancellationToken)
    {
        const int conversations = 50, perConversation = 40;
        var dataDir = Path.Combine(Path.GetTempPath(), "swarm-bench-dl-" + Guid.NewGuid().ToString("N")[..8]);
        var builder = WebApplication.CreateBuilder(SwarmHosting.WebOptions([]));
        builder.Configuration["Swarm:DataDir"] = dataDir;
        builder.Configuration["Swarm:Knowledge:Path"] = Path.Combine(env.RepoRoot, "knowledge");
        builder.Configuration["Logging:LogLevel:Default"] = "Warning";
        builder.AddSwarm();
        builder.AddDirectLine();
        await using var app = builder.Build();
        try
        {
            var router = app.Services.GetRequiredService<IIntentRouter>();
            var supervisor = app.Services.GetRequiredService<Supervisor>();
            var store = app.Services.GetRequiredService<ConversationStore>();
            var channel = app.Services.GetRequiredService<DirectLineConversations>();
            var refs = Enumerable.Range(0, conversations).Select(i => new ConversationRef(DirectLineBot.ChannelId, "breakdown-" + i, BotId: "swarm-bot")).ToArray();
            var buffers = refs.Select(r => channel.GetOrCreate(r.ConversationId)).ToArray();
            var help = (await supervisor.HandleAsync(new IncomingMessage(refs[0], new UserRef("u"), "help"), cancellationToken))[0].Text;
            var rows = new List<(string Step, double CpuUs, double Bytes)>();

            for (var rep = 0; rep < 3; rep++)
            {
                rows.Clear();
                rows.Add(await MeasureAsync("route \"help\" (rules router)", async () =>
                {
                    foreach (var r in refs) await router.RouteAsync("help", new RoutingContext(["help", "help"], new Dictionary<string, string>()), cancellationToken);
                }));
                rows.Add(await MeasureAsync("conversation state: get + save (committed)", async () =>
                {
                    await Task.WhenAll(refs.Select(async r =>
                    {
                        var state = await store.GetAsync(r, cancellationToken);
                        state.History.Add("help");
                        await store.SaveAsync(state, cancellationToken);
                    }));
                }));
                rows.Add(await MeasureAsync("supervisor.HandleAsync(\"help\"), 50 at once", async () =>
                {
                    await Task.WhenAll(refs.Select(r => supervisor.HandleAsync(new IncomingMessage(r, new UserRef("u"), "help"), cancellationToken)));
                }));
                rows.Add(await MeasureAsync("append echo + reply to the replay buffer", () =>
                {
                    foreach (var b in buffers)
                    {
                        b.Append(new JsonObject { ["type"] = "message", ["from"] = new JsonObject { ["id"] = "u", ["role"] = "user" }, ["text"] = "help", ["channelId"] = "directline" });
                        b.Append(new JsonObject { ["type"] = "message", ["channelId"] = "directline", ["from"] = DirectLineBot.BotAccount.DeepClone(), ["text"] = help, ["textFormat"] = "markdown" });
                    }
                    return Task.CompletedTask;
                }));
            }
            Console.WriteLine($"host steps in process, per message ({conversations} conversations × {perConversation}; last of 3 repetitions):");
            foreach (var (step, cpu, bytes) in rows)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {step,-46} {cpu,8:F1} µs CPU {bytes / 1024,8:F2} KB"));

            async Task<(string, double, double)> MeasureAsync(string step, Func<Task> once)
            {
                var (cpu, bytes) = (HostRuntimeStats.ProcessCpuMs(), GC.GetTotalAllocatedBytes(precise: true));
                for (var i = 0; i < perConversation; i++) await once();
                var messages = (double)conversations * perConversation;
                return (step, (HostRuntimeStats.ProcessCpuMs() - cpu) * 1000 / messages, (GC.GetTotalAllocatedBytes(precise: true) - bytes) / messages);
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(dataDir, true); } catch (IOException) { }
        }
    }
}
