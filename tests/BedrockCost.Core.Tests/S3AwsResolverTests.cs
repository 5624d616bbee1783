using BedrockCost.Core;
using BedrockCost.Core.Aws;
using Xunit;

namespace BedrockCost.Core.Tests;

[Collection(nameof(EnvironmentCollection))]
public sealed class S3AwsResolverTests() : HermeticAwsEnvironment("[billing]\naws_access_key_id = AKIDBILLING\naws_secret_access_key = SECRETBILLING\nregion = eu-west-1\n")
{
    [Fact]
    public void ExplicitKeysWinAndAreNeverDescribed()
    {
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "AKIDENV");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "SECRETENV");
        var c = AwsCredentialResolver.Resolve(new AwsOptions(AccessKey: "AKIDX", SecretKey: "SECRETX", SessionToken: "TOKENX", Region: "eu-central-1", ProfilesLocation: CredentialsFile));
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
        var c = AwsCredentialResolver.Resolve(new AwsOptions(ProfileName: "billing", ProfilesLocation: CredentialsFile));
        Assert.Equal("AKIDBILLING", c.Credentials.GetCredentials().AccessKey);
        Assert.Equal("eu-west-1", c.Region);
        Assert.Contains("profile 'billing'", c.Describe());
        Assert.DoesNotContain("SECRETBILLING", c.Describe());
    }

    [Fact]
    public void EnvironmentRegionBeatsProfileRegion()
    {
        Environment.SetEnvironmentVariable("AWS_REGION", "ap-northeast-1");
        var c = AwsCredentialResolver.Resolve(new AwsOptions(ProfileName: "billing", ProfilesLocation: CredentialsFile));
        Assert.Equal("ap-northeast-1", c.Region);
        Assert.Contains("AWS_REGION", c.RegionSource);
    }

    [Fact]
    public void MissingProfileIsAClearError()
    {
        var e = Assert.Throws<BedrockCostException>(() => AwsCredentialResolver.Resolve(new AwsOptions(ProfileName: "nope", ProfilesLocation: CredentialsFile)));
        Assert.Equal(ErrorIds.AwsProfileNotFound, e.ErrorId);
    }

    [Fact]
    public void EnvironmentBeatsDefaultProfile()
    {
        File.AppendAllText(CredentialsFile, "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = SECRETDEFAULT\n");
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "AKIDENV");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "SECRETENV");
        var c = AwsCredentialResolver.Resolve(AwsOptions.Default);
        Assert.Equal("AKIDENV", c.Credentials.GetCredentials().AccessKey);
        Assert.Contains("environment variables", c.CredentialSource);
        Assert.Equal("us-east-1", c.Region);

        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", null);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", null);
        c = AwsCredentialResolver.Resolve(new AwsOptions(ProfilesLocation: CredentialsFile));
        Assert.Equal("AKIDDEFAULT", c.Credentials.GetCredentials().AccessKey);
        Assert.Contains("profile 'default'", c.CredentialSource);

        Environment.SetEnvironmentVariable("AWS_PROFILE", "billing");
        c = AwsCredentialResolver.Resolve(new AwsOptions(ProfilesLocation: CredentialsFile));
        Assert.Equal("AKIDBILLING", c.Credentials.GetCredentials().AccessKey);
        Assert.Contains("AWS_PROFILE", c.CredentialSource);
        Assert.Equal("eu-west-1", c.Region);
    }

    [Fact]
    public void NothingResolvesIsAClearError()
    {
        var empty = Path.Combine(Dir, "empty");
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
