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
                var under = Path.GetFullPath(path);
                foreach (var f in new DirectoryInfo(root).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = false }))
                {
                    ct.ThrowIfCancellationRequested();
                    var isData = ExportLayout.IsDataFile(f.Name);
                    if (isData && !f.FullName.StartsWith(under, StringComparison.Ordinal)) continue;
                    objects.Add(ToObject(f));
                }
            }
            else throw new BedrockCostException(ErrorIds.PathNotFound, ErrorKind.NotFound, $"Cannot find path '{path}'.", path);
        }
        ctx.Debug($"Listed {objects.Count} file(s) under {Description}");
        return Task.FromResult<IReadOnlyList<StoredObject>>(objects.DistinctBy(o => o.Key).ToList());
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

    /// <summary>Opens a local file for the readers; a file that has gone since the listing is PathNotFound.</summary>
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
    }

    public ExportLocation Locate(string exportRoot) => new(exportRoot, S3Uri: null, LiteralPath: exportRoot);

    public void Dispose() { }
}
