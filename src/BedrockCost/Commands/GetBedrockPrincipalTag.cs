using System.Management.Automation;
using BedrockCost.Abstractions;
using BedrockCost.Core.Sources;
using BedrockCost.Core.Sources.CostExplorer;

namespace BedrockCost.Commands;

/// <summary>Lists the iamPrincipal/ cost allocation tags and whether they are activated.</summary>
[Cmdlet(VerbsCommon.Get, "BedrockPrincipalTag")]
[OutputType(typeof(PrincipalTag))]
public sealed class GetBedrockPrincipalTag : CostExplorerCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] TagKey { get; set; } = Array.Empty<string>();

    [Parameter]
    [ValidateSet("Active", "Inactive")]
    public string? Status { get; set; }

    private readonly List<string> _keys = new();

    protected override Task ProcessRecordAsync()
    {
        _keys.AddRange(TagKey);
        return Task.CompletedTask;
    }

    protected override async Task EndProcessingAsync()
    {
        using var client = await CreateClientAsync().ConfigureAwait(false);
        try
        {
            foreach (var tag in await CostAllocationTags.ListAsync(client, _keys, Status, CancelToken).ConfigureAwait(false)) Emit(tag);
        }
        finally { ReportRequests(client); }
    }
}
