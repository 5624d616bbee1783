using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Cur;

namespace BedrockCost.Core.Sources;

/// <summary>
/// CUR 2.0 exports (or loose files) in an object store: lists the store once, resolves the export layout,
/// picks the billing periods and the files that count, lets the store prepare them, then runs the engine.
/// The same for every store: where the bytes come from is the store's business.
/// </summary>
public sealed class CurSource : ICostSource
{
    private IReadOnlyList<ExportPeriod>? _resolved;

    public CurSource(IObjectStore store) => Store = store;

    /// <summary>CUR files on local disk (resolved paths: export folders, folders holding exports, or files).</summary>
    public static CurSource Local(IReadOnlyList<string> paths) => new(new Files.LocalFileStore(paths));

    public IObjectStore Store { get; }
    public string Description => Store.Description;
    public SourceCapabilities Capabilities => SourceCapabilities.CurFiles;

    /// <summary>The export layout of the location: listed and resolved once per source (one command).</summary>
    public async Task<IReadOnlyList<ExportPeriod>> ResolveAsync(IOperationContext ctx, CancellationToken ct)
    {
        if (_resolved is not null) return _resolved;
        var listing = _listing = await Store.ListAsync(ctx, ct).ConfigureAwait(false);
        return _resolved = await ReadAgainOnceAsync(Store, key => listing.FirstOrDefault(o => o.Key == key),
            () => ExportLayout.ResolveAsync(listing, Store.OpenReadAsync, ctx, ct), ct).ConfigureAwait(false);
    }

    private IReadOnlyList<StoredObject>? _listing;

