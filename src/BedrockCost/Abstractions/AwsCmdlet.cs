using System.Management.Automation;
using BedrockCost.Core.Aws;

namespace BedrockCost.Abstractions;

/// <summary>
/// The AWS.Tools connection parameters (-ProfileName, -ProfilesLocation, -Region, -AccessKey, -SecretKey,
/// -SessionToken, -EndpointUrl) for every parameter set that talks to AWS: the S3 sets and Cost Explorer.
/// </summary>
public abstract class AwsCmdlet : AsyncCmdlet
{
    protected const string S3Set = "S3";
    protected const string S3BucketSet = "S3Bucket";
    protected const string CostExplorerSet = "CostExplorer";

    [Parameter(ParameterSetName = S3Set)]
    [Parameter(ParameterSetName = S3BucketSet)]
    [Parameter(ParameterSetName = CostExplorerSet)]
    [Alias("StoredCredentials", "AWSProfileName")]
    [ValidateNotNullOrEmpty]
    public string? ProfileName { get; set; }

    [Parameter(ParameterSetName = S3Set)]
    [Parameter(ParameterSetName = S3BucketSet)]
    [Parameter(ParameterSetName = CostExplorerSet)]
    [Alias("AWSProfilesLocation", "ProfileLocation")]
    [ValidateNotNullOrEmpty]
    public string? ProfilesLocation { get; set; }

    [Parameter(ParameterSetName = S3Set)]
    [Parameter(ParameterSetName = S3BucketSet)]
    [Parameter(ParameterSetName = CostExplorerSet)]
    [ValidateNotNullOrEmpty]
    public string? Region { get; set; }

    [Parameter(ParameterSetName = S3Set)]
    [Parameter(ParameterSetName = S3BucketSet)]
    [Parameter(ParameterSetName = CostExplorerSet)]
    [Alias("AK")]
    [ValidateNotNullOrEmpty]
    public string? AccessKey { get; set; }

    [Parameter(ParameterSetName = S3Set)]
    [Parameter(ParameterSetName = S3BucketSet)]
    [Parameter(ParameterSetName = CostExplorerSet)]
    [Alias("SK", "SecretAccessKey")]
    [ValidateNotNullOrEmpty]
    public string? SecretKey { get; set; }

    [Parameter(ParameterSetName = S3Set)]
    [Parameter(ParameterSetName = S3BucketSet)]
    [Parameter(ParameterSetName = CostExplorerSet)]
    [Alias("ST")]
    [ValidateNotNullOrEmpty]
    public string? SessionToken { get; set; }

    [Parameter(ParameterSetName = S3Set)]
    [Parameter(ParameterSetName = S3BucketSet)]
    [Parameter(ParameterSetName = CostExplorerSet)]
    [ValidateNotNullOrEmpty]
    public string? EndpointUrl { get; set; }

    /// <summary>The parameters as given; profile paths resolved through the provider.</summary>
    protected AwsOptions AwsOptions => new(ProfileName,
        ProfilesLocation is null ? null : GetUnresolvedProviderPathFromPSPath(ProfilesLocation),
        Region, AccessKey, SecretKey, SessionToken, EndpointUrl);

    /// <summary>Resolves credentials and region in AWS's order and says on Debug where they came from (never their values).</summary>
    protected AwsConnection ConnectAws(AwsOptions options, string fallbackRegion = "us-east-1")
    {
        var connection = AwsCredentialResolver.Resolve(options, fallbackRegion);
        EmitDebug(connection.Describe());
        return connection;
    }
}
