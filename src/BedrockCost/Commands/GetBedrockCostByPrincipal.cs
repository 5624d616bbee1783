using System.Management.Automation;
using BedrockCost.Abstractions;
using BedrockCost.Core;
using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Allocation;
using BedrockCost.Completers;

namespace BedrockCost.Commands;

/// <summary>Bedrock cost per principal (or any grouping) from CUR 2.0 data.</summary>
[Cmdlet(VerbsCommon.Get, "BedrockCostByPrincipal", DefaultParameterSetName = PathSet)]
[OutputType(typeof(PrincipalCost))]
public sealed class GetBedrockCostByPrincipal : CostQueryCmdlet
{
    [Parameter]
    [ArgumentCompleter(typeof(GroupByCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] GroupBy { get; set; } = { nameof(Dimension.Principal) };

    protected override async Task EndProcessingAsync()
    {
        var query = BuildQuery(GroupBy.Select(GroupDimension.Parse).Distinct());
        var result = await RunQueryAsync(query).ConfigureAwait(false);
        if (result is null) return;
        // Rows per principal can read their principals' tags later, if a chargeback asks: nothing is read now.
        if (query.GroupsBy(Dimension.Principal) && await ReopenableSourceAsync().ConfigureAwait(false) is { } reopen)
            new PrincipalFacts(reopen, query, SourceReportName).Attach(result.Rows);
        foreach (var row in result.Rows) Emit(row);
    }
}
