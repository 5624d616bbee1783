using System.Globalization;

namespace BedrockCost.Core.Insights;

/// <summary>Month-end projection of one group.</summary>
public sealed class CostForecast : CostGroup
{
    public CostForecast() { }
    internal CostForecast(PrincipalCost identity) : base(identity) { }

    /// <summary>The usage month projected, YYYY-MM.</summary>
    public string Month { get; init; } = string.Empty;
    /// <summary>Last day of data used (UTC midnight); the projection covers the days after it.</summary>
    public DateTime AsOf { get; init; }
    public int DaysElapsed { get; init; }
    public int DaysInMonth { get; init; }
    public int DaysRemaining => DaysInMonth - DaysElapsed;
    public decimal MonthToDateCost { get; init; }
    /// <summary>Month-to-date cost plus the expected cost of the remaining days.</summary>
    public decimal ProjectedCost { get; init; }
    /// <summary>Lower end of the 90% range (5th percentile).</summary>
    public decimal ProjectedLow { get; init; }
    /// <summary>Upper end of the 90% range (95th percentile).</summary>
    public decimal ProjectedHigh { get; init; }
    /// <summary>Expected daily cost of the remaining days (average).</summary>
    public decimal DailyRate { get; init; }
    /// <summary>Days of history the rate was estimated from.</summary>
    public int HistoryDays { get; init; }
    /// <summary>Trailing (mean of the history) or Weekday (mean per weekday).</summary>
    public string Method { get; init; } = "Trailing";
    /// <summary>The group's monthly budget, when one was given.</summary>
    public decimal? Budget { get; init; }
    /// <summary>The budget key that matched.</summary>
    public string? BudgetKey { get; init; }
    /// <summary>ProjectedCost exceeds Budget.</summary>
    public bool ProjectedOverBudget => Budget is { } b && ProjectedCost > b;
    /// <summary>Even the low end of the range exceeds Budget.</summary>
    public bool LikelyOverBudget => Budget is { } b && ProjectedLow > b;
    /// <summary>Month-to-date cost as a percentage of Budget.</summary>
    public decimal? BudgetUsedPercent => Budget is { } b && b > 0m ? Math.Round(MonthToDateCost / b * 100m, 1) : null;
    /// <summary>ProjectedCost as a percentage of Budget.</summary>
    public decimal? ProjectedBudgetPercent => Budget is { } b && b > 0m ? Math.Round(ProjectedCost / b * 100m, 1) : null;

    public override string ToString() =>
        $"{Month} {Group}: {ProjectedCost:0.##} {Currency} ({ProjectedLow:0.##}-{ProjectedHigh:0.##}){(Budget is { } b ? $", budget {b:0.##}" : "")}";
}

/// <summary>Settings of <see cref="ForecastModel"/>.</summary>
public sealed class ForecastOptions
{
    public const int DefaultHistoryDays = 28;

    /// <summary>Last day of data to use; null: the last day of the data.</summary>
    public DateTime? AsOf { get; init; }
    /// <summary>Trailing days (up to AsOf, across the month boundary) the daily rate is estimated from.</summary>
    public int HistoryDays { get; init; } = DefaultHistoryDays;
    /// <summary>Budget per group; null or no match: no budget.</summary>
    public BudgetBook? Budgets { get; init; }
}

/// <summary>
/// Projects month-end cost per group from daily costs. The remaining days of the month are expected to cost the
/// mean daily cost of the trailing history (the last <see cref="ForecastOptions.HistoryDays"/> days up to AsOf,
/// from the group's first day with cost on); with at least two of each weekday in the history, the mean of the
/// same weekday, so a weekday/weekend shape carries into the projection. The mean, not the median: it is the
/// unbiased estimate of a total. Range: the 90% interval of a normal approximation of the remaining cost,
/// whose variance adds the day-to-day variance of the remaining days and the uncertainty of the estimated rate:
/// s^2 (r + sum over weekdays of c_w^2 / n_w) where s^2 is the residual variance of the history, r the remaining
/// days, c_w the remaining days of weekday w and n_w its history days (one pool for the trailing mean).
/// The low end never goes below the month-to-date cost for non-negative rates.
/// </summary>
public static class ForecastModel
{
    private const double Z90 = 1.6448536269514722;

