using System.Globalization;

namespace BedrockCost.Core.Insights;

/// <summary>Settings of <see cref="AnomalyDetector"/>.</summary>
public sealed class AnomalyOptions
{
    public const int DefaultBaselineDays = 28;
    public const int MinimumHistoryDays = 14;

    /// <summary>First day to report (inclusive); null: every day with enough history.</summary>
    public DateTime? Since { get; init; }
    /// <summary>Last day to report (inclusive); null: the last day of the data.</summary>
    public DateTime? AsOf { get; init; }
    /// <summary>Trailing days the baseline is computed from.</summary>
    public int BaselineDays { get; init; } = DefaultBaselineDays;
    /// <summary>Score a day must reach (in absolute value) to be reported.</summary>
    public double Threshold { get; init; } = Sensitivity.Medium;
    /// <summary>Neither a day's cost nor its deviation below this amount is reported; also floors the spread.</summary>
    public decimal MinimumCost { get; init; } = 1.00m;
    /// <summary>Also report days far below the baseline.</summary>
    public bool IncludeDrops { get; init; }
    /// <summary>Changes listed per anomaly.</summary>
    public int TopChanges { get; init; } = 3;
}

/// <summary>Named score thresholds.</summary>
public static class Sensitivity
{
    public const double Low = 8.0;
    public const double Medium = 6.0;
    public const double High = 4.0;

    /// <summary>Low, Medium, High or a positive number (the score threshold).</summary>
    public static double Parse(string text)
    {
        var t = (text ?? string.Empty).Trim();
        if (t.Equals(nameof(Low), StringComparison.OrdinalIgnoreCase)) return Low;
        if (t.Equals(nameof(Medium), StringComparison.OrdinalIgnoreCase)) return Medium;
        if (t.Equals(nameof(High), StringComparison.OrdinalIgnoreCase)) return High;
        if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0 && double.IsFinite(v)) return v;
        throw new BedrockCostException(ErrorIds.InvalidSensitivity, ErrorKind.InvalidArgument,
            $"-Sensitivity '{text}' is not valid: use Low ({Low}), Medium ({Medium}), High ({High}) or a positive score threshold such as 4.", text);
    }
}

/// <summary>
/// Flags days whose cost departs from the group's own recent baseline.
/// For each reported day the baseline is the trailing <see cref="AnomalyOptions.BaselineDays"/> days before it
/// (at least 14 days of history, so every weekday has been seen twice). Two baselines are tried: the median of
/// all the window's days ("Trailing") and the median of the same weekday ("Weekday"). Each predicts every window
/// day from its peers (leave-one-out); the one with the smaller mean error wins, so a weekday/weekend shape is
/// followed and a steady series keeps the stabler median. Spread = the normal-consistent trimmed mean (smallest
/// 80%) of the leave-one-out errors, relative to the prediction and times the expected cost (absolute when nothing
/// is expected), never below the minimum cost nor 15% of the expected cost, so pennies and the wobbles of a very flat series never score high.
/// Score = (cost - expected) / spread. A spike is reported when Score &gt;= threshold and both the cost and
/// the deviation reach the minimum cost; a drop (only when asked) when Score &lt;= -threshold and the expected
/// cost and the shortfall reach it.
/// </summary>
public static class AnomalyDetector
{
    private const double TrimmedShare = 0.8;
    // 1 / E[|Z| given |Z| below its 80th percentile] for a standard normal Z.
    private const decimal TrimmedScale = 1.7902m;
    private const decimal RelativeSpreadFloor = 0.15m;

    public static IEnumerable<CostAnomaly> Detect(DailyCostSet data, AnomalyOptions options)
    {
        if (data.Groups.Count == 0) yield break;
        var window = Math.Max(AnomalyOptions.MinimumHistoryDays, options.BaselineDays);
        var last = Math.Min(data.Days - 1, options.AsOf is { } a ? data.IndexOf(a) : data.Days - 1);
        var first = Math.Max(AnomalyOptions.MinimumHistoryDays, options.Since is { } s ? data.IndexOf(s) : 0);
        for (int t = first; t <= last; t++)
            foreach (var g in data.Groups)
                if (Score(data, g, t, window, options) is { } anomaly) yield return anomaly;
    }

    /// <summary>The baseline of day <paramref name="t"/>: which earlier days it uses, expected cost and spread.</summary>
    internal readonly record struct BaselineFit(string Kind, int[] Days, decimal Expected, decimal Spread, decimal MeanError);

