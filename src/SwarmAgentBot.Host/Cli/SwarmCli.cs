using System.CommandLine;

namespace SwarmAgentBot.Host.Cli;

/// <summary>The <c>swarm</c> command line. Each feature contributes its commands in its own file.</summary>
public static class SwarmCli
{
    private static readonly HashSet<string> HostWords = new(StringComparer.Ordinal) { "serve" };

    /// <summary>True when the arguments name a CLI command rather than starting the host.</summary>
    public static bool IsCommand(string[] args) =>
        args.Length > 0 && !args[0].StartsWith('-') && !HostWords.Contains(args[0]);

    /// <summary>Arguments for the web host: drops the word "serve".</summary>
    public static string[] ServeArgs(string[] args) => args.Length > 0 && args[0] == "serve" ? args[1..] : args;

    /// <summary>Builds the command tree for a context.</summary>
    public static RootCommand Build(CliContext context)
    {
        var root = new RootCommand("SwarmAgentBot: an MLOps assistant. `swarm serve` starts the bot; the other commands script it.");
        var serve = new Command("serve", "Start the bot host (web chat on http://localhost:3978 unless --urls says otherwise).");
        serve.Options.Add(new Option<string>("--urls") { Description = "Addresses to listen on, e.g. http://127.0.0.1:5000" });
        root.Subcommands.Add(serve);
        root.Subcommands.Add(ChatCommands.Create(context));
        root.Subcommands.Add(AuditCommands.Create(context));
        root.Subcommands.Add(DatasetCommands.Create(context));
        root.Subcommands.Add(SeedCommands.Create(context));
        root.Subcommands.Add(ModelCommands.CreateModels(context));
        root.Subcommands.Add(ModelCommands.CreateApprovals(context));
        root.Subcommands.Add(ModelCommands.CreateLineage(context));
        root.Subcommands.Add(TrainingCommands.CreateReproduce(context));
        root.Subcommands.Add(LlmCommands.Create(context));
        root.Subcommands.Add(NluCommands.Create(context));
        root.Subcommands.Add(KnowledgeCommands.Create(context));
        root.Subcommands.Add(DriftCommands.Create(context));
        root.Subcommands.Add(PipelineCommands.Create(context));
        root.Subcommands.Add(WorkerCommands.Create(context));
        return root;
    }

    /// <summary>Runs a CLI command and returns its exit code.</summary>
    public static async Task<int> RunAsync(string[] args, CliContext? context = null, CancellationToken cancellationToken = default)
    {
        var own = context is null;
        context ??= new CliContext();
        try
        {
            var root = Build(context);
            var parse = root.Parse(args);
            return await parse.InvokeAsync(new InvocationConfiguration { Output = context.Out, Error = context.Error }, cancellationToken);
        }
        finally
        {
            if (own) await context.DisposeAsync();
        }
    }
}
