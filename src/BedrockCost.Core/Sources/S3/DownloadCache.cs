using System.Diagnostics;

namespace BedrockCost.Core.Sources.S3;

/// <summary>
/// A folder of downloaded objects keyed by location, key, ETag and size: an unchanged object is never
/// downloaded twice, a restated one (new ETag) is. Files land under a temporary name in the same folder
/// and are renamed into place only when complete, so an interrupted download never leaves a usable-looking
/// partial file.
/// </summary>
public sealed class DownloadCache : IDisposable
{
    /// <summary>Downloads running at once.</summary>
    public const int Parallelism = 4;
    private const int ProgressActivityId = 0x5303;
    private readonly bool _temporary;

    /// <param name="directory">The cache folder (created when needed).</param>
    /// <param name="temporary">True for a throw-away folder (-NoCache), deleted on Dispose.</param>
    public DownloadCache(string directory, bool temporary = false)
    {
        Directory = System.IO.Path.GetFullPath(directory);
        _temporary = temporary;
    }

    public string Directory { get; }

    /// <summary>A cache in a new temporary folder, deleted on Dispose (for -NoCache).</summary>
    public static DownloadCache CreateTemporary() =>
        new(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "BedrockCost-" + Guid.NewGuid().ToString("N")[..12]), temporary: true);

    /// <summary>
    /// The user's cache folder: $BEDROCKCOST_CACHE, else LocalApplicationData\BedrockCost\Cache on Windows,
    /// $XDG_CACHE_HOME/BedrockCost or ~/.cache/BedrockCost elsewhere.
    /// </summary>
    public static string DefaultDirectory
    {
        get
        {
            if (Environment.GetEnvironmentVariable("BEDROCKCOST_CACHE") is { Length: > 0 } env) return env;
            if (OperatingSystem.IsWindows())
                return System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "BedrockCost", "Cache");
            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            var root = string.IsNullOrEmpty(xdg) ? System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache") : xdg;
            return System.IO.Path.Combine(root, "BedrockCost");
        }
    }

    /// <summary>
    /// Where the object lives in the cache (<see cref="CacheNames"/>). <paramref name="scope"/> is the store's identity
    /// (endpoint, region and bucket), so the same key from another endpoint is another file.
    /// </summary>
    public string PathFor(string scope, StoredObject obj) => System.IO.Path.Combine(Directory, CacheNames.RelativePath(scope, obj));

    /// <summary>
    /// Drops the cached copy of an object (it failed to parse), so the next fetch downloads it again; returns the path it
    /// had, or null when there was no copy (then there is nothing to fetch again for).
    /// </summary>
    public string? Evict(string scope, StoredObject obj)
    {
        var path = PathFor(scope, obj);
        if (!File.Exists(path)) return null;
        try { File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BedrockCostException(ErrorIds.CacheWriteFailed, ErrorKind.WriteError,
                $"Cannot remove the damaged cached copy '{path}': {e.Message} Delete it, choose another -CacheDirectory, or use -NoCache.", path, e);
        }
        return path;
    }

    /// <summary>Opens a new temporary file for a download; tests replace it to make the disk fail.</summary>
    internal Func<string, FileStream> CreateTemporaryFile { get; set; } =
        path => new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);

    public bool Contains(string scope, StoredObject obj) => IsComplete(PathFor(scope, obj), obj.Size);

    /// <summary>The folder under the cache that holds the range folders of ranged reads.</summary>
    public const string RangesFolder = "ranges";

    /// <summary>
    /// The folder of the ranges fetched of one version of an object: ranges/ab/abcdef…-stem-ranges, named by
    /// <see cref="CacheNames"/> from the same key as a download (endpoint, region, bucket, key, ETag, size) with the
    /// part "ranges". Its files are named by <see cref="CacheNames.RangeFileName"/>.
    /// </summary>
    public string RangeFolderFor(string scope, StoredObject obj) =>
        System.IO.Path.Combine(Directory, RangesFolder, CacheNames.RelativePath(scope, obj, "ranges"));

    /// <summary>
    /// Drops the ranges cached of an object (its content failed to parse), so the next read fetches them again;
    /// returns the folder, or null when it held none. Only the module's range files are deleted, never through a link.
    /// </summary>
    public string? EvictRanges(string scope, StoredObject obj)
    {
        var folder = new DirectoryInfo(RangeFolderFor(scope, obj));
        if (!folder.Exists || folder.LinkTarget is not null) return null;
        var any = false;
        try
        {
            foreach (var f in folder.EnumerateFiles("*", NoLinks))
                if (f.LinkTarget is null && CacheNames.TryParseRange(f.Name, out _, out _)) { f.Delete(); any = true; }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BedrockCostException(ErrorIds.CacheWriteFailed, ErrorKind.WriteError,
                $"Cannot remove the damaged cached ranges in '{folder.FullName}': {e.Message} Delete them, choose another -CacheDirectory, or use -NoCache.",
                folder.FullName, e);
        }
        return any ? folder.FullName : null;
    }

    private static readonly EnumerationOptions NoLinks = new() { RecurseSubdirectories = false, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true };

    private static bool IsComplete(string path, long size)
    {
        var f = new FileInfo(path);
        return f.Exists && f.Length == size;
    }

    /// <summary>
    /// Local paths of <paramref name="objects"/> (same order), downloading the ones not cached, <see cref="Parallelism"/>
    /// at a time, with progress in files and bytes.
    /// </summary>
    /// <param name="open">Opens the object's content for reading.</param>
    public async Task<IReadOnlyList<string>> FetchAsync(string scope, IReadOnlyList<StoredObject> objects,
        Func<StoredObject, CancellationToken, Task<Stream>> open, IOperationContext ctx, CancellationToken ct)
    {
        var paths = objects.Select(o => PathFor(scope, o)).ToArray();
        var missing = Enumerable.Range(0, objects.Count).Where(i => !IsComplete(paths[i], objects[i].Size))
            .DistinctBy(i => paths[i]).ToList();
        foreach (var i in Enumerable.Range(0, objects.Count).Except(missing))
            ctx.Debug($"Cache hit: {objects[i].Key} (ETag {objects[i].ETag})");
        if (missing.Count == 0)
        {
            ctx.Verbose($"Downloaded 0 file(s); {objects.Count} from the cache {Directory}.");
            return paths;
        }

        var progress = new DownloadProgress(ctx, missing.Count, missing.Sum(i => objects[i].Size));
        try
        {
            await Parallel.ForEachAsync(missing, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = ct },
                async (i, token) =>
                {
                    await DownloadAsync(objects[i], paths[i], open, progress, token).ConfigureAwait(false);
                    ctx.Debug($"Downloaded {objects[i].Key} ({objects[i].Size:N0} bytes, ETag {objects[i].ETag})");
                    progress.FileDone();
                }).ConfigureAwait(false);
        }
        finally
        {
            progress.Complete();
        }
        ctx.Verbose($"Downloaded {missing.Count} file(s) ({progress.Bytes:N0} bytes); {objects.Count - missing.Count} from the cache {Directory}.");
        return paths;
    }

    private async Task DownloadAsync(StoredObject obj, string path, Func<StoredObject, CancellationToken, Task<Stream>> open,
        DownloadProgress progress, CancellationToken ct)
    {
        await Local(() => Task.FromResult(System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!))).ConfigureAwait(false);
        var temp = CacheNames.TemporaryPath(path);
        try
        {
            long written = 0;
            await using (var source = await open(obj, ct).ConfigureAwait(false))
            {
                var target = await Local(() => Task.FromResult(CreateTemporaryFile(temp))).ConfigureAwait(false);
                try
                {
                    var buffer = new byte[1 << 16];
                    int n;
                    while ((n = await source.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
                    {
                        // The listed size bounds what is written: a server that sends more is not believed.
                        if (written + n > obj.Size)
                            throw new BedrockCostException(ErrorIds.InvalidS3Response, ErrorKind.InvalidData,
                                $"The server sent more than the {obj.Size:N0} bytes listed for '{Printable.Of(obj.Key)}'; the download was stopped and nothing was kept.", obj.Key);
                        await Local(async () => { await target.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false); return 0; }).ConfigureAwait(false);
                        written += n;
                        progress.Add(n);
                    }
                    // Buffered bytes reach the disk here: a full disk fails now, as a cache failure.
                    await Local(async () => { await target.FlushAsync(ct).ConfigureAwait(false); return 0; }).ConfigureAwait(false);
                }
                finally
                {
                    await Local(async () => { await target.DisposeAsync().ConfigureAwait(false); return 0; }).ConfigureAwait(false);
                }
            }
            if (written != obj.Size)
                throw new IOException($"The download of '{Printable.Of(obj.Key)}' ended after {written:N0} of {obj.Size:N0} bytes.");
            await Local(() => { File.Move(temp, path, overwrite: true); return Task.FromResult(0); }).ConfigureAwait(false);
        }
        finally
        {
            // Cancelled, failed or renamed: no partial file stays behind.
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>
    /// Runs a step on the local disk: its failures (disk full, no permission) are the cache's, not the network's,
    /// so they get their own error instead of passing for a network failure.
    /// </summary>
    private static async Task<T> Local<T>(Func<Task<T>> step)
    {
        try
        {
            return await step().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BedrockCostException(ErrorIds.CacheWriteFailed, ErrorKind.WriteError,
                $"Cannot write the download cache: {e.Message} Free disk space, choose another -CacheDirectory, or use -NoCache.", null, e);
        }
    }

    /// <summary>
    /// Removes temporary files left by a process killed mid-download: only names of the module's own temporary
    /// shape (<see cref="CacheNames.IsTemporary"/>), only in the cache's two-hex-digit folders, never through a link
    /// (a linked folder or file is left alone), and only when older than <paramref name="olderThan"/>.
    /// </summary>
    public void RemoveStalePartials(TimeSpan olderThan)
    {
        if (!System.IO.Directory.Exists(Directory)) return;
        void Clean(DirectoryInfo folder, Func<string, bool> isTemporary)
        {
            foreach (var f in folder.EnumerateFiles("*" + CacheNames.TemporarySuffix, NoLinks))
                if (isTemporary(f.Name) && f.LinkTarget is null && DateTime.UtcNow - f.LastWriteTimeUtc > olderThan)
                    try { f.Delete(); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
        try
        {
            var root = new DirectoryInfo(Directory);
            foreach (var folder in root.EnumerateDirectories("*", NoLinks))
                if (CacheNames.IsCacheFolder(folder.Name) && folder.LinkTarget is null) Clean(folder, CacheNames.IsTemporary);
            // Ranged reads: ranges/ab/<object>-ranges/<start>-<length>.range.<random>.partial, the same rules one level deeper.
            var ranges = new DirectoryInfo(System.IO.Path.Combine(Directory, RangesFolder));
            if (!ranges.Exists || ranges.LinkTarget is not null) return;
            foreach (var folder in ranges.EnumerateDirectories("*", NoLinks))
            {
                if (!CacheNames.IsCacheFolder(folder.Name) || folder.LinkTarget is not null) continue;
                foreach (var obj in folder.EnumerateDirectories("*", NoLinks))
                    if (CacheNames.IsRangeFolder(obj.Name) && obj.LinkTarget is null) Clean(obj, CacheNames.IsRangeTemporary);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // a cache it cannot list holds nothing to clean
    }

    public void Dispose()
    {
        if (_temporary && System.IO.Directory.Exists(Directory))
            try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Thread-safe progress in files and bytes, reported at most every 250 ms.</summary>
    private sealed class DownloadProgress
    {
        private readonly IOperationContext _ctx;
        private readonly int _files;
        private readonly long _total;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private long _bytes, _lastReport = -1000;
        private int _done;

        public DownloadProgress(IOperationContext ctx, int files, long total)
        {
            _ctx = ctx; _files = files; _total = total;
            Report(force: true);
        }

        public long Bytes => Interlocked.Read(ref _bytes);
        public void Add(long n) { Interlocked.Add(ref _bytes, n); Report(false); }
        public void FileDone() { Interlocked.Increment(ref _done); Report(true); }
        public void Complete() => _ctx.Progress(new ProgressReport(ProgressActivityId, "Downloading CUR files", "Done", 100, Completed: true));

        private void Report(bool force)
        {
            var now = _clock.ElapsedMilliseconds;
            var last = Interlocked.Read(ref _lastReport);
            if (!force && now - last < 250) return;
            if (Interlocked.CompareExchange(ref _lastReport, now, last) != last && !force) return;
            var bytes = Bytes;
            var percent = _total > 0 ? (int)Math.Min(100, bytes * 100 / _total) : 100 * _done / Math.Max(1, _files);
            _ctx.Progress(new ProgressReport(ProgressActivityId, "Downloading CUR files",
                $"{Volatile.Read(ref _done)} of {_files} file(s), {Mb(bytes)} of {Mb(_total)}", percent));
        }

        private static string Mb(long b) => $"{b / 1048576.0:N1} MB";
    }
}
