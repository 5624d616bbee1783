using System.Collections;
using System.Management.Automation;
using BedrockCost.Abstractions;
using BedrockCost.Core;
using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Allocation;
using BedrockCost.Core.Insights;
using BedrockCost.Completers;

namespace BedrockCost.Commands;

/// <summary>Month-end Bedrock cost projection per group, with a range and budget check.</summary>
[Cmdlet(VerbsCommon.Get, "BedrockCostForecast", DefaultParameterSetName = PathSet)]
[OutputType(typeof(CostForecast))]
public sealed class GetBedrockCostForecast : InsightCmdlet
{
    [Parameter]
    public Hashtable? Budget { get; set; }

    /// <summary>Forecast per cost centre of this chargeback mapping file, against its MonthlyBudget column.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? MappingFile { get; set; }

    /// <summary>Forecast per cost centre taken from this principal tag (after the mapping file).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(CostCenterTagCompleter))]
    [ValidateNotNullOrEmpty]
    public string? CostCenterTag { get; set; }

    [Parameter]
    [ValidateRange(7, 90)]
    public int HistoryDays { get; set; } = ForecastOptions.DefaultHistoryDays;

    protected override async Task EndProcessingAsync()
    {
        var byCostCenter = MappingFile is not null || CostCenterTag is not null;
        if (byCostCenter && MyInvocation.BoundParameters.ContainsKey(nameof(GroupBy)))
            throw new BedrockCostException(ErrorIds.InvalidGroupBy, ErrorKind.InvalidArgument,
                "With -MappingFile or -CostCenterTag the forecast is per cost centre: leave out -GroupBy.", string.Join(",", GroupBy));
        var mapping = await LoadMappingAsync(MappingFile).ConfigureAwait(false);
        if (mapping is null) return;
        var tag = CostCenterTag is null ? null : TagKeys.Qualify(CostCenterTag.Trim());
        var budgets = BuildBudgets(mapping);
        var monthStart = AsOfDay is { } a ? new DateTime(a.Year, a.Month, 1, 0, 0, 0, DateTimeKind.Utc) : (DateTime?)null;
        // Per cost centre: read per principal (and the cost-centre tag), then regroup by the cost centre of each row.
        var data = await ReadDailyAsync(monthStart, HistoryDays,
            groupBy: tag is null ? null : new[] { nameof(Dimension.Principal), tag },
            regroup: byCostCenter
                ? rows => (mapping.ByCostCenter(rows, tag), new[] { new GroupDimension(Dimension.Tag, CostCenterMapping.CostCenterKey) })
                : null).ConfigureAwait(false);
        if (data is null || data.Groups.Count == 0) return;
        var forecasts = ForecastModel.Project(data, new ForecastOptions { AsOf = AsOfDay, HistoryDays = HistoryDays, Budgets = budgets })
            .OrderByDescending(f => f.ProjectedCost).ToList();
        foreach (var f in forecasts) Emit(f);
    }

    /// <summary>Budgets from -Budget (which win) and from the mapping file's MonthlyBudget per cost centre.</summary>
    private BudgetBook? BuildBudgets(CostCenterMapping mapping)
    {
        var book = new BudgetBook();
        foreach (DictionaryEntry kv in Budget ?? new Hashtable())
        {
            var key = kv.Key?.ToString() ?? string.Empty;
            var value = kv.Value is PSObject pso ? pso.BaseObject : kv.Value;
            book.Add(key, BudgetBook.ParseAmount(key, value));
        }
        foreach (var costCenter in mapping.Rules.Select(r => r.CostCenter).Distinct(StringComparer.Ordinal))
            if (mapping.MonthlyBudgetOf(costCenter) is { } amount)
                book.Add(costCenter.Replace("[", "`[").Replace("*", "`*").Replace("?", "`?"), amount);
        return book.Count == 0 ? null : book;
    }
}
