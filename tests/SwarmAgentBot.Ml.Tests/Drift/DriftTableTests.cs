using SwarmAgentBot.Ml.Drift;

namespace SwarmAgentBot.Ml.Tests.Drift;

public sealed class DriftTableTests
{
    [Fact]
    public void ItInfersNumericAndCategoricalColumnsAndMissingValues()
    {
        var table = DriftTable.ReadCsv(new StringReader("a,b,c,d\n1.5,x,,7\nNA,y,,8\n-2e3,\"z, quoted\",,\n"), "test.csv");
        Assert.Equal(3, table.RowCount);
        Assert.Equal(DriftColumnKind.Numeric, table.Find("a")!.Kind);
        Assert.True(double.IsNaN(table.Find("a")!.Numbers![1]));
        Assert.Equal(-2000, table.Find("a")!.Numbers![2]);
        Assert.Equal(new[] { "x", "y", "z, quoted" }, table.Find("b")!.Labels!.Select(l => l!));
        Assert.Equal(DriftColumnKind.Numeric, table.Find("c")!.Kind);
        Assert.True(double.IsNaN(table.Find("d")!.Numbers![2]));
    }

    [Fact]
    public void ItReadsNamedColumnsAsCategories()
    {
        var table = DriftTable.ReadCsv(new StringReader("season,temp\n1,0.2\n2,0.3\n"), "test.csv", new HashSet<string> { "season" });
        Assert.Equal(new[] { "1", "2" }, table.Find("season")!.Labels!.Select(l => l!));
        Assert.Equal(DriftColumnKind.Numeric, table.Find("temp")!.Kind);
    }

    [Fact]
    public void ItNamesTheLineOfARowWithTheWrongNumberOfFields()
    {
        var error = Assert.Throws<InvalidDataException>(() => DriftTable.ReadCsv(new StringReader("a,b\n1,2\n3\n"), "bad.csv"));
        Assert.Contains("bad.csv line 3", error.Message);
    }

    [Fact]
    public void ItRejectsARepeatedColumnName() =>
        Assert.Contains("'a' appears twice", Assert.Throws<InvalidDataException>(() => DriftTable.ReadCsv(new StringReader("a,a\n1,2\n"), "dup.csv")).Message);

    [Fact]
    public void ItRejectsAnEmptyFileAndAMissingOne()
    {
        Assert.Contains("header row", Assert.Throws<InvalidDataException>(() => DriftTable.ReadCsv(new StringReader(""), "empty.csv")).Message);
        Assert.Throws<FileNotFoundException>(() => DriftTable.ReadCsv(Path.Combine(Path.GetTempPath(), Guid.NewGuid() + ".csv")));
    }

    [Fact]
    public void ItRejectsColumnsOfDifferentLengths() =>
        Assert.Throws<ArgumentException>(() => new DriftTable([DriftColumn.Numeric("a", [1, 2]), DriftColumn.Numeric("b", [1])]));

    [Fact]
    public void TheRadixSortOrdersLikeArraySort()
    {
        var g = new SampleGenerator(41);
        var values = new double[50_000];
        for (var i = 0; i < values.Length; i++)
            values[i] = (i % 5) switch { 0 => -g.Uniform() * 1e6, 1 => g.Uniform() * 1e-300, 2 => 0.0, 3 => -0.0, _ => g.Normal(0, 1e9) };
        var expected = (double[])values.Clone();
        Array.Sort(expected);
        FloatSort.Sort(values);
        for (var i = 0; i < values.Length; i++) Assert.True(values[i] == expected[i], $"index {i}: {values[i]} vs {expected[i]}");
    }
}
