namespace BedrockCost.Core.Sources.Files;

/// <summary>
/// CUR files on local disk: export folders, folders holding exports, period folders, or files. Keys are full
/// paths with '/' separators.
/// </summary>
public sealed class LocalFileStore : IObjectStore
{
    private readonly IReadOnlyList<string> _paths;

    /// <param name="paths">Resolved file-system paths.</param>
    public LocalFileStore(IReadOnlyList<string> paths) => _paths = paths;

    public string Description => string.Join(", ", _paths);
    public string Identity => "file";

    public Task<IReadOnlyList<StoredObject>> ListAsync(IOperationContext ctx, CancellationToken ct)
    {
        var objects = new List<StoredObject>();
        foreach (var path in _paths)
        {
            if (File.Exists(path)) objects.Add(ToObject(new FileInfo(path)));
            else if (Directory.Exists(path))
            {
                // Inside an export ("EXPORT/data/BILLING_PERIOD=..."), list from the export root so that the
                // layout and the manifests are seen, then keep only what is under the path given.
                var root = ExportRootOf(path) ?? path;
                var under = Path.GetFullPath(path).Replace('\\', '/');
                foreach (var f in new DirectoryInfo(root).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = false }))
                {
                    ct.ThrowIfCancellationRequested();
                    var obj = ToObject(f);
                    if (ExportLayout.InScope(obj.Key, under)) objects.Add(obj);
                }
            }
            else throw new BedrockCostException(ErrorIds.PathNotFound, ErrorKind.NotFound, $"Cannot find path '{path}'.", path);
        }
        ctx.Debug($"Listed {objects.Count} file(s) under {Description}");
        // One file reached twice (paths that overlap, a link to a folder or file listed too) is one file: read once.
        var real = new RealPaths();
        var once = ReadOnce.Distinct(objects, o => real.Of(o.Key), out var repeated);
        if (repeated.Count > 0)
            ctx.Warning($"Some files are reached by more than one path (paths that overlap, or links): {ReadOnce.Describe(repeated, o => o.Key)}. Each file is read once.");
        return Task.FromResult<IReadOnlyList<StoredObject>>(once);
    }

    private static StoredObject ToObject(FileInfo f) =>
        new(f.FullName.Replace('\\', '/'), f.Length, f.LastWriteTimeUtc);

    /// <summary>The export root of a path inside the layout (EXPORT/data or EXPORT/data/BILLING_PERIOD=...), else null.</summary>
    private static string? ExportRootOf(string path)
    {
        var dir = new DirectoryInfo(path);
        if (dir.Name.Equals("data", StringComparison.OrdinalIgnoreCase) && dir.Parent is not null &&
            dir.EnumerateDirectories("BILLING_PERIOD=*").Any())
            return dir.Parent.FullName;
        for (var d = dir; d?.Parent?.Parent is not null; d = d.Parent)
            if (d.Name.StartsWith("BILLING_PERIOD=", StringComparison.OrdinalIgnoreCase) && d.Parent.Name.Equals("data", StringComparison.OrdinalIgnoreCase))
                return d.Parent.Parent.FullName;
        return null;
    }

    /// <summary>Files are read where they are.</summary>
    public Task PrepareAsync(IReadOnlyList<StoredObject> objects, IOperationContext ctx, CancellationToken ct) => Task.CompletedTask;

    public Task<Stream> OpenReadAsync(StoredObject obj, CancellationToken ct) => Task.FromResult(OpenFile(obj.Key, obj.Key));

    /// <summary>Opens a local file for the readers; a file that has gone since the listing is PathNotFound, one that cannot be read FileReadFailed.</summary>
    internal static Stream OpenFile(string path, string displayName)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.Asynchronous);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new BedrockCostException(ErrorIds.PathNotFound, ErrorKind.NotFound, $"'{displayName}' no longer exists.", displayName, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BedrockCostException(ErrorIds.FileReadFailed, ErrorKind.ReadError, $"Cannot read '{displayName}': {e.Message}", displayName, e);
        }
    }

    /// <summary>
    /// The real path of a file, with every link on the way resolved (folders and the file itself), so one file
    /// reached by two paths has one identity. Folders are resolved once per listing.
    /// </summary>
    private sealed class RealPaths
    {
        private const int MaxLinks = 40;
        private readonly Dictionary<string, string> _folders = new(StringComparer.Ordinal);

        public string Of(string file) => Resolve(Path.GetFullPath(file), 0);

        private string Resolve(string path, int links)
        {
            var parent = Path.GetDirectoryName(path);
            if (parent is null) return path; // a root
            var candidate = Path.Combine(Folder(parent, links), Path.GetFileName(path));
            string? target;
            try { target = new FileInfo(candidate).LinkTarget; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return candidate; } // unreadable: taken as it is

            if (target is null || links >= MaxLinks) return candidate;
            return Resolve(Path.GetFullPath(target, Path.GetDirectoryName(candidate)!), links + 1);
        }

        private string Folder(string folder, int links)
        {
            if (!_folders.TryGetValue(folder, out var real)) _folders[folder] = real = Resolve(folder, links);
            return real;
        }
    }

    public ExportLocation Locate(string exportRoot) => new(exportRoot, S3Uri: null, LiteralPath: exportRoot);

    public void Dispose() { }
}
