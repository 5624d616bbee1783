using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Cur;

namespace BedrockCost.Core.Sources;

/// <summary>Where cost data comes from. Every cmdlet that reads cost data takes one.</summary>
public interface ICostSource
{
    /// <summary>Short text for messages: a path, an S3 URI, "Cost Explorer".</summary>
    string Description { get; }
    Task<CostResult> QueryAsync(CostQuery query, IOperationContext ctx, CancellationToken ct);
}

/// <summary>
/// A source of CUR 2.0 exports: lists objects, resolves the export layout, picks the billing periods,
/// makes the chosen files local (a download for S3), then runs the engine.
/// </summary>
public abstract class CurSource : ICostSource
{
    public abstract string Description { get; }

    /// <summary>Every object under the location.</summary>
    protected abstract Task<IReadOnlyList<StoredObject>> ListAsync(IOperationContext ctx, CancellationToken ct);

    /// <summary>Opens an object for reading (manifests).</summary>
    protected abstract Task<Stream> OpenAsync(StoredObject obj, CancellationToken ct);

    /// <summary>Local paths of the objects, in order (downloads them if needed).</summary>
    protected abstract Task<IReadOnlyList<string>> MaterializeAsync(IReadOnlyList<StoredObject> objects, IOperationContext ctx, CancellationToken ct);

    /// <summary>Local copies of objects of the listing, downloaded when needed (for inspection: Get-BedrockCostExport).</summary>
    public Task<IReadOnlyList<string>> FetchAsync(IReadOnlyList<StoredObject> objects, IOperationContext ctx, CancellationToken ct) =>
        MaterializeAsync(objects, ctx, ct);

    private IReadOnlyList<ExportPeriod>? _resolved;

    /// <summary>The export layout of the location: listed and resolved once per source (one command).</summary>
    public async Task<IReadOnlyList<ExportPeriod>> ResolveAsync(IOperationContext ctx, CancellationToken ct)
    {
        if (_resolved is not null) return _resolved;
        var listing = await ListAsync(ctx, ct).ConfigureAwait(false);
        return _resolved = await ExportLayout.ResolveAsync(listing, OpenAsync, ctx, ct).ConfigureAwait(false);
    }

    public async Task<CostResult> QueryAsync(CostQuery query, IOperationContext ctx, CancellationToken ct)
    {
        var exports = await ResolveAsync(ctx, ct).ConfigureAwait(false);
        if (exports.Count == 0 || exports.All(e => e.Files.Count == 0))
            throw new BedrockCostException(ErrorIds.NoCurFiles, ErrorKind.NotFound,
                $"No CUR 2.0 data files (.parquet, .csv.gz, .csv) under {Description}.", Description);
        var roots = exports.Where(e => e.Mode != ExportMode.LooseFiles).Select(e => e.ExportRoot).Distinct().ToList();
        if (roots.Count > 1)
            ctx.Warning($"{roots.Count} exports found under {Description} ({string.Join(", ", roots.Select(r => r[(r.LastIndexOf('/') + 1)..]))}); " +
                        "their costs are added together. If they cover the same accounts, point at one export to avoid double counting.");

        var loose = exports.Where(e => e.BillingPeriod is null).SelectMany(e => e.Files).ToList();
        var looseLocal = loose.Count > 0 ? await MaterializeAsync(loose, ctx, ct).ConfigureAwait(false) : Array.Empty<string>();
        var looseFiles = loose.Select((o, i) => new CurDataFile(looseLocal[i], o.Key, null)).ToList();

        var periods = await ChoosePeriodsAsync(query, exports, looseFiles, ct).ConfigureAwait(false);
        var chosen = exports.Where(e => e.BillingPeriod is not null && (periods is null ? query.PeriodOverlapsDates(e.BillingPeriod) : periods.Contains(e.BillingPeriod)))
            .SelectMany(e => e.Files.Select(f => (Obj: f, e.BillingPeriod))).ToList();
        ctx.Verbose($"Reading {chosen.Count + looseFiles.Count} file(s) for billing period(s) {(periods is null ? "overlapping the dates" : string.Join(", ", periods))} from {Description}.");
        var local = chosen.Count > 0 ? await MaterializeAsync(chosen.Select(c => c.Obj).ToList(), ctx, ct).ConfigureAwait(false) : Array.Empty<string>();
        var files = chosen.Select((c, i) => new CurDataFile(local[i], c.Obj.Key, c.BillingPeriod)).Concat(looseFiles).ToList();
        return await CurEngine.QueryAsync(files, query, periods, ctx, ct).ConfigureAwait(false);
    }

    /// <summary>The billing periods to read; null means "every period overlapping the date range".</summary>
    private static async Task<IReadOnlySet<string>?> ChoosePeriodsAsync(CostQuery query, IReadOnlyList<ExportPeriod> exports,
        IReadOnlyList<CurDataFile> looseFiles, CancellationToken ct)
    {
        var known = new SortedSet<string>(exports.Where(e => e.BillingPeriod is not null && e.Files.Count > 0).Select(e => e.BillingPeriod!), StringComparer.Ordinal);
        if (query.BillingPeriods.Count > 0)
        {
            var wanted = query.BillingPeriods.ToHashSet(StringComparer.Ordinal);
            if (looseFiles.Count == 0 && !wanted.Overlaps(known))
                throw new BedrockCostException(ErrorIds.BillingPeriodNotFound, ErrorKind.NotFound,
                    $"No data for billing period {string.Join(", ", wanted)}. Periods present: {(known.Count == 0 ? "none" : string.Join(", ", known))}.",
                    string.Join(",", wanted));
            return wanted;
        }
        if (query.StartDate is not null || query.EndDate is not null) return null;
        foreach (var f in looseFiles) known.UnionWith(await CurEngine.ScanPeriodsAsync(f, query, ct).ConfigureAwait(false));
        if (known.Count == 0) throw new BedrockCostException(ErrorIds.NoCurFiles, ErrorKind.NotFound, "The data holds no billing period.", null);
        return new HashSet<string>(StringComparer.Ordinal) { known.Max! };
    }
}

/// <summary>CUR 2.0 exports or loose files on local disk.</summary>
public sealed class LocalCurSource : CurSource
{
    private readonly IReadOnlyList<string> _paths;

    /// <param name="paths">Resolved file-system paths: export folders, folders holding exports, or files.</param>
    public LocalCurSource(IReadOnlyList<string> paths) => _paths = paths;

    public override string Description => string.Join(", ", _paths);

    protected override Task<IReadOnlyList<StoredObject>> ListAsync(IOperationContext ctx, CancellationToken ct)
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

    protected override Task<Stream> OpenAsync(StoredObject obj, CancellationToken ct) =>
        Task.FromResult<Stream>(File.OpenRead(obj.Key));

    protected override Task<IReadOnlyList<string>> MaterializeAsync(IReadOnlyList<StoredObject> objects, IOperationContext ctx, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<string>>(objects.Select(o => o.Key).ToList());
}
