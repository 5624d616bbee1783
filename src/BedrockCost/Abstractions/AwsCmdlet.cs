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

    private AwsOptions? _awsOptions;

    /// <summary>Resolves credentials and region in AWS's order and says on Debug where they came from (never their values).</summary>
    protected async Task<AwsConnection> ConnectAwsAsync(string fallbackRegion = "us-east-1")
    {
        // The profile path goes through the provider: on the pipeline thread.
        _awsOptions ??= await InvokeOnPipelineAsync(() =>
            AwsParameters.Options(this, ProfileName, ProfilesLocation, Region, AccessKey, SecretKey, SessionToken, EndpointUrl)).ConfigureAwait(false);
        return AwsParameters.Connect(_awsOptions, EmitDebug, fallbackRegion);
    }
}

/// <summary>The AWS.Tools-style connection parameters turned into a connection, for every cmdlet that talks to AWS.</summary>
internal static class AwsParameters
{
    /// <summary>The options of the parameters; the profile path through the provider, so call on the pipeline thread.</summary>
    public static AwsOptions Options(PSCmdlet cmdlet, string? profileName, string? profilesLocation, string? region,
        string? accessKey, string? secretKey, string? sessionToken, string? endpointUrl) =>
        new(profileName, profilesLocation is null ? null : FileSystemPath.Unresolved(cmdlet, profilesLocation),
            region, accessKey, secretKey, sessionToken, endpointUrl);

    /// <summary>Resolves credentials and region in AWS's order; <paramref name="debug"/> hears where they came from, never their values.</summary>
    public static AwsConnection Connect(AwsOptions options, Action<string> debug, string fallbackRegion = "us-east-1")
    {
        var connection = AwsCredentialResolver.Resolve(options, fallbackRegion);
        debug(connection.Describe());
        return connection;
    }
}
