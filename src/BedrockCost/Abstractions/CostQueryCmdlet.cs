using System.Collections;
using System.Globalization;
using System.Management.Automation;
using BedrockCost.Completers;
using BedrockCost.Core;
using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Allocation;
using BedrockCost.Core.Sources;
using BedrockCost.Core.Sources.CostExplorer;

namespace BedrockCost.Abstractions;

/// <summary>
/// The parameters every cost-reading cmdlet shares: the source (-Path / -LiteralPath / -S3Uri / -Bucket, from
/// <see cref="CurSourceCmdlet"/>; -CostExplorer from CostQueryCmdlet.CostExplorer.cs; -Athena from CostQueryCmdlet.Athena.cs),
/// the period, the filters and the cost basis.
/// </summary>
public abstract partial class CostQueryCmdlet : CurSourceCmdlet
{
    [Parameter]
    [ValidateBillingPeriod]
    [ArgumentCompleter(typeof(BillingPeriodCompleter))]
    public string[] BillingPeriod { get; set; } = Array.Empty<string>();

    [Parameter]
    public DateTime? StartDate { get; set; }

    [Parameter]
    public DateTime? EndDate { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(PrincipalCompleter))]
    public string[] Principal { get; set; } = Array.Empty<string>();

    [Parameter]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ModelCompleter))]
    public string[] Model { get; set; } = Array.Empty<string>();

    [Parameter]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(AccountCompleter))]
    public string[] Account { get; set; } = Array.Empty<string>();

    [Parameter]
    public Hashtable? Tag { get; set; }

    [Parameter]
    public CostBasis CostBasis { get; set; } = CostBasis.Unblended;

    [Parameter]
    public SwitchParameter IncludeAgentCore { get; set; }

    /// <summary>
    /// The source named by the parameters (CUR on disk or in S3, Cost Explorer, or Athena). Dispose it after use.
    /// The parameters are checked against what the source can answer before any credential is looked up.
    /// </summary>
    protected async Task<ICostSource> CreateSourceAsync(CostQuery? query = null)
    {
        switch (ParameterSetName)
        {
            case CostExplorerSet:
                CostExplorerSource.Validate(query ?? BuildQuery(Array.Empty<GroupDimension>()));
                return await CreateCostExplorerSourceAsync().ConfigureAwait(false);
            case AthenaSet:
                return (await AthenaSourceFactoryAsync().ConfigureAwait(false))();
            default:
                return await CreateCurSourceAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// How to open this command's source again after it has ended, for rows that read their principals' facts
    /// when a chargeback asks (<see cref="PrincipalFacts"/>): the CUR files or the Athena table; null for Cost
    /// Explorer, which has no principals.
    /// </summary>
    protected async Task<Func<CancellationToken, Task<ICostSource>>?> ReopenableSourceAsync()
    {
        Func<ICostSource>? factory = ParameterSetName switch
        {
            CostExplorerSet => null,
            AthenaSet => await AthenaSourceFactoryAsync().ConfigureAwait(false),
            _ => await CurSourceFactoryAsync().ConfigureAwait(false),
        };
        return factory is null ? null : _ => Task.FromResult(factory());
    }

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

    /// <summary>Description of the source of the last query (a path, an S3 URI, Cost Explorer), for messages.</summary>
    protected string SourceDescription { get; private set; } = string.Empty;

    /// <summary>The source of the last query as reports name it: the export's name, its S3 URI or Cost Explorer; never a local path.</summary>
    protected string SourceReportName { get; private set; } = string.Empty;

    /// <summary>
    /// Runs the query and reports what every report must say: the reconciliation and data problems. Reads
    /// <paramref name="source"/> when given (the caller disposes it), else a source of the parameters.
    /// </summary>
    protected async Task<CostResult?> RunQueryAsync(CostQuery query, ICostSource? source = null)
    {
        if (!HasSource) return null;
        var owned = source is null;
        source ??= await CreateSourceAsync(query).ConfigureAwait(false);
        CostResult result;
        try
        {
            SourceDescription = source.Description;
            Activity = $"reading {source.Description}";
            EmitDebug($"Source: {source.Description}");
            result = await source.QueryAsync(query, Context, CancelToken).ConfigureAwait(false);
            SourceReportName = source is CurSource cur ? await cur.ReportNameAsync(Context, CancelToken).ConfigureAwait(false) : source.Description;
            await WarnAboutWhatIsMissingAsync(query, result, source).ConfigureAwait(false);
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

    /// <summary>
    /// An empty answer is said, with what the data holds instead: dates outside the data (the billing periods
    /// present), and tag keys that no line item carries (the keys present). Filters that match nothing are said by
    /// the result builder, which saw the values.
    /// </summary>
    private async Task WarnAboutWhatIsMissingAsync(CostQuery query, CostResult result, ICostSource source)
    {
        var cur = source as CurSource;
        if (result.Rows.Count == 0 && (query.StartDate is not null || query.EndDate is not null))
        {
            var range = $"{(query.StartDate is { } from ? from.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "the start")} to " +
                        $"{(query.EndDate is { } to ? to.AddTicks(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "the end")}";
            var present = cur is null ? Array.Empty<string>() : await cur.BillingPeriodsAsync(Context, CancelToken).ConfigureAwait(false);
            EmitWarning($"No Bedrock cost from {range} (usage dates) in {source.Description}." +
                        (present.Count == 0 ? string.Empty : $" The data holds billing period(s) {PeriodRange(present)}: give dates within them, or -BillingPeriod."));
        }
        var keys = result.TagKeysNotFound.Where(k => result.BedrockLineItems > 0 || result.Rows.Count > 0).ToList();
        if (keys.Count == 0) return;
        var found = cur is null ? null : await cur.TagKeysAsync(result.BillingPeriods, Context, CancelToken).ConfigureAwait(false);
        foreach (var key in keys)
        {
            var sameName = found?.Where(k => k.EndsWith("/" + key[(key.IndexOf('/') + 1)..], StringComparison.OrdinalIgnoreCase) || k.Equals(key, StringComparison.OrdinalIgnoreCase)).ToList();
            var principalKeys = found?.Where(k => k.StartsWith(TagKeys.PrincipalPrefix, StringComparison.Ordinal)).ToList();
            EmitWarning($"No Bedrock line item in {PeriodRange(result.BillingPeriods)} has the tag key '{key}', so every row is {Aggregator.Untagged}." +
                (found is null ? " Check the key, and that it is activated as a cost allocation tag (Get-BedrockPrincipalTag)."
                    : found.Count == 0 ? " The data has no tag keys at all: the export's query must select the tags column, and the keys must be activated (Get-BedrockPrincipalTag)."
                    : $" Keys present: {string.Join(", ", (sameName!.Count > 0 ? sameName : principalKeys!.Count > 0 ? principalKeys : found.ToList()).Take(10))}" +
                      (found.Count > 10 ? $" ({found.Count} keys in all)" : string.Empty) + "."));
        }
    }

    private static string PeriodRange(IReadOnlyList<string> periods) =>
        periods.Count switch { 0 => "the data read", 1 => periods[0], 2 => $"{periods[0]} and {periods[1]}", _ => $"{periods[0]} to {periods[^1]}" };

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

/// <summary>
/// -BillingPeriod values are YYYY-MM; a wrong one is refused at binding with a message that says the form and an
/// example, not the regular expression.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class ValidateBillingPeriodAttribute : ValidateEnumeratedArgumentsAttribute
{
    protected override void ValidateElement(object element)
    {
        var text = (element is PSObject pso ? pso.BaseObject : element)?.ToString();
        if (!CostQuery.IsPeriod(text)) throw new ValidationMetadataException(CostQuery.PeriodFormatMessage(text));
    }
}
