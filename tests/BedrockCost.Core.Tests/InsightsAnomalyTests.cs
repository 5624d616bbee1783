using Xunit;
using BedrockCost.Core;
using BedrockCost.Core.Insights;
using static BedrockCost.Core.Tests.InsightsSynthetic;

namespace BedrockCost.Core.Tests;

public class InsightsAnomalyTests
{
    static readonly int[] Seeds = Enumerable.Range(1, 40).ToArray();

    [Theory]
    [InlineData(Shape.Flat)]
    [InlineData(Shape.WeekendLow)]
    [InlineData(Shape.WeekendHigh)]
    public void Steady_and_weekly_series_raise_nothing(Shape shape)
    {
        // 40 seeds x 5 principals x ~83 scored days = ~16,600 group-days per shape, 20% daily noise.
        var found = Seeds.SelectMany(seed => AnomalyDetector.Detect(Set(Rows(seed, 90, shape)), new AnomalyOptions())).ToList();
        Assert.True(found.Count == 0, $"false alarms: {string.Join(" | ", found.Take(5))}");
    }

    [Theory]
    [InlineData(Shape.Flat)]
    [InlineData(Shape.WeekendLow)]
    [InlineData(Shape.WeekendHigh)]
    public void An_injected_spike_is_found_with_the_right_principal_day_and_model(Shape shape)
    {
        foreach (var seed in Seeds)
        {
            var rng = new Random(seed * 31);
            var victim = Streams[rng.Next(8)]; // principals 1-4 (not the pennies one)
            var spikeDay = Start.AddDays(35 + rng.Next(50));
            // A runaway job in one model and token type triples the principal's usual cost for the day.
            var level = Streams.Where(s => s.Principal == victim.Principal).Sum(s => s.DailyCost);
            var extra = (decimal)(level * 2 * Factor(shape, spikeDay) + 20);
            var rows = Rows(seed, 90, shape, extra: (s, d) => s == victim && d == spikeDay ? extra : 0m);

            var found = AnomalyDetector.Detect(Set(rows), new AnomalyOptions()).ToList();

            var a = Assert.Single(found);
            Assert.Equal(Arn(victim.Principal), a.Principal);
            Assert.Equal(spikeDay, a.Date);
            Assert.Equal(AnomalyDirection.Spike, a.Direction);
            Assert.True(a.Score >= Sensitivity.Medium);
            Assert.Equal(a.Cost - a.ExpectedCost, a.Deviation);
            Assert.Equal(victim.Model, a.Changes[0].Model);
            Assert.Equal(victim.TokenType, a.Changes[0].TokenType);
            Assert.Contains(victim.Model, a.TopChanges);
            Assert.Equal(new[] { "Principal" }, a.GroupBy);
        }
    }

    [Fact]
    public void A_weekend_spike_to_the_weekday_level_is_found_only_through_the_weekday_baseline()
    {
        var victim = Streams[2];
        var saturday = Start.AddDays(Enumerable.Range(40, 7).First(d => Start.AddDays(d).DayOfWeek == DayOfWeek.Saturday));
        var rows = Rows(7, 70, Shape.WeekendLow, cv: 0.1, extra: (s, d) => s == victim && d == saturday ? (decimal)victim.DailyCost * 2 : 0m);
        var a = Assert.Single(AnomalyDetector.Detect(Set(rows), new AnomalyOptions()));
        Assert.Equal(saturday, a.Date);
        Assert.Equal("Weekday", a.Baseline);
    }

    [Fact]
    public void Pennies_never_alert()
    {
        // Principal 5 costs ~0.05 a day; a 15x day is still under the minimum cost of 1.00.
        var victim = Streams[9];
        var day = Start.AddDays(50);
        var rows = Rows(3, 70, Shape.Flat, extra: (s, d) => s == victim && d == day ? 0.7m : 0m);
        Assert.Empty(AnomalyDetector.Detect(Set(rows), new AnomalyOptions()));
        // With a lower floor the same day is reported.
        var a = Assert.Single(AnomalyDetector.Detect(Set(rows), new AnomalyOptions { MinimumCost = 0.10m }));
        Assert.Equal(day, a.Date);
    }

