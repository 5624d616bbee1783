using System.Management.Automation;
using BedrockCost.Abstractions;
using BedrockCost.Core.Insights;
using BedrockCost.Completers;

namespace BedrockCost.Commands;

/// <summary>Days whose Bedrock cost departs from each group's own recent baseline.</summary>
[Cmdlet(VerbsCommon.Get, "BedrockCostAnomaly", DefaultParameterSetName = PathSet)]
[OutputType(typeof(CostAnomaly))]
public sealed class GetBedrockCostAnomaly : InsightCmdlet
{
    public const int DefaultDays = 30;

    [Parameter]
    public DateTime? Since { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(SensitivityCompleter))]
    [ValidateNotNullOrEmpty]
    public string Sensitivity { get; set; } = nameof(Core.Insights.Sensitivity.Medium);

    [Parameter]
    [ValidateRange(0, double.MaxValue)]
    public decimal MinimumCost { get; set; } = 1.00m;

    [Parameter]
    [ValidateRange(AnomalyOptions.MinimumHistoryDays, 120)]
    public int BaselineDays { get; set; } = AnomalyOptions.DefaultBaselineDays;

    [Parameter]
    public SwitchParameter IncludeDrop { get; set; }

    protected override async Task EndProcessingAsync()
    {
        var threshold = Core.Insights.Sensitivity.Parse(Sensitivity);
        var since = Since is { } s ? Utc(s).Date : (DateTime?)null;
        var data = since is not null
            ? await ReadDailyAsync(since, BaselineDays).ConfigureAwait(false)
            : await ReadDailyAsync(AsOfDay, DefaultDays + BaselineDays).ConfigureAwait(false);
        if (data is null || data.Groups.Count == 0) return;
        var asOf = AsOfDay is { } a && a < data.LastDay ? a : data.LastDay;
        var options = new AnomalyOptions
        {
            Since = since ?? asOf.AddDays(-DefaultDays),
            AsOf = asOf,
            BaselineDays = BaselineDays,
            Threshold = threshold,
            MinimumCost = MinimumCost,
            IncludeDrops = IncludeDrop,
        };
        EmitVerbose($"Scoring {options.Since:yyyy-MM-dd} to {asOf:yyyy-MM-dd} for {data.Groups.Count} group(s), threshold {threshold}, minimum cost {MinimumCost}.");
        foreach (var anomaly in AnomalyDetector.Detect(data, options)) Emit(anomaly);
    }
}
