using System.Net;
using System.Security.Cryptography;
using SwarmAgentBot.Host.Tests.Channels.Fixtures;
using SwarmAgentBot.Host.Tests.Support;
using static SwarmAgentBot.Host.Tests.Channels.BotFramework.BotFrameworkTestHost;

namespace SwarmAgentBot.Host.Tests.Channels.BotFramework;

/// <summary>/api/messages lets in only what the Bot Connector signed for this bot.</summary>
public sealed class BotFrameworkAuthenticationTests : IAsyncLifetime
{
    private readonly ChannelTestRouter _router = new();
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "swarm-bf-auth-" + Guid.NewGuid().ToString("N")[..10]);
    private BotFrameworkCloud _cloud = null!;
    private SwarmWebFactory _host = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _cloud = await BotFrameworkCloud.StartAsync();
        _host = Create(_cloud, _dataDir, _router, new DeployAgent());
        _http = _host.CreateClient();
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _cloud.DisposeAsync();
        SwarmWebFactory.DeleteDataDir(_dataDir);
    }

    private async Task AssertRefusedAsync(string? token, HttpStatusCode expected = HttpStatusCode.Unauthorized, string? serviceUrl = null, string channelId = "msteams")
    {
        var response = await PostAsync(_http, Message(serviceUrl ?? _cloud.BaseUrl, "help", channelId: channelId), token);
        Assert.Equal(expected, response.StatusCode);
        await IdleAsync(_host);
        Assert.Empty(_router.Routed);
        Assert.Empty(_cloud.Calls);
    }

    [Fact]
    public async Task ItAcceptsAValidTokenAndRepliesThroughTheConnector()
    {
        var activity = Message(_cloud.BaseUrl, "help", id: "incoming-1");
        var response = await PostAsync(_http, activity, _cloud.Token());
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        var reply = await _cloud.WaitForCallAsync(c => c.Method == "POST");
        Assert.Equal("a:1personal-chat-carol", reply.ConversationId);
        Assert.Equal("incoming-1", reply.ActivityId);
        Assert.Equal("incoming-1", reply.Activity["replyToId"]!.ToString());
        Assert.Equal(BotId, reply.Activity["from"]!["id"]!.ToString());
        Assert.Contains("Here is what I can do", reply.Activity["text"]!.ToString());
        Assert.StartsWith("connector-token-", reply.Bearer);
    }

    [Fact]
    public Task ItRejectsARequestWithoutAToken() => AssertRefusedAsync(null);

    [Fact]
    public Task ItRejectsAnUnsignedToken() => AssertRefusedAsync(_cloud.UnsignedToken());

    [Fact]
    public Task ItRejectsAnExpiredToken() => AssertRefusedAsync(_cloud.Token(expiresIn: TimeSpan.FromMinutes(-10)));

    [Fact]
    public Task ItRejectsATokenForAnotherBot() => AssertRefusedAsync(_cloud.Token(audience: "another-bot-app-id"));

    [Fact]
    public Task ItRejectsATokenFromAnotherIssuer() => AssertRefusedAsync(_cloud.Token(issuer: "https://sts.windows.net/attacker/"));

    [Fact]
    public async Task ItRejectsATokenSignedWithAnUnknownKey()
    {
        using var other = RSA.Create(2048);
        await AssertRefusedAsync(_cloud.Token(signWith: other, keyId: "attacker-key"));
    }

    [Fact]
    public async Task ItRejectsATokenSignedWithAnotherKeyUnderThePublishedKeyId()
    {
        using var other = RSA.Create(2048);
        await AssertRefusedAsync(_cloud.Token(signWith: other));
    }

    [Fact]
    public Task ItRejectsAnActivityPointingElsewhereThanItsToken() =>
        AssertRefusedAsync(_cloud.Token(), serviceUrl: "https://attacker.example/");

    [Fact]
    public Task ItRefusesAChannelTheKeyIsNotEndorsedFor() =>
        AssertRefusedAsync(_cloud.Token(), HttpStatusCode.Forbidden, channelId: "telegram");

    [Fact]
    public async Task ItAcceptsATokenWithinTheClockSkew()
    {
        var response = await PostAsync(_http, Message(_cloud.BaseUrl, "help"), _cloud.Token(expiresIn: TimeSpan.FromMinutes(-2)));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await _cloud.WaitForCallAsync(c => c.Method == "POST");
    }
}
