namespace BedrockCost.Core.Sources;

/// <summary>
/// An object of a store's listing: a local file or an S3 object. <see cref="Key"/> uses '/' separators and is
/// what messages name; <see cref="ETag"/> (S3) or size and time (disk) identify the version.
/// </summary>
public sealed record StoredObject(string Key, long Size, DateTimeOffset LastModified, string? ETag = null);

/// <summary>Where a found export is, as the cost cmdlets take it back (-S3Uri or -LiteralPath), for Get-BedrockCostExport.</summary>
public sealed record ExportLocation(string Location, string? S3Uri, string? LiteralPath);

/// <summary>
/// Where CUR files live, as <see cref="CurSource"/> and the readers see it: a listing and a seekable read
/// stream per object. Local disk, S3 through the whole-object download cache, and S3 ranged reads are
/// interchangeable behind it; the readers only ever get a <see cref="Stream"/>.
/// </summary>
public interface IObjectStore : IDisposable
{
    /// <summary>Short text for messages: the paths given, or s3://bucket/prefix.</summary>
    string Description { get; }

    /// <summary>Names the store in file identities (the same key in two buckets or endpoints is two files).</summary>
    string Identity { get; }

    /// <summary>Every object under the location, listed once per call.</summary>
    Task<IReadOnlyList<StoredObject>> ListAsync(IOperationContext ctx, CancellationToken ct);

    /// <summary>
    /// Called once with the objects a query is about to open, before it opens them: a store that copies whole
    /// objects fetches them here (in parallel, with progress); others may do nothing.
    /// </summary>
    Task PrepareAsync(IReadOnlyList<StoredObject> objects, IOperationContext ctx, CancellationToken ct);

    /// <summary>Opens exactly the listed version of <paramref name="obj"/>; the stream can seek (Parquet reads its footer first).</summary>
    Task<Stream> OpenReadAsync(StoredObject obj, CancellationToken ct);

    /// <summary>Where the export whose root key is <paramref name="exportRoot"/> is, for the user.</summary>
    ExportLocation Locate(string exportRoot);

    /// <summary>
    /// Drops the local copy of <paramref name="obj"/> after its content failed to parse, so that the next open
    /// fetches it again. Returns where the copy was (for messages), or null when the store keeps no copy: then a
    /// second read would see the same bytes, and the caller does not retry.
    /// </summary>
    Task<string?> EvictAsync(StoredObject obj, CancellationToken ct) => Task.FromResult<string?>(null);
}

/// <summary>A store that can say what it transferred during a query (bytes fetched against object bytes), for -Verbose.</summary>
public interface IReportsTransfer
{
    void Report(IOperationContext ctx);
}
