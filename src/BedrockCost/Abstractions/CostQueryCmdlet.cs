using System.Collections;
using System.Management.Automation;
using BedrockCost.Core;
using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Allocation;
using BedrockCost.Core.Sources;

namespace BedrockCost.Abstractions;

/// <summary>
/// The parameters every cost-reading cmdlet shares: the source (-Path / -LiteralPath / -S3Uri / -Bucket, from
/// <see cref="CurSourceCmdlet"/>; -CostExplorer from CostQueryCmdlet.CostExplorer.cs; -Athena from CostQueryCmdlet.Athena.cs),
/// the period, the filters and the cost basis.
/// </summary>
public abstract partial class CostQueryCmdlet : CurSourceCmdlet
{
    [Parameter]
    [ValidatePattern(@"^\d{4}-(0[1-9]|1[0-2])$")]
    public string[] BillingPeriod { get; set; } = Array.Empty<string>();

    [Parameter]
    public DateTime? StartDate { get; set; }

    [Parameter]
    public DateTime? EndDate { get; set; }

    [Parameter]
    [SupportsWildcards]
    public string[] Principal { get; set; } = Array.Empty<string>();

    [Parameter]
    [SupportsWildcards]
    public string[] Model { get; set; } = Array.Empty<string>();

    [Parameter]
    [SupportsWildcards]
    public string[] Account { get; set; } = Array.Empty<string>();

    [Parameter]
    public Hashtable? Tag { get; set; }

    [Parameter]
    public CostBasis CostBasis { get; set; } = CostBasis.Unblended;

    [Parameter]
    public SwitchParameter IncludeAgentCore { get; set; }

    /// <summary>The source named by the parameters (CUR on disk or in S3, Cost Explorer, or Athena). Dispose it after use.</summary>
    protected async Task<ICostSource> CreateSourceAsync() => ParameterSetName switch
    {
        CostExplorerSet => await CreateCostExplorerSourceAsync().ConfigureAwait(false),
        AthenaSet => await CreateAthenaSourceAsync().ConfigureAwait(false),
        _ => await CreateCurSourceAsync().ConfigureAwait(false),
    };

    protected override IReadOnlyList<string> AwsParameterSets { get; } = new[] { S3Set, S3BucketSet, CostExplorerSet, AthenaSet };

    protected override bool HasSource => ParameterSetName is CostExplorerSet or AthenaSet || base.HasSource;

    /// <summary>
    /// The query of the parameters, with <paramref name="groupBy"/> as the grouping, and the dates given here
    /// (as -StartDate and -EndDate take them) when the cmdlet chose the range itself.
    /// </summary>
    protected CostQuery BuildQuery(IEnumerable<GroupDimension> groupBy, DateTime? startDate = null, DateTime? endDate = null)
    {
        startDate ??= StartDate;
        endDate ??= EndDate;
        var start = startDate is { } s ? Utc(s) : (DateTime?)null;
        // A date-only end is inclusive of that day.
        var end = endDate is { } e ? (Utc(e).TimeOfDay == TimeSpan.Zero ? Utc(e).AddDays(1) : Utc(e)) : (DateTime?)null;
        if (start is not null && end is not null && start >= end)
            throw new BedrockCostException(ErrorIds.InvalidDateRange, ErrorKind.InvalidArgument,
                $"-StartDate {start:yyyy-MM-dd} is not before -EndDate {endDate:yyyy-MM-dd}.", endDate);
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Tag is not null)
            foreach (DictionaryEntry kv in Tag)
                tags[TagKeys.Qualify(kv.Key.ToString()!)] = kv.Value?.ToString() ?? string.Empty;
        return new CostQuery
        {
            BillingPeriods = BillingPeriod.Select(CostQuery.ValidatePeriod).Distinct().ToArray(),
            StartDate = start,
            EndDate = end,
            GroupBy = groupBy.ToArray(),
            Principals = Principal,
            Models = Model,
            Accounts = Account,
            Tags = tags,
            CostBasis = CostBasis,
            IncludeAgentCore = IncludeAgentCore,
        };
    }

    /// <summary>Description of the source of the last query (a path, an S3 URI, Cost Explorer), for reports.</summary>
    protected string SourceDescription { get; private set; } = string.Empty;

    /// <summary>
    /// Runs the query and reports what every report must say: the reconciliation and data problems. Reads
    /// <paramref name="source"/> when given (the caller disposes it), else a source of the parameters.
    /// </summary>
    protected async Task<CostResult?> RunQueryAsync(CostQuery query, ICostSource? source = null)
    {
        if (!HasSource) return null;
        var owned = source is null;
        source ??= await CreateSourceAsync().ConfigureAwait(false);
        CostResult result;
        try
        {
            SourceDescription = source.Description;
            Activity = $"reading {source.Description}";
            EmitDebug($"Source: {source.Description}");
            result = await source.QueryAsync(query, Context, CancelToken).ConfigureAwait(false);
        }
        finally
        {
            if (owned) source.Dispose();
        }
        if (source.Capabilities.ReadsFiles)
            EmitVerbose($"Read {result.FilesRead} file(s), {result.RowsScanned:N0} rows, {result.BedrockLineItems:N0} Bedrock line items.");
        EmitVerbose(result.ReconciliationText());
        if (!result.IsComplete)
            EmitWarning($"The totals are incomplete: {result.LineItemsLeftOut:N0} Bedrock line item(s) could not be read and are left out (see the errors).");
        if (result.SelectedTotals.Count > 1)
            EmitError(ErrorRecords.Create(ErrorIds.MixedCurrencies, ErrorKind.InvalidData,
                $"The data holds Bedrock cost in several currencies ({string.Join(", ", result.SelectedTotals.Select(t => t.Currency))}). " +
                "Rows are kept apart by currency and never added across currencies; filter or group by Currency before summing.",
                source.Description));
        return result;
    }

    /// <summary>Loads a cost-centre mapping file; a bad file stops the command (nothing is charged to the wrong place).</summary>
    protected async Task<CostCenterMapping?> LoadMappingAsync(string? mappingFile)
    {
        if (mappingFile is null) return CostCenterMapping.Empty;
        var path = await InvokeOnPipelineAsync(() => FileSystemPath.Unresolved(this, mappingFile)).ConfigureAwait(false);
        Activity = $"loading the cost-centre mapping file '{path}'";
        try
        {
            var mapping = CostCenterMapping.Load(path);
            EmitVerbose($"Cost-centre mapping: {mapping.Rules.Count} rule(s) from {path}.");
            return mapping;
        }
        catch (BedrockCostException e)
        {
            EmitTerminatingError(ErrorRecords.From(e));
            return null;
        }
    }

    internal static DateTime Utc(DateTime d) => d.Kind switch
    {
        DateTimeKind.Utc => d,
        DateTimeKind.Local => d.ToUniversalTime(),
        _ => DateTime.SpecifyKind(d, DateTimeKind.Utc),
    };
}
