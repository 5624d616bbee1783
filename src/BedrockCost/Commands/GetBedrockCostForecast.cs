using System.Collections;
using System.Management.Automation;
using BedrockCost.Abstractions;
using BedrockCost.Core.Insights;

namespace BedrockCost.Commands;

/// <summary>Month-end Bedrock cost projection per group, with a range and budget check.</summary>
[Cmdlet(VerbsCommon.Get, "BedrockCostForecast", DefaultParameterSetName = PathSet)]
[OutputType(typeof(CostForecast))]
public sealed class GetBedrockCostForecast : InsightCmdlet
{
    [Parameter]
    public Hashtable? Budget { get; set; }

    [Parameter]
    [ValidateRange(7, 90)]
    public int HistoryDays { get; set; } = ForecastOptions.DefaultHistoryDays;

    protected override async Task EndProcessingAsync()
    {
        var budgets = BuildBudgets();
        var monthStart = AsOfDay is { } a ? new DateTime(a.Year, a.Month, 1, 0, 0, 0, DateTimeKind.Utc) : (DateTime?)null;
        var data = await ReadDailyAsync(monthStart, HistoryDays).ConfigureAwait(false);
        if (data is null || data.Groups.Count == 0) return;
        var forecasts = ForecastModel.Project(data, new ForecastOptions { AsOf = AsOfDay, HistoryDays = HistoryDays, Budgets = budgets })
            .OrderByDescending(f => f.ProjectedCost).ToList();
        foreach (var f in forecasts) Emit(f);
    }

    // Seam: budgets from the chargeback mapping file (MonthlyBudget column) are added here once its parser lands.
    private BudgetBook? BuildBudgets()
    {
        if (Budget is null || Budget.Count == 0) return null;
        var book = new BudgetBook();
        foreach (DictionaryEntry kv in Budget)
        {
            var key = kv.Key?.ToString() ?? string.Empty;
            var value = kv.Value is PSObject pso ? pso.BaseObject : kv.Value;
            book.Add(key, BudgetBook.ParseAmount(key, value));
        }
        return book;
    }
}
