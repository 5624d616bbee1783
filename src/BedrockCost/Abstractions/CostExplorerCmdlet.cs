using BedrockCost.Core.Aws;
using BedrockCost.Core.Sources.CostExplorer;

namespace BedrockCost.Abstractions;

/// <summary>Base of the cmdlets that call the Cost Explorer API directly; the AWS connection parameters apply to every set.</summary>
public abstract class CostExplorerCmdlet : AwsCmdlet
{
    protected override IReadOnlyList<string> AwsParameterSets => Array.Empty<string>();

    /// <summary>A Cost Explorer client for this command; says where credentials came from (never their values).</summary>
    protected async Task<AwsJsonClient> CreateClientAsync()
    {
        var connection = await ConnectAwsAsync().ConfigureAwait(false);
        Activity = "calling Cost Explorer";
        return CostExplorerSource.CreateClient(connection);
    }

    /// <summary>Reports the billed Cost Explorer requests of the command.</summary>
    protected void ReportRequests(AwsJsonClient client)
    {
        if (client.RequestCount > 0)
            EmitVerbose($"Cost Explorer: {client.RequestCount} billed request(s) at ${CostExplorerSource.PricePerRequest} each (${client.RequestCount * CostExplorerSource.PricePerRequest:0.00}).");
    }
}
