using SwarmAgentBot.Agents.Agents.Knowledge;

namespace SwarmAgentBot.Agents.Tests.Knowledge;

public class KnowledgeQueryTests
{
    [Fact]
    public void ItQuotesEveryTermAndOrsThem()
    {
        var query = KnowledgeQuery.Parse("How do I roll back churn-model?");

        Assert.Equal(["roll", "back", "churn", "model"], query.Terms);
        Assert.Equal("\"roll\" OR \"back\" OR \"churn\" OR \"model\"", query.MatchExpression);
    }

    [Fact]
    public void ItTurnsFts5SyntaxIntoPlainWords()
    {
        var query = KnowledgeQuery.Parse("NEAR(\"deploy\" AND * title: -x OR (y) NOT z^ \"\"");

        Assert.Equal(["near", "deploy", "title", "x", "y", "z"], query.Terms);
        Assert.All(query.Terms, t => Assert.Matches("^[a-z0-9]+$", t));
    }

    [Fact]
    public void ItDropsStopWordsButKeepsAQuestionMadeOnlyOfThem()
    {
        Assert.Equal(["psi"], KnowledgeQuery.Parse("what is the PSI?").Terms);
        Assert.Equal(["what", "is", "it"], KnowledgeQuery.Parse("what is it").Terms);
    }

    [Fact]
    public void ItFindsNothingToSearchInEmptyOrPunctuationOnlyText()
    {
        Assert.True(KnowledgeQuery.Parse("").IsEmpty);
        Assert.True(KnowledgeQuery.Parse(null).IsEmpty);
        Assert.True(KnowledgeQuery.Parse("?!* -- ()").IsEmpty);
    }

    [Fact]
    public void ItKeepsAtMostTheFirstTermsOfAVeryLongQuestion()
    {
        var question = string.Join(" ", Enumerable.Range(0, 2000).Select(i => "word" + i));

        var query = KnowledgeQuery.Parse(question);

        Assert.Equal(KnowledgeQuery.MaxTerms, query.Terms.Count);
        Assert.Equal("word0", query.Terms[0]);
    }

    [Theory]
    [InlineData("caresses", "caress")]
    [InlineData("ponies", "poni")]
    [InlineData("relational", "relat")]
    [InlineData("running", "run")]
    [InlineData("deployment", "deploy")]
    [InlineData("deploys", "deploi")]
    [InlineData("approvals", "approv")]
    [InlineData("generalization", "gener")]
    [InlineData("hopeful", "hope")]
    [InlineData("v3", "v3")]
    public void ItStemsLikeThePorterAlgorithm(string word, string stem) => Assert.Equal(stem, PorterStemmer.Stem(word));
}
