using System.CommandLine;
using SwarmAgentBot.Agents.Metadata;

namespace SwarmAgentBot.Host.Cli;

/// <summary><c>swarm audit</c>: read and verify the audit log.</summary>
public static class AuditCommands
{
    /// <summary>Creates the command.</summary>
    public static Command Create(CliContext context)
    {
        var model = new Option<string?>("--model") { Description = "Only entries about this model." };
        var user = new Option<string?>("--user") { Description = "Only entries by or approved by this person." };
        var action = new Option<string?>("--action") { Description = "Only actions starting with this (e.g. registry.deploy)." };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var limit = new Option<int>("--limit") { Description = "Most entries to print.", DefaultValueFactory = _ => 50 };
        var command = new Command("audit", "Show the audit log (newest first).") { model, user, action, json, limit };
        command.SetAction(async (ParseResult parse, CancellationToken ct) =>
        {
            var log = context.Get<AuditLog>();
            var entries = await log.QueryAsync(parse.GetValue(model) is { } m ? "model:" + m : null, parse.GetValue(user), parse.GetValue(action), parse.GetValue(limit), ct);
            if (parse.GetValue(json))
            {
                context.WriteJson(entries.Select(e => new { seq = e.Seq, at = e.At, actor = e.Actor, action = e.Action, resource = e.Resource, approved_by = e.ApprovedBy, details = e.Details, hash = e.Hash }));
                return 0;
            }
            foreach (var e in entries)
                await context.Out.WriteLineAsync($"#{e.Seq} {e.At:u} {e.Actor} {e.Action} {e.Resource}{(e.ApprovedBy is null ? "" : $" (approved by {e.ApprovedBy})")}");
            return 0;
        });

        var verify = new Command("verify", "Check the audit log's hash chain; exit code 1 if it was tampered with.");
        verify.SetAction(async (ParseResult _, CancellationToken ct) =>
        {
            var result = await context.Get<AuditLog>().VerifyAsync(ct);
            await context.Out.WriteLineAsync(result.Message);
            return result.Ok ? 0 : 1;
        });
        command.Subcommands.Add(verify);
        return command;
    }
}
