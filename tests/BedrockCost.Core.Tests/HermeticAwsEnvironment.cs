namespace BedrockCost.Core.Tests;

/// <summary>Changes process environment variables: never run in parallel with other tests.</summary>
[Xunit.CollectionDefinition(nameof(EnvironmentCollection), DisableParallelization = true)]
public sealed class EnvironmentCollection { }

/// <summary>
/// A test's own AWS environment: the AWS_* variables cleared (and restored after), no user files, no instance
/// metadata probe, a shared credentials file of the test's text in a temporary folder.
/// </summary>
public abstract class HermeticAwsEnvironment : IDisposable
{
    private static readonly string[] Vars =
        { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
          "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_EC2_METADATA_DISABLED", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
          "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE" };
    private readonly Dictionary<string, string?> _saved = Vars.ToDictionary(v => v, Environment.GetEnvironmentVariable);

    protected HermeticAwsEnvironment(string credentials)
    {
        foreach (var v in Vars) Environment.SetEnvironmentVariable(v, null);
        Environment.SetEnvironmentVariable("AWS_CONFIG_FILE", Path.Combine(Dir, "config"));
        Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
        CredentialsFile = Path.Combine(Dir, "credentials");
        File.WriteAllText(CredentialsFile, credentials);
        Environment.SetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE", CredentialsFile);
    }

    protected string Dir { get; } = Directory.CreateTempSubdirectory("bc-aws-").FullName;
    protected string CredentialsFile { get; }

    public void Dispose()
    {
        foreach (var (k, v) in _saved) Environment.SetEnvironmentVariable(k, v);
        Directory.Delete(Dir, true);
        GC.SuppressFinalize(this);
    }
}
