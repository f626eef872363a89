using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace SwarmAgentBot.Host.Channels.Slack;

/// <summary>Outcome of checking a Slack request signature.</summary>
/// <param name="Valid">True when the signature matches and the timestamp is fresh.</param>
/// <param name="Reason">Why it was rejected (for the log), or null.</param>
public sealed record SlackSignatureCheck(bool Valid, string? Reason)
{
    /// <summary>A valid request.</summary>
    public static SlackSignatureCheck Ok { get; } = new(true, null);
}

/// <summary>
/// Verifies X-Slack-Signature: "v0=" + hex HMAC-SHA256 over "v0:{timestamp}:{raw body}" keyed with the
/// signing secret, compared in constant time; timestamps further than the tolerance from now are
/// rejected so a captured request cannot be replayed later.
/// </summary>
public sealed class SlackSignatureVerifier(IOptions<SlackOptions> options, TimeProvider clock)
{
    private const string Version = "v0";

    /// <summary>Checks one request.</summary>
    public SlackSignatureCheck Verify(string? timestamp, string? signature, ReadOnlySpan<byte> body)
    {
        var o = options.Value;
        if (string.IsNullOrWhiteSpace(o.SigningSecret)) return new(false, "no signing secret configured");
        if (string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signature)) return new(false, "X-Slack-Request-Timestamp or X-Slack-Signature is missing");
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) return new(false, "X-Slack-Request-Timestamp is not a Unix time");
        var age = clock.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, 0, 253402300799));
        if (age.Duration() > o.TimestampTolerance) return new(false, $"timestamp is {age.TotalSeconds:F0} s away from now (more than {o.TimestampTolerance.TotalSeconds:F0} s)");
        if (!signature.StartsWith(Version + "=", StringComparison.Ordinal)) return new(false, "signature is not a v0 signature");

        byte[] presented;
        try { presented = Convert.FromHexString(signature.AsSpan(Version.Length + 1)); }
        catch (FormatException) { return new(false, "signature is not hex"); }
        var expected = Mac(o.SigningSecret, timestamp, body);
        return CryptographicOperations.FixedTimeEquals(presented, expected) ? SlackSignatureCheck.Ok : new(false, "signature does not match");
    }

    /// <summary>The X-Slack-Signature value for a request (what Slack sends; tests and fixtures sign with it).</summary>
    public static string Sign(string signingSecret, string timestamp, ReadOnlySpan<byte> body) =>
        Version + "=" + Convert.ToHexStringLower(Mac(signingSecret, timestamp, body));

    private static byte[] Mac(string secret, string timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes($"{Version}:{timestamp}:");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message);
    }
}
