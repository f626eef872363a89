namespace SwarmAgentBot.Integrations.Local;

/// <summary>Small helpers for job logs.</summary>
public static class LogText
{
    /// <summary>The last <paramref name="lines"/> lines of <paramref name="text"/> (all of it when null).</summary>
    public static string Tail(string text, int? lines)
    {
        if (lines is not > 0) return text;
        var trimmed = text.TrimEnd('\n', '\r');
        var index = trimmed.Length;
        for (var i = 0; i < lines && index > 0; i++)
        {
            index = trimmed.LastIndexOf('\n', index - 1);
            if (index < 0) return trimmed + (trimmed.Length < text.Length ? "\n" : "");
        }
        return trimmed[(index + 1)..] + "\n";
    }
}
