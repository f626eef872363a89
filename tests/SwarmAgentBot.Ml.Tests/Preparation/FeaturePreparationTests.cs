using System.Text.Json;
using SwarmAgentBot.Ml.AutoMl;
using SwarmAgentBot.Ml.Preparation;
using SwarmAgentBot.Ml.Tabular;

namespace SwarmAgentBot.Ml.Tests.Preparation;

public sealed class FeaturePreparationTests
{
    private static PreparedTraining FitChurn(int rows = 400) =>
        FeaturePreparation.Fit(Synthetic.Churn(rows), new PreparationOptions { Target = "churn", Seed = 7 });

    [Fact]
    public void ItDetectsTheTaskAndPutsThePositiveClassSecond()
    {
        var prepared = FitChurn();
        Assert.Equal(TaskKind.BinaryClassification, prepared.Preparation.Task);
        Assert.Equal(["no", "yes"], prepared.Preparation.ClassLabels);
    }

    [Fact]
    public void ItDropsIdentifiersAndFreeTextWithAReason()
    {
        var dropped = FitChurn().Preparation.Dropped.ToDictionary(d => d.Column, d => d.Reason);
        Assert.Contains("identifier", dropped["customer_id"]);
        Assert.Contains("free text", dropped["note"]);
        Assert.DoesNotContain("tenure", dropped.Keys);
    }

    [Fact]
    public void ItDropsAColumnThatCopiesTheTarget()
    {
        var data = Synthetic.Churn(200);
        var target = data.Column("churn");
        var copy = target.Select(v => v == "yes" ? "1" : "0").ToList();
        var names = data.ColumnNames.Append("churned_flag").ToList();
        var columns = Enumerable.Range(0, data.ColumnCount).Select(data.Column).Append(copy).ToList();
        var leaky = TabularData.FromColumns(names, columns);
        var prepared = FeaturePreparation.Fit(leaky, new PreparationOptions { Target = "churn" });
        Assert.Contains(prepared.Preparation.Dropped, d => d.Column == "churned_flag" && d.Reason.Contains("copies the target"));
    }

    [Fact]
    public void LowCardinalityIsOneHotAndHighCardinalityIsFrequencyPlusTarget()
    {
        var columns = FitChurn().Preparation.Columns.ToDictionary(c => c.Column);
        Assert.Equal("onehot", columns["plan"].Encoding);
        Assert.Equal(["basic", "plus", "pro"], columns["plan"].Categories!);
        Assert.Equal("frequency_target", columns["city"].Encoding);
        Assert.Equal("datetime", columns["signup"].Encoding);
        Assert.Equal("boolean", columns["paperless"].Encoding);
    }

    [Fact]
    public void TrainingRowsGetOutOfFoldTargetStatistics()
    {
        var prepared = FitChurn();
        var preparation = prepared.Preparation;
        var city = preparation.Columns.Single(c => c.Column == "city");
        var inSample = preparation.Transform(Synthetic.Churn(400));
        var column = city.Offset + 1;
        var differing = Enumerable.Range(0, inSample.Rows).Count(r => inSample.Row(r)[column] != prepared.Features.Row(r)[column]);
        Assert.True(differing > inSample.Rows / 2, $"only {differing} rows differ");
        // Every other feature is the same transform.
        Assert.Equal(inSample.Row(3)[0], prepared.Features.Row(3)[0]);
    }

    [Fact]
    public void ASerialisedPreparationTransformsToTheSameMatrix()
    {
        var preparation = FitChurn().Preparation;
        var json = preparation.ToJson();
        var reloaded = FeaturePreparation.FromJson(json);
        var fresh = Synthetic.Churn(50, seed: 99);
        var a = preparation.Transform(fresh);
        var b = reloaded.Transform(fresh);
        Assert.Equal(a.Columns, b.Columns);
        Assert.Equal(a.Values, b.Values);
        Assert.Equal(preparation.FeatureNames, reloaded.FeatureNames);
        Assert.Equal(json, reloaded.ToJson());
    }

    [Fact]
    public void ARecordTransformsLikeTheSameRowOfATable()
    {
        var preparation = FitChurn().Preparation;
        var table = CsvTable.ParseText("tenure,charges,plan,city,paperless,signup\n12,55.5,pro,city8,Yes,2021-03-04\n");
        var expected = preparation.Transform(table).Row(0).ToArray();
        var record = new Dictionary<string, object?>
        {
            ["tenure"] = 12, ["charges"] = 55.5, ["plan"] = "pro", ["city"] = "city8", ["paperless"] = true, ["signup"] = "2021-03-04",
        };
        var actual = new float[preparation.FeatureCount];
        preparation.TransformRecord(record, actual);
        Assert.Equal(expected, actual);

        var json = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>("{\"tenure\":12,\"charges\":\"55.5\",\"plan\":\"pro\",\"city\":\"city8\",\"paperless\":\"Yes\",\"signup\":\"2021-03-04\"}")!;
        var fromJson = new float[preparation.FeatureCount];
        preparation.TransformRecord(json.ToDictionary(kv => kv.Key, kv => (object?)kv.Value), fromJson);
        Assert.Equal(expected, fromJson);
    }

