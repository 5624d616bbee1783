namespace BedrockCost.Core.Aws;

/// <summary>
/// The AWS.Tools-style connection parameters of a cmdlet, as given (null = not given). Secrets travel in
/// here but are never written to any stream; <see cref="ToString"/> is overridden so that a stray
/// interpolation cannot leak them.
/// </summary>
public sealed record AwsOptions(
    string? ProfileName = null,
    string? ProfilesLocation = null,
    string? Region = null,
    string? AccessKey = null,
    string? SecretKey = null,
    string? SessionToken = null,
    string? EndpointUrl = null)
{
    public static readonly AwsOptions Default = new();

    public override string ToString() =>
        $"AwsOptions(Profile={ProfileName ?? "-"}, Region={Region ?? "-"}, Endpoint={EndpointUrl ?? "-"}, ExplicitKeys={AccessKey is not null})";
}
