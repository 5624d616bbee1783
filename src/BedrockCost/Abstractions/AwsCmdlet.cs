using System.Management.Automation;
using BedrockCost.Core.Aws;

namespace BedrockCost.Abstractions;

/// <summary>
/// The AWS.Tools connection parameters (-ProfileName, -ProfilesLocation, -Region, -AccessKey, -SecretKey,
/// -SessionToken, -EndpointUrl) for every parameter set that talks to AWS: the S3 sets, Cost Explorer and Athena.
/// </summary>
public abstract class AwsCmdlet : AsyncCmdlet
{
    protected const string S3Set = "S3";
    protected const string S3BucketSet = "S3Bucket";
    protected const string CostExplorerSet = "CostExplorer";
    protected const string AthenaSet = "Athena";

    [Parameter(ParameterSetName = S3Set)]
    [Parameter(ParameterSetName = S3BucketSet)]
    [Parameter(ParameterSetName = CostExplorerSet)]
    [Parameter(ParameterSetName = AthenaSet)]
    [Alias("StoredCredentials", "AWSProfileName")]
    [ValidateNotNullOrEmpty]
    public string? ProfileName { get; set; }

    [Parameter(ParameterSetName = S3Set)]
    [Parameter(ParameterSetName = S3BucketSet)]
    [Parameter(ParameterSetName = CostExplorerSet)]
    [Parameter(ParameterSetName = AthenaSet)]
    [Alias("AWSProfilesLocation", "ProfileLocation")]
    [ValidateNotNullOrEmpty]
    public string? ProfilesLocation { get; set; }

    [Parameter(ParameterSetName = S3Set)]
    [Parameter(ParameterSetName = S3BucketSet)]
    [Parameter(ParameterSetName = CostExplorerSet)]
    [Parameter(ParameterSetName = AthenaSet)]
    [ValidateNotNullOrEmpty]
    public string? Region { get; set; }

    [Parameter(ParameterSetName = S3Set)]
    [Parameter(ParameterSetName = S3BucketSet)]
    [Parameter(ParameterSetName = CostExplorerSet)]
    [Parameter(ParameterSetName = AthenaSet)]
    [Alias("AK")]
    [ValidateNotNullOrEmpty]
    public string? AccessKey { get; set; }

    [Parameter(ParameterSetName = S3Set)]
    [Parameter(ParameterSetName = S3BucketSet)]
    [Parameter(ParameterSetName = CostExplorerSet)]
    [Parameter(ParameterSetName = AthenaSet)]
    [Alias("SK", "SecretAccessKey")]
    [ValidateNotNullOrEmpty]
    public string? SecretKey { get; set; }

    [Parameter(ParameterSetName = S3Set)]
    [Parameter(ParameterSetName = S3BucketSet)]
    [Parameter(ParameterSetName = CostExplorerSet)]
    [Parameter(ParameterSetName = AthenaSet)]
    [Alias("ST")]
    [ValidateNotNullOrEmpty]
    public string? SessionToken { get; set; }

    [Parameter(ParameterSetName = S3Set)]
    [Parameter(ParameterSetName = S3BucketSet)]
    [Parameter(ParameterSetName = CostExplorerSet)]
    [Parameter(ParameterSetName = AthenaSet)]
    [ValidateNotNullOrEmpty]
    public string? EndpointUrl { get; set; }

    private AwsOptions? _awsOptions;

    /// <summary>
    /// Takes the connection parameters, the profile path resolved through the provider. Call it on the pipeline
    /// thread (ProcessRecord input); the connection is made later from the work.
    /// </summary>
    protected void CaptureAwsOptions() =>
        _awsOptions ??= AwsParameters.Options(this, ProfileName, ProfilesLocation, Region, AccessKey, SecretKey, SessionToken, EndpointUrl);

    /// <summary>Resolves credentials and region in AWS's order and says on Debug where they came from (never their values).</summary>
    protected AwsConnection ConnectAws(string fallbackRegion = "us-east-1") =>
        AwsParameters.Connect(_awsOptions ?? throw new InvalidOperationException("AWS parameters were not captured on the pipeline thread."),
            EmitDebug, fallbackRegion);
}

/// <summary>The AWS.Tools-style connection parameters turned into a connection, for every cmdlet that talks to AWS.</summary>
internal static class AwsParameters
{
    /// <summary>The options of the parameters; the profile path through the provider, so call on the pipeline thread.</summary>
    public static AwsOptions Options(PSCmdlet cmdlet, string? profileName, string? profilesLocation, string? region,
        string? accessKey, string? secretKey, string? sessionToken, string? endpointUrl) =>
        new(profileName, profilesLocation is null ? null : cmdlet.GetUnresolvedProviderPathFromPSPath(profilesLocation),
            region, accessKey, secretKey, sessionToken, endpointUrl);

    /// <summary>Resolves credentials and region in AWS's order; <paramref name="debug"/> hears where they came from, never their values.</summary>
    public static AwsConnection Connect(AwsOptions options, Action<string> debug, string fallbackRegion = "us-east-1")
    {
        var connection = AwsCredentialResolver.Resolve(options, fallbackRegion);
        debug(connection.Describe());
        return connection;
    }
}
