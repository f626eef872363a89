using System.Text.Json.Nodes;
using SwarmAgentBot.Agents.Supervisor.Routing;

namespace SwarmAgentBot.Agents.Tests.Routing;

/// <summary>Entity normalisation per intents.md, one extractor at a time.</summary>
public sealed class NormalisationTests
{
    [Theory]
    [InlineData("train it in 5 minutes", 300)]
    [InlineData("give it an hour", 3600)]
    [InlineData("budget 90s", 90)]
    [InlineData("for five minutes", 300)]
    [InlineData("in half an hour", 1800)]
    [InlineData("take 2h", 7200)]
    [InlineData("for an hour and a half", 5400)]
    [InlineData("1h30m max", 5400)]
    [InlineData("1.5 hours", 5400)]
    [InlineData("ninety seconds", 90)]
    [InlineData("a couple of minutes", 120)]
    [InlineData("twenty-five minutes", 1500)]
    [InlineData("a quarter of an hour budget is fine", 900)]
    public void ItTurnsDurationsIntoWholeSeconds(string text, int seconds) =>
        Assert.Equal(seconds, EntityExtractor.DurationSeconds(NumberWords.ToDigits(text)));

    [Theory]
    [InlineData("no time here")]
    [InlineData("every 5 minutes")]
    public void ItFindsNoTimeBudgetWhereThereIsNone(string text) => Assert.Null(EntityExtractor.DurationSeconds(NumberWords.ToDigits(text)));

    [Theory]
    [InlineData("runs eighteen and nineteen", "runs 18 and 19")]
    [InlineData("one hundred and fifty rows", "150 rows")]
    [InlineData("twenty-five minutes", "25 minutes")]
    [InlineData("the third version", "the 3th version")]
    [InlineData("that one is fine", "that one is fine")]
    [InlineData("version one", "version 1")]
    public void ItWritesNumberWordsAsDigits(string text, string expected) => Assert.Equal(expected, NumberWords.ToDigits(text));

    [Theory]
    [InlineData("deploy churn-model v3 to prod", "production")]
    [InlineData("ship it to live", "production")]
    [InlineData("put it in the test env", "staging")]
    [InlineData("deploy to stage", "staging")]
    [InlineData("promote from staging to production", "production")]
    [InlineData("what is deployed in staging?", "staging")]
    public void ItNormalisesStages(string text, string stage) => Assert.Equal(stage, EntityExtractor.StageOf(text));

    [Theory]
    [InlineData("at what stage is run 7")]
    [InlineData("the live stream")]
    public void ItDoesNotReadStagesIntoOrdinaryWords(string text) => Assert.Null(EntityExtractor.StageOf(text));

    [Theory]
    [InlineData("compare runs 7 and 8", new[] { "7", "8" })]
    [InlineData("compare run 3, run 5 and run 9", new[] { "3", "5", "9" })]
    [InlineData("diff run #4 and run #6", new[] { "4", "6" })]
    [InlineData("logs of job 22", new[] { "22" })]
    [InlineData("status of run-12", new[] { "12" })]
    [InlineData("run train-and-register with dataset=churn.csv", new string[0])]
    public void ItReadsRunIdsInTheOrderWritten(string text, string[] ids)
    {
        var found = new List<string>();
        EntityExtractor.ScanRunIds(text, found);
        Assert.Equal(ids, found);
    }

    [Theory]
    [InlineData("monitor it every hour", "1h")]
    [InlineData("check hourly", "1h")]
    [InlineData("every 15 minutes", "15m")]
    [InlineData("daily please", "1d")]
    [InlineData("weekly", "1w")]
    [InlineData("every 500 predictions", "500 predictions")]
    public void ItNormalisesSchedules(string text, string schedule) => Assert.Equal(schedule, EntityExtractor.ScheduleOf(text));

    [Theory]
    [InlineData("over the last 7 days", "7d")]
    [InlineData("in the past 24 hours", "24h")]
    [InlineData("last week", "1w")]
    [InlineData("last month", "30d")]
    [InlineData("using the last 1000 predictions", "1000 predictions")]
    [InlineData("over the last fortnight or so", "14d")]
    public void ItNormalisesWindows(string text, string window) => Assert.Equal(window, EntityExtractor.WindowOf(text));

