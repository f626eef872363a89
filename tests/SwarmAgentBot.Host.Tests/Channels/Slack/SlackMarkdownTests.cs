using SwarmAgentBot.Host.Channels.Slack;

namespace SwarmAgentBot.Host.Tests.Channels.Slack;

public sealed class SlackMarkdownTests
{
    [Theory]
    [InlineData("**bold** and *italic*", "*bold* and _italic_")]
    [InlineData("__bold__ too", "*bold* too")]
    [InlineData("***both***", "*_both_*")]
    [InlineData("see [the docs](https://example.com/a?b=1&c=2)", "see <https://example.com/a?b=1&amp;c=2|the docs>")]
    [InlineData("## Leaderboard", "*Leaderboard*")]
    [InlineData("- one\n- two\n  * nested", "• one\n• two\n  • nested")]
    [InlineData("~~old~~ new", "~old~ new")]
    [InlineData("x < y & z > w", "x &lt; y &amp; z &gt; w")]
    [InlineData("2 * 3 * 4 and snake_case_name", "2 * 3 * 4 and snake_case_name")]
    public void ItConvertsMarkdownToMrkdwn(string markdown, string mrkdwn) => Assert.Equal(mrkdwn, SlackMarkdown.ToMrkdwn(markdown));

    [Fact]
    public void ItLeavesCodeAloneButEscapesIt()
    {
        Assert.Equal("run `a**b** < c` now *please*", SlackMarkdown.ToMrkdwn("run `a**b** < c` now **please**").Replace("&lt;", "<"));
        Assert.Equal("```\nif a < b: **x**\n```", SlackMarkdown.ToMrkdwn("```python\nif a < b: **x**\n```").Replace("&lt;", "<"));
    }
}
