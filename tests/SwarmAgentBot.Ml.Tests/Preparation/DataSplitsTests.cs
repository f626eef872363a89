using SwarmAgentBot.Ml.Preparation;

namespace SwarmAgentBot.Ml.Tests.Preparation;

public sealed class DataSplitsTests
{
    [Fact]
    public void AStratifiedSplitKeepsEachClassShare()
    {
        // 70% / 25% / 5% classes.
        var classes = Enumerable.Range(0, 1000).Select(i => i % 20 == 0 ? 2 : i % 4 == 1 ? 1 : 0).ToArray();
        var (train, test) = DataSplits.StratifiedSplit(classes, classes.Length, 0.25, seed: 5);
        Assert.Equal(1000, train.Length + test.Length);
        Assert.Empty(train.Intersect(test));
        for (var c = 0; c < 3; c++)
        {
            var overall = classes.Count(x => x == c) / 1000.0;
            var inTest = test.Count(i => classes[i] == c) / (double)test.Length;
            var inTrain = train.Count(i => classes[i] == c) / (double)train.Length;
            Assert.Equal(overall, inTest, 2);
            Assert.Equal(overall, inTrain, 2);
        }
    }

    [Fact]
    public void TheSameSeedGivesTheSameSplitAndAnotherSeedAnother()
    {
        var classes = Enumerable.Range(0, 200).Select(i => i % 3).ToArray();
        var a = DataSplits.StratifiedSplit(classes, 200, 0.2, 1);
        var b = DataSplits.StratifiedSplit(classes, 200, 0.2, 1);
        var c = DataSplits.StratifiedSplit(classes, 200, 0.2, 2);
        Assert.Equal(a.Test, b.Test);
        Assert.NotEqual(a.Test, c.Test);
    }

    [Fact]
    public void ARareClassGetsARowInBothParts()
    {
        var classes = Enumerable.Range(0, 100).Select(i => i < 2 ? 1 : 0).ToArray();
        var (train, test) = DataSplits.StratifiedSplit(classes, 100, 0.1, 3);
        Assert.Contains(train, i => classes[i] == 1);
        Assert.Contains(test, i => classes[i] == 1);
    }

    [Fact]
    public void StratifiedFoldsSpreadEveryClassEvenly()
    {
        var classes = Enumerable.Range(0, 500).Select(i => i % 10 == 0 ? 1 : 0).ToArray();
        var folds = DataSplits.StratifiedFolds(classes, 500, 5, 4);
        for (var f = 0; f < 5; f++)
        {
            Assert.Equal(100, folds.Count(x => x == f));
            Assert.Equal(10, Enumerable.Range(0, 500).Count(i => folds[i] == f && classes[i] == 1));
        }
    }
}
