using System.Reflection;
using BedrockCost.Core.Aws;
using Xunit;

namespace BedrockCost.Core.Tests;

/// <summary>
/// Credentials as AWS.Tools users have them: -Credential objects and $StoredAWSCredentials of AWS.Tools' own SDK copy
/// (stand-ins here that share no type with the module: only the shape AWS.Tools has), read by duck typing, in
/// AWS.Tools' order; $StoredAWSRegion after -Region.
/// </summary>
[Collection(nameof(EnvironmentCollection))]
public sealed class AwsToolsParityTests() : HermeticAwsEnvironment(
    "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = SECRETDEFAULT\n[billing]\naws_access_key_id = AKIDBILLING\naws_secret_access_key = SECRETBILLING\nregion = eu-west-1\n")
{
    /// <summary>The shape of an AWS.Tools AWSCredentials: GetCredentials() returning an object with AccessKey, SecretKey, Token.</summary>
    public sealed class ForeignCredential(string accessKey)
    {
        public int Calls { get; private set; }
        public ForeignImmutable GetCredentials() { Calls++; return new ForeignImmutable(accessKey + Calls, "SECRET-" + accessKey, "TOKEN-" + accessKey); }
    }

    public sealed record ForeignImmutable(string AccessKey, string SecretKey, string Token);

    /// <summary>The shape of AWS.Tools' AWSPSCredentials in $StoredAWSCredentials: internal Credentials and Name.</summary>
    public sealed class StoredWrapper(object credentials, string name)
    {
        internal object Credentials { get; } = credentials;
        internal string Name { get; } = name;
    }

    [Fact]
    public void A_foreign_credential_object_is_asked_for_its_keys_each_time()
    {
        var foreign = new ForeignCredential("AKIDTOOLS");
        var c = AwsCredentialResolver.Resolve(new AwsOptions(Credential: foreign));
        Assert.Equal("AKIDTOOLS1", c.Credentials.GetCredentials().AccessKey);
        Assert.Equal("TOKEN-AKIDTOOLS", c.Credentials.GetCredentials().Token);
        Assert.Equal(2, foreign.Calls);
        Assert.Equal("the -Credential parameter", c.CredentialSource);
        Assert.DoesNotContain("AKIDTOOLS", c.Describe());
    }

    [Fact]
    public void An_object_without_GetCredentials_is_refused_with_a_clear_error()
    {
        var e = Assert.Throws<BedrockCostException>(() => AwsCredentialResolver.Resolve(new AwsOptions(Credential: "not credentials")));
        Assert.Equal(ErrorIds.AwsInvalidParameter, e.ErrorId);
        Assert.Contains("AWSCredentials", e.Message);
    }

    [Fact]
    public void Credentials_follow_the_AWS_Tools_order()
    {
        var stored = new StoredWrapper(new ForeignCredential("AKIDSTORED"), "session-profile");
        var credential = new ForeignCredential("AKIDPARAM");
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "AKIDENV");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "SECRETENV");
        string Key(AwsOptions o) => AwsCredentialResolver.Resolve(o with { ProfilesLocation = CredentialsFile }).Credentials.GetCredentials().AccessKey;

        Assert.Equal("AKIDKEYS", Key(new AwsOptions(AccessKey: "AKIDKEYS", SecretKey: "S", ProfileName: "billing", Credential: credential, StoredCredentials: stored)));
        Assert.Equal("AKIDBILLING", Key(new AwsOptions(ProfileName: "billing", Credential: credential, StoredCredentials: stored)));
        Assert.StartsWith("AKIDPARAM", Key(new AwsOptions(Credential: credential, StoredCredentials: stored)));
        Assert.StartsWith("AKIDSTORED", Key(new AwsOptions(StoredCredentials: stored)));
        Assert.Contains("$StoredAWSCredentials (session-profile)", AwsCredentialResolver.Resolve(new AwsOptions(StoredCredentials: stored)).CredentialSource);
        // A profile name in the variable (a string) is a profile.
        Assert.Equal("AKIDBILLING", Key(new AwsOptions(StoredCredentials: "billing")));
        Assert.Equal(ErrorIds.AwsProfileNotFound, Assert.Throws<BedrockCostException>(() => Key(new AwsOptions(StoredCredentials: "nope"))).ErrorId);
        // Then the environment, then the default profile.
        Assert.Equal("AKIDENV", Key(new AwsOptions()));
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", null);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", null);
        Assert.Equal("AKIDDEFAULT", Key(new AwsOptions()));
    }

    [Fact]
    public void The_stored_region_comes_after_Region_and_before_the_environment()
    {
        Environment.SetEnvironmentVariable("AWS_REGION", "ap-south-1");
        var keys = new AwsOptions(AccessKey: "A", SecretKey: "S");
        Assert.Equal("eu-central-1", AwsCredentialResolver.Resolve(keys with { Region = "eu-central-1", StoredRegion = "us-west-2" }).Region);
        var stored = AwsCredentialResolver.Resolve(keys with { StoredRegion = "us-west-2" });
        Assert.Equal("us-west-2", stored.Region);
        Assert.Contains("$StoredAWSRegion", stored.RegionSource);
        Assert.Equal("ap-south-1", AwsCredentialResolver.Resolve(keys).Region);
        Assert.Equal(ErrorIds.AwsInvalidParameter, Assert.Throws<BedrockCostException>(() => AwsCredentialResolver.Resolve(keys with { StoredRegion = "not a region" })).ErrorId);
    }

    [Fact]
    public void Completion_lists_profiles_and_regions_without_their_contents()
    {
        var names = AwsCredentialResolver.ProfileNames(CredentialsFile);
        Assert.Equal(new[] { "billing", "default" }, names);
        Assert.Contains("eu-west-1", AwsCredentialResolver.RegionNames());
        Assert.Contains("us-east-1", AwsCredentialResolver.RegionNames());
    }

    [Fact]
    public void Every_error_id_has_a_recommended_action()
    {
        var ids = typeof(ErrorIds).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!);
        Assert.All(ids, id => Assert.False(string.IsNullOrWhiteSpace(ErrorAdvice.For(id)), $"{id} has no recommended action"));
    }
}
