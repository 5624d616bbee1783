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
/// metadata and the programmatic-access test object are never data.
/// </summary>
public static class ExportLayout
{
    public const string TestObjectName = "aws-programmatic-access-test-object";
    private static readonly Regex PeriodSegment = new(@"^BILLING_PERIOD=(\d{4}-\d{2})$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    public static bool IsDataFile(string key)
    {
        var k = key.ToLowerInvariant();
        return k.EndsWith(".parquet") || k.EndsWith(".csv.gz") || k.EndsWith(".csv") || k.EndsWith(".gz");
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
            if (name == TestObjectName) continue;
            var (root, kind, period, rest) = Locate(segments);
            if (kind == "metadata")
            {
                if (name.EndsWith("Manifest.json", StringComparison.OrdinalIgnoreCase) && period is not null)
                    Get(partitions, root!, period).Manifests.Add(obj);
                continue;
            }
            if (!IsDataFile(name)) continue;
            if (kind == "data" && period is not null)
            {
                var p = Get(partitions, root!, period);
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
            if (p.Direct.Count == 0 && p.Executions.Count == 0) continue;
            result.Add(await ResolvePartitionAsync(root, period, p, readManifest, ctx, ct).ConfigureAwait(false));
        }
        var looseData = loose.Where(o => o.Size > 0).ToList();
        if (looseData.Count > 0)
            result.Add(new ExportPeriod(string.Empty, "(files)", null, ExportMode.LooseFiles, null, looseData, null, loose.Count - looseData.Count));
        return result;
    }

    private static (string? Root, string? Kind, string? Period, string[] Remainder) Locate(string[] segments)
    {
        for (var i = 0; i + 1 < segments.Length; i++)
        {
            var kind = segments[i];
            if (!kind.Equals("data", StringComparison.OrdinalIgnoreCase) && !kind.Equals("metadata", StringComparison.OrdinalIgnoreCase)) continue;
            var m = PeriodSegment.Match(segments[i + 1]);
            if (!m.Success) continue;
            return (string.Join('/', segments[..i]), kind.ToLowerInvariant(), m.Groups[1].Value, segments[(i + 2)..]);
        }
        return (null, null, null, Array.Empty<string>());
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
                var byTail = all.ToDictionary(o => Tail(o.Key), StringComparer.Ordinal);
                var files = new List<StoredObject>();
                foreach (var uri in listed)
                {
                    if (byTail.TryGetValue(Tail(uri), out var obj)) files.Add(obj);
                    else throw new BedrockCostException(ErrorIds.ManifestFileMissing, ErrorKind.InvalidData,
                        $"The manifest '{manifest.Key}' lists '{uri}', which is not in the export. The delivery is incomplete or the copy is partial: " +
                        "copy the whole export folder, or wait for the delivery to finish.", manifest.Key);
                }
                var execution = files.Select(f => ExecutionOf(f.Key)).Distinct().SingleOrDefault();
                ctx.Debug($"{exportName} {period}: manifest lists {files.Count} file(s)");
                return new ExportPeriod(root, exportName, period, execution is null ? ExportMode.Overwrite : ExportMode.CreateNew,
                    execution, files.Where(f => f.Size > 0).ToList(), manifest, all.Count - files.Count);
            }
        }

        if (p.Executions.Count > 0)
        {
            // Folder names start with the delivery timestamp; the newest object breaks ties.
            var latest = p.Executions.OrderByDescending(e => e.Key, StringComparer.Ordinal)
                .ThenByDescending(e => e.Value.Max(o => o.LastModified)).First();
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

    /// <summary>The part of a key from its "data/" segment on, so s3:// URIs match local copies.</summary>
    private static string Tail(string keyOrUri)
    {
        var k = keyOrUri.Replace('\\', '/');
        var at = k.LastIndexOf("/data/BILLING_PERIOD=", StringComparison.OrdinalIgnoreCase);
        return at >= 0 ? k[(at + 1)..] : k[(k.LastIndexOf('/') + 1)..];
    }

    private static async Task<IReadOnlyList<string>?> ReadManifestFilesAsync(StoredObject manifest,
        Func<StoredObject, CancellationToken, Task<Stream>> readManifest, CancellationToken ct)
    {
        try
        {
            await using var stream = await readManifest(manifest, ct).ConfigureAwait(false);
            using var doc = await JsonDocument.ParseAsync(stream, cancellationToken: ct).ConfigureAwait(false);
            if (!doc.RootElement.TryGetProperty("dataFiles", out var files) || files.ValueKind != JsonValueKind.Array) return null;
            return files.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToList();
        }
        catch (JsonException e)
        {
            throw new BedrockCostException(ErrorIds.ManifestInvalid, ErrorKind.InvalidData,
                $"The manifest '{manifest.Key}' is not valid JSON ({e.Message}).", manifest.Key, e);
        }
    }

    private sealed class Partition
    {
        public List<StoredObject> Direct { get; } = new();
        public Dictionary<string, List<StoredObject>> Executions { get; } = new(StringComparer.Ordinal);
        public List<StoredObject> Manifests { get; } = new();
    }
}
