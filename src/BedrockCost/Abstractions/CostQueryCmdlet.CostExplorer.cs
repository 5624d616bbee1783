using System.Management.Automation;
using BedrockCost.Core.Sources;
using BedrockCost.Core.Sources.CostExplorer;

namespace BedrockCost.Abstractions;

/// <summary>
/// The Cost Explorer parameter set of the cost-reading cmdlets: -CostExplorer; the AWS.Tools-style
/// connection parameters come from <see cref="AwsCmdlet"/>, in this set too.
/// </summary>
public abstract partial class CostQueryCmdlet
{
    /// <summary>Read Bedrock cost from the Cost Explorer API instead of a CUR export.</summary>
    [Parameter(ParameterSetName = CostExplorerSet, Mandatory = true)]
    public SwitchParameter CostExplorer { get; set; }

    private async Task<ICostSource> CreateCostExplorerSourceAsync()
    {
        var connection = await ConnectAwsAsync().ConfigureAwait(false);
        return new CostExplorerSource(CostExplorerSource.CreateClient(connection));
    }
}
