using System.Collections.Concurrent;
using System.Globalization;
using BedrockCost.Core.Aggregation;

namespace BedrockCost.Core.Cur;

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
        var legacy = new ConcurrentBag<string>();
        var periodRows = new Dictionary<string, long>(StringComparer.Ordinal);
        var options = new ParallelOptions { CancellationToken = ct, MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) };
        ctx.Progress(new ProgressReport(1, "Reading CUR data", $"0 of {files.Count} files", 0));
        await Parallel.ForEachAsync(files, options, async (file, token) =>
        {
            var read = await ReadOneAsync(file, query, periods, total, gate, n => Interlocked.Add(ref rowsScanned, n), ctx, token).ConfigureAwait(false);
            if (read is { IsLegacy: true }) legacy.Add(file.DisplayName);
            else if (read is { HasPrincipalColumn: false }) withoutPrincipal.Add(file.DisplayName);
            if (read is not null)
                lock (periodRows)
                    foreach (var (p, rows) in read.PeriodRows) periodRows[p] = periodRows.GetValueOrDefault(p) + rows;
            var n = Interlocked.Increment(ref done);
            ctx.Progress(new ProgressReport(1, "Reading CUR data", $"{n} of {files.Count} files", (int)(100L * n / Math.Max(1, files.Count))));
            ctx.Debug(read is null ? $"Read {file.DisplayName}: empty" :
                $"Read {file.DisplayName}: {read.RowsScanned} rows" + (read.RowGroups == 0 ? string.Empty :
                    $", {read.RowGroups} row groups ({read.RowGroupsSkipped} skipped: their statistics show no Bedrock row)"));
        }).ConfigureAwait(false);
        ctx.Progress(new ProgressReport(1, "Reading CUR data", "Done", 100, Completed: true));

        if (!legacy.IsEmpty)
            ctx.Warning($"{legacy.Count} of {files.Count} file(s) are legacy Cost and Usage Reports (CUR 1.0): they are read, and their Bedrock cost " +
                        $"is unattributed. {CurColumns.LegacyHelp}");
        if (!withoutPrincipal.IsEmpty)
            ctx.Warning($"{withoutPrincipal.Count} of {files.Count} file(s) have no line_item_iam_principal column, so their Bedrock cost is unattributed. " +
                        CurColumns.EnablePrincipalHelp);

        // The periods read are the periods of the result, with or without Bedrock: a month without Bedrock is
        // an answer (nothing, said so), not an error.
        var read = periodRows.Where(kv => periods?.Contains(kv.Key) ?? query.PeriodOverlapsDates(kv.Key)).OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        foreach (var (period, rows) in read.Where(kv => !total.Periods.Contains(kv.Key)))
            ctx.Warning(string.Create(CultureInfo.InvariantCulture, $"Found no Bedrock line items in {rows:N0} rows of billing period {period}."));
        total.CoverPeriods(read.Select(kv => kv.Key));
        return total.ToResult("CUR", ctx, files.Count, rowsScanned, withoutPrincipal.IsEmpty && legacy.IsEmpty);
    }

    /// <summary>
    /// Reads one file into its own aggregator, then merges it; returns the read (null for an empty file). A local copy
    /// that does not parse is fetched again once (<see cref="Sources.CurSource.ReadAgainOnceAsync"/>).
    /// </summary>
    private static Task<CurFileRead?> ReadOneAsync(CurDataFile file, CostQuery query, IReadOnlySet<string>? periods, Aggregator total,
        object gate, Action<long> addRows, IOperationContext ctx, CancellationToken ct) =>
        Sources.CurSource.ReadAgainOnceAsync(file.Store, key => key == file.DisplayName ? file.Object : null,
            () => ReadOneCoreAsync(file, query, periods, total, gate, addRows, ctx, ct), ct);

    private static async Task<CurFileRead?> ReadOneCoreAsync(CurDataFile file, CostQuery query, IReadOnlySet<string>? periods, Aggregator total,
        object gate, Action<long> addRows, IOperationContext ctx, CancellationToken ct)
    {
        var stream = await file.OpenAsync(ct).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var format = await DetectFormatAsync(stream, file.DisplayName, ct).ConfigureAwait(false);
            if (format == FileFormat.Empty) return null;
            await Checkpoints.ReachAsync(Checkpoints.CurFileRead, file.DisplayName, ct).ConfigureAwait(false);
            var fileAggregator = new Aggregator(query);
            var read = new CurFileRead(file.DisplayName, file.BillingPeriod, fileAggregator, query, periods);
            if (format == FileFormat.Parquet) await ParquetCurReader.ReadAsync(stream, read, ct).ConfigureAwait(false);
            else await CsvCurReader.ReadAsync(stream, format, read, ct).ConfigureAwait(false);
            addRows(read.RowsScanned);
            foreach (var error in read.LeftOutErrors()) ctx.Error(error);
            bool merged;
            lock (gate)
            {
                merged = total.TryMerge(fileAggregator);
                if (!merged) total.AddLeftOut(fileAggregator.LineItems + fileAggregator.LeftOut);
            }
            if (!merged)
                ctx.Error(new BedrockCostException(ErrorIds.CostSumOverflow, ErrorKind.InvalidData,
                    $"'{file.DisplayName}': adding its {fileAggregator.LineItems:N0} Bedrock line item(s) to those of the other files would take a sum beyond " +
                    "the decimal range. The file is left out of the totals, which are incomplete; the other files are counted.", file.DisplayName));
            return read;
        }
    }

    /// <summary>What a data file is; ZipCsv is legacy CUR's ZIP compression.</summary>
    internal enum FileFormat { Parquet, GzipCsv, ZipCsv, Csv, Empty }

    /// <summary>The format of a file from its first bytes (the extension can lie); the stream is left at its start.</summary>
    internal static async Task<FileFormat> DetectFormatAsync(Stream stream, string displayName, CancellationToken ct)
    {
        var head = new byte[4];
        var n = await stream.ReadAtLeastAsync(head, 4, throwOnEndOfStream: false, ct).ConfigureAwait(false);
        stream.Position = 0;
        if (n == 0) return FileFormat.Empty;
        if (n == 4 && head[0] == 'P' && head[1] == 'A' && head[2] == 'R' && head[3] == '1') return FileFormat.Parquet;
        if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b) return FileFormat.GzipCsv;
        if (n == 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) return FileFormat.ZipCsv;
        if (displayName.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase))
            throw CurErrors.Corrupt(displayName, new InvalidDataException("no Parquet magic number"));
        return FileFormat.Csv;
    }

    /// <summary>Billing periods present in a file whose layout does not say (a loose file).</summary>
    public static async Task<IReadOnlySet<string>> ScanPeriodsAsync(CurDataFile file, CostQuery query, CancellationToken ct)
    {
        var stream = await file.OpenAsync(ct).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var format = await DetectFormatAsync(stream, file.DisplayName, ct).ConfigureAwait(false);
            if (format == FileFormat.Parquet) return await ParquetCurReader.ScanPeriodsAsync(stream, file.DisplayName, ct).ConfigureAwait(false);
            if (format == FileFormat.Empty) return new HashSet<string>();
            // CSV has no statistics: read it once with every period accepted; every row counts, Bedrock or not.
            var agg = new Aggregator(new CostQuery { GroupBy = Array.Empty<GroupDimension>(), IncludeAgentCore = query.IncludeAgentCore });
            var read = new CurFileRead(file.DisplayName, null, agg, new CostQuery { IncludeAgentCore = query.IncludeAgentCore }, null);
            await CsvCurReader.ReadAsync(stream, format, read, ct).ConfigureAwait(false);
            return read.PeriodRows.Keys.ToHashSet(StringComparer.Ordinal);
        }
    }
}