    [Fact]
    public void Drops_are_reported_only_when_asked()
    {
        var victim = Streams[6];
        var day = Start.AddDays(60);
        var rows = Rows(5, 70, Shape.Flat, cv: 0.1).Where(r => !(r.Principal == Arn(victim.Principal) && r.Day == day)).ToList();
        Assert.Empty(AnomalyDetector.Detect(Set(rows), new AnomalyOptions()));
        var a = Assert.Single(AnomalyDetector.Detect(Set(rows), new AnomalyOptions { IncludeDrops = true }));
        Assert.Equal(AnomalyDirection.Drop, a.Direction);
        Assert.Equal(0m, a.Cost);
        Assert.True(a.Score <= -Sensitivity.Medium);
    }

    [Fact]
    public void A_new_principal_that_starts_big_is_reported_on_its_first_day()
    {
        var day = Start.AddDays(45);
        var rows = Rows(9, 60, Shape.Flat);
        rows.Add(Row("arn:aws:sts::111122223333:assumed-role/Runaway/job", "Claude Opus 4.6", "Output", day, 800m));
        var a = Assert.Single(AnomalyDetector.Detect(Set(rows), new AnomalyOptions()));
        Assert.Equal(day, a.Date);
        Assert.Equal(0m, a.ExpectedCost);
        Assert.Contains("Runaway", a.Group);
    }

    [Fact]
    public void Since_and_AsOf_limit_the_days_reported()
    {
        var victim = Streams[3];
        var day = Start.AddDays(40);
        var rows = Rows(11, 70, Shape.Flat, extra: (s, d) => s == victim && d == day ? 2000m : 0m);
        Assert.Single(AnomalyDetector.Detect(Set(rows), new AnomalyOptions { Since = day, AsOf = day }));
        Assert.Empty(AnomalyDetector.Detect(Set(rows), new AnomalyOptions { Since = day.AddDays(1) }));
        Assert.Empty(AnomalyDetector.Detect(Set(rows), new AnomalyOptions { AsOf = day.AddDays(-1) }));
    }

    [Fact]
    public void Nothing_is_scored_without_a_week_of_history()
    {
        var rows = Rows(13, 6, Shape.Flat, extra: (s, d) => s == Streams[0] && d == Start.AddDays(5) ? 5000m : 0m);
        Assert.Empty(AnomalyDetector.Detect(Set(rows), new AnomalyOptions()));
    }

    [Fact]
    public void Billing_adjustments_are_left_out_of_the_series()
    {
        var rows = Rows(17, 40, Shape.Flat);
        rows.Add(new PrincipalCost { Principal = "(unattributed)", UnattributedReason = "tax", Day = Start.AddDays(31), Cost = 900m, GroupBy = GroupByNames });
        var set = Set(rows);
        Assert.Equal(900m, set.ExcludedAdjustments["USD"]);
        Assert.Empty(AnomalyDetector.Detect(set, new AnomalyOptions()));
    }

    [Theory]
    [InlineData("Low", Sensitivity.Low)]
    [InlineData("medium", Sensitivity.Medium)]
    [InlineData("HIGH", Sensitivity.High)]
    [InlineData("4.5", 4.5)]
    public void Sensitivity_names_and_numbers(string text, double expected) => Assert.Equal(expected, Sensitivity.Parse(text));

    [Theory]
    [InlineData("extreme")]
    [InlineData("-1")]
    [InlineData("0")]
    public void Invalid_sensitivity_is_an_argument_error(string text)
    {
        var e = Assert.Throws<BedrockCostException>(() => Sensitivity.Parse(text));
        Assert.Equal(ErrorIds.InvalidSensitivity, e.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
    }
}
