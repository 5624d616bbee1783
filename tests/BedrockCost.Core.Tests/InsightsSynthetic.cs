using BedrockCost.Core;
using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Insights;

namespace BedrockCost.Core.Tests;

/// <summary>Synthetic daily cost rows (grouped by Principal, Model, TokenType, Day) with known shape and noise.</summary>
public static class InsightsSynthetic
{
    public static readonly DateTime Start = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    public static readonly string[] GroupByNames = { "Principal", "Model", "TokenType", "Day" };
    public static readonly IReadOnlyList<GroupDimension> ByPrincipal = new[] { new GroupDimension(Dimension.Principal) };

    public static string Arn(int p) => $"arn:aws:iam::111122223333:user/user{p}";

    /// <summary>Multiplier of a weekday: none, low weekends (interactive use) or high weekends (weekend batch jobs).</summary>
    public enum Shape { Flat, WeekendLow, WeekendHigh }

    public static double Factor(Shape shape, DateTime day) => shape switch
    {
        Shape.WeekendLow => day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? 0.15 : 1.0,
        Shape.WeekendHigh => day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? 3.0 : 1.0,
        _ => 1.0,
    };

    /// <summary>Gamma-like positive noise with the given coefficient of variation (sum of exponentials).</summary>
    public static double Noise(Random rng, double cv)
    {
        // Gamma(k, 1/k) has mean 1 and CV 1/sqrt(k); k integer for a simple sum of exponentials.
        int k = Math.Max(1, (int)Math.Round(1 / (cv * cv)));
        double s = 0;
        for (int i = 0; i < k; i++) s -= Math.Log(1 - rng.NextDouble());
        return s / k;
    }

    public sealed record Stream(int Principal, string Model, string TokenType, double DailyCost);

    public static readonly Stream[] Streams =
    {
        new(1, "Claude Sonnet 4.6", "Input", 30), new(1, "Claude Sonnet 4.6", "Output", 45),
        new(2, "Claude Opus 4.6", "Input", 120), new(2, "Claude Opus 4.6", "Output", 180),
        new(3, "Nova 2.0 Lite", "Input", 4), new(3, "Nova 2.0 Lite", "Output", 6),
        new(4, "Claude Haiku 4.5", "Input", 900), new(4, "Claude Haiku 4.5", "Output", 1100),
        new(5, "gpt-oss-120b", "Input", 0.02), new(5, "gpt-oss-120b", "Output", 0.03),
    };

    /// <summary>Rows for <paramref name="days"/> days from <paramref name="start"/>; <paramref name="extra"/> adds cost (principal, model, token type, day).</summary>
    public static List<PrincipalCost> Rows(int seed, int days, Shape shape, double cv = 0.2, DateTime? start = null,
        Func<Stream, DateTime, decimal>? extra = null)
    {
        var rng = new Random(seed);
        var s0 = start ?? Start;
        var rows = new List<PrincipalCost>();
        for (int d = 0; d < days; d++)
        {
            var day = s0.AddDays(d);
            foreach (var s in Streams)
            {
                var cost = Math.Round((decimal)(s.DailyCost * Factor(shape, day) * Noise(rng, cv)), 6) + (extra?.Invoke(s, day) ?? 0m);
                if (cost != 0m) rows.Add(Row(Arn(s.Principal), s.Model, s.TokenType, day, cost));
            }
        }
        return rows;
    }

    public static PrincipalCost Row(string arn, string model, string tokenType, DateTime day, decimal cost) => new()
    {
        Principal = arn, PrincipalType = "IamUser", Person = arn[(arn.LastIndexOf('/') + 1)..], Account = "111122223333",
        Model = model, TokenType = tokenType, Day = day, Cost = cost, UnblendedCost = cost, NetUnblendedCost = cost,
        GroupBy = GroupByNames, Currency = "USD",
    };

    public static DailyCostSet Set(IEnumerable<PrincipalCost> rows) => DailyCostSet.Build(rows, ByPrincipal);
}
