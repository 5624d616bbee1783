using BedrockCost.Core.Aggregation;

namespace BedrockCost.Core.Sources;

/// <summary>
/// What a source holds, cheaply, for tab completion: billing periods from the export layout (no data read), and
/// the values of a dimension from a bounded sample (the first few files of the latest or given periods).
/// </summary>
public static class SourceCatalog
{
    /// <summary>Files a completion reads at most.</summary>
    public const int SampleFiles = 2;

    /// <summary>The distinct values of <paramref name="dimension"/> in a sample of <paramref name="source"/>, most costly first.</summary>
    public static async Task<IReadOnlyList<string>> ValuesAsync(CurSource source, Dimension dimension, IReadOnlyList<string> periods, CancellationToken ct)
    {
        var query = new CostQuery { BillingPeriods = periods, GroupBy = new[] { new GroupDimension(dimension) } };
        var result = await source.QueryAsync(query, SampleFiles, NullOperationContext.Instance, ct).ConfigureAwait(false);
        return result.Rows.Where(r => r.IsAttributed || dimension != Dimension.Principal)
            .Select(r => r.DimensionValue(dimension.ToString()))
            .Where(v => !string.IsNullOrEmpty(v) && v != Aggregator.None && v != Aggregator.Unattributed)
            .Select(v => v!).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>The current month and the <paramref name="count"/> - 1 before it, newest first: periods to offer without data.</summary>
    public static IReadOnlyList<string> RecentMonths(DateTime utcNow, int count = 13)
    {
        var month = new DateTime(utcNow.Year, utcNow.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        return Enumerable.Range(0, count).Select(i => month.AddMonths(-i).ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture)).ToList();
    }
}
