using System.Management.Automation;
using BedrockCost.Core.Aws;
using BedrockCost.Core.Sources.CostExplorer;

namespace BedrockCost.Abstractions;

/// <summary>Base of the cmdlets that call the Cost Explorer API directly: the AWS.Tools connection parameters.</summary>
public abstract class CostExplorerCmdlet : AsyncCmdlet
{
    [Parameter]
    [Alias("StoredCredentials", "AWSProfileName")]
    public string? ProfileName { get; set; }

    [Parameter]
    [Alias("AWSProfilesLocation", "ProfileLocation")]
    public string? ProfilesLocation { get; set; }

    [Parameter]
    public string? Region { get; set; }

    [Parameter]
    [Alias("AK")]
    public string? AccessKey { get; set; }

    [Parameter]
    [Alias("SK", "SecretAccessKey")]
    public string? SecretKey { get; set; }

    [Parameter]
    [Alias("ST")]
    public string? SessionToken { get; set; }

    [Parameter]
    public string? EndpointUrl { get; set; }

    /// <summary>A Cost Explorer client for this command; says where credentials came from (never their values).</summary>
    protected async Task<AwsJsonClient> CreateClientAsync()
    {
        // The profile path goes through the provider: on the pipeline thread.
        var options = await InvokeOnPipelineAsync(() => AwsParameters.Options(this, ProfileName, ProfilesLocation, Region, AccessKey, SecretKey, SessionToken, EndpointUrl))
            .ConfigureAwait(false);
        Activity = "calling Cost Explorer";
        return CostExplorerSource.CreateClient(AwsParameters.Connect(options, EmitDebug));
    }

    /// <summary>Reports the billed Cost Explorer requests of the command.</summary>
    protected void ReportRequests(AwsJsonClient client)
    {
        if (client.RequestCount > 0)
            EmitVerbose($"Cost Explorer: {client.RequestCount} billed request(s) at ${CostExplorerSource.PricePerRequest} each (${client.RequestCount * CostExplorerSource.PricePerRequest:0.00}).");
    }
}
