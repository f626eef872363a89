using System.Globalization;
using System.Text.RegularExpressions;

namespace SwarmAgentBot.Agents.Agents.Drift;

/// <summary>A window of the prediction log: the last N predictions, or the predictions of the last span of time.</summary>
/// <param name="Predictions">Last N predictions (null: by time).</param>
/// <param name="Span">Predictions since now − span (null: by count).</param>
public sealed partial record DriftWindow(int? Predictions, TimeSpan? Span)
{
    /// <summary>The window when the user names none.</summary>
    public static readonly DriftWindow Default = new(500, null);

    /// <summary>Parses "500 predictions", "1h", "30m", "7d", "1w" (the router's compact forms); null when unreadable.</summary>
    public static DriftWindow? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return Default;
        var m = Compact().Match(text.Trim());
        if (!m.Success) return null;
        var n = int.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture);
        if (n <= 0) return null;
        return m.Groups["u"].Value.ToLowerInvariant() switch
        {
            "s" => new DriftWindow(null, TimeSpan.FromSeconds(n)),
            "m" or "min" or "mins" or "minute" or "minutes" => new DriftWindow(null, TimeSpan.FromMinutes(n)),
            "h" or "hour" or "hours" => new DriftWindow(null, TimeSpan.FromHours(n)),
            "d" or "day" or "days" => new DriftWindow(null, TimeSpan.FromDays(n)),
            "w" or "week" or "weeks" => new DriftWindow(null, TimeSpan.FromDays(7 * n)),
            _ => new DriftWindow(n, null),
        };
    }

    /// <summary>The window in words.</summary>
    public override string ToString() => Predictions is { } n ? $"last {n:N0} predictions" : $"last {Describe(Span!.Value)}";

    /// <summary>"90 minutes", "2 hours", "1 day".</summary>
    public static string Describe(TimeSpan span) =>
        span.TotalDays >= 1 && span.TotalDays == Math.Floor(span.TotalDays) ? Plural((int)span.TotalDays, "day")
        : span.TotalHours >= 1 && span.TotalHours == Math.Floor(span.TotalHours) ? Plural((int)span.TotalHours, "hour")
        : Plural((int)Math.Max(1, span.TotalMinutes), "minute");

    private static string Plural(int n, string unit) => n == 1 ? $"{n} {unit}" : $"{n} {unit}s";

    [GeneratedRegex(@"^(?:every\s+|last\s+)?(?<n>\d+)\s*(?<u>s|m|mins?|minutes?|h|hours?|d|days?|w|weeks?|predictions?|requests?|rows?|records?)$", RegexOptions.IgnoreCase)]
    private static partial Regex Compact();
}
