using System.Globalization;
using System.Text;
using System.Text.Json;

namespace BedrockCost.TestData;

public enum ExportMode { Overwrite, CreateNew }
public enum ExportFormat { Parquet, CsvGzip }
/// <summary>How an overwrite-mode leftover chunk is emptied.</summary>
public enum LeftoverKind { ZeroBytes, ZeroRowParquet }

/// <summary>Where and how an export is laid out.</summary>
public sealed record ExportOptions
{
    /// <summary>Local folder standing for s3://Bucket/Prefix.</summary>
    public required string Root { get; init; }
    public string ExportName { get; init; } = "bedrock-cur";
    public string Bucket { get; init; } = "example-cur-bucket";
    /// <summary>S3 key prefix before the export name ("" for none).</summary>
    public string Prefix { get; init; } = "cur";
    public string AccountId { get; init; } = Catalog.PayerAccount;
    public ExportMode Mode { get; init; } = ExportMode.Overwrite;
    public ExportFormat Format { get; init; } = ExportFormat.Parquet;
    public int RowGroupSize { get; init; } = 100_000;
    public CurSchemaOptions Schema { get; init; } = CurSchemaOptions.Full;
    /// <summary>Chunks written at once (chunk enumerables must then be independent).</summary>
    public int MaxParallelism { get; init; } = 1;

    public string FileExtension => Format == ExportFormat.Parquet ? ".snappy.parquet" : ".csv.gz";
    public string ExportArn =>
        $"arn:aws:bcm-data-exports:us-east-1:{AccountId}:export/{ExportName}-{DeterministicGuid.From(ExportName):D}";
}

/// <summary>One refresh of a billing period: its time, id and data split into chunks (one file each).</summary>
public sealed record ExportExecution(DateTime ExecutedAtUtc, string ExecutionId, IReadOnlyList<IEnumerable<LineItem>> Chunks);

/// <summary>What was written for one period.</summary>
public sealed record PeriodResult(string BillingPeriod, string ManifestPath, IReadOnlyList<string> DataFiles,
    IReadOnlyList<string> ManifestDataFiles, long Rows);

/// <summary>Writes AWS Data Exports delivery layouts (data partitions + manifest) with the one CUR writer.</summary>
public static class ExportWriter
{
    public const string TestObjectName = "aws-programmatic-access-test-object";

    /// <summary>Writes the bucket-root object AWS creates at export setup.</summary>
    public static string WriteTestObject(string root)
    {
        Directory.CreateDirectory(root);
        var path = Path.Combine(root, TestObjectName);
        File.WriteAllText(path, "This object was created by AWS Data Exports to test bucket access.\n");
        return path;
    }

    /// <summary>Writes one data file in the chosen format; returns its row count.</summary>
    public static Task<long> WriteFileAsync(string path, IEnumerable<LineItem> rows, ExportOptions o, CancellationToken ct = default) =>
        o.Format == ExportFormat.Parquet
            ? CurParquetWriter.WriteAsync(path, rows, o.RowGroupSize, o.Schema, ct)
            : CurCsvWriter.WriteGzipAsync(path, rows, o.Schema, ct);

