using Xunit;
using BedrockCost.Core;
using BedrockCost.Core.Insights;
using static BedrockCost.Core.Tests.InsightsSynthetic;

namespace BedrockCost.Core.Tests;

/// <summary>
/// Stated bound: on stationary synthetic months (20% daily noise, a month of history before), the projection at
/// day 15 is within 10% of the true month total for every seed and the true total lies inside the 90% range
/// (ProjectedLow..ProjectedHigh) for at least 80% of the group-months.
/// </summary>
public class InsightsForecastTests
{
    static readonly DateTime Month = new(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData(Shape.Flat)]
    [InlineData(Shape.WeekendLow)]
    [InlineData(Shape.WeekendHigh)]
    public void Forecast_at_day_15_is_within_10_percent_and_the_range_covers_the_truth(Shape shape)
    {
        var asOf = Month.AddDays(14);
        int inside = 0, total = 0;
        double worst = 0;
        foreach (var seed in Enumerable.Range(1, 50))
        {
            // February and all of March generated; the forecast sees data up to March 15 only.
            var rows = Rows(seed, 28 + 31, shape, start: Month.AddDays(-28));
            var truth = rows.Where(r => r.Day >= Month).GroupBy(r => r.Principal!).ToDictionary(g => g.Key, g => g.Sum(r => r.Cost));
            var seen = rows.Where(r => r.Day <= asOf);
            foreach (var f in ForecastModel.Project(Set(seen), new ForecastOptions()))
            {
                Assert.Equal(asOf, f.AsOf);
                Assert.Equal(15, f.DaysElapsed);
                Assert.Equal(31, f.DaysInMonth);
                Assert.Equal("2026-03", f.Month);
                var actual = truth[f.Principal!];
                var error = Math.Abs((double)((f.ProjectedCost - actual) / actual));
                worst = Math.Max(worst, error);
                Assert.True(error <= 0.10, $"seed {seed} {f.Group}: projected {f.ProjectedCost:0.00}, actual {actual:0.00} ({error:P1})");
                Assert.True(f.ProjectedLow <= f.ProjectedCost && f.ProjectedCost <= f.ProjectedHigh);
                Assert.True(f.ProjectedLow >= f.MonthToDateCost);
                total++;
                if (f.ProjectedLow <= actual && actual <= f.ProjectedHigh) inside++;
            }
        }
        Assert.Equal(50 * 5, total);
        Assert.True(inside >= 0.8 * total, $"range covered the true total in {inside} of {total}");
    }

    [Fact]
    public void Month_to_date_sums_the_month_only_and_a_complete_month_projects_itself()
    {
        var rows = Rows(3, 28 + 31, Shape.Flat, start: Month.AddDays(-28));
        var set = Set(rows);
        foreach (var f in ForecastModel.Project(set, new ForecastOptions()))
        {
            var march = rows.Where(r => r.Principal == f.Principal && r.Day >= Month).Sum(r => r.Cost);
            Assert.Equal(march, f.MonthToDateCost);
            Assert.Equal(march, f.ProjectedCost);
            Assert.Equal(march, f.ProjectedLow);
            Assert.Equal(march, f.ProjectedHigh);
            Assert.Equal(0, f.DaysRemaining);
        }
    }

    [Fact]
    public void AsOf_cuts_the_data_and_budgets_flag_projected_overruns()
    {
        var rows = Rows(4, 28 + 31, Shape.Flat, start: Month.AddDays(-28));
        var budgets = new BudgetBook()
            .Add(Arn(4), 10_000m)              // ~62,000 projected: over
            .Add("user/user2 (*", 50_000m)       // display text, wildcard: ~9,300 projected: under
            .Add("*user1", 1m)                   // wildcard on the ARN
            .Add("*", 1_000_000m);               // everyone else
        var list = ForecastModel.Project(Set(rows), new ForecastOptions { AsOf = Month.AddDays(9), Budgets = budgets }).ToList();
        var by = list.ToDictionary(f => f.Principal!);
        Assert.All(list, f => Assert.Equal(10, f.DaysElapsed));
        Assert.True(by[Arn(4)].ProjectedOverBudget);
        Assert.True(by[Arn(4)].LikelyOverBudget);
        Assert.Equal(Arn(4), by[Arn(4)].BudgetKey);
        Assert.False(by[Arn(2)].ProjectedOverBudget);
        Assert.Equal(50_000m, by[Arn(2)].Budget);
        Assert.Equal("*user1", by[Arn(1)].BudgetKey);
        Assert.Equal(1_000_000m, by[Arn(3)].Budget);
        Assert.Equal(Math.Round(by[Arn(4)].MonthToDateCost / 10_000m * 100m, 1), by[Arn(4)].BudgetUsedPercent);
        Assert.Null(ForecastModel.Project(Set(rows), new ForecastOptions { AsOf = Month.AddDays(9) }).First().Budget);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData(-5)]
    public void Invalid_budgets_are_argument_errors(object value)
    {
        var e = Assert.Throws<BedrockCostException>(() => new BudgetBook().Add("team", BudgetBook.ParseAmount("team", value)));
        Assert.Equal(ErrorIds.InvalidBudget, e.ErrorId);
    }

    [Fact]
    public void Budget_keys_match_a_tag_value_when_grouped_by_tag()
    {
        var identity = new PrincipalCost
        {
            Tags = new Dictionary<string, string> { ["iamPrincipal/team"] = "ml" },
            GroupBy = new[] { "iamPrincipal/team" },
        };
        Assert.Equal(300m, new BudgetBook().Add("ml", 300m).Add("m*", 5m).Find(identity)!.Amount);
        Assert.Null(new BudgetBook().Add("research", 300m).Find(identity));
        Assert.Equal(9m, new BudgetBook().Add("*", 9m, BudgetTarget.Group).Find(identity)!.Amount);
    }
}
