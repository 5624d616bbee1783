using System.Collections.ObjectModel;
using System.Management.Automation;
using BedrockCost.Core.Aws;

namespace BedrockCost.Abstractions;

/// <summary>
/// Base of every cmdlet that talks to AWS: the AWS.Tools connection parameters (-ProfileName, -ProfilesLocation,
/// -Region, -AccessKey, -SecretKey, -SessionToken, -EndpointUrl), declared once in <see cref="AwsParameters"/>
/// and offered in the parameter sets that reach AWS (<see cref="AwsParameterSets"/>): the S3, Cost Explorer and Athena
/// sets of the cost cmdlets, every set of the tag cmdlets. They are dynamic parameters because a C# attribute
/// cannot name the sets per cmdlet, and a declaration for every set would offer them next to -Path.
/// </summary>
public abstract class AwsCmdlet : AsyncCmdlet, IDynamicParameters
{
    protected const string S3Set = "S3";
    protected const string S3BucketSet = "S3Bucket";
    protected const string CostExplorerSet = "CostExplorer";
    protected const string AthenaSet = "Athena";

    /// <summary>The parameter sets that reach AWS; empty for every set.</summary>
    protected abstract IReadOnlyList<string> AwsParameterSets { get; }

    private RuntimeDefinedParameterDictionary? _awsParameters;
    private AwsOptions? _awsOptions;

    public object GetDynamicParameters() => _awsParameters ??= AwsParameters.Define(AwsParameterSets);

    /// <summary>Resolves credentials and region in AWS's order and says on Debug where they came from (never their values).</summary>
    protected async Task<AwsConnection> ConnectAwsAsync(string fallbackRegion = "us-east-1")
    {
        // The profile path goes through the provider: on the pipeline thread.
        _awsOptions ??= await InvokeOnPipelineAsync(() => AwsParameters.Options(this, _awsParameters)).ConfigureAwait(false);
        var connection = AwsCredentialResolver.Resolve(_awsOptions, fallbackRegion);
        EmitDebug(connection.Describe());
        return connection;
    }
}

/// <summary>The AWS.Tools-style connection parameters: their one declaration, and the options they give.</summary>
internal static class AwsParameters
{
    private static readonly (string Name, string[] Aliases)[] Declared =
    {
        (nameof(AwsOptions.ProfileName), new[] { "StoredCredentials", "AWSProfileName" }),
        (nameof(AwsOptions.ProfilesLocation), new[] { "AWSProfilesLocation", "ProfileLocation" }),
        (nameof(AwsOptions.Region), Array.Empty<string>()),
        (nameof(AwsOptions.AccessKey), new[] { "AK" }),
        (nameof(AwsOptions.SecretKey), new[] { "SK", "SecretAccessKey" }),
        (nameof(AwsOptions.SessionToken), new[] { "ST" }),
        (nameof(AwsOptions.EndpointUrl), Array.Empty<string>()),
    };

    /// <summary>The parameters, each in <paramref name="sets"/> (every set when empty).</summary>
    public static RuntimeDefinedParameterDictionary Define(IReadOnlyList<string> sets)
    {
        var parameters = new RuntimeDefinedParameterDictionary();
        foreach (var (name, aliases) in Declared)
        {
            var attributes = new Collection<Attribute>();
            if (sets.Count == 0) attributes.Add(new ParameterAttribute());
            foreach (var set in sets) attributes.Add(new ParameterAttribute { ParameterSetName = set });
            if (aliases.Length > 0) attributes.Add(new AliasAttribute(aliases));
            attributes.Add(new ValidateNotNullOrEmptyAttribute());
            parameters.Add(name, new RuntimeDefinedParameter(name, typeof(string), attributes));
        }
        return parameters;
    }

    /// <summary>The options of the parameters given; the profile path through the provider, so call on the pipeline thread.</summary>
    public static AwsOptions Options(PSCmdlet cmdlet, RuntimeDefinedParameterDictionary? parameters)
    {
        string? Value(string name) => parameters is not null && parameters.TryGetValue(name, out var p) && p.IsSet ? p.Value as string : null;
        var profilesLocation = Value(nameof(AwsOptions.ProfilesLocation));
        return new AwsOptions(
            Value(nameof(AwsOptions.ProfileName)),
            profilesLocation is null ? null : FileSystemPath.Unresolved(cmdlet, profilesLocation),
            Value(nameof(AwsOptions.Region)),
            Value(nameof(AwsOptions.AccessKey)),
            Value(nameof(AwsOptions.SecretKey)),
            Value(nameof(AwsOptions.SessionToken)),
            Value(nameof(AwsOptions.EndpointUrl)));
    }
}
