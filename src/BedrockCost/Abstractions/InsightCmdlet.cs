using System.Management.Automation;
using BedrockCost.Core;
using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Insights;
using BedrockCost.Core.Sources;
using BedrockCost.Completers;

namespace BedrockCost.Abstractions;

/// <summary>
/// Base of the insight cmdlets: -GroupBy and -AsOf, and reading daily cost per group across billing periods.
/// Without -StartDate/-EndDate/-BillingPeriod the read range is chosen from -AsOf or the latest billing period.
/// </summary>
public abstract class InsightCmdlet : CostQueryCmdlet
{
    [Parameter]
    [ArgumentCompleter(typeof(GroupByCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] GroupBy { get; set; } = { nameof(Dimension.Principal) };

    [Parameter]
    public DateTime? AsOf { get; set; }

    /// <summary>-AsOf as a UTC day.</summary>
    protected DateTime? AsOfDay => AsOf is { } a ? Utc(a).Date : null;

    /// <summary>
    /// Reads daily cost per group. With no dates given, reading starts <paramref name="daysBefore"/> days before
    /// <paramref name="anchor"/> (or before the latest billing period) and ends with -AsOf.
    /// </summary>
    /// <param name="groupBy">The grouping to read, when not -GroupBy.</param>
    /// <param name="regroup">Turns the rows read (grouped by <paramref name="groupBy"/>) into rows of other groups, with their dimensions.</param>
    protected async Task<DailyCostSet?> ReadDailyAsync(DateTime? anchor, int daysBefore, IReadOnlyList<string>? groupBy = null,
        Func<IReadOnlyList<PrincipalCost>, (IReadOnlyList<PrincipalCost> Rows, IReadOnlyList<GroupDimension> GroupBy)>? regroup = null)
    {
        if (!HasSource) return null;
        var words = groupBy ?? GroupBy;
        var dims = words.Select(GroupDimension.Parse).Distinct().ToArray();
        if (dims.Any(d => d.Kind is Dimension.Day or Dimension.Month or Dimension.BillingPeriod))
            throw new BedrockCostException(ErrorIds.InvalidGroupBy, ErrorKind.InvalidArgument,
                "Insights are computed per day: group by principal, person, role, account, model, token type, region, usage type or a tag, not by Day, Month or BillingPeriod.",
                string.Join(",", words));
        // One source for the range and the query: an S3 export is connected to and listed once.
        var source = await CreateSourceAsync().ConfigureAwait(false);
        CostResult? result;
        try
        {
            result = await ReadRangeAsync(source, anchor, daysBefore, dims).ConfigureAwait(false);
        }
        finally
        {
            source.Dispose();
        }
        if (result is null) return null;
        var (rows, seriesGroupBy) = regroup is null ? (result.Rows, dims) : regroup(result.Rows);
        var set = DailyCostSet.Build(rows, seriesGroupBy, to: AsOfDay);
        foreach (var (currency, amount) in set.ExcludedAdjustments)
            EmitVerbose($"Left out {amount:0.########} {currency} of billing adjustments (credits, refunds, tax, fees, discounts, savings plans): they are not daily workload.");
        if (set.Groups.Count == 0)
            EmitWarning(AsOfDay is { } before && StartDate is null && BillingPeriod.Length == 0
                ? $"The data holds no daily Bedrock usage on or before -AsOf {before:yyyy-MM-dd} for the filters given: it starts later, or the filters select nothing. Give an -AsOf within the data."
                : "The data read holds no daily Bedrock usage for the period and filters given.");
        else if (AsOfDay is { } asOf && asOf > set.LastDay)
            EmitWarning($"The data ends on {set.LastDay:yyyy-MM-dd}, before -AsOf {asOf:yyyy-MM-dd}; results are as of {set.LastDay:yyyy-MM-dd}.");
        return set;
    }

    /// <summary>Chooses the read range when no dates were given, then runs the daily query on <paramref name="source"/>.</summary>
    private async Task<CostResult?> ReadRangeAsync(ICostSource source, DateTime? anchor, int daysBefore, IReadOnlyList<GroupDimension> groupBy)
    {
        var dims = DailyCostSet.QueryDimensions(groupBy, source.Capabilities);
        if (BillingPeriod.Length > 0 || StartDate is not null || EndDate is not null)
            return await RunQueryAsync(BuildQuery(dims), source).ConfigureAwait(false);
        // Loose files cannot tell their periods without reading: read them all.
        var start = await InsightRange.ReadStartAsync(source, anchor, daysBefore, Context, CancelToken).ConfigureAwait(false)
            ?? new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        EmitVerbose($"Reading usage from {start:yyyy-MM-dd}{(AsOfDay is { } e ? $" to {e:yyyy-MM-dd}" : string.Empty)}.");
        return await RunQueryAsync(BuildQuery(dims, start, AsOfDay), source).ConfigureAwait(false);
    }
}
