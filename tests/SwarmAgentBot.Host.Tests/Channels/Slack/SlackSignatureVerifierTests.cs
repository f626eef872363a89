using System.Text;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Host.Channels.Slack;

namespace SwarmAgentBot.Host.Tests.Channels.Slack;

/// <summary>Slack's signature scheme, against the example Slack publishes in "Verifying requests from Slack".</summary>
public sealed class SlackSignatureVerifierTests
{
    // The example of Slack's documentation: signing secret, timestamp, slash-command body and the signature Slack computed.
    private const string PublishedSecret = "8f742231b10e8888abcd99yyyzzz85a5";
    private const string PublishedTimestamp = "1531420618";
    private const string PublishedBody = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    private const string PublishedSignature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static SlackSignatureVerifier Verifier(TimeSpan sincePublished) =>
        new(Options.Create(new SlackOptions { SigningSecret = PublishedSecret, BotToken = "xoxb-x" }),
            new FixedClock(DateTimeOffset.FromUnixTimeSeconds(1531420618) + sincePublished));

    [Fact]
    public void ItAcceptsSlacksPublishedExample()
    {
        var check = Verifier(TimeSpan.FromSeconds(30)).Verify(PublishedTimestamp, PublishedSignature, Encoding.UTF8.GetBytes(PublishedBody));
        Assert.True(check.Valid, check.Reason);
    }

    [Fact]
    public void SigningReproducesSlacksPublishedSignature() =>
        Assert.Equal(PublishedSignature, SlackSignatureVerifier.Sign(PublishedSecret, PublishedTimestamp, Encoding.UTF8.GetBytes(PublishedBody)));

    [Fact]
    public void ItRejectsThePublishedExampleSixMinutesLater()
    {
        var check = Verifier(TimeSpan.FromMinutes(6)).Verify(PublishedTimestamp, PublishedSignature, Encoding.UTF8.GetBytes(PublishedBody));
        Assert.False(check.Valid);
        Assert.Contains("timestamp", check.Reason);
    }

    [Fact]
    public void ItRejectsATimestampFromTheFuture()
    {
        var check = Verifier(TimeSpan.FromMinutes(-6)).Verify(PublishedTimestamp, PublishedSignature, Encoding.UTF8.GetBytes(PublishedBody));
        Assert.False(check.Valid);
    }

    [Fact]
    public void ItRejectsATamperedBody()
    {
        var check = Verifier(TimeSpan.Zero).Verify(PublishedTimestamp, PublishedSignature, Encoding.UTF8.GetBytes(PublishedBody.Replace("roadrunner", "wileecoyote")));
        Assert.False(check.Valid);
        Assert.Equal("signature does not match", check.Reason);
    }

    [Fact]
    public void ItRejectsASignatureThatIsNotHex()
    {
        var check = Verifier(TimeSpan.Zero).Verify(PublishedTimestamp, "v0=not-hex", Encoding.UTF8.GetBytes(PublishedBody));
        Assert.False(check.Valid);
    }
}
