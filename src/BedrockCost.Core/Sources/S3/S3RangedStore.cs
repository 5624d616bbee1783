using BedrockCost.Core.Aws;

namespace BedrockCost.Core.Sources.S3;

/// <summary>
/// CUR exports in S3 (or an S3-compatible store) read by ranges: a Parquet object is opened as a
/// <see cref="RangedObject"/> (its footer fetched with one ranged GET, then only the byte ranges the reader asks for:
/// the column chunks a query needs of the row groups that can hold Bedrock rows), and what was fetched stays in the
/// cache, so a rerun fetches nothing and a restated object (new ETag or size) is another cache entry. CSV and gzip
/// objects (and manifests) are downloaded whole, as the <see cref="S3CachedStore"/> does it.
/// </summary>
public sealed class S3RangedStore : IObjectStore, IReportsTransfer
{
    /// <summary>The tail fetched first: the footer's length and, mostly, the footer (a larger one costs one more request).</summary>
    public const int TailBytes = 64 << 10;

    private readonly S3CachedStore _whole;

    /// <param name="cache">Where downloads and ranges go; null = a temporary folder deleted on Dispose (-NoCache).</param>
    public S3RangedStore(S3Location location, AwsConnection connection, DownloadCache? cache) =>
        _whole = new S3CachedStore(location, connection, cache);

    public string Description => _whole.Description;
    public string Identity => _whole.Identity;
    public string CacheDirectory => _whole.CacheDirectory;
    public RangeTransfer Transfer { get; } = new();

    public Task<IReadOnlyList<StoredObject>> ListAsync(IOperationContext ctx, CancellationToken ct) => _whole.ListAsync(ctx, ct);

    private static bool IsParquet(StoredObject obj) => obj.Key.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase) && obj.Size > 0;

    /// <summary>CSV and gzip objects are downloaded whole now; Parquet objects are read by ranges when opened.</summary>
    public Task PrepareAsync(IReadOnlyList<StoredObject> objects, IOperationContext ctx, CancellationToken ct)
    {
        var whole = objects.Where(o => !IsParquet(o)).ToList();
        return whole.Count == 0 ? Task.CompletedTask : _whole.PrepareAsync(whole, ctx, ct);
    }

    public async Task<Stream> OpenReadAsync(StoredObject obj, CancellationToken ct)
    {
        if (!IsParquet(obj)) return await _whole.OpenReadAsync(obj, ct).ConfigureAwait(false);
        var bucket = _whole.Bucket;
        var ranged = new RangedObject(obj, _whole.Cache.RangeFolderFor(Identity, obj),
            (start, destination, token) => bucket.GetRangeAsync(obj, start, destination, token), Transfer);
        try
        {
            // The footer (and the magic number the engine checks first), before the reader asks for them.
            var tail = Math.Min(obj.Size, TailBytes);
            await ranged.PrefetchAsync([(obj.Size - tail, tail), (0, Math.Min(obj.Size, 4))], ct).ConfigureAwait(false);
            if (obj.Size >= 12)
            {
                // A footer longer than the tail: the rest of it, in one more request (its length is the reader's to check).
                var end = new byte[8];
                ranged.ReadExactly(obj.Size - 8, end);
                var footer = (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(end);
                var start = Math.Max(4, obj.Size - 8 - footer);
                if (start < obj.Size - tail) await ranged.PrefetchAsync([(start, obj.Size - tail - start)], ct).ConfigureAwait(false);
            }
            return ranged;
        }
        catch
        {
            await ranged.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A Parquet object that failed to parse: its cached ranges are dropped (a CSV object: its download), so the next read fetches again.</summary>
    public async Task<string?> EvictAsync(StoredObject obj, CancellationToken ct) =>
        IsParquet(obj) ? _whole.Cache.EvictRanges(Identity, obj) : await _whole.EvictAsync(obj, ct).ConfigureAwait(false);

    public void Report(IOperationContext ctx)
    {
        if (Transfer.Objects > 0) ctx.Verbose(Transfer.ToString());
    }

    public ExportLocation Locate(string exportRoot) => _whole.Locate(exportRoot);

    public void Dispose() => _whole.Dispose();
}
