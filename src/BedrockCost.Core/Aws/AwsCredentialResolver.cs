using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Credentials;

namespace BedrockCost.Core.Aws;

/// <summary>Credentials and region resolved for one command, plus where they came from (never the values).</summary>
public sealed class AwsConnection
{
    internal AwsConnection(AWSCredentials credentials, string region, string credentialSource, string regionSource, string? endpointUrl)
    {
        Credentials = credentials;
        Region = region;
        CredentialSource = credentialSource;
        RegionSource = regionSource;
        EndpointUrl = endpointUrl;
    }

    /// <summary>SDK credentials; stays inside the core (never on a cmdlet surface).</summary>
    public AWSCredentials Credentials { get; }
    /// <summary>Region system name, for example "us-east-1".</summary>
    public string Region { get; }
    public RegionEndpoint RegionEndpoint => RegionEndpoint.GetBySystemName(Region);
    public string CredentialSource { get; }
    public string RegionSource { get; }
    /// <summary>An S3-compatible (or other custom) endpoint, when one was given.</summary>
    public string? EndpointUrl { get; }

    /// <summary>One line for the Debug stream: where credentials and region came from, no values.</summary>
    public string Describe() =>
        $"AWS credentials from {CredentialSource}; region {Region} from {RegionSource}" +
        (EndpointUrl is null ? "." : $"; endpoint {EndpointUrl}.");

    /// <summary>Applies the SDK settings every client of the module uses: region or endpoint, retries with backoff.</summary>
    public void Configure(ClientConfig config)
    {
        if (EndpointUrl is not null)
        {
            config.ServiceURL = EndpointUrl;
            config.AuthenticationRegion = Region;
        }
        else config.RegionEndpoint = RegionEndpoint;
        // Standard retry mode: exponential backoff with jitter for throttling and transient errors.
        config.RetryMode = RequestRetryMode.Standard;
        config.MaxErrorRetry = AwsCredentialResolver.MaxRetries;
    }
}

/// <summary>
/// Resolves credentials and region the way AWS.Tools does (its TryGetCredentials / TryGetRegion order).
/// Credentials: explicit keys (with session token); a named profile (a missing one is an error); the
/// -Credential object; the session's $StoredAWSCredentials (Set-AWSCredential); environment variables; the
/// AWS_PROFILE or "default" profile; the SDK's default chain (web identity, SSO, container or instance role).
/// Region: -Region; the session's $StoredAWSRegion (Set-DefaultAWSRegion); AWS_REGION / AWS_DEFAULT_REGION; the
/// profile's region; the SDK fallback (instance metadata); else <c>fallbackRegion</c>. Used by every AWS client
/// of the module (S3 exports, Cost Explorer).
/// </summary>
public static class AwsCredentialResolver
{
    /// <summary>Retries after the first attempt (throttling and transient failures), with backoff.</summary>
    public const int MaxRetries = 5;

    /// <param name="options">The parameters as given.</param>
    /// <param name="fallbackRegion">Region when nothing names one (S3 uses us-east-1, the global default).</param>
    /// <exception cref="BedrockCostException">AwsProfileNotFound, AwsCredentialsNotFound, AwsInvalidParameter.</exception>
    public static AwsConnection Resolve(AwsOptions options, string fallbackRegion = "us-east-1")
    {
        ArgumentNullException.ThrowIfNull(options);
        var endpoint = NormalizeEndpoint(options.EndpointUrl);
        var chain = string.IsNullOrEmpty(options.ProfilesLocation) ? new CredentialProfileStoreChain() : new CredentialProfileStoreChain(options.ProfilesLocation);
        CredentialProfile? profile = null;
        var (credentials, credentialSource) = ResolveCredentials(options, chain, ref profile);
        var (region, regionSource) = ResolveRegion(options, profile, endpoint is not null, fallbackRegion);
        return new AwsConnection(credentials, region, credentialSource, regionSource, endpoint);
    }