    /// <summary>
    /// Runs a read; when an object's content fails to parse (an InvalidData error naming it) and the store kept a
    /// local copy of it, the copy is dropped and the read runs once more on a fresh fetch. A second failure names
    /// the object and the copy: the object itself is damaged.
    /// </summary>
    internal static async Task<T> ReadAgainOnceAsync<T>(IObjectStore store, Func<string, StoredObject?> objectOf, Func<Task<T>> read, CancellationToken ct)
    {
        StoredObject? damaged;
        BedrockCostException first;
        try
        {
            return await read().ConfigureAwait(false);
        }
        catch (BedrockCostException e) when (e.Kind == ErrorKind.InvalidData && e.Target is string key && (damaged = objectOf(key)) is not null)
        {
            first = e;
        }
        var copy = await store.EvictAsync(damaged, ct).ConfigureAwait(false);
        if (copy is null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
        try
        {
            return await read().ConfigureAwait(false);
        }
        catch (BedrockCostException e) when (e.ErrorId == first.ErrorId && Equals(e.Target, first.Target))
        {
            throw new BedrockCostException(e.ErrorId, e.Kind,
                $"{e.Message} The local copy '{copy}' was fetched again and is still unreadable, so the object itself is damaged.", e.Target, e);
        }
    }

    /// <summary>The billing periods the layout names (loose files name none), oldest first; no data is read.</summary>
    public async Task<IReadOnlyList<string>> BillingPeriodsAsync(IOperationContext ctx, CancellationToken ct) =>
        (await ResolveAsync(ctx, ct).ConfigureAwait(false)).Where(e => e.BillingPeriod is not null && e.Files.Count > 0)
            .Select(e => e.BillingPeriod!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    /// <summary>A name for reports: the export's name (its folder, which is the export name AWS gives it) or the S3 URI, never a local path.</summary>
    public async Task<string> ReportNameAsync(IOperationContext ctx, CancellationToken ct)
    {
        if (Store is not Files.LocalFileStore) return Description;
        var exports = await ResolveAsync(ctx, ct).ConfigureAwait(false);
        var names = exports.Where(e => e.Mode != ExportMode.LooseFiles).Select(e => e.ExportName).Distinct(StringComparer.Ordinal).ToList();
        var files = exports.Where(e => e.Mode == ExportMode.LooseFiles).SelectMany(e => e.Files).Select(f => f.Key[(f.Key.LastIndexOf('/') + 1)..]).ToList();
        var parts = new List<string>();
        if (names.Count > 0) parts.Add((names.Count == 1 ? "export " : "exports ") + string.Join(", ", names));
        if (files.Count > 0) parts.Add((files.Count == 1 ? "file " : "files ") + string.Join(", ", files.Take(3)) + (files.Count > 3 ? $" and {files.Count - 3} more" : string.Empty));
        return parts.Count == 0 ? "CUR 2.0 files" : string.Join("; ", parts);
    }

    /// <summary>
    /// Every tag key the files of <paramref name="periods"/> carry (for the warning about a tag key present
    /// nowhere): the same map reading as Get-BedrockCostExport.
    /// </summary>
    public async Task<IReadOnlySet<string>> TagKeysAsync(IReadOnlyCollection<string> periods, IOperationContext ctx, CancellationToken ct)
    {
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var period in (await ResolveAsync(ctx, ct).ConfigureAwait(false)).Where(e => e.BillingPeriod is null || periods.Contains(e.BillingPeriod)))
            keys.UnionWith((await ExportInspector.ReadFactsAsync(this, period, ctx, ct).ConfigureAwait(false)).TagKeys);
        return keys;
    }

    public async Task<string?> LatestBillingPeriodAsync(IOperationContext ctx, CancellationToken ct)
    {
        var exports = await ResolveAsync(ctx, ct).ConfigureAwait(false);
        // Loose files cannot tell their periods without being read.
        if (exports.Any(e => e.BillingPeriod is null && e.Files.Count > 0)) return null;
        return exports.Where(e => e.BillingPeriod is not null && e.Files.Count > 0).Select(e => e.BillingPeriod!).Max(StringComparer.Ordinal);
    }

    public Task<CostResult> QueryAsync(CostQuery query, IOperationContext ctx, CancellationToken ct) => QueryAsync(query, int.MaxValue, ctx, ct);

    /// <summary>The query over at most <paramref name="maxFiles"/> of the files it would read: a bounded sample (tab completion).</summary>
    internal async Task<CostResult> QueryAsync(CostQuery query, int maxFiles, IOperationContext ctx, CancellationToken ct)
    {
        var exports = await ResolveAsync(ctx, ct).ConfigureAwait(false);
        if (exports.Count == 0 || exports.All(e => e.Files.Count == 0)) throw NoData();
        var roots = exports.Where(e => e.Mode != ExportMode.LooseFiles).Select(e => e.ExportRoot).Distinct().ToList();
        if (roots.Count > 1)
            ctx.Warning($"{roots.Count} exports found under {Description} ({string.Join(", ", roots.Select(r => r[(r.LastIndexOf('/') + 1)..]))}); " +
                        "their costs are added together. If they cover the same accounts, point at one export to avoid double counting.");

        var loose = await PrepareAsync(exports.Where(e => e.BillingPeriod is null).SelectMany(e => e.Files.Select(f => (f, (string?)null))), ctx, ct)
            .ConfigureAwait(false);
        var periods = await ChoosePeriodsAsync(query, exports, loose, ct).ConfigureAwait(false);
        var chosen = exports.Where(e => e.BillingPeriod is not null && (periods is null ? query.PeriodOverlapsDates(e.BillingPeriod) : periods.Contains(e.BillingPeriod)))
            .SelectMany(e => e.Files.Select(f => (f, e.BillingPeriod))).Take(Math.Max(0, maxFiles - loose.Count)).ToList();
        ctx.Verbose($"Reading {chosen.Count + loose.Count} file(s) for billing period(s) {(periods is null ? "overlapping the dates" : string.Join(", ", periods))} from {Description}.");
        var files = await PrepareAsync(chosen, ctx, ct).ConfigureAwait(false);
        var result = await CurEngine.QueryAsync(files.Concat(loose).ToList(), query, periods, ctx, ct).ConfigureAwait(false);
        (Store as IReportsTransfer)?.Report(ctx);
        return result;
    }

    /// <summary>
    /// The data files to read, each identified once (<see cref="CurDataFile.Identity"/>), after the store has
    /// prepared them. Every file a query reads passes here: a check that each is read once belongs here.
    /// </summary>
    internal async Task<IReadOnlyList<CurDataFile>> PrepareAsync(IEnumerable<(StoredObject Object, string? BillingPeriod)> objects,
        IOperationContext ctx, CancellationToken ct)
    {
        var files = ReadOnce.Distinct(objects.Select(o => new CurDataFile(Store, o.Object, o.BillingPeriod)), f => f.Identity, out var repeated);
        if (repeated.Count > 0)
            ctx.Warning($"The same data file was named more than once for this query: {ReadOnce.Describe(repeated, f => f.DisplayName)}. Each file is read once.");
        if (files.Count > 0) await Store.PrepareAsync(files.Select(f => f.Object).ToList(), ctx, ct).ConfigureAwait(false);
        return files;
    }

    /// <summary>No data file to read: says when the files found are empty (0 bytes) rather than absent.</summary>
    internal BedrockCostException NoData()
    {
        var empty = (_listing ?? Array.Empty<StoredObject>()).Where(o => o.Size == 0 && ExportLayout.IsDataFile(o.Key) && !o.Key.Contains("/metadata/", StringComparison.OrdinalIgnoreCase)).ToList();
        if (empty.Count == 0)
            return new BedrockCostException(ErrorIds.NoCurFiles, ErrorKind.NotFound, $"No CUR 2.0 data files (.parquet, .csv.gz, .csv) under {Description}.", Description);
        var names = string.Join(", ", empty.Take(5).Select(o => $"'{Printable.Of(o.Key)}'")) + (empty.Count > 5 ? $" and {empty.Count - 5} more" : string.Empty);
        return new BedrockCostException(ErrorIds.NoCurFiles, ErrorKind.NotFound,
            empty.Count == 1 ? $"{names} is empty (0 bytes): it holds no CUR data." : $"The data files under {Description} are empty (0 bytes): {names}. They hold no CUR data.",
            Description);
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

    public void Dispose() => Store.Dispose();
}