    [Fact]
    public void NullAndUnknownValuesAreAcceptedAsMissing()
    {
        var preparation = FitChurn().Preparation;
        var record = new Dictionary<string, object?>
        {
            ["tenure"] = null, ["charges"] = "", ["plan"] = "enterprise", ["city"] = "atlantis", ["paperless"] = null, ["signup"] = null,
        };
        var row = new float[preparation.FeatureCount];
        preparation.TransformRecord(record, row);
        var tenure = preparation.Columns.Single(c => c.Column == "tenure").Offset;
        Assert.True(float.IsNaN(row[tenure]));
    }

    [Fact]
    public void ARecordWithoutAFieldGetsAnErrorNamingIt()
    {
        var preparation = FitChurn().Preparation;
        var record = new Dictionary<string, object?> { ["tenure"] = 3, ["charges"] = 20, ["plan"] = "pro", ["paperless"] = "No", ["signup"] = "2021-01-01" };
        var error = Assert.Throws<RecordValidationException>(() => preparation.TransformRecord(record, new float[preparation.FeatureCount]));
        Assert.Equal("city", error.Field);
        Assert.Contains("'city'", error.Message);
    }

    [Theory]
    [InlineData("tenure", "twelve", "must be a number")]
    [InlineData("paperless", "maybe", "must be a boolean")]
    [InlineData("signup", "last tuesday", "must be a date")]
    public void AMistypedFieldGetsAnErrorNamingIt(string field, string value, string expected)
    {
        var preparation = FitChurn().Preparation;
        var record = new Dictionary<string, object?>
        {
            ["tenure"] = 12, ["charges"] = 55.5, ["plan"] = "pro", ["city"] = "city8", ["paperless"] = "Yes", ["signup"] = "2021-03-04",
        };
        record[field] = value;
        var error = Assert.Throws<RecordValidationException>(() => preparation.TransformRecord(record, new float[preparation.FeatureCount]));
        Assert.Equal(field, error.Field);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void ABadCellInATableNamesTheColumnAndLine()
    {
        var preparation = FitChurn().Preparation;
        var table = CsvTable.ParseText("tenure,charges,plan,city,paperless,signup\n12,55.5,pro,city8,Yes,2021-03-04\n1x,55.5,pro,city8,Yes,2021-03-04\n");
        var error = Assert.Throws<RecordValidationException>(() => preparation.Transform(table));
        Assert.Equal("tenure", error.Field);
        Assert.Equal(3, error.LineNumber);
        Assert.StartsWith("Line 3:", error.Message);
    }

    [Fact]
    public void ContinuousFeaturesAreStandardisedOnTheTrainingRows()
    {
        var prepared = FitChurn();
        var tenure = prepared.Preparation.Columns.Single(c => c.Column == "tenure").Offset;
        var values = Enumerable.Range(0, prepared.Features.Rows).Select(r => (double)prepared.Features.Row(r)[tenure]).ToArray();
        Assert.Equal(0, values.Average(), 3);
        Assert.Equal(1, Math.Sqrt(values.Select(v => v * v).Average()), 2);
    }

    [Fact]
    public void RowsWithoutATargetAreLeftOut()
    {
        var table = CsvTable.ParseText("x,y\n" + string.Join("\n", Enumerable.Range(0, 30).Select(i => $"{i},{(i % 5 == 0 ? "" : (i % 2).ToString())}")));
        var prepared = FeaturePreparation.Fit(table, new PreparationOptions { Target = "y" });
        Assert.Equal(24, prepared.Labels.Length);
        Assert.DoesNotContain(0, prepared.SourceRows);
    }

    [Fact]
    public void FewIntegerValuesMeanClassificationAndManyMeanRegression()
    {
        Assert.Equal(TaskKind.MulticlassClassification, FeaturePreparation.Fit(Synthetic.ThreeClasses(60), new PreparationOptions { Target = "species" }).Preparation.Task);
        Assert.Equal(TaskKind.Regression, FeaturePreparation.Fit(Synthetic.Regression(60), new PreparationOptions { Target = "y" }).Preparation.Task);
    }
}
