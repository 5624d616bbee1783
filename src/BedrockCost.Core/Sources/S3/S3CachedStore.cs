using BedrockCost.Core.Aws;

namespace BedrockCost.Core.Sources.S3;

/// <summary>
/// CUR exports in S3 (or an S3-compatible store), read through a <see cref="DownloadCache"/>: the objects a
/// query needs are downloaded whole (in parallel, with progress, keyed by ETag and size) before they are
/// opened, and then read from the local copy.
/// </summary>
public sealed class S3CachedStore : IObjectStore
{
    private readonly S3Bucket _bucket;
    private readonly DownloadCache _cache;

    /// <param name="cache">Where downloads go; null = a temporary folder deleted on Dispose (-NoCache).</param>
    public S3CachedStore(S3Location location, AwsConnection connection, DownloadCache? cache)
    {
        _bucket = new S3Bucket(location, connection);
        _cache = cache ?? DownloadCache.CreateTemporary();
    }

    public string Description => _bucket.Location.ToString();
    public string Identity => _bucket.Identity;
    public string CacheDirectory => _cache.Directory;
    internal S3Bucket Bucket => _bucket;
    internal DownloadCache Cache => _cache;

    public Task<IReadOnlyList<StoredObject>> ListAsync(IOperationContext ctx, CancellationToken ct) => _bucket.ListAsync(ctx, ct);

    public Task PrepareAsync(IReadOnlyList<StoredObject> objects, IOperationContext ctx, CancellationToken ct) =>
        _bucket.CallAsync(() => _cache.FetchAsync(Identity, objects, _bucket.GetAsync, ctx, ct), $"downloading from {Description}", ct);

    /// <summary>The local copy; an object not prepared (a manifest, or one evicted) is downloaded first, quietly.</summary>
    public async Task<Stream> OpenReadAsync(StoredObject obj, CancellationToken ct)
    {
        if (!_cache.Contains(Identity, obj))
            await _bucket.CallAsync(() => _cache.FetchAsync(Identity, new[] { obj }, _bucket.GetAsync, NullOperationContext.Instance, ct),
                $"reading s3://{_bucket.Location.Bucket}/{Printable.Of(obj.Key)}", ct).ConfigureAwait(false);
        return Files.LocalFileStore.OpenFile(_cache.PathFor(Identity, obj), obj.Key);
    }

    /// <summary>A cached copy that failed to parse is deleted, so the next open downloads it again.</summary>
    public Task<string?> EvictAsync(StoredObject obj, CancellationToken ct) => Task.FromResult(_cache.Evict(Identity, obj));

    public ExportLocation Locate(string exportRoot)
    {
        var uri = $"s3://{_bucket.Location.Bucket}/{exportRoot}";
        return new ExportLocation(uri, S3Uri: uri, LiteralPath: null);
    }

    public void Dispose()
    {
        _bucket.Dispose();
        _cache.Dispose();
    }
}