    private static (AWSCredentials, string) ResolveCredentials(AwsOptions o, CredentialProfileStoreChain chain, ref CredentialProfile? profile)
    {
        if (!string.IsNullOrEmpty(o.AccessKey) || !string.IsNullOrEmpty(o.SecretKey))
        {
            if (string.IsNullOrEmpty(o.AccessKey) || string.IsNullOrEmpty(o.SecretKey))
                throw new BedrockCostException(ErrorIds.AwsInvalidParameter, ErrorKind.InvalidArgument,
                    "-AccessKey and -SecretKey must be given together.", "AccessKey");
            return string.IsNullOrEmpty(o.SessionToken)
                ? (new BasicAWSCredentials(o.AccessKey, o.SecretKey), "the -AccessKey/-SecretKey parameters")
                : (new SessionAWSCredentials(o.AccessKey, o.SecretKey, o.SessionToken), "the -AccessKey/-SecretKey/-SessionToken parameters");
        }

        var where = string.IsNullOrEmpty(o.ProfilesLocation) ? "the shared credentials and config files" : $"'{o.ProfilesLocation}'";
        if (!string.IsNullOrEmpty(o.ProfileName))
        {
            if (!chain.TryGetProfile(o.ProfileName, out profile))
                throw new BedrockCostException(ErrorIds.AwsProfileNotFound, ErrorKind.NotFound,
                    $"The AWS profile '{o.ProfileName}' was not found in {where}. List profiles with 'aws configure list-profiles' or Get-AWSCredential -ListProfileDetail.",
                    o.ProfileName);
            return (FromProfile(profile, chain), $"profile '{o.ProfileName}' ({where})");
        }

        if (o.Credential is not null)
            return (ForeignCredentials.From(o.Credential, "-Credential"), "the -Credential parameter");

        if (o.StoredCredentials is not null)
        {
            // Set-AWSCredential -ProfileName stores an object naming the profile and holding its credentials; a
            // string is taken as a profile name.
            if (o.StoredCredentials is string storedProfile)
            {
                if (!chain.TryGetProfile(storedProfile, out profile))
                    throw new BedrockCostException(ErrorIds.AwsProfileNotFound, ErrorKind.NotFound,
                        $"$StoredAWSCredentials names the AWS profile '{storedProfile}', which is not in {where}. Run Set-AWSCredential again or Clear-AWSCredential.",
                        storedProfile);
                return (FromProfile(profile, chain), $"$StoredAWSCredentials (profile '{storedProfile}')");
            }
            var (stored, name) = ForeignCredentials.FromStored(o.StoredCredentials);
            return (stored, $"$StoredAWSCredentials ({name ?? "Set-AWSCredential"})");
        }

        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(EnvironmentVariablesAWSCredentials.ENVIRONMENT_VARIABLE_ACCESSKEY)))
        {
            try { return (new EnvironmentVariablesAWSCredentials(), "environment variables (AWS_ACCESS_KEY_ID)"); }
            catch (InvalidOperationException) { /* incomplete: fall through, as the SDK does */ }
        }

        var envProfile = Environment.GetEnvironmentVariable("AWS_PROFILE");
        var defaultName = string.IsNullOrEmpty(envProfile) ? "default" : envProfile;
        if (chain.TryGetProfile(defaultName, out profile))
            return (FromProfile(profile, chain), $"profile '{defaultName}'{(string.IsNullOrEmpty(envProfile) ? "" : " (AWS_PROFILE)")} ({where})");
        profile = null;

        try
        {
            using var resolver = new DefaultAWSCredentialsIdentityResolver();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var creds = resolver.ResolveIdentity(null, cts.Token);
            if (creds is not null) return (creds, $"the SDK default chain ({creds.GetType().Name})");
        }
        catch (Exception e) when (e is AmazonClientException or InvalidOperationException or OperationCanceledException) { }
        throw new BedrockCostException(ErrorIds.AwsCredentialsNotFound, ErrorKind.PermissionDenied,
            "No AWS credentials found. Pass -ProfileName (or -AccessKey/-SecretKey), set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE, " +
            "configure a default profile ('aws configure'), or run with an instance or container role.", null);
    }

    private static AWSCredentials FromProfile(CredentialProfile profile, CredentialProfileStoreChain chain)
    {
        try
        {
            return AWSCredentialsFactory.GetAWSCredentials(profile, chain);
        }
        catch (Exception e) when (e is InvalidOperationException or AmazonClientException or ArgumentException)
        {
            throw new BedrockCostException(ErrorIds.AwsCredentialsNotFound, ErrorKind.InvalidArgument,
                $"The AWS profile '{profile.Name}' cannot provide credentials: {e.Message}", profile.Name, e);
        }
    }

    private static (string, string) ResolveRegion(AwsOptions o, CredentialProfile? profile, bool customEndpoint, string fallback)
    {
        if (!string.IsNullOrWhiteSpace(o.Region)) return (Validate(o.Region.Trim()), "the -Region parameter");
        if (!string.IsNullOrWhiteSpace(o.StoredRegion)) return (Validate(o.StoredRegion.Trim()), "$StoredAWSRegion (Set-DefaultAWSRegion)");
        foreach (var name in new[] { "AWS_REGION", "AWS_DEFAULT_REGION" })
            if (Environment.GetEnvironmentVariable(name) is { Length: > 0 } env) return (Validate(env.Trim()), $"the {name} environment variable");
        if (profile?.Region is { } pr) return (pr.SystemName, $"profile '{profile.Name}'");
        // Instance metadata is only worth probing against real AWS; a custom endpoint does not care.
        if (!customEndpoint)
        {
            try
            {
                if (FallbackRegionFactory.GetRegionEndpoint(false) is { } r) return (r.SystemName, "the SDK region fallback (instance metadata)");
            }
            catch (Exception e) when (e is AmazonClientException or InvalidOperationException) { }
        }
        return (fallback, "the default (no region configured)");
    }

    /// <summary>The region codes the SDK knows (us-east-1...), for tab completion.</summary>
    public static IReadOnlyList<string> RegionNames() =>
        RegionEndpoint.EnumerableAllRegions.Select(r => r.SystemName).Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// The profile names of the shared credentials and config files (AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE
    /// honoured), or of <paramref name="profilesLocation"/>, for tab completion; never their contents.
    /// </summary>
    public static IReadOnlyList<string> ProfileNames(string? profilesLocation = null)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        var chain = string.IsNullOrEmpty(profilesLocation) ? new CredentialProfileStoreChain() : new CredentialProfileStoreChain(profilesLocation);
        try { names.UnionWith(chain.ListProfiles().Select(p => p.Name)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or AmazonClientException) { }
        // The SDK lists the profiles that hold credentials; the config file's other profiles ([profile name] with a
        // region or a role) are profiles too, as 'aws configure list-profiles' shows them.
        if (string.IsNullOrEmpty(profilesLocation))
        {
            var config = Environment.GetEnvironmentVariable("AWS_CONFIG_FILE") is { Length: > 0 } c ? c
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".aws", "config");
            try
            {
                if (File.Exists(config))
                    foreach (var line in File.ReadLines(config))
                        if (System.Text.RegularExpressions.Regex.Match(line.Trim(), @"^\[(?:profile\s+)?([^\]\s]+)\]$") is { Success: true } m)
                            names.Add(m.Groups[1].Value);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return names.ToList();
    }

    private static string Validate(string region)
    {
        if (!System.Text.RegularExpressions.Regex.IsMatch(region, @"^[a-z]{2}(-[a-z0-9]+){2,3}$"))
            throw new BedrockCostException(ErrorIds.AwsInvalidParameter, ErrorKind.InvalidArgument,
                $"'{region}' is not an AWS region name (for example us-east-1).", region);
        return region;
    }

    private static string? NormalizeEndpoint(string? url)
    {
        if (string.IsNullOrWhiteSpace(url)) return null;
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new BedrockCostException(ErrorIds.AwsInvalidParameter, ErrorKind.InvalidArgument,
                $"-EndpointUrl '{url}' is not an http(s) URL.", url);
        return uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
    }
}
