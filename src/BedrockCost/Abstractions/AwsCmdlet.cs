using System.Collections.ObjectModel;
using System.Management.Automation;
using BedrockCost.Completers;
using BedrockCost.Core.Aws;

namespace BedrockCost.Abstractions;

/// <summary>
/// Base of every cmdlet that talks to AWS: the AWS.Tools connection parameters (-ProfileName, -ProfilesLocation,
/// -Region, -AccessKey, -SecretKey, -SessionToken, -Credential, -EndpointUrl), declared once in <see cref="AwsParameters"/>
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
    private AwsConnection? _connection;

    public object GetDynamicParameters() => _awsParameters ??= AwsParameters.Define(AwsParameterSets);

    /// <summary>
    /// Resolves credentials and region in AWS.Tools' order (once per command) and says on Debug where they came
    /// from (never their values).
    /// </summary>
    protected async Task<AwsConnection> ConnectAwsAsync(string fallbackRegion = "us-east-1")
    {
        if (_connection is not null) return _connection;
        // The profile path goes through the provider, the stored credentials through the session: on the pipeline thread.
        _awsOptions ??= await InvokeOnPipelineAsync(() => AwsParameters.Options(this, _awsParameters)).ConfigureAwait(false);
        _connection = AwsCredentialResolver.Resolve(_awsOptions, fallbackRegion);
        EmitDebug(_connection.Describe());
        return _connection;
    }
}

/// <summary>The AWS.Tools-style connection parameters: their one declaration, and the options they give.</summary>
internal static class AwsParameters
{
    /// <summary>The session variables AWS.Tools' Set-AWSCredential and Set-DefaultAWSRegion leave.</summary>
    public const string StoredCredentialsVariable = "StoredAWSCredentials";
    public const string StoredRegionVariable = "StoredAWSRegion";

    // -Credential takes AWS.Tools' AWSCredentials, a type of another SDK copy in another load context: the parameter
    // is an object and the core reads it by duck typing (keeping third-party types off the parameters).
    private static readonly (string Name, Type Type, string[] Aliases, Type? Completer)[] Declared =
    {
        (nameof(AwsOptions.ProfileName), typeof(string), new[] { "StoredCredentials", "AWSProfileName" }, typeof(ProfileNameCompleter)),
        (nameof(AwsOptions.ProfilesLocation), typeof(string), new[] { "AWSProfilesLocation", "ProfileLocation" }, null),
        (nameof(AwsOptions.Region), typeof(string), Array.Empty<string>(), typeof(RegionCompleter)),
        (nameof(AwsOptions.AccessKey), typeof(string), new[] { "AK" }, null),
        (nameof(AwsOptions.SecretKey), typeof(string), new[] { "SK", "SecretAccessKey" }, null),
        (nameof(AwsOptions.SessionToken), typeof(string), new[] { "ST" }, null),
        (nameof(AwsOptions.Credential), typeof(object), Array.Empty<string>(), null),
        (nameof(AwsOptions.EndpointUrl), typeof(string), Array.Empty<string>(), null),
    };

    /// <summary>The parameters, each in <paramref name="sets"/> (every set when empty).</summary>
    public static RuntimeDefinedParameterDictionary Define(IReadOnlyList<string> sets)
    {
        var parameters = new RuntimeDefinedParameterDictionary();
        foreach (var (name, type, aliases, completer) in Declared)
        {
            var attributes = new Collection<Attribute>();
            if (sets.Count == 0) attributes.Add(new ParameterAttribute());
            foreach (var set in sets) attributes.Add(new ParameterAttribute { ParameterSetName = set });
            if (aliases.Length > 0) attributes.Add(new AliasAttribute(aliases));
            if (completer is not null) attributes.Add(new ArgumentCompleterAttribute(completer));
            attributes.Add(type == typeof(string) ? new ValidateNotNullOrEmptyAttribute() : new ValidateNotNullAttribute());
            parameters.Add(name, new RuntimeDefinedParameter(name, type, attributes));
        }
        return parameters;
    }

    /// <summary>
    /// The options of the parameters given and of the session's stored credentials and region; the profile path
    /// through the provider and the session state: call on the pipeline thread.
    /// </summary>
    public static AwsOptions Options(PSCmdlet cmdlet, RuntimeDefinedParameterDictionary? parameters)
    {
        object? Raw(string name) => parameters is not null && parameters.TryGetValue(name, out var p) && p.IsSet ? Unwrap(p.Value) : null;
        string? Value(string name) => Raw(name) as string;
        var profilesLocation = Value(nameof(AwsOptions.ProfilesLocation));
        return new AwsOptions(
            Value(nameof(AwsOptions.ProfileName)),
            profilesLocation is null ? null : FileSystemPath.Unresolved(cmdlet, profilesLocation),
            Value(nameof(AwsOptions.Region)),
            Value(nameof(AwsOptions.AccessKey)),
            Value(nameof(AwsOptions.SecretKey)),
            Value(nameof(AwsOptions.SessionToken)),
            Value(nameof(AwsOptions.EndpointUrl)),
            Raw(nameof(AwsOptions.Credential)),
            Unwrap(cmdlet.SessionState.PSVariable.GetValue(StoredCredentialsVariable)),
            Unwrap(cmdlet.SessionState.PSVariable.GetValue(StoredRegionVariable)) as string);
    }

    private static object? Unwrap(object? value) => value is PSObject pso ? pso.BaseObject : value;
}
