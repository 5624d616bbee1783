using System.Collections;
using System.Management.Automation;
using BedrockCost.Core;
using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Sources;

namespace BedrockCost.Abstractions;

/// <summary>
/// The parameters every cost-reading cmdlet shares: the source (-Path / -LiteralPath; S3 and Cost Explorer
/// sets are added by derived bases), the period, the filters and the cost basis. Paths arrive from the
/// pipeline one by one and are read as one data set in EndProcessing.
/// </summary>
public abstract partial class CostQueryCmdlet : AsyncCmdlet
{
    protected const string PathSet = "Path";
    protected const string LiteralPathSet = "LiteralPath";

    [Parameter(ParameterSetName = PathSet, Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    [Parameter(ParameterSetName = LiteralPathSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

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

    private readonly List<string> _paths = new();

    /// <summary>Collects -Path / -LiteralPath input; resolved on the pipeline thread (the provider is not thread safe).</summary>
    protected override Task ProcessRecordAsync()
    {
        OnPipeline(ResolvePaths);
        return Task.CompletedTask;
    }

    /// <summary>Resolves -Path / -LiteralPath through the provider; a missing path is an error for that input.</summary>
    private void ResolvePaths()
    {
        if (ParameterSetName == PathSet)
        {
            foreach (var p in Path)
            {
                try
                {
                    var resolved = GetResolvedProviderPathFromPSPath(p, out var provider);
                    if (provider.Name != "FileSystem") throw new PSArgumentException($"'{p}' is not a file-system path.");
                    if (resolved.Count == 0) throw new ItemNotFoundException();
                    _paths.AddRange(resolved);
                }
                catch (Exception e) when (e is ItemNotFoundException or System.Management.Automation.DriveNotFoundException or ProviderNotFoundException)
                {
                    WriteError(ErrorRecords.Create(ErrorIds.PathNotFound, ErrorKind.NotFound, $"Cannot find path '{p}' because it does not exist.", p));
                }
            }
        }
        else if (ParameterSetName == LiteralPathSet)
        {
            foreach (var p in LiteralPath)
            {
                var resolved = GetUnresolvedProviderPathFromPSPath(p);
                if (File.Exists(resolved) || Directory.Exists(resolved)) _paths.Add(resolved);
                else WriteError(ErrorRecords.Create(ErrorIds.PathNotFound, ErrorKind.NotFound, $"Cannot find path '{p}' because it does not exist.", p));
            }
        }
    }

    /// <summary>True when the cmdlet has a source to read (false when every path failed).</summary>
    protected virtual bool HasSource => ParameterSetName == CostExplorerSet || _paths.Count > 0;

    /// <summary>The source named by the parameters. Derived bases add S3 and Cost Explorer.</summary>
    protected virtual ICostSource CreateSource() => ParameterSetName == CostExplorerSet
        ? CreateCostExplorerSource()
        : new LocalCurSource(_paths.Distinct(StringComparer.Ordinal).ToList());

    /// <summary>The query of the parameters, with <paramref name="groupBy"/> as the grouping.</summary>
    protected CostQuery BuildQuery(IEnumerable<GroupDimension> groupBy)
    {
        var start = StartDate is { } s ? Utc(s) : (DateTime?)null;
        // A date-only end is inclusive of that day.
        var end = EndDate is { } e ? (Utc(e).TimeOfDay == TimeSpan.Zero ? Utc(e).AddDays(1) : Utc(e)) : (DateTime?)null;
        if (start is not null && end is not null && start >= end)
            throw new BedrockCostException(ErrorIds.InvalidDateRange, ErrorKind.InvalidArgument,
                $"-StartDate {start:yyyy-MM-dd} is not before -EndDate {EndDate:yyyy-MM-dd}.", EndDate);
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

    /// <summary>Runs the query and reports what every report must say: the reconciliation and data problems.</summary>
    protected async Task<CostResult?> RunQueryAsync(CostQuery query)
    {
        if (!HasSource) return null;
        var source = CreateSource();
        EmitDebug($"Source: {source.Description}");
        var result = await source.QueryAsync(query, Context, CancelToken).ConfigureAwait(false);
        EmitVerbose($"Read {result.FilesRead} file(s), {result.RowsScanned:N0} rows, {result.BedrockLineItems:N0} Bedrock line items.");
        EmitVerbose(result.ReconciliationText());
        if (result.SelectedTotals.Count > 1)
            EmitError(ErrorRecords.Create(ErrorIds.MixedCurrencies, ErrorKind.InvalidData,
                $"The data holds Bedrock cost in several currencies ({string.Join(", ", result.SelectedTotals.Select(t => t.Currency))}). " +
                "Rows are kept apart by currency and never added across currencies; filter or group by Currency before summing.",
                source.Description));
        return result;
    }

    internal static DateTime Utc(DateTime d) => d.Kind switch
    {
        DateTimeKind.Utc => d,
        DateTimeKind.Local => d.ToUniversalTime(),
        _ => DateTime.SpecifyKind(d, DateTimeKind.Utc),
    };
}
