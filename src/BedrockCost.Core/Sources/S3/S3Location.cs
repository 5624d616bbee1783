namespace BedrockCost.Core.Sources.S3;

/// <summary>An S3 location: a bucket and a key prefix ("" for the whole bucket).</summary>
public sealed record S3Location(string Bucket, string Prefix)
{
    public override string ToString() => $"s3://{Bucket}/{Prefix}";

    /// <summary>Parses s3://bucket[/prefix].</summary>
    public static S3Location Parse(string uri)
    {
        var text = uri?.Trim() ?? string.Empty;
        if (!text.StartsWith("s3://", StringComparison.OrdinalIgnoreCase) || text.Length <= 5)
            throw Invalid(uri, "it does not start with s3://bucket");
        var rest = text[5..];
        var slash = rest.IndexOf('/');
        return From(slash < 0 ? rest : rest[..slash], slash < 0 ? null : rest[(slash + 1)..], null);
    }

    /// <summary>From -Bucket, -Prefix and -ExportName.</summary>
    public static S3Location From(string bucket, string? prefix, string? exportName)
    {
        if (string.IsNullOrWhiteSpace(bucket) || bucket.Contains('/') || bucket.Any(char.IsWhiteSpace))
            throw Invalid(bucket, "the bucket name is empty or holds '/' or spaces");
        var parts = new[] { prefix, exportName }.Where(p => !string.IsNullOrEmpty(p)).Select(p => p!.Trim('/'));
        var joined = string.Join('/', parts.Where(p => p.Length > 0));
        if (!string.IsNullOrEmpty(exportName) || (prefix?.EndsWith('/') ?? false)) joined = joined.Length == 0 ? "" : joined + "/";
        return new S3Location(bucket, joined);
    }

    private static BedrockCostException Invalid(string? value, string why) =>
        new(ErrorIds.AwsInvalidParameter, ErrorKind.InvalidArgument, $"'{value}' is not an S3 location: {why}. Use s3://bucket/prefix/export-name.", value);
}
