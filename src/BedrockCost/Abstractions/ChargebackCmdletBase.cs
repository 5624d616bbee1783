using System.Management.Automation;
using BedrockCost.Core;
using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Allocation;
using BedrockCost.Completers;

namespace BedrockCost.Abstractions;

/// <summary>
/// The chargeback parameters shared by ConvertTo- and Export-BedrockChargeback: the source (the query
/// parameters of <see cref="CostQueryCmdlet"/>, or <see cref="PrincipalCost"/> rows from the pipeline), the
/// cost-centre sources and the unallocated policy. Builds the statement in EndProcessing.
/// </summary>
public abstract class ChargebackCmdletBase : CostQueryCmdlet
{
    protected const string InputObjectSet = "InputObject";

    [Parameter(ParameterSetName = InputObjectSet, Mandatory = true, ValueFromPipeline = true)]
    [AllowEmptyCollection]
    public PrincipalCost[] InputObject { get; set; } = Array.Empty<PrincipalCost>();

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? MappingFile { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(CostCenterTagCompleter))]
    [ValidateNotNullOrEmpty]
    public string? CostCenterTag { get; set; }

    [Parameter]
    public UnallocatedPolicy UnallocatedPolicy { get; set; } = UnallocatedPolicy.Keep;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? UnallocatedOwner { get; set; }

    private readonly List<PrincipalCost> _rows = new();
    private ChargebackOptions _options = new();

    protected override async Task BeginProcessingAsync()
    {
        var policy = UnallocatedPolicy;
        var policyGiven = MyInvocation.BoundParameters.ContainsKey(nameof(UnallocatedPolicy));
        if (UnallocatedOwner is not null && !policyGiven) policy = UnallocatedPolicy.Assign;
        else if (UnallocatedOwner is not null && policy != UnallocatedPolicy.Assign)
            EmitWarning($"-UnallocatedOwner is used only with -UnallocatedPolicy Assign; it is ignored with {policy}.");
        if (policy == UnallocatedPolicy.Assign && UnallocatedOwner is null)
            throw new BedrockCostException(ErrorIds.UnallocatedOwnerRequired, ErrorKind.InvalidArgument,
                "-UnallocatedPolicy Assign needs the cost centre to assign unallocated cost to: give -UnallocatedOwner.", policy);

        if (await LoadMappingAsync(MappingFile).ConfigureAwait(false) is not { } mapping) return;
        _options = new ChargebackOptions
        {
            Mapping = mapping,
            CostCenterTag = CostCenterTag is null ? null : TagKeys.Qualify(CostCenterTag.Trim()),
            Policy = policy,
            UnallocatedOwner = UnallocatedOwner,
        };
    }

    protected override Task ProcessRecordAsync()
    {
        if (ParameterSetName != InputObjectSet) return base.ProcessRecordAsync();
        foreach (var row in InputObject)
            if (row is not null) _rows.Add(row);
        return Task.CompletedTask;
    }

    /// <summary>The statement names payer accounts (FOCUS BillingAccountId): the source reads bill_payer_account_id.</summary>
    protected virtual bool NeedsBillingAccounts => false;

    /// <summary>
    /// The statement of the input; null (after an error) when there is nothing to charge back. From a source: its
    /// rows per billing period, principal, account, model, token type and day (what the source has), with the
    /// cost-centre tag. From the pipeline: the rows as given; rows per principal that lack the cost-centre tag read
    /// each principal's value (the latest in the period) from their source.
    /// </summary>
    protected async Task<ChargebackStatement?> BuildStatementAsync()
    {
        ChargebackInput input;
        if (ParameterSetName == InputObjectSet)
        {
            if (_rows.Count == 0)
            {
                EmitError(ErrorRecords.Create(ErrorIds.NoChargebackInput, ErrorKind.InvalidData,
                    "No cost rows came through the pipeline: nothing to charge back.", null));
                return null;
            }
            var tag = _options.CostCenterTag;
            Activity = "reading the principals' tags for the chargeback";
            var piped = await PrincipalFacts.CompleteAsync(_rows, tag, NeedsBillingAccounts, Context, CancelToken).ConfigureAwait(false);
            if (piped.Completed > 0) EmitVerbose($"{piped.Completed} input row(s) took their principal's {tag} value from their source.");
            if (tag is not null && !piped.Rows.Any(r => r.Tags.ContainsKey(tag)))
                EmitWarning($"The input rows are not grouped by the tag '{tag}' and cannot read it from their source, so no cost centre can come from it. " +
                            $"Group them by it, for example: Get-BedrockCostByPrincipal -GroupBy Principal, Model, {tag}.");
            input = ChargebackInput.FromRows(piped.Rows, piped.SourceName, piped.BillingAccounts);
        }
        else
        {
            if (!HasSource) return null;
            using var source = await CreateSourceAsync().ConfigureAwait(false);
            // Billing period, principal, account, model, token type and day where the source has them (Cost Explorer:
            // period, model and day), and the cost-centre tag. The account keeps unattributed lines per account.
            var dimensions = new List<Dimension> { Dimension.BillingPeriod, Dimension.Principal, Dimension.Model, Dimension.TokenType, Dimension.Day };
            if (source.Capabilities.CanGroupBy(Dimension.Principal)) dimensions.Add(Dimension.Account);
            var groupBy = dimensions.Where(source.Capabilities.CanGroupBy).Select(d => new GroupDimension(d)).ToList();
            if (_options.CostCenterTag is { } tag) groupBy.Add(new GroupDimension(Dimension.Tag, tag));
            var query = BuildQuery(groupBy) with { IncludeBillingAccounts = NeedsBillingAccounts };
            var result = await RunQueryAsync(query, source).ConfigureAwait(false);
            if (result is null) return null;
            input = ChargebackInput.FromResult(result, SourceReportName);
        }
        Activity = "building the chargeback statement";
        var statement = ChargebackAllocator.Allocate(input, _options, Context);
        EmitVerbose(statement.ReconciliationText());
        if (!statement.Reconciles) EmitWarning($"The statement does not reconcile with its source. {statement.ReconciliationText()}");
        return statement;
    }
}
