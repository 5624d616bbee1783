using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace BedrockCost.Core.Sources;

public enum ExportMode { Overwrite, CreateNew, LooseFiles }

/// <summary>The data files that are the truth for one billing period of one export.</summary>
public sealed record ExportPeriod(
    string ExportRoot,
    string ExportName,
    string? BillingPeriod,
    ExportMode Mode,
    string? ExecutionId,
    IReadOnlyList<StoredObject> Files,
    StoredObject? Manifest,
    int IgnoredFiles);

/// <summary>
/// Resolves the AWS Data Exports delivery layout (reference section 6) from a listing: which files count
/// for each billing period. Create-new exports count only their latest execution; empty leftover chunks,
/// metadata and the programmatic-access test object are never data. Legacy Cost and Usage Reports (CUR 1.0)
/// are laid out by period folder (REPORT/yyyymmdd-yyyymmdd/[assemblyId/]REPORT-n.csv.gz, a REPORT-Manifest.json
/// listing reportKeys) or, for Athena-ready Parquet, by REPORT/REPORT/year=yyyy/month=m/.
/// </summary>
public static class ExportLayout
{
    public const string TestObjectName = "aws-programmatic-access-test-object";
    /// <summary>The status table of a legacy CUR's Athena integration: not cost data.</summary>
    private const string LegacyStatusFolder = "cost_and_usage_data_status";
    private static readonly Regex PeriodSegment = new(@"^BILLING_PERIOD=([0-9]{4}-[0-9]{2})$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    private static readonly Regex LegacyPeriodSegment = new(@"^([0-9]{4})([0-9]{2})01-[0-9]{8}$", RegexOptions.CultureInvariant);
    private static readonly Regex YearSegment = new(@"^year=([0-9]{4})$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    private static readonly Regex MonthSegment = new(@"^month=([0-9]{1,2})$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    public static bool IsDataFile(string key)
    {
        var k = key.ToLowerInvariant();
        return k.EndsWith(".parquet") || k.EndsWith(".csv.gz") || k.EndsWith(".csv") || k.EndsWith(".gz") || k.EndsWith(".zip");
    }

    /// <summary>Groups a listing into export periods.</summary>
    /// <param name="readManifest">Opens a manifest; manifests pick the files of a period when present.</param>
    public static async Task<IReadOnlyList<ExportPeriod>> ResolveAsync(IEnumerable<StoredObject> listing,
        Func<StoredObject, CancellationToken, Task<Stream>> readManifest, IOperationContext ctx, CancellationToken ct)
    {
        var partitions = new Dictionary<(string Root, string Period), Partition>();
        var loose = new List<StoredObject>();
        foreach (var obj in listing)
        {
            var segments = obj.Key.Split('/');
            var name = segments[^1];
            if (name == TestObjectName || segments.Contains(LegacyStatusFolder, StringComparer.OrdinalIgnoreCase)) continue;
            var (root, kind, period, rest) = Locate(segments);
            var manifestName = name.EndsWith("Manifest.json", StringComparison.OrdinalIgnoreCase);
            if (kind == "metadata" || (kind == "legacy" && manifestName))
            {
                if (manifestName && period is not null)
                    Get(partitions, root!, period).Manifests.Add(obj);
                continue;
            }
            if (!IsDataFile(name)) continue;
            if (kind is "data" or "legacy" && period is not null)
            {
                var p = Get(partitions, root!, period);
                p.Legacy |= kind == "legacy";
                if (rest.Length <= 1) p.Direct.Add(obj);
                else
                {
                    if (!p.Executions.TryGetValue(rest[0], out var files)) p.Executions[rest[0]] = files = new List<StoredObject>();
                    files.Add(obj);
                }
            }
            else loose.Add(obj);
        }

        var result = new List<ExportPeriod>();
        foreach (var ((root, period), p) in partitions.OrderBy(x => x.Key.Root, StringComparer.Ordinal).ThenBy(x => x.Key.Period, StringComparer.Ordinal))
        {
            // A partition with a manifest but no data file is resolved too: its manifest may name files that are missing.
            if (p.Direct.Count == 0 && p.Executions.Count == 0 && p.Manifests.Count == 0) continue;
            result.Add(await ResolvePartitionAsync(root, period, p, readManifest, ctx, ct).ConfigureAwait(false));
        }
        var looseData = loose.Where(o => o.Size > 0).ToList();
        if (looseData.Count > 0)
            result.Add(new ExportPeriod(string.Empty, "(files)", null, ExportMode.LooseFiles, null, looseData, null, loose.Count - looseData.Count));
        return result;
    }

    /// <summary>The billing period of a data file in the delivery layout (data/BILLING_PERIOD=YYYY-MM/...), from its key alone; else null.</summary>
    public static string? DataPeriodOf(string key)
    {
        var (_, kind, period, _) = Locate(key.Split('/'));
        return kind == "data" && IsDataFile(key) ? period : null;
    }

    /// <summary>
    /// Whether a listed object belongs to what was pointed at inside an export (<paramref name="under"/>: the key
    /// prefix or path given, listed from the export root): data files under it, and the metadata of its billing
    /// period (of every period when it names none), so another period's manifest is not matched against files
    /// that were left out on purpose.
    /// </summary>
    public static bool InScope(string key, string under)
    {
        var (_, kind, period, _) = Locate(key.Split('/'));
        var manifest = kind == "metadata" || (kind == "legacy" && key.EndsWith("Manifest.json", StringComparison.OrdinalIgnoreCase));
        if (!manifest) return !IsDataFile(key) || key.StartsWith(under, StringComparison.Ordinal);
        var (_, _, wanted, _) = Locate(under.TrimEnd('/').Split('/').Append(string.Empty).ToArray());
        return wanted is null || string.Equals(wanted, period, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Where a key sits in a layout: the export root, "data" or "metadata" (CUR 2.0) or "legacy" (CUR 1.0), the
    /// billing period, and the segments after the period (an execution or assembly folder, then the file).
    /// </summary>
    private static (string? Root, string? Kind, string? Period, string[] Remainder) Locate(string[] segments)
    {
        var (root, kind, period, rest, _) = LocateAt(segments);
        return (root, kind, period, rest);
    }

    /// <summary><see cref="Locate"/>, with the index of the first segment of the period ("data/BILLING_PERIOD=..." or the legacy folder).</summary>
    private static (string? Root, string? Kind, string? Period, string[] Remainder, int At) LocateAt(string[] segments)
    {
        for (var i = 0; i + 1 < segments.Length; i++)
        {
            var kind = segments[i];
            if (kind.Equals("data", StringComparison.OrdinalIgnoreCase) || kind.Equals("metadata", StringComparison.OrdinalIgnoreCase))
            {
                var m = PeriodSegment.Match(segments[i + 1]);
                if (m.Success) return (string.Join('/', segments[..i]), kind.ToLowerInvariant(), m.Groups[1].Value, segments[(i + 2)..], i);
            }
            if (i == 0) continue; // a legacy period folder sits under its report folder
            var legacy = LegacyPeriodSegment.Match(kind);
            if (legacy.Success && legacy.Groups[2].Value is var mm && int.Parse(mm, CultureInfo.InvariantCulture) is >= 1 and <= 12)
                return (string.Join('/', segments[..i]), "legacy", $"{legacy.Groups[1].Value}-{mm}", segments[(i + 1)..], i);
            var year = YearSegment.Match(kind);
            var month = MonthSegment.Match(segments[i + 1]);
            if (year.Success && month.Success && int.Parse(month.Groups[1].Value, CultureInfo.InvariantCulture) is >= 1 and <= 12)
                return (string.Join('/', segments[..i]), "legacy", $"{year.Groups[1].Value}-{int.Parse(month.Groups[1].Value, CultureInfo.InvariantCulture):00}", segments[(i + 2)..], i);
        }
        return (null, null, null, Array.Empty<string>(), -1);
    }

    private static Partition Get(Dictionary<(string, string), Partition> d, string root, string period)
    {
        if (!d.TryGetValue((root, period), out var p)) d[(root, period)] = p = new Partition();
        return p;
    }

    private static async Task<ExportPeriod> ResolvePartitionAsync(string root, string period, Partition p,
        Func<StoredObject, CancellationToken, Task<Stream>> readManifest, IOperationContext ctx, CancellationToken ct)
    {
        var exportName = root.Length == 0 ? "(export)" : root[(root.LastIndexOf('/') + 1)..];
        var all = p.Direct.Concat(p.Executions.Values.SelectMany(v => v)).ToList();
        // The partition-level manifest (the newest when several) names the files of the latest delivery.
        var manifest = p.Manifests.Where(m => m.Key.Split('/').Length == p.Manifests.Min(x => x.Key.Split('/').Length))
            .OrderByDescending(m => m.LastModified).FirstOrDefault();
        if (manifest is not null)
        {
            var listed = await ReadManifestFilesAsync(manifest, readManifest, ct).ConfigureAwait(false);
            if (listed is not null)
            {
                // Each listed URI is matched by its path inside the export (s3:// URIs match local copies); keys are unique.
                var byPath = all.DistinctBy(o => o.Key).ToDictionary(o => root.Length == 0 ? o.Key : o.Key[(root.Length + 1)..], StringComparer.Ordinal);
                var named = new List<StoredObject>();
                foreach (var uri in listed)
                    named.Add(PathsInExport(uri).Select(byPath.GetValueOrDefault).FirstOrDefault(o => o is not null)
                        ?? throw new BedrockCostException(ErrorIds.ManifestFileMissing, ErrorKind.InvalidData,
                            $"The manifest '{manifest.Key}' lists '{Printable.Of(uri)}', which is not in the export. The delivery is incomplete or the copy is partial: " +
                            "copy the whole export folder, or wait for the delivery to finish.", manifest.Key));
                var files = ReadOnce.Distinct(named, o => o.Key, out var repeated);
                if (repeated.Count > 0)
                    ctx.Warning($"The manifest '{manifest.Key}' lists the same data file more than once: {ReadOnce.Describe(repeated, o => o.Key)}. Each file is read once.");
                // A create-new export's manifest points at one execution; when it names several, only the latest counts (folder names start with the delivery time).
                var executions = files.Select(f => ExecutionOf(f.Key) ?? string.Empty).Distinct().Order(StringComparer.Ordinal).ToList();
                var execution = executions.Count == 0 ? string.Empty : executions[^1];
                if (executions.Count > 1)
                {
                    ctx.Warning($"The manifest '{manifest.Key}' names the files of {executions.Count} executions ({string.Join(", ", executions.Select(e => e.Length == 0 ? "(none)" : e))}); " +
                                $"only the latest, {execution}, counts, as for a create-new export. The files of the others are not read.");
                    files = files.Where(f => (ExecutionOf(f.Key) ?? string.Empty) == execution).ToList();
                }
                ctx.Debug($"{exportName} {period}: manifest lists {files.Count} file(s)");
                return new ExportPeriod(root, exportName, period, execution.Length == 0 ? ExportMode.Overwrite : ExportMode.CreateNew,
                    execution.Length == 0 ? null : execution, files.Where(f => f.Size > 0).ToList(), manifest, all.Count - files.Count);
            }
        }

        if (p.Executions.Count > 0)
        {
            // Data Exports folder names start with the delivery timestamp (the newest object breaks ties); legacy
            // assembly ids are GUIDs, so there only the newest delivery tells.
            var latest = p.Legacy
                ? p.Executions.OrderByDescending(e => e.Value.Max(o => o.LastModified)).ThenByDescending(e => e.Key, StringComparer.Ordinal).First()
                : p.Executions.OrderByDescending(e => e.Key, StringComparer.Ordinal).ThenByDescending(e => e.Value.Max(o => o.LastModified)).First();
            if (p.Executions.Count > 1)
                ctx.Verbose($"{exportName} {period}: create-new export with {p.Executions.Count} executions; only the latest ({latest.Key}) counts.");
            var files = latest.Value.Where(o => o.Size > 0).OrderBy(o => o.Key, StringComparer.Ordinal).ToList();
            return new ExportPeriod(root, exportName, period, ExportMode.CreateNew, latest.Key, files, null, all.Count - files.Count);
        }

        var direct = p.Direct.Where(o => o.Size > 0).OrderBy(o => o.Key, StringComparer.Ordinal).ToList();
        return new ExportPeriod(root, exportName, period, ExportMode.Overwrite, null, direct, null, p.Direct.Count - direct.Count);
    }

    private static string? ExecutionOf(string key)
    {
        var segments = key.Split('/');
        var (_, _, _, rest) = Locate(segments);
        return rest.Length > 1 ? rest[0] : null;
    }

    /// <summary>
    /// The paths inside an export a manifest entry (an s3:// URI, or a legacy report key) may stand for: the part of
    /// it from each period folder on ("data/BILLING_PERIOD=...", or a legacy period folder), the outermost first, so
    /// it matches a local copy of the export wherever that lies, and a nested ".../x/data/BILLING_PERIOD=..." is
    /// never taken for the file of the same name above it.
    /// </summary>
    private static IEnumerable<string> PathsInExport(string uri)
    {
        var segments = uri.Replace('\\', '/').Split('/');
        for (var from = 0; from < segments.Length;)
        {
            var at = LocateAt(segments[from..]).At;
            if (at < 0) yield break;
            yield return string.Join('/', segments[(from + at)..]);
            from += at + 1;
        }
    }

    /// <summary>A manifest lists URIs and column names: a few MiB at most. Anything larger is refused before it is read.</summary>
    public const long MaxManifestBytes = 16 << 20;

    private static async Task<IReadOnlyList<string>?> ReadManifestFilesAsync(StoredObject manifest,
        Func<StoredObject, CancellationToken, Task<Stream>> readManifest, CancellationToken ct)
    {
        BedrockCostException Invalid(string why, Exception? e = null) => new(ErrorIds.ManifestInvalid, ErrorKind.InvalidData,
            $"The manifest '{manifest.Key}' {why}. Copy the export's metadata folder again, or delete the manifest to read the data files found.", manifest.Key, e);
        if (manifest.Size > MaxManifestBytes) throw Invalid($"is {manifest.Size:N0} bytes, more than a manifest can be ({MaxManifestBytes:N0}): it was not read");
        using var buffer = new MemoryStream();
        await using (var stream = await readManifest(manifest, ct).ConfigureAwait(false))
        {
            // The listed size may not be the size served: the read stops at the bound whatever comes.
            var chunk = new byte[81920];
            int n;
            while ((n = await stream.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + n > MaxManifestBytes) throw Invalid($"holds more than {MaxManifestBytes:N0} bytes, more than a manifest can be: it was not read");
                buffer.Write(chunk, 0, n);
            }
        }
        try
        {
            using var doc = JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Invalid("is not a JSON object");
            // Data Exports list "dataFiles" (s3:// URIs); legacy CUR manifests list "reportKeys" (object keys).
            if ((!doc.RootElement.TryGetProperty("dataFiles", out var files) && !doc.RootElement.TryGetProperty("reportKeys", out files)) ||
                files.ValueKind != JsonValueKind.Array) return null;
            return files.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToList();
        }
        catch (JsonException e)
        {
            throw Invalid($"is not valid JSON ({e.Message})", e);
        }
        catch (InvalidOperationException e)
        {
            throw Invalid("holds text that is not valid Unicode (a lone surrogate)", e);
        }
    }

    private sealed class Partition
    {
        /// <summary>A legacy CUR period folder (executions are assembly ids).</summary>
        public bool Legacy { get; set; }
        public List<StoredObject> Direct { get; } = new();
        public Dictionary<string, List<StoredObject>> Executions { get; } = new(StringComparer.Ordinal);
        public List<StoredObject> Manifests { get; } = new();
    }
}
