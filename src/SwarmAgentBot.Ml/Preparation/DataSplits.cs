namespace SwarmAgentBot.Ml.Preparation;

/// <summary>Seeded, reproducible row splits. The same inputs and seed always give the same rows.</summary>
public static class DataSplits
{
    /// <summary>
    /// Splits rows into train and test keeping each class's share: per class, round(n × fraction) rows go to test
    /// (at least one when the class has two or more rows, never all of them). Pass <c>null</c> classes for a plain
    /// random split (regression). Both index lists come back sorted.
    /// </summary>
    public static (int[] Train, int[] Test) StratifiedSplit(IReadOnlyList<int>? classes, int rowCount, double testFraction, int seed)
    {
        if (testFraction is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(testFraction), "The test fraction must be between 0 and 1.");
        var random = new Random(seed);
        var test = new List<int>();
        foreach (var group in Groups(classes, rowCount))
        {
            Shuffle(group, random);
            var take = (int)Math.Round(group.Count * testFraction, MidpointRounding.AwayFromZero);
            if (group.Count >= 2) take = Math.Clamp(take, 1, group.Count - 1);
            else take = 0;
            test.AddRange(group.Take(take));
        }
        var isTest = new bool[rowCount];
        foreach (var t in test) isTest[t] = true;
        var trainRows = Enumerable.Range(0, rowCount).Where(i => !isTest[i]).ToArray();
        var testRows = Enumerable.Range(0, rowCount).Where(i => isTest[i]).ToArray();
        return (trainRows, testRows);
    }

    /// <summary>
    /// Assigns each row a fold in [0, k) so that every class is spread evenly over the folds (round-robin over
    /// each class's shuffled rows). <c>null</c> classes: plain shuffled folds.
    /// </summary>
    public static int[] StratifiedFolds(IReadOnlyList<int>? classes, int rowCount, int folds, int seed)
    {
        if (folds < 2) throw new ArgumentOutOfRangeException(nameof(folds), "At least two folds.");
        var random = new Random(seed);
        var fold = new int[rowCount];
        var next = 0;
        foreach (var group in Groups(classes, rowCount))
        {
            Shuffle(group, random);
            // Continue the round-robin across classes so small classes do not all land in fold 0.
            foreach (var row in group) fold[row] = next++ % folds;
        }
        return fold;
    }

    private static List<List<int>> Groups(IReadOnlyList<int>? classes, int rowCount)
    {
        if (classes is null) return [Enumerable.Range(0, rowCount).ToList()];
        if (classes.Count != rowCount) throw new ArgumentException($"{classes.Count} class labels for {rowCount} rows.");
        var groups = new SortedDictionary<int, List<int>>();
        for (var i = 0; i < rowCount; i++)
        {
            if (!groups.TryGetValue(classes[i], out var list)) groups[classes[i]] = list = [];
            list.Add(i);
        }
        return groups.Values.ToList();
    }

    private static void Shuffle(List<int> list, Random random)
    {
        for (var i = list.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }
}
