using System.Globalization;
using BedrockCost.Core.Sources;

namespace BedrockCost.Core.Insights;

/// <summary>
/// Which usage days an insight must read when the user gave no dates: it depends on the last day of the data,
/// known only after reading. A source that can name its latest billing period without reading (an export's
/// layout) lets reading start a fixed number of days before that period's first day and still cover everything
/// the insight needs; a source that answers up to today starts from today's date (UTC).
/// </summary>
public static class InsightRange
{
    /// <summary>
    /// The start of the read: <paramref name="daysBefore"/> days before <paramref name="anchor"/> when given, else
    /// before the latest billing period, else before today; null (read everything) for files that cannot tell
    /// their periods (loose CUR files).
    /// </summary>
    public static async Task<DateTime?> ReadStartAsync(ICostSource source, DateTime? anchor, int daysBefore, IOperationContext ctx, CancellationToken ct)
    {
        var latest = await source.LatestBillingPeriodAsync(ctx, ct).ConfigureAwait(false) is { } period
            ? DateTime.ParseExact(period, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal)
            : (DateTime?)null;
        // An anchor after the data (-AsOf a month or more past it) reads the latest data, as no -AsOf does: the
        // results are then as of the data's last day, and the caller says so.
        if (anchor is { } a && latest is { } l && a.Date >= l.AddMonths(1)) anchor = l;
        if (anchor is { } start) return start.Date.AddDays(-daysBefore);
        if (latest is { } first) return first.AddDays(-daysBefore);
        return source.Capabilities.UpToToday ? DateTime.UtcNow.Date.AddDays(-daysBefore) : null;
    }
}