    public static IEnumerable<CostForecast> Project(DailyCostSet data, ForecastOptions options)
    {
        if (data.Groups.Count == 0) yield break;
        var asOf = (options.AsOf?.Date ?? data.LastDay);
        if (asOf > data.LastDay) asOf = data.LastDay;
        int t = data.IndexOf(asOf);
        if (t < 0) yield break;
        var monthStart = new DateTime(asOf.Year, asOf.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        int daysInMonth = DateTime.DaysInMonth(asOf.Year, asOf.Month);
        var remaining = Enumerable.Range(1, daysInMonth - asOf.Day).Select(k => asOf.AddDays(k)).ToArray();
        foreach (var g in data.Groups)
        {
            var active = g.FirstActiveIndex;
            if (active < 0 || active > t) continue;
            int m0 = Math.Max(0, data.IndexOf(monthStart));
            decimal mtd = 0m;
            for (int i = m0; i <= t; i++) mtd += g.Daily[i];
            int h0 = Math.Max(active, t - Math.Max(1, options.HistoryDays) + 1);
            var history = Enumerable.Range(h0, t - h0 + 1).ToArray();
            if (mtd == 0m && history.All(i => g.Daily[i] == 0m)) continue;
            var fit = FitRate(g.Daily, data.FirstDay, history);
            decimal expectedRemaining = remaining.Sum(d => fit.Rate(d.DayOfWeek));
            double variance = fit.ResidualVariance * (remaining.Length +
                remaining.GroupBy(d => fit.PoolOf(d.DayOfWeek)).Sum(x => (double)x.Count() * x.Count() / fit.PoolSize(x.Key)));
            var half = (decimal)(Z90 * Math.Sqrt(Math.Max(0, variance)));
            var low = expectedRemaining - half;
            if (expectedRemaining >= 0m && low < 0m) low = 0m;
            var budget = options.Budgets?.Find(g.IdentityRow);
            yield return new CostForecast(g.IdentityRow)
            {
                Month = asOf.ToString("yyyy-MM", CultureInfo.InvariantCulture),
                AsOf = asOf,
                DaysElapsed = asOf.Day,
                DaysInMonth = daysInMonth,
                MonthToDateCost = mtd,
                // Only the projected part is rounded: the month to date stays exact.
                ProjectedCost = mtd + Math.Round(expectedRemaining, 6),
                ProjectedLow = mtd + Math.Round(low, 6),
                ProjectedHigh = mtd + Math.Round(expectedRemaining + half, 6),
                DailyRate = remaining.Length == 0 ? Math.Round(fit.Rate(null), 6) : Math.Round(expectedRemaining / remaining.Length, 6),
                HistoryDays = history.Length,
                Method = fit.Kind,
                Budget = budget?.Amount,
                BudgetKey = budget?.Key,
            };
        }
    }

    /// <summary>Daily rate per weekday pool, and the residual variance around it.</summary>
    private sealed class RateFit
    {
        public string Kind = "Trailing";
        public Dictionary<DayOfWeek, decimal> Means = new();
        public Dictionary<DayOfWeek, int> Counts = new();
        public decimal Overall;
        public int Total;
        public double ResidualVariance;
        public bool Weekly => Kind == "Weekday";
        public decimal Rate(DayOfWeek? d) => Weekly && d is { } w ? Means[w] : Overall;
        public int PoolOf(DayOfWeek d) => Weekly ? (int)d : -1;
        public double PoolSize(int pool) => pool < 0 ? Total : Counts[(DayOfWeek)pool];
    }

    private static RateFit FitRate(decimal[] series, DateTime firstDay, int[] history)
    {
        var fit = new RateFit { Total = history.Length, Overall = history.Average(i => series[i]) };
        var byDay = history.GroupBy(i => firstDay.AddDays(i).DayOfWeek).ToDictionary(x => x.Key, x => x.ToArray());
        if (byDay.Count == 7 && byDay.Values.All(v => v.Length >= 2))
        {
            fit.Kind = "Weekday";
            foreach (var (d, days) in byDay) { fit.Means[d] = days.Average(i => series[i]); fit.Counts[d] = days.Length; }
        }
        int parameters = fit.Weekly ? 7 : 1;
        double sse = history.Sum(i => Math.Pow((double)(series[i] - fit.Rate(firstDay.AddDays(i).DayOfWeek)), 2));
        // With a single day there is no spread to measure: assume the day's own size (100% variation).
        fit.ResidualVariance = history.Length > parameters ? sse / (history.Length - parameters) : Math.Pow((double)fit.Overall, 2);
        return fit;
    }
}
