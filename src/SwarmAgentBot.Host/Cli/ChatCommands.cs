using System.CommandLine;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Agents.Supervisor;

namespace SwarmAgentBot.Host.Cli;

/// <summary><c>swarm chat</c>: talk to the same supervisor from a terminal.</summary>
public static class ChatCommands
{
    /// <summary>Creates the command.</summary>
    public static Command Create(CliContext context)
    {
        var once = new Option<string?>("--once") { Description = "Send one message, print the reply and exit." };
        var conversation = new Option<string?>("--conversation") { Description = "Conversation id; repeat it to continue one conversation across --once calls." };
        var user = new Option<string?>("--as") { Description = "Who you are (a person in Swarm:Security); default: $USER." };
        var command = new Command("chat", "Chat with the assistant in the terminal.") { once, conversation, user };
        command.SetAction(async (ParseResult parse, CancellationToken ct) =>
        {
            var supervisor = context.Get<Supervisor>();
            var conversationId = parse.GetValue(conversation) ?? "cli-" + Guid.NewGuid().ToString("N")[..8];
            var who = parse.GetValue(user) ?? Environment.GetEnvironmentVariable("USER") ?? "local";
            var reference = new ConversationRef("cli", conversationId);
            if (parse.GetValue(once) is { } text)
            {
                await SendAsync(supervisor, reference, who, text, context.Out, ct);
                return 0;
            }
            await context.Out.WriteLineAsync($"SwarmAgentBot — conversation {conversationId}. Type 'help', or 'exit' to leave.");
            while (!ct.IsCancellationRequested)
            {
                await context.Out.WriteAsync("> ");
                var line = await context.In.ReadLineAsync(ct);
                if (line is null || line.Trim() is "exit" or "quit") break;
                if (line.Trim().Length == 0) continue;
                await SendAsync(supervisor, reference, who, line, context.Out, ct);
            }
            return 0;
        });
        return command;
    }

    private static async Task SendAsync(Supervisor supervisor, ConversationRef reference, string who, string text, TextWriter output, CancellationToken ct)
    {
        var replies = await supervisor.HandleAsync(new IncomingMessage(reference, new UserRef(who, who), text), ct);
        foreach (var reply in replies) await output.WriteLineAsync(TextCardRenderer.Render(reply));
    }
}
