using SwarmAgentBot.Ml.Tabular;

namespace SwarmAgentBot.Ml.Tests.Tabular;

public sealed class ColumnTypeInferenceTests
{
    private static ColumnKind Kind(string name, params string?[] cells) => ColumnTypeInference.InferColumn(name, cells).Kind;

    private static string?[] Repeat(int times, params string?[] values) => Enumerable.Range(0, times).SelectMany(_ => values).ToArray();

    [Fact]
    public void NumbersAreNumericEvenWithMissingPlaceholders() =>
        Assert.Equal(ColumnKind.Numeric, Kind("age", "31", "4.5", "", "NA", "-2e3", "?", "7"));

    [Fact]
    public void RepeatedLabelsAreCategorical() =>
        Assert.Equal(ColumnKind.Categorical, Kind("color", Repeat(10, "red", "green", "blue", null)));

    [Theory]
    [InlineData("yes", "no")]
    [InlineData("True", "False")]
    [InlineData("Y", "n")]
    [InlineData("0", "1")]
    public void TwoBooleanTokensAreBoolean(string a, string b) =>
        Assert.Equal(ColumnKind.Boolean, Kind("flag", Repeat(10, a, b, a)));

    [Fact]
    public void IsoDatesAreDatetimes()
    {
        var profile = ColumnTypeInference.InferColumn("signup", ["2024-01-05", "2023-12-31", "", "2024-02-29"]);
        Assert.Equal(ColumnKind.DateTime, profile.Kind);
        Assert.Equal("yyyy-MM-dd", profile.DateFormat);
    }

    [Fact]
    public void DayFirstDatesAreRecognisedWhenMonthFirstCannotParse() =>
        Assert.Equal("dd/MM/yyyy", ColumnTypeInference.InferColumn("d", ["31/01/2024", "15/06/2023", "01/02/2022"]).DateFormat);

    [Fact]
    public void UniqueSentencesAreFreeText() =>
        Assert.Equal(ColumnKind.Text, Kind("comment", Enumerable.Range(0, 30).Select(i => $"customer {i} wrote a long complaint").ToArray()));

    [Fact]
    public void UniqueShortCodesAreIdentifiers() =>
        Assert.Equal(ColumnKind.Identifier, Kind("ref", Enumerable.Range(0, 50).Select(i => $"AX-{i * 7919 % 10007:D5}").ToArray()));

    [Fact]
    public void ARowCounterIsAnIdentifier() =>
        Assert.Equal(ColumnKind.Identifier, Kind("n", Enumerable.Range(1, 40).Select(i => i.ToString()).ToArray()));

    [Fact]
    public void UniqueIntegersWithAnIdNameAreAnIdentifier() =>
        Assert.Equal(ColumnKind.Identifier, Kind("customerID", Enumerable.Range(0, 40).Select(i => (i * 37 % 101 + 1000).ToString()).ToArray()));

    [Fact]
    public void UniqueMeasurementsAreStillNumeric() =>
        Assert.Equal(ColumnKind.Numeric, Kind("income", Enumerable.Range(0, 40).Select(i => (i * 37 % 101 + 1000).ToString()).ToArray()));

    [Fact]
    public void AllMissingIsEmpty()
    {
        var profile = ColumnTypeInference.InferColumn("nothing", [null, "", "NA", " "]);
        Assert.Equal(ColumnKind.Empty, profile.Kind);
        Assert.Equal(4, profile.Missing);
        Assert.Equal(1.0, profile.MissingFraction);
    }

    [Theory]
    [InlineData("id", true)]
    [InlineData("PassengerId", true)]
    [InlineData("customerID", true)]
    [InlineData("user_id", true)]
    [InlineData("uuid", true)]
    [InlineData("paid", false)]
    [InlineData("valid", false)]
    [InlineData("width", false)]
    public void IdLikeNamesAreRecognised(string name, bool expected) => Assert.Equal(expected, ColumnTypeInference.IdLikeName(name));

    [Fact]
    public void ItProfilesEveryColumnOfATable()
    {
        var table = CsvTable.ParseText("a,b,c\n1,x,\n2,y,\n3,x,\n");
        var kinds = ColumnTypeInference.Infer(table).Select(p => p.Kind).ToArray();
        Assert.Equal([ColumnKind.Numeric, ColumnKind.Categorical, ColumnKind.Empty], kinds);
    }
}