    /// <summary>
    /// Writes one billing period. Overwrite: only the last execution, files directly in the partition, then
    /// <paramref name="leftovers"/> extra empty chunks (not in the manifest). CreateNew: every execution in its own
    /// <c>yyyyMMddTHHmmssZ-executionId</c> folder. The partition-level manifest lists only the last execution's files.
    /// </summary>
    public static async Task<PeriodResult> WritePeriodAsync(ExportOptions o, DateTime billingPeriod,
        IReadOnlyList<ExportExecution> executions, IReadOnlyList<LeftoverKind>? leftovers = null, CancellationToken ct = default)
    {
        if (executions.Count == 0) throw new ArgumentException("at least one execution", nameof(executions));
        var period = billingPeriod.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        var partition = $"BILLING_PERIOD={period}";
        var dataDir = Path.Combine(o.Root, o.ExportName, "data", partition);
        var metaDir = Path.Combine(o.Root, o.ExportName, "metadata", partition);
        Directory.CreateDirectory(metaDir);
        var written = new List<string>();
        List<string> latestKeys = [];
        long latestRows = 0;
        var toWrite = o.Mode == ExportMode.Overwrite ? executions.Skip(executions.Count - 1) : executions;
        foreach (var ex in toWrite)
        {
            var sub = o.Mode == ExportMode.CreateNew
                ? ex.ExecutedAtUtc.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture) + "-" + ex.ExecutionId
                : null;
            var dir = sub is null ? dataDir : Path.Combine(dataDir, sub);
            Directory.CreateDirectory(dir);
            var names = Enumerable.Range(1, ex.Chunks.Count).Select(i => ChunkName(o, i)).ToArray();
            var counts = new long[names.Length];
            await Parallel.ForEachAsync(Enumerable.Range(0, names.Length),
                new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, o.MaxParallelism), CancellationToken = ct },
                async (i, c) => counts[i] = await WriteFileAsync(Path.Combine(dir, names[i]), ex.Chunks[i], o, c));
            written.AddRange(names.Select(n => Path.Combine(dir, n)));
            latestKeys = names.Select(n => string.Join('/', new[] { o.ExportName, "data", partition, sub, n }.Where(s => s != null))).ToList();
            latestRows = counts.Sum();
        }
        if (o.Mode == ExportMode.Overwrite && leftovers != null)
        {
            int next = executions[^1].Chunks.Count + 1;
            foreach (var kind in leftovers)
            {
                var path = Path.Combine(dataDir, ChunkName(o, next++));
                if (kind == LeftoverKind.ZeroBytes || o.Format != ExportFormat.Parquet) await File.WriteAllBytesAsync(path, [], ct);
                else await WriteFileAsync(path, [], o, ct);
                written.Add(path);
            }
        }
        var prefix = string.IsNullOrEmpty(o.Prefix) ? "" : o.Prefix.Trim('/') + "/";
        var uris = latestKeys.Select(k => $"s3://{o.Bucket}/{prefix}{k}").ToList();
        var manifestPath = Path.Combine(metaDir, $"{o.ExportName}-Manifest.json");
        await File.WriteAllTextAsync(manifestPath, ManifestJson(o, period, executions[^1].ExecutionId, uris), ct);
        return new PeriodResult(period, manifestPath, written, uris, latestRows);
    }

    static string ChunkName(ExportOptions o, int i) => $"{o.ExportName}-{i:D5}{o.FileExtension}";

    static string ManifestJson(ExportOptions o, string period, string executionId, IReadOnlyList<string> uris)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("executionId", executionId);
            w.WriteString("exportArn", o.ExportArn);
            w.WriteString("exportName", o.ExportName);
            w.WriteString("billingPeriod", period);
            w.WriteStartArray("dataFiles");
            foreach (var u in uris) w.WriteStringValue(u);
            w.WriteEndArray();
            w.WriteStartArray("columns");
            foreach (var c in CurSchema.Columns(o.Schema))
            {
                w.WriteStartObject(); w.WriteString("name", c.Name); w.WriteString("type", c.ManifestType); w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray()) + "\n";
    }

    /// <summary>Splits a materialised list into <paramref name="chunkCount"/> contiguous chunks.</summary>
    public static IReadOnlyList<IEnumerable<LineItem>> Split(IReadOnlyList<LineItem> rows, int chunkCount)
    {
        chunkCount = Math.Max(1, chunkCount);
        return Enumerable.Range(0, chunkCount)
            .Select(i => (IEnumerable<LineItem>)rows.Skip((int)((long)rows.Count * i / chunkCount))
                .Take((int)((long)rows.Count * (i + 1) / chunkCount - (long)rows.Count * i / chunkCount)).ToArray())
            .ToList();
    }
}

/// <summary>GUIDs derived from text (no randomness, no clock).</summary>
public static class DeterministicGuid
{
    public static Guid From(string text)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(text));
        var b = hash.AsSpan(0, 16).ToArray();
        b[7] = (byte)((b[7] & 0x0F) | 0x40); // version 4 shape
        b[8] = (byte)((b[8] & 0x3F) | 0x80);
        return new Guid(b);
    }
}
