using BedrockCost.Core.Sources;

namespace BedrockCost.Core.Cur;

/// <summary>The identity of a data file's bytes: its store, its key and its version.</summary>
public sealed record FileIdentity(string Store, string Key, string Version);

/// <summary>
/// A data file to read: an object of a store, with its billing period when the export layout gives it (null
/// for loose files, whose periods are read from the data).
/// </summary>
public sealed record CurDataFile(IObjectStore Store, StoredObject Object, string? BillingPeriod)
{
    /// <summary>How messages name the file (its key: a path, or an S3 key).</summary>
    public string DisplayName => Object.Key;

    /// <summary>Two files with the same identity are the same bytes (version: the ETag, else size and time).</summary>
    public FileIdentity Identity => new(Store.Identity, Object.Key,
        Object.ETag ?? $"{Object.Size}@{Object.LastModified.UtcTicks}");

    public Task<Stream> OpenAsync(CancellationToken ct) => Store.OpenReadAsync(Object, ct);
}
