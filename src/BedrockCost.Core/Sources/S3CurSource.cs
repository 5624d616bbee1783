using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using BedrockCost.Core.Aws;

namespace BedrockCost.Core.Sources;

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
        new(AwsErrorIds.AwsInvalidParameter, ErrorKind.InvalidArgument, $"'{value}' is not an S3 location: {why}. Use s3://bucket/prefix/export-name.", value);
}

/// <summary>
/// CUR 2.0 exports in S3 (or an S3-compatible store): lists the location, reads manifests, and downloads
/// the chosen data files into a <see cref="DownloadCache"/> before the local readers run.
/// </summary>
public sealed class S3CurSource : CurSource, IDisposable
{
    private readonly S3Location _location;
    private readonly AwsConnection _connection;
    private readonly IAmazonS3 _s3;
    private readonly DownloadCache _cache;

    /// <param name="cache">Where downloads go; null = a temporary folder deleted on Dispose (-NoCache).</param>
    public S3CurSource(S3Location location, AwsConnection connection, DownloadCache? cache)
    {
        _location = location;
        _connection = connection;
        _cache = cache ?? DownloadCache.CreateTemporary();
        var config = new AmazonS3Config();
        connection.Configure(config);
        if (connection.EndpointUrl is not null) config.ForcePathStyle = true;
        _s3 = new AmazonS3Client(connection.Credentials, config);
    }

    public override string Description => _location.ToString();
    public S3Location Location => _location;
    public string CacheDirectory => _cache.Directory;

    protected override async Task<IReadOnlyList<StoredObject>> ListAsync(IOperationContext ctx, CancellationToken ct)
    {
        var prefix = _location.Prefix.TrimStart('/');
        // Inside an export (".../EXPORT/data/BILLING_PERIOD=..."): list from the export root so that the
        // layout and the manifests are seen, and keep only the data files under the prefix given.
        var at = ("/" + prefix).IndexOf("/data/", StringComparison.OrdinalIgnoreCase);
        if (at < 0 && ("/" + prefix.TrimEnd('/')).EndsWith("/data", StringComparison.OrdinalIgnoreCase)) at = ("/" + prefix.TrimEnd('/')).Length - 5;
        var listFrom = at >= 0 ? prefix[..at] : prefix.Length == 0 || prefix.EndsWith('/') ? prefix : prefix + "/";
        var objects = await ListPrefixAsync(listFrom, ctx, ct).ConfigureAwait(false);
        if (at >= 0) objects = objects.Where(o => !ExportLayout.IsDataFile(o.Key) || o.Key.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        else if (objects.Count == 0 && prefix.Length > 0 && !prefix.EndsWith('/'))
            objects = (await ListPrefixAsync(prefix, ctx, ct).ConfigureAwait(false)).Where(o => o.Key == prefix).ToList();
        ctx.Debug($"Listed {objects.Count} object(s) under s3://{_location.Bucket}/{listFrom}");
        return objects;
    }

    private async Task<List<StoredObject>> ListPrefixAsync(string prefix, IOperationContext ctx, CancellationToken ct)
    {
        var objects = new List<StoredObject>();
        var request = new ListObjectsV2Request { BucketName = _location.Bucket, Prefix = prefix.Length == 0 ? null : prefix };
        do
        {
            var response = await Call(() => _s3.ListObjectsV2Async(request, ct), $"listing s3://{_location.Bucket}/{prefix}", ct).ConfigureAwait(false);
            foreach (var o in response.S3Objects ?? new List<S3Object>())
                if (!o.Key.EndsWith('/'))
                    objects.Add(new StoredObject(o.Key, o.Size ?? 0, o.LastModified is { } lm ? new DateTimeOffset(DateTime.SpecifyKind(lm, lm.Kind == DateTimeKind.Unspecified ? DateTimeKind.Utc : lm.Kind)) : default, o.ETag?.Trim('"')));
            request.ContinuationToken = response.NextContinuationToken;
            if (response.IsTruncated == true) ctx.Debug($"Listed {objects.Count} object(s) so far under s3://{_location.Bucket}/{prefix}");
            if (response.IsTruncated != true) break;
        } while (!string.IsNullOrEmpty(request.ContinuationToken));
        return objects;
    }

    protected override async Task<Stream> OpenAsync(StoredObject obj, CancellationToken ct)
    {
        // Manifests are small: read them whole so a network failure surfaces here, mapped.
        var buffer = new MemoryStream();
        await Call(async () =>
        {
            using var response = await _s3.GetObjectAsync(_location.Bucket, obj.Key, ct).ConfigureAwait(false);
            await response.ResponseStream.CopyToAsync(buffer, ct).ConfigureAwait(false);
            return 0;
        }, $"reading s3://{_location.Bucket}/{obj.Key}", ct).ConfigureAwait(false);
        buffer.Position = 0;
        return buffer;
    }

    protected override Task<IReadOnlyList<string>> MaterializeAsync(IReadOnlyList<StoredObject> objects, IOperationContext ctx, CancellationToken ct) =>
        Call(() => _cache.FetchAsync(_location.Bucket, objects, OpenObjectAsync, ctx, ct), $"downloading from {Description}", ct);

    private async Task<Stream> OpenObjectAsync(StoredObject obj, CancellationToken ct)
    {
        var request = new GetObjectRequest { BucketName = _location.Bucket, Key = obj.Key };
        // The cache key is the listed ETag: only accept that version of the object.
        if (!string.IsNullOrEmpty(obj.ETag)) request.EtagToMatch = $"\"{obj.ETag}\"";
        var response = await _s3.GetObjectAsync(request, ct).ConfigureAwait(false);
        return response.ResponseStream;
    }

    private async Task<T> Call<T>(Func<Task<T>> action, string what, CancellationToken ct)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException e)
        {
            throw AwsErrors.Map(new TimeoutException("The request timed out.", e), what, Description, _connection.Region);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0 && e.InnerExceptions.All(x => x is not OperationCanceledException))
        {
            throw AwsErrors.Map(e.InnerExceptions[0], what, Description, _connection.Region);
        }
        catch (Exception e) when (e is not BedrockCostException && AwsErrors.IsAwsFailure(e))
        {
            var mapped = AwsErrors.Map(e, what, Description, _connection.Region);
            // A version changed between listing and download (EtagToMatch): the export is being refreshed.
            if (e is AmazonS3Exception { StatusCode: System.Net.HttpStatusCode.PreconditionFailed })
                mapped = new BedrockCostException(AwsErrorIds.S3ObjectNotFound, ErrorKind.ResourceUnavailable,
                    $"An object changed while it was being read ({what}); the export is being refreshed. Run the command again.", Description, e);
            throw mapped;
        }
    }

    public void Dispose()
    {
        _s3.Dispose();
        _cache.Dispose();
    }
}
