using System.Globalization;
using System.Text.RegularExpressions;

namespace SwarmAgentBot.Integrations.Local;

/// <summary>
/// What a pipeline step reports on its standard output, one line each (anything else is just log):
/// <code>
/// ##metric accuracy=0.91     a number, collected per step and for the run
/// ##output model=churn@3     a string later steps can use as {{steps.&lt;step&gt;.outputs.model}}
/// </code>
/// A name repeated later in the output wins.
/// </summary>
public static partial class StepReport
{
    /// <summary>Metrics and outputs found in a step's log.</summary>
    public static (Dictionary<string, double> Metrics, Dictionary<string, string> Outputs) Parse(string log)
    {
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in log.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (MetricLine().Match(line) is { Success: true } m && double.TryParse(m.Groups[2].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
                metrics[m.Groups[1].Value] = value;
            else if (OutputLine().Match(line) is { Success: true } o)
                outputs[o.Groups[1].Value] = o.Groups[2].Value.Trim();
        }
        return (metrics, outputs);
    }

    /// <summary>
    /// The last line of a log that says something (not a ##metric/##output line, not a framework log
    /// line such as "info: ..."), at most 300 characters: why a failed step failed, in its own words.
    /// </summary>
    public static string? LastWords(string log)
    {
        foreach (var raw in log.Split('\n').Reverse())
        {
            var line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0 || line.StartsWith("##", StringComparison.Ordinal) || line.StartsWith("      ", StringComparison.Ordinal)
                || FrameworkLogLine().IsMatch(line)) continue;
            line = line.Trim();
            return line.Length > 300 ? line[..300] + "…" : line;
        }
        return null;
    }

    /// <summary>The line that reports a metric.</summary>
    public static string Metric(string name, double value) => $"##metric {name}={value.ToString("R", CultureInfo.InvariantCulture)}";

    /// <summary>The line that reports an output.</summary>
    public static string Output(string name, string value) => $"##output {name}={value.ReplaceLineEndings(" ")}";

    [GeneratedRegex(@"^(trce|dbug|info|warn|fail|crit): ")]
    private static partial Regex FrameworkLogLine();

    [GeneratedRegex(@"^##metric\s+([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(\S+)\s*$")]
    private static partial Regex MetricLine();

    [GeneratedRegex(@"^##output\s+([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$")]
    private static partial Regex OutputLine();
}
