namespace BedrockCost.Core.Aws;

/// <summary>
/// The AWS.Tools-style connection parameters of a cmdlet, as given (null = not given), and the session's
/// $StoredAWSCredentials / $StoredAWSRegion (left by AWS.Tools' Set-AWSCredential / Set-DefaultAWSRegion).
/// <see cref="Credential"/> and <see cref="StoredCredentials"/> are objects of AWS.Tools' own SDK, in another
/// load context: they are read by duck typing (<see cref="ForeignCredentials"/>). Secrets travel in here but are
/// never written to any stream; <see cref="ToString"/> is overridden so that a stray interpolation cannot leak them.
/// </summary>
public sealed record AwsOptions(
    string? ProfileName = null,
    string? ProfilesLocation = null,
    string? Region = null,
    string? AccessKey = null,
    string? SecretKey = null,
    string? SessionToken = null,
    string? EndpointUrl = null,
    object? Credential = null,
    object? StoredCredentials = null,
    string? StoredRegion = null)
{
    public static readonly AwsOptions Default = new();

    public override string ToString() =>
        $"AwsOptions(Profile={ProfileName ?? "-"}, Region={Region ?? "-"}, Endpoint={EndpointUrl ?? "-"}, ExplicitKeys={AccessKey is not null}, " +
        $"Credential={Credential is not null}, Stored={StoredCredentials is not null})";
}
