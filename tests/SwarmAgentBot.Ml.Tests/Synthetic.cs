using System.Globalization;
using SwarmAgentBot.Ml.Tabular;

namespace SwarmAgentBot.Ml.Tests;

/// <summary>Seeded synthetic tables with a known signal, so tests need no files.</summary>
internal static class Synthetic
{
    private static string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>
    /// Churn-like binary data: numeric tenure and charges, a low-cardinality plan, a high-cardinality city, a boolean,
    /// a date, an id and a free-text note. The label depends on tenure, plan and city; about 30% positive.
    /// </summary>
    public static TabularData Churn(int rows, int seed = 1, bool withNoise = true)
    {
        var random = new Random(seed);
        string[] plans = ["basic", "plus", "pro"];
        var names = new[] { "customer_id", "tenure", "charges", "plan", "city", "paperless", "signup", "note", "churn" };
        var table = new List<string?[]>();
        for (var i = 0; i < rows; i++)
        {
            var tenure = random.Next(0, 72);
            var plan = plans[random.Next(plans.Length)];
            var city = "city" + random.Next(0, 40);
            var cityRisk = int.Parse(city[4..], CultureInfo.InvariantCulture) % 4 == 0 ? 1.2 : 0;
            var charges = 20 + random.NextDouble() * 80;
            var paperless = random.Next(2) == 0 ? "Yes" : "No";
            var logit = 1.0 - tenure / 15.0 + (plan == "basic" ? 1.0 : 0) + cityRisk + (withNoise ? random.NextDouble() * 2 - 1 : 0);
            var churn = logit > 0 ? "yes" : "no";
            var signup = new DateTime(2020, 1, 1).AddDays(random.Next(0, 1000)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            table.Add([
                $"C{i:D6}", tenure.ToString(CultureInfo.InvariantCulture), random.Next(20) == 0 ? null : F(charges), plan, city, paperless, signup,
                $"customer {i} said something about the service {random.Next(1000)}", churn,
            ]);
        }
        return TabularData.FromRows(names, table, "churn.csv");
    }

    /// <summary>Three well-separated classes in two numeric features plus a noise column (an iris stand-in).</summary>
    public static TabularData ThreeClasses(int rows, int seed = 2)
    {
        var random = new Random(seed);
        string[] labels = ["setosa", "versicolor", "virginica"];
        var table = new List<string?[]>();
        for (var i = 0; i < rows; i++)
        {
            var c = i % 3;
            table.Add([F(c * 2 + random.NextDouble() * 1.6), F(c * 1.5 + random.NextDouble() * 1.4), F(random.NextDouble()), labels[c]]);
        }
        return TabularData.FromRows(["length", "width", "noise", "species"], table, "flowers.csv");
    }

    /// <summary>y = 3·a − 2·b + 5·[kind = z] + noise.</summary>
    public static TabularData Regression(int rows, int seed = 3)
    {
        var random = new Random(seed);
        var table = new List<string?[]>();
        for (var i = 0; i < rows; i++)
        {
            var a = random.NextDouble() * 10;
            var b = random.NextDouble() * 5;
            var kind = random.Next(3) switch { 0 => "x", 1 => "y", _ => "z" };
            var y = 3 * a - 2 * b + (kind == "z" ? 5 : 0) + random.NextDouble();
            table.Add([F(a), F(b), kind, F(y)]);
        }
        return TabularData.FromRows(["a", "b", "kind", "y"], table, "reg.csv");
    }
}