    internal static BaselineFit? Fit(decimal[] series, DateTime firstDay, int t, int window)
    {
        int start = Math.Max(0, t - window);
        if (t - start < AnomalyOptions.MinimumHistoryDays) return null;
        var all = Enumerable.Range(start, t - start).ToArray();
        var trailing = FitOn("Trailing", series, all, all, _ => all);

        DayOfWeek Wd(int i) => firstDay.AddDays(i).DayOfWeek;
        var byWeekday = all.GroupBy(Wd).ToDictionary(x => x.Key, x => x.ToArray());
        if (byWeekday.Count < 7 || byWeekday.Values.Any(v => v.Length < 2)) return trailing;
        var weekday = FitOn("Weekday", series, byWeekday[Wd(t)], all, i => byWeekday[Wd(i)]);
        // Chosen by the mean error, which (unlike the median) sees a weekly minority such as two weekend days.
        return weekday.MeanError < trailing.MeanError ? weekday : trailing;
    }

    /// <summary>
    /// Expected cost = median of <paramref name="baseDays"/>. Every window day is predicted by the median of its
    /// peers without itself; the spread is the scale of those errors relative to the prediction, times the
    /// expected cost (cost noise grows with the level, so a weekend that is three times a weekday also varies
    /// three times as much); with nothing expected, the scale of the absolute errors.
    /// </summary>
    private static BaselineFit FitOn(string kind, decimal[] series, int[] baseDays, int[] window, Func<int, int[]> peersOf)
    {
        var expected = Median(baseDays.Select(i => series[i]));
        var errors = new List<decimal>(window.Length);
        var relative = new List<decimal>(window.Length);
        foreach (var i in window)
        {
            var predicted = Median(peersOf(i).Where(j => j != i).Select(j => series[j]));
            var error = Math.Abs(series[i] - predicted);
            errors.Add(error);
            if (predicted > 0m) relative.Add(error / predicted);
        }
        var spread = expected > 0m ? Scale(relative) * expected : Scale(errors);
        return new BaselineFit(kind, baseDays, expected, spread, errors.Average());
    }

    private static CostAnomaly? Score(DailyCostSet data, GroupSeries g, int t, int window, AnomalyOptions o)
    {
        // Days without cost inside the data's range are real zeros, so a principal that appears from nothing
        // scores against a zero baseline: a new runaway workload is reported on its first day.
        if (g.FirstActiveIndex is var active && (active < 0 || t < active)) return null;
        if (Fit(g.Daily, data.FirstDay, t, window) is not { } fit) return null;
        var cost = g.Daily[t];
        var spread = Math.Max(fit.Spread, Math.Max(o.MinimumCost, Math.Abs(fit.Expected) * RelativeSpreadFloor));
        if (spread <= 0m) spread = 0.01m;
        var deviation = cost - fit.Expected;
        var score = (double)(deviation / spread);
        bool spike = score >= o.Threshold && cost >= o.MinimumCost && deviation >= o.MinimumCost;
        bool drop = o.IncludeDrops && score <= -o.Threshold && fit.Expected >= o.MinimumCost && -deviation >= o.MinimumCost;
        if (!spike && !drop) return null;
        return new CostAnomaly(g.IdentityRow)
        {
            Date = data.DayOf(t),
            Cost = cost,
            ExpectedCost = fit.Expected,
            Deviation = deviation,
            Score = Math.Round(score, 2),
            Direction = spike ? AnomalyDirection.Spike : AnomalyDirection.Drop,
            Baseline = fit.Kind,
            BaselineDays = fit.Days.Length,
            Spread = Math.Round(spread, 6),
            Changes = Explain(g, t, fit.Days, Math.Sign(deviation), o.TopChanges),
        };
    }

    /// <summary>The (model, token type) pairs whose change from their own baseline (same days) is largest in the anomaly's direction.</summary>
    private static IReadOnlyList<MixChange> Explain(GroupSeries g, int t, int[] baselineDays, int sign, int top) =>
        g.Mix.Select(kv => new MixChange
            {
                Model = kv.Key.Model,
                TokenType = kv.Key.TokenType,
                Cost = kv.Value[t],
                ExpectedCost = Median(baselineDays.Select(i => kv.Value[i])),
            })
            .Where(c => Math.Sign(c.Delta) == sign && c.Delta != 0m)
            .OrderByDescending(c => Math.Abs(c.Delta)).ThenBy(c => c.Model, StringComparer.Ordinal).ThenBy(c => c.TokenType, StringComparer.Ordinal)
            .Take(top)
            .ToList();

    /// <summary>
    /// Normal-consistent spread of absolute errors: the mean of the smallest 80% times 1.79. Robust to the few
    /// largest errors (earlier spikes) like a MAD, but about twice as efficient on 28 days, so a quiet window does
    /// not shrink the spread by chance.
    /// </summary>
    internal static decimal Scale(List<decimal> absErrors)
    {
        if (absErrors.Count == 0) return 0m;
        absErrors.Sort();
        int keep = Math.Max(1, (int)Math.Ceiling(absErrors.Count * TrimmedShare));
        return TrimmedScale * absErrors.Take(keep).Average();
    }

    internal static decimal Median(IEnumerable<decimal> values)
    {
        var v = values.ToArray();
        if (v.Length == 0) return 0m;
        Array.Sort(v);
        int m = v.Length / 2;
        return v.Length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2m;
    }
}

