using System.Globalization;
using SwarmAgentBot.Ml.AutoMl;
using SwarmAgentBot.Ml.Preparation;
using SwarmAgentBot.Ml.Tabular;

namespace SwarmAgentBot.Ml.Tests.Preparation;

public sealed class TextFeaturesTests
{
    /// <summary>Passenger-like names: a unique surname and first name, and a title that carries the signal.</summary>
    private static TabularData Passengers(int rows, int seed = 5)
    {
        var random = new Random(seed);
        string[] titles = ["Mr.", "Mrs.", "Miss.", "Master."];
        var table = new List<string?[]>();
        for (var i = 0; i < rows; i++)
        {
            var title = titles[random.Next(titles.Length)];
            var surname = "Sur" + (char)('a' + i % 26) + (char)('a' + i / 26 % 26) + (char)('a' + i / 676 % 26);
            var first = "Given" + (char)('a' + random.Next(26)) + (char)('a' + random.Next(26)) + (char)('a' + random.Next(26));
            var survived = title is "Mrs." or "Miss." ^ random.Next(10) == 0 ? "1" : "0";
            var name = random.Next(40) == 0 ? null : $"{surname}, {title} {first} {i}";
            table.Add([(20 + random.Next(50)).ToString(CultureInfo.InvariantCulture), name, survived]);
        }
        return TabularData.FromRows(["age", "name", "survived"], table, "passengers.csv");
    }

    [Fact]
    public void FrequentWordsAreThoseManyRowsShareNotNumbersOneOffsOrWordsInEveryRow()
    {
        var cells = Enumerable.Range(0, 100).Select(i => (string?)$"order {i} for {(i % 2 == 0 ? "refund" : "delivery")} name{i} x").ToList();
        cells.Add(null);
        var words = TextFeatures.FrequentWords(cells);
        Assert.Equal(["delivery", "refund"], words);
    }

    [Fact]
    public void ACellBecomesLengthWordCountAndWordFlags()
    {
        var slot = new float[4];
        TextFeatures.Encode("Braund, Mr. Owen", ["mr", "mrs"], slot);
        Assert.Equal([16f, 3f, 1f, 0f], slot);
        TextFeatures.Encode(null, ["mr", "mrs"], slot);
        Assert.True(float.IsNaN(slot[0]) && float.IsNaN(slot[1]));
        Assert.Equal([0f, 0f], slot[2..]);
    }

    [Fact]
    public void AFreeTextColumnWithFrequentWordsIsUsedInsteadOfDropped()
    {
        var prepared = FeaturePreparation.Fit(Passengers(300), new PreparationOptions { Target = "survived", Seed = 1 });
        var name = prepared.Preparation.Columns.Single(c => c.Column == "name");
        Assert.Equal("text", name.Encoding);
        Assert.Equal(["master", "miss", "mr", "mrs"], name.Words!.Order(StringComparer.Ordinal));
        Assert.DoesNotContain(prepared.Preparation.Dropped, d => d.Column == "name");
        Assert.Contains("name~mrs", prepared.Preparation.FeatureNames);
        Assert.Contains("name#length", prepared.Preparation.FeatureNames);
    }

    [Fact]
    public void TextFeaturesSurviveSerialisationAndARecordMatchesItsTableRow()
    {
        var preparation = FeaturePreparation.Fit(Passengers(300), new PreparationOptions { Target = "survived", Seed = 1 }).Preparation;
        var reloaded = FeaturePreparation.FromJson(preparation.ToJson());
        var fresh = Passengers(40, seed: 9);
        Assert.Equal(preparation.Transform(fresh).Values, reloaded.Transform(fresh).Values);

        var table = CsvTable.ParseText("age,name\n30,\"Smith, Mrs. Anna\"\n");
        var expected = preparation.Transform(table).Row(0).ToArray();
        var actual = new float[reloaded.FeatureCount];
        reloaded.TransformRecord(new Dictionary<string, object?> { ["age"] = 30, ["name"] = "Smith, Mrs. Anna" }, actual);
        Assert.Equal(expected, actual);
        var mrs = reloaded.FeatureNames.ToList().IndexOf("name~mrs");
        Assert.Equal(1f, actual[mrs]);
    }

    [Fact]
    public async Task AutoMlLearnsFromAWordInFreeText()
    {
        // The label follows the title inside the name (90%); age is noise. Without the text the best is ~0.5 macro-F1.
        var result = await new AutoMlTrainer().TrainAsync(Passengers(600), new AutoMlOptions
        {
            Target = "survived", Metric = "macro_f1", TimeBudget = TimeSpan.FromSeconds(30), MaxTrials = 4, Threads = 1, Learners = [LearnerNames.Tree],
        });
        Assert.True(result.TestMetrics["macro_f1"] > 0.8, $"test macro_f1 {result.TestMetrics["macro_f1"]}");
        Assert.Equal("name", result.Bundle.FeatureImportance[0].Column);
    }
}
