using System.Text.RegularExpressions;

namespace SwarmAgentBot.Agents.Supervisor.Llm;

/// <summary>
/// Whether the user's own message asks for a mutating intent. The plan check refuses a mutating step the message
/// does not ask for, whatever the model says: a model misled by a document, a dataset cell or an earlier
/// message cannot add a deploy or a delete the person did not request. The approval gate still guards every
/// mutating step that passes this check.
/// </summary>
public static class MutationConsent
{
    private static readonly Dictionary<string, Regex> Words = new(StringComparer.Ordinal)
    {
        ["registry.deploy_model"] = Pattern(@"deploy|promot|releas|ship|roll\s*out|go\s+live|make\s+\S+(\s+\S+)?\s+live|put\s+\S+(\s+\S+)?\s+(in|into|to)\s+(prod|production|staging)|serve"),
        ["registry.rollback"] = Pattern(@"roll\s*-?\s*back|revert|restore|undo|previous\s+version|go\s+back"),
        ["storage.delete_dataset"] = Pattern(@"delet|remov|eras|drop|purg|get\s+rid"),
        ["pipeline.cancel_run"] = Pattern(@"cancel|stop|abort|kill|terminat|halt"),
        ["training.retrain_model"] = Pattern(@"retrain|re-train|train\s+\S+(\s+\S+)?\s+again|refresh|rebuild"),
        ["approvals.approve"] = Pattern(@"approv|accept|confirm|lgtm|go\s+ahead|sign\s+off"),
        ["approvals.reject"] = Pattern(@"reject|deny|declin|refus|veto"),
    };

    /// <summary>True when <paramref name="userMessage"/> asks for <paramref name="intent"/> (always true for read-only intents).</summary>
    public static bool IsAskedFor(string intent, bool mutating, string userMessage)
    {
        if (!mutating) return true;
        if (Words.TryGetValue(intent, out var words)) return words.IsMatch(userMessage);
        // A mutating intent we have no word list for: its verb ("pipeline.pause_schedule" → "pause") must appear.
        var verb = intent[(intent.IndexOf('.') + 1)..].Split('_')[0];
        return verb.Length > 0 && Regex.IsMatch(userMessage, @"\b" + Regex.Escape(verb), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    }

    private static Regex Pattern(string alternatives) =>
        new(@"\b(" + alternatives + ")", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled);
}
