using System.Globalization;
using BedrockCost.Core.Sources;

namespace BedrockCost.Core.Insights;

/// <summary>
/// Which usage days an insight must read when the user gave no dates: it depends on the last day of the data,
/// known only after reading. For CUR exports the layout (a listing, no data read) names the latest billing
/// period, so reading can start a fixed number of days before that period's first day and still cover
/// everything the insight needs. Other sources start from today's date (UTC).
/// </summary>
public static class InsightRange
{
    /// <summary>First day of the latest billing period of the source, or null when the source cannot tell (loose files).</summary>
    public static async Task<DateTime?> LatestPeriodStartAsync(ICostSource source, IOperationContext ctx, CancellationToken ct)
    {
        if (source is Sources.Athena.AthenaSource athena)
            return await athena.LatestBillingPeriodAsync(ctx, ct).ConfigureAwait(false) is { } p
                ? DateTime.ParseExact(p, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal) : null;
        if (source is not CurSource cur) return null;
        var exports = await cur.ResolveAsync(ctx, ct).ConfigureAwait(false);
        var latest = exports.Where(e => e.BillingPeriod is not null && e.Files.Count > 0).Select(e => e.BillingPeriod!).Max(StringComparer.Ordinal);
        if (exports.Any(e => e.BillingPeriod is null && e.Files.Count > 0)) return null;
        return latest is null ? null
            : DateTime.ParseExact(latest, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
    }

    /// <summary>
    /// The start of the read: <paramref name="daysBefore"/> days before <paramref name="anchor"/> when given, else
    /// before the latest billing period, else before today; null (read everything) for loose CUR files.
    /// </summary>
    public static async Task<DateTime?> ReadStartAsync(ICostSource source, DateTime? anchor, int daysBefore, IOperationContext ctx, CancellationToken ct)
    {
        if (anchor is { } a) return a.Date.AddDays(-daysBefore);
        var periodStart = await LatestPeriodStartAsync(source, ctx, ct).ConfigureAwait(false);
        if (periodStart is { } p) return p.AddDays(-daysBefore);
        if (source is CurSource or Sources.Athena.AthenaSource) return null;
        return DateTime.UtcNow.Date.AddDays(-daysBefore);
    }
}
