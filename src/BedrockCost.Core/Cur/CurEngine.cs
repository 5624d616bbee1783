using System.Collections.Concurrent;
using BedrockCost.Core.Aggregation;

namespace BedrockCost.Core.Cur;

/// <summary>A data file on local disk, with its billing period when the export layout gives it.</summary>
public sealed record CurDataFile(string LocalPath, string DisplayName, string? BillingPeriod);

/// <summary>
/// Runs a query over CUR data files: files in parallel (one aggregator per file, merged at the end),
/// each streamed row group by row group, so memory depends on the row-group size, not on the data size.
/// </summary>
public static class CurEngine
{
    public static async Task<CostResult> QueryAsync(IReadOnlyList<CurDataFile> files, CostQuery query, IReadOnlySet<string>? periods,
        IOperationContext ctx, CancellationToken ct)
    {
        var total = new Aggregator(query);
        var gate = new object();
        long rowsScanned = 0;
        var done = 0;
        var withoutPrincipal = new ConcurrentBag<string>();
        var options = new ParallelOptions { CancellationToken = ct, MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) };
        ctx.Progress(new ProgressReport(1, "Reading CUR data", $"0 of {files.Count} files", 0));
        await Parallel.ForEachAsync(files, options, async (file, token) =>
        {
            var read = await ReadOneAsync(file, query, periods, total, gate, n => Interlocked.Add(ref rowsScanned, n), token).ConfigureAwait(false);
            if (read is { HasPrincipalColumn: false }) withoutPrincipal.Add(file.DisplayName);
            var n = Interlocked.Increment(ref done);
            ctx.Progress(new ProgressReport(1, "Reading CUR data", $"{n} of {files.Count} files", (int)(100L * n / Math.Max(1, files.Count))));
            ctx.Debug(read is null ? $"Read {file.DisplayName}: empty" :
                $"Read {file.DisplayName}: {read.RowsScanned} rows" + (read.RowGroups == 0 ? string.Empty :
                    $", {read.RowGroups} row groups ({read.RowGroupsSkipped} skipped: their statistics show no Bedrock row)"));
        }).ConfigureAwait(false);
        ctx.Progress(new ProgressReport(1, "Reading CUR data", "Done", 100, Completed: true));

        if (!withoutPrincipal.IsEmpty)
            ctx.Warning($"{withoutPrincipal.Count} of {files.Count} file(s) have no line_item_iam_principal column, so their Bedrock cost is unattributed. " +
                        CurColumns.EnablePrincipalHelp);
        var result = total.ToResult("CUR", files.Count, rowsScanned, withoutPrincipal.IsEmpty);
        if (result.UnrecognisedUsageTypes.Count > 0)
            ctx.Warning($"Unrecognised Bedrock usage type(s), counted with no model or token direction: {string.Join(", ", result.UnrecognisedUsageTypes.Take(10))}" +
                        (result.UnrecognisedUsageTypes.Count > 10 ? $" and {result.UnrecognisedUsageTypes.Count - 10} more" : string.Empty) + ".");
        return result;
    }

    /// <summary>Reads one file into its own aggregator, then merges it; returns the read (null for an empty file).</summary>
    private static async Task<CurFileRead?> ReadOneAsync(CurDataFile file, CostQuery query, IReadOnlySet<string>? periods, Aggregator total,
        object gate, Action<long> addRows, CancellationToken ct)
    {
        var format = await DetectFormatAsync(file, ct).ConfigureAwait(false);
        var fileAggregator = new Aggregator(query);
        var read = new CurFileRead(file.DisplayName, file.BillingPeriod, fileAggregator, query, periods);
        switch (format)
        {
            case FileFormat.Parquet: await ParquetCurReader.ReadAsync(file.LocalPath, read, ct).ConfigureAwait(false); break;
            case FileFormat.GzipCsv: await CsvCurReader.ReadAsync(file.LocalPath, true, read, ct).ConfigureAwait(false); break;
            case FileFormat.Csv: await CsvCurReader.ReadAsync(file.LocalPath, false, read, ct).ConfigureAwait(false); break;
            case FileFormat.Empty: return null;
        }
        addRows(read.RowsScanned);
        lock (gate) total.Merge(fileAggregator);
        return read;
    }

    internal enum FileFormat { Parquet, GzipCsv, Csv, Empty }

    internal static async Task<FileFormat> DetectFormatAsync(CurDataFile file, CancellationToken ct)
    {
        var head = new byte[4];
        int n;
        try
        {
            await using var s = new FileStream(file.LocalPath, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, useAsync: true);
            n = await s.ReadAtLeastAsync(head, 4, throwOnEndOfStream: false, ct).ConfigureAwait(false);
        }
        catch (FileNotFoundException e)
        {
            throw new BedrockCostException(ErrorIds.PathNotFound, ErrorKind.NotFound, $"'{file.DisplayName}' no longer exists.", file.DisplayName, e);
        }
        if (n == 0) return FileFormat.Empty;
        if (n == 4 && head[0] == 'P' && head[1] == 'A' && head[2] == 'R' && head[3] == '1') return FileFormat.Parquet;
        if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b) return FileFormat.GzipCsv;
        if (file.LocalPath.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase))
            throw CurErrors.Corrupt(file.DisplayName, new InvalidDataException("no Parquet magic number"));
        return FileFormat.Csv;
    }

    /// <summary>Billing periods present in files whose layout does not say (loose files).</summary>
    public static async Task<IReadOnlySet<string>> ScanPeriodsAsync(CurDataFile file, CostQuery query, CancellationToken ct)
    {
        var format = await DetectFormatAsync(file, ct).ConfigureAwait(false);
        if (format == FileFormat.Parquet) return await ParquetCurReader.ScanPeriodsAsync(file.LocalPath, file.DisplayName, ct).ConfigureAwait(false);
        if (format == FileFormat.Empty) return new HashSet<string>();
        // CSV has no statistics: read it once with every period accepted.
        var agg = new Aggregator(new CostQuery { GroupBy = Array.Empty<GroupDimension>(), IncludeAgentCore = query.IncludeAgentCore });
        var read = new CurFileRead(file.DisplayName, null, agg, new CostQuery { IncludeAgentCore = query.IncludeAgentCore }, null);
        await CsvCurReader.ReadAsync(file.LocalPath, format == FileFormat.GzipCsv, read, ct).ConfigureAwait(false);
        return agg.Periods;
    }
}
