using System.Management.Automation;
using BedrockCost.Core.Aws;
using BedrockCost.Core.Sources;

namespace BedrockCost.Abstractions;

/// <summary>
/// The Cost Explorer parameter set of the cost-reading cmdlets: -CostExplorer plus the AWS.Tools-style
/// connection parameters. (When the S3 set lands, the AWS parameters are shared by both sets.)
/// </summary>
public abstract partial class CostQueryCmdlet
{
    protected const string CostExplorerSet = "CostExplorer";

    /// <summary>Read Bedrock cost from the Cost Explorer API instead of a CUR export.</summary>
    [Parameter(ParameterSetName = CostExplorerSet, Mandatory = true)]
    public SwitchParameter CostExplorer { get; set; }

    [Parameter(ParameterSetName = CostExplorerSet)]
    [Alias("StoredCredentials", "AWSProfileName")]
    public string? ProfileName { get; set; }

    [Parameter(ParameterSetName = CostExplorerSet)]
    [Alias("AWSProfilesLocation", "ProfileLocation")]
    public string? ProfilesLocation { get; set; }

    [Parameter(ParameterSetName = CostExplorerSet)]
    public string? Region { get; set; }

    [Parameter(ParameterSetName = CostExplorerSet)]
    [Alias("AK")]
    public string? AccessKey { get; set; }

    [Parameter(ParameterSetName = CostExplorerSet)]
    [Alias("SK", "SecretAccessKey")]
    public string? SecretKey { get; set; }

    [Parameter(ParameterSetName = CostExplorerSet)]
    [Alias("ST")]
    public string? SessionToken { get; set; }

    [Parameter(ParameterSetName = CostExplorerSet)]
    public string? EndpointUrl { get; set; }

    private AwsOptions AwsOptions => new(ProfileName, ProfilesLocation, Region, AccessKey, SecretKey, SessionToken, EndpointUrl);

    private ICostSource CreateCostExplorerSource()
    {
        var connection = AwsCredentialResolver.Resolve(AwsOptions);
        EmitDebug(connection.Describe());
        return new CostExplorerSource(CostExplorerSource.CreateClient(connection));
    }
}
