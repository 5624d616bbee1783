using BedrockCost.Core;
using BedrockCost.Core.Aws;
using Xunit;

namespace BedrockCost.Core.Tests;

/// <summary>Changes process environment variables: never run in parallel with other tests.</summary>
[CollectionDefinition(nameof(EnvironmentCollection), DisableParallelization = true)]
public sealed class EnvironmentCollection { }

[Collection(nameof(EnvironmentCollection))]
public sealed class S3AwsResolverTests : IDisposable
{
    private static readonly string[] Vars =
        { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
          "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_EC2_METADATA_DISABLED", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
          "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE" };
    private readonly Dictionary<string, string?> _saved = Vars.ToDictionary(v => v, Environment.GetEnvironmentVariable);
    private readonly string _dir = Directory.CreateTempSubdirectory("bc-aws-").FullName;
    private readonly string _credentials;

    public S3AwsResolverTests()
    {
        foreach (var v in Vars) Environment.SetEnvironmentVariable(v, null);
        // Keep the test hermetic: no user files, no instance metadata probe.
        Environment.SetEnvironmentVariable("AWS_CONFIG_FILE", Path.Combine(_dir, "config"));
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
        _credentials = Path.Combine(_dir, "credentials");
        File.WriteAllText(_credentials, "[billing]\naws_access_key_id = AKIDBILLING\naws_secret_access_key = SECRETBILLING\nregion = eu-west-1\n");
        Environment.SetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE", _credentials);
    }

    public void Dispose()
    {
        foreach (var (k, v) in _saved) Environment.SetEnvironmentVariable(k, v);
        Directory.Delete(_dir, true);
    }

    [Fact]
    public void ExplicitKeysWinAndAreNeverDescribed()
    {
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "AKIDENV");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "SECRETENV");
        var c = AwsCredentialResolver.Resolve(new AwsOptions(AccessKey: "AKIDX", SecretKey: "SECRETX", SessionToken: "TOKENX", Region: "eu-central-1", ProfilesLocation: _credentials));
        var creds = c.Credentials.GetCredentials();
        Assert.Equal("AKIDX", creds.AccessKey);
        Assert.Equal("TOKENX", creds.Token);
        Assert.Equal("eu-central-1", c.Region);
        var text = c.Describe();
        Assert.Contains("-AccessKey/-SecretKey/-SessionToken", text);
        Assert.Contains("-Region", text);
        foreach (var secret in new[] { "AKIDX", "SECRETX", "TOKENX" }) Assert.DoesNotContain(secret, text);
        Assert.DoesNotContain("SECRETX", new AwsOptions(AccessKey: "AKIDX", SecretKey: "SECRETX").ToString());
    }

    [Fact]
    public void NamedProfileGivesCredentialsAndRegion()
    {
        var c = AwsCredentialResolver.Resolve(new AwsOptions(ProfileName: "billing", ProfilesLocation: _credentials));
        Assert.Equal("AKIDBILLING", c.Credentials.GetCredentials().AccessKey);
        Assert.Equal("eu-west-1", c.Region);
        Assert.Contains("profile 'billing'", c.Describe());
        Assert.DoesNotContain("SECRETBILLING", c.Describe());
    }

    [Fact]
    public void EnvironmentRegionBeatsProfileRegion()
    {
        Environment.SetEnvironmentVariable("AWS_REGION", "ap-northeast-1");
        var c = AwsCredentialResolver.Resolve(new AwsOptions(ProfileName: "billing", ProfilesLocation: _credentials));
        Assert.Equal("ap-northeast-1", c.Region);
        Assert.Contains("AWS_REGION", c.RegionSource);
    }

    [Fact]
    public void MissingProfileIsAClearError()
    {
        var e = Assert.Throws<BedrockCostException>(() => AwsCredentialResolver.Resolve(new AwsOptions(ProfileName: "nope", ProfilesLocation: _credentials)));
        Assert.Equal(ErrorIds.AwsProfileNotFound, e.ErrorId);
    }

    [Fact]
    public void EnvironmentBeatsDefaultProfile()
    {
        File.AppendAllText(_credentials, "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = SECRETDEFAULT\n");
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "AKIDENV");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "SECRETENV");
        var c = AwsCredentialResolver.Resolve(AwsOptions.Default);
        Assert.Equal("AKIDENV", c.Credentials.GetCredentials().AccessKey);
        Assert.Contains("environment variables", c.CredentialSource);
        Assert.Equal("us-east-1", c.Region);

        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", null);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", null);
        c = AwsCredentialResolver.Resolve(new AwsOptions(ProfilesLocation: _credentials));
        Assert.Equal("AKIDDEFAULT", c.Credentials.GetCredentials().AccessKey);
        Assert.Contains("profile 'default'", c.CredentialSource);

        Environment.SetEnvironmentVariable("AWS_PROFILE", "billing");
        c = AwsCredentialResolver.Resolve(new AwsOptions(ProfilesLocation: _credentials));
        Assert.Equal("AKIDBILLING", c.Credentials.GetCredentials().AccessKey);
        Assert.Contains("AWS_PROFILE", c.CredentialSource);
        Assert.Equal("eu-west-1", c.Region);
    }

    [Fact]
    public void NothingResolvesIsAClearError()
    {
        var empty = Path.Combine(_dir, "empty");
        File.WriteAllText(empty, "");
        Environment.SetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE", empty);
        var e = Assert.Throws<BedrockCostException>(() => AwsCredentialResolver.Resolve(new AwsOptions(ProfilesLocation: empty)));
        Assert.Equal(ErrorIds.AwsCredentialsNotFound, e.ErrorId);
    }

    [Fact]
    public void HalfAKeyPairAndBadRegionAreArgumentErrors()
    {
        Assert.Equal(ErrorIds.AwsInvalidParameter,
            Assert.Throws<BedrockCostException>(() => AwsCredentialResolver.Resolve(new AwsOptions(AccessKey: "AKID"))).ErrorId);
        Assert.Equal(ErrorIds.AwsInvalidParameter,
            Assert.Throws<BedrockCostException>(() => AwsCredentialResolver.Resolve(new AwsOptions(AccessKey: "A", SecretKey: "B", Region: "Moon Base"))).ErrorId);
    }
}