    [Theory]
    [InlineData("alert above 0.2", 0.2)]
    [InlineData("with a 20% threshold", 0.2)]
    [InlineData("if psi goes over 0.25", 0.25)]
    [InlineData("when accuracy drops below 75%", 0.75)]
    [InlineData("threshold 0.15", 0.15)]
    [InlineData("set the drift threshold for churn-model to 15%", 0.15)]
    [InlineData("enable auto retrain if rmse gets worse than 40", 40)]
    public void ItReadsThresholdsAsFractions(string text, double threshold) => Assert.Equal(threshold, EntityExtractor.Threshold(text)!.Value, 9);

    [Theory]
    [InlineData("train on churn.csv then deploy it to staging if f1 >= 0.8", "f1 >= 0.8")]
    [InlineData("then deploy if f1 is at least 0.8", "f1 >= 0.8")]
    [InlineData("promote it if the auc is above 0.9", "auc > 0.9")]
    [InlineData("deploy when accuracy is at least 90%", "accuracy >= 0.9")]
    [InlineData("deploy if macro f1 is 0.7 or higher", "macro_f1 >= 0.7")]
    [InlineData("deploy only if rmse is below 3.5", "rmse < 3.5")]
    [InlineData("deploy if the roc auc ≥ .85", "auc >= 0.85")]
    [InlineData("deploy if f1 score is no less than eighty percent", "f1 >= 0.8")]
    public void ItNormalisesConditions(string text, string condition) =>
        Assert.Equal(condition, StepSplitter.CutCondition(ChatText.Clean(text)).Condition);

