using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace SwarmAgentBot.Agents.Supervisor.Llm;

/// <summary>
/// Removes secrets from text before it goes to a model and from what a model writes back: every configured
/// secret value (settings whose name ends in ApiKey, Secret, Token, Password, ConnectionString ...) and anything
/// shaped like a well-known credential (OpenAI <c>sk-…</c>, Slack <c>xox?-…</c>, GitHub, AWS access keys,
/// bearer tokens, JWTs, private key blocks).
/// </summary>
public sealed partial class SecretScrubber
{
    /// <summary>What a secret is replaced with.</summary>
    public const string Redacted = "[redacted]";

    private readonly string[] _knownValues;

    /// <summary>Scrubs the given secret values and the credential patterns.</summary>
    public SecretScrubber(IEnumerable<string?> knownValues)
    {
        // Longest first, so a secret that contains another is removed whole; short values would redact ordinary words.
        _knownValues = knownValues.OfType<string>().Select(v => v.Trim()).Where(v => v.Length >= 8)
            .Distinct(StringComparer.Ordinal).OrderByDescending(v => v.Length).ToArray();
    }

    /// <summary>Collects the secret values in a configuration (by setting name) and scrubs them.</summary>
    public static SecretScrubber FromConfiguration(IConfiguration configuration) =>
        new(configuration.AsEnumerable().Where(kv => kv.Value is not null && SecretSettingName().IsMatch(kv.Key)).Select(kv => kv.Value));

    /// <summary>The text with every secret replaced by <see cref="Redacted"/>.</summary>
    public string Scrub(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text ?? "";
        foreach (var secret in _knownValues)
            text = text.Replace(secret, Redacted, StringComparison.Ordinal);
        return CredentialPattern().Replace(text, Redacted);
    }

    [GeneratedRegex(@"(api_?key|secret|token|password|passwd|connectionstring|credential|signingkey|accesskey)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretSettingName();

    [GeneratedRegex(
        @"sk-(?:proj-|ant-)?[A-Za-z0-9_\-]{16,}" +
        @"|xox[abposr]-[A-Za-z0-9\-]{10,}" +
        @"|xapp-[A-Za-z0-9\-]{10,}" +
        @"|gh[pousr]_[A-Za-z0-9]{30,}" +
        @"|github_pat_[A-Za-z0-9_]{30,}" +
        @"|(?:AKIA|ASIA)[0-9A-Z]{16}" +
        @"|AIza[0-9A-Za-z_\-]{35}" +
        @"|eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}" +
        @"|(?<=\bBearer\s+)[A-Za-z0-9._~+/\-]{16,}=*" +
        @"|-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----",
        RegexOptions.CultureInvariant)]
    private static partial Regex CredentialPattern();
}