    [Fact]
    public void ItReadsPipelineParametersWithTypes()
    {
        var text = "run train-and-register with learning rate 0.1, max depth 6, epochs=10, use_gpu=true and target=Churn";
        var u = Utterance.Analyse(text);
        var p = EntityExtractor.Params(u.Text, EntityExtractor.Scan(u))!;
        Assert.Equal(0.1, p["learning_rate"]!.GetValue<double>());
        Assert.Equal(6, p["max_depth"]!.GetValue<long>());
        Assert.Equal(10, p["epochs"]!.GetValue<long>());
        Assert.True(p["use_gpu"]!.GetValue<bool>());
        Assert.Equal("Churn", p["target"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("predict with churn-model: tenure=3, contract monthly", """{"tenure":3,"contract":"monthly"}""")]
    [InlineData("what would churn-model say for tenure 12, contract two_year, MonthlyCharges 70.5", """{"tenure":12,"contract":"two_year","MonthlyCharges":70.5}""")]
    [InlineData("score with fraud-xgb: amount=250.5, country=DE, online=true", """{"amount":250.5,"country":"DE","online":true}""")]
    public void ItReadsRecordsToScore(string text, string expected)
    {
        var u = Utterance.Analyse(text);
        var record = EntityExtractor.Record(u.Text, EntityExtractor.Scan(u));
        Assert.True(NluEvaluation.ValuesEqual(JsonNode.Parse(expected), record), record?.ToJsonString());
    }

    [Theory]
    [InlineData("train on churn.csv target Churn", "Churn")]
    [InlineData("train on titanic.csv predicting Survived", "Survived")]
    [InlineData("build a model on adult.csv, label is income", "income")]
    [InlineData("train on german.csv with class as the target", "class")]
    [InlineData("fraud model on tx.csv label is_fraud", "is_fraud")]
    public void ItFindsTheTargetColumn(string text, string target) => Assert.Equal(target, EntityExtractor.Target(text, allowLoose: true));

    [Fact]
    public void ItSplitsS3PathsIntoBucketAndDataset()
    {
        var m = EntityExtractor.Scan(Utterance.Analyse("train on s3://datasets/churn.csv please"));
        Assert.Equal("datasets", m.Bucket);
        Assert.Equal("churn.csv", m.Dataset);

        var nested = EntityExtractor.Scan(Utterance.Analyse("preview s3://raw/2024/03/events.csv"));
        Assert.Equal("raw", nested.Bucket);
        Assert.Equal("2024/03/events.csv", nested.Dataset);

        var folder = EntityExtractor.Scan(Utterance.Analyse("list s3://raw/2024/"));
        Assert.Equal("raw", folder.Bucket);
        Assert.Equal("2024/", folder.Prefix);
        Assert.Null(folder.Dataset);
    }

    [Theory]
    [InlineData("deploy churn-model v3", "churn-model", 3)]
    [InlineData("explain version 2 of credit-risk", "credit-risk", 2)]
    [InlineData("promote the third version of fraud-xgb", "fraud-xgb", 3)]
    public void ItReadsModelNamesAndVersions(string text, string model, int version)
    {
        var m = EntityExtractor.Scan(Utterance.Analyse(text));
        Assert.Equal(model, m.Names.Single());
        Assert.Equal(version, m.Version);
    }

    [Fact]
    public void ItReadsLatestAsAVersion() => Assert.True(EntityExtractor.Scan(Utterance.Analyse("deploy the latest churn-model")).Latest);

    [Theory]
    [InlineData("deplyo", "deploy")]
    [InlineData("trian", "train")]
    [InlineData("modle", "model")]
    [InlineData("stauts", "status")]
    [InlineData("leaderbord", "leaderboard")]
    [InlineData("reporduce", "reproduce")]
    [InlineData("stale", "stale")]
    [InlineData("tenure", "tenure")]
    [InlineData("staus", "status")]
    [InlineData("original", "original")]
    public void ItCorrectsTyposOnlyTowardsKeywords(string typo, string expected) => Assert.Equal(expected, Utterance.Correct(typo));

    [Theory]
    [InlineData("deploy", "deplyo", 1)]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("abc", "abc", 0)]
    public void ItMeasuresEditDistanceWithTranspositions(string a, string b, int distance) => Assert.Equal(distance, EditDistance.Bounded(a, b, 5));

    [Fact]
    public void ItStopsCountingPastTheBound() => Assert.Equal(2, EditDistance.Bounded("deploy", "xxxxxx", 1));

    [Theory]
    [InlineData("approve 42", "42", null)]
    [InlineData("reject apr-109", "apr-109", null)]
    [InlineData("yes go ahead and sign off on approval id 1503", "1503", null)]
    [InlineData("reject pending request a7b2", "a7b2", null)]
    [InlineData("reject 312 with comment \"auc dropped vs current prod\"", "312", "auc dropped vs current prod")]
    [InlineData("Please approve request 311, thanks.", "311", null)]
    [InlineData("Please reject approval 2001 for now.", "2001", null)]
    [InlineData("approve #301, checked the eval", "301", "checked the eval")]
    public void ItReadsApprovalIdsAndComments(string text, string id, string? comment) => Assert.Equal((id, comment), EntityExtractor.Approval(text));

    [Fact]
    public void ItKeepsTheStartAndTheEndOfAVeryLongMessage()
    {
        var cleaned = ChatText.Clean("deploy churn-model v3 to prod " + string.Concat(Enumerable.Repeat("Traceback line ", 700)) + "thanks!");

        Assert.StartsWith("deploy churn-model v3 to prod", cleaned);
        Assert.EndsWith("thanks!", cleaned);
        Assert.True(cleaned.Length <= ChatText.HeadLength + ChatText.TailLength + 2);
    }

    [Fact]
    public void ItCleansChatText()
    {
        Assert.Equal("deploy it now", ChatText.Clean("  deploy\u00A0it 🚀 ✓\u200B now "));
        Assert.Equal("f1 >= 0.8", ChatText.Clean("f1 ≥ 0.8"));
        Assert.Equal("list datasets", ChatText.Clean("@swarm list datasets"));
        Assert.Equal("hi", ChatText.Clean("hi @swarm"));
        Assert.Equal("deploy churn-model to prod", ChatText.Clean("*deploy* churn-model to _prod_"));
        Assert.Equal("datasets starting with fraud_ and is_fraud, 3 * 4", ChatText.Clean("datasets starting with fraud_ and is_fraud, 3 * 4"));
        Assert.Equal(ChatText.HeadLength + ". ".Length + ChatText.TailLength, ChatText.Clean(new string('a', 10_000)).Length);
        Assert.Equal("", ChatText.Clean(null));
    }

    [Theory]
    [InlineData("profile `income` in credit_apps.csv", "profile income in credit_apps.csv")]
    [InlineData("list files under `exports/2024/`", "list files under exports/2024/")]
    [InlineData("don`t deploy it", "don't deploy it")]
    public void ACodeSpanAroundANameIsFormatting(string raw, string cleaned) => Assert.Equal(cleaned, ChatText.Clean(raw));

    [Theory]
    [InlineData("show datasets under prefix exports/2024/", "exports/2024/")]
    [InlineData("list files under the folder raw/2025/", "raw/2025/")]
    public void APrefixNamedAfterTheWordPrefixIsThePrefix(string text, string prefix)
    {
        var route = new RulesRouter(null, BlendThresholds.Default).Route(text);

        Assert.Equal(Intents.ListDatasets, route.Intent);
        Assert.Equal(prefix, route.Entities["prefix"]?.ToString());
    }
}
