using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using BedrockCost.Core.Aggregation;

namespace BedrockCost.Core.Cur;

/// <summary>
/// Runs a query over CUR data files with one worker per core. Workers take the row groups of the Parquet files
/// already open first, and open the next file (a CSV file is then read whole) only when there are none, so a large
/// file's row groups are read in parallel and few files are open at once. A file's row groups add up in its own
/// aggregator, merged into the total when the file is complete (a file whose sums would overflow the total's is left
/// out whole, said so). Each row group is streamed a window of rows at a time, so memory depends on the number of
/// cores and the page size, not on the data.
/// </summary>
public static class CurEngine
{
    public static async Task<CostResult> QueryAsync(IReadOnlyList<CurDataFile> files, CostQuery query, IReadOnlySet<string>? periods,
        IOperationContext ctx, CancellationToken ct)
    {
        // A local copy that does not parse is fetched again once (Sources.CurSource.ReadAgainOnceAsync), and the files
        // read again: nothing of the first attempt is kept.
        var byKey = files.GroupBy(f => f.DisplayName).ToDictionary(g => g.Key, g => g.First());
        var schedule = files.Count == 0 ? await RunAsync(files, query, periods, ctx, ct).ConfigureAwait(false) :
            await Sources.CurSource.ReadAgainOnceAsync(files[0].Store, key => byKey.TryGetValue(key, out var f) ? f.Object : null,
                () => RunAsync(files, query, periods, ctx, ct), ct).ConfigureAwait(false);
        ctx.Progress(new ProgressReport(1, "Reading CUR data", "Done", 100, Completed: true));

        foreach (var error in schedule.Errors) ctx.Error(error);
        if (schedule.Legacy > 0)
            ctx.Warning($"{schedule.Legacy} of {files.Count} file(s) are legacy Cost and Usage Reports (CUR 1.0): they are read, and their Bedrock cost " +
                        $"is unattributed. {CurColumns.LegacyHelp}");
        if (schedule.WithoutPrincipal > 0)
            ctx.Warning($"{schedule.WithoutPrincipal} of {files.Count} file(s) have no line_item_iam_principal column, so their Bedrock cost is unattributed. " +
                        CurColumns.EnablePrincipalHelp);

        // The periods read are the periods of the result, with or without Bedrock: a month without Bedrock is
        // an answer (nothing, said so), not an error.
        var total = schedule.Total;
        var read = schedule.PeriodRows.Where(kv => periods?.Contains(kv.Key) ?? query.PeriodOverlapsDates(kv.Key)).OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        foreach (var (period, rows) in read.Where(kv => !total.Periods.Contains(kv.Key)))
            ctx.Warning(string.Create(CultureInfo.InvariantCulture, $"Found no Bedrock line items in {rows:N0} rows of billing period {period}."));
        total.CoverPeriods(read.Select(kv => kv.Key));
        return total.ToResult("CUR", ctx, files.Count, schedule.RowsScanned, schedule.WithoutPrincipal == 0 && schedule.Legacy == 0);
    }

    private static async Task<Schedule> RunAsync(IReadOnlyList<CurDataFile> files, CostQuery query, IReadOnlySet<string>? periods, IOperationContext ctx,
        CancellationToken ct)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var schedule = new Schedule(files, query, periods, ctx, failed);
        ctx.Progress(new ProgressReport(1, "Reading CUR data", $"0 of {files.Count} files", 0));
        var workers = Enumerable.Range(0, Math.Max(1, Math.Min(Environment.ProcessorCount, 64)))
            .Select(_ => Task.Run(schedule.WorkAsync, CancellationToken.None)).ToArray();
        try
        {
            await Task.WhenAll(workers).ConfigureAwait(false);
        }
        catch when (schedule.Failure is not null && !ct.IsCancellationRequested)
        {
            schedule.Failure.Throw();
            throw;
        }
        finally
        {
            await schedule.DisposeAsync().ConfigureAwait(false);
        }
        return schedule;
    }

    /// <summary>The files of a query, their row groups, and what was read of each.</summary>
    private sealed class Schedule : IAsyncDisposable
    {
        private readonly IReadOnlyList<CurDataFile> _files;
        private readonly CostQuery _query;
        private readonly IReadOnlySet<string>? _periods;
        private readonly IOperationContext _ctx;
        private readonly CancellationTokenSource _cancel;
        private readonly Channel<(OpenFile File, int RowGroup)> _rowGroups = Channel.CreateUnbounded<(OpenFile, int)>();
        private readonly ConcurrentDictionary<OpenFile, bool> _open = new();
        private readonly object _gate = new();
        private int _nextFile, _filesOpened, _filesDone;
        private long _rowsScanned;
        private ExceptionDispatchInfo? _failure;

        public Schedule(IReadOnlyList<CurDataFile> files, CostQuery query, IReadOnlySet<string>? periods, IOperationContext ctx, CancellationTokenSource cancel)
        {
            _files = files;
            _query = query;
            _periods = periods;
            _ctx = ctx;
            _cancel = cancel;
            Total = new Aggregator(query);
            if (files.Count == 0) _rowGroups.Writer.Complete();
        }

        /// <summary>The first failure of a worker (the others then stop).</summary>
        public ExceptionDispatchInfo? Failure => _failure;
        public Aggregator Total { get; }
        public long RowsScanned => Interlocked.Read(ref _rowsScanned);
        public int WithoutPrincipal { get; private set; }
        public int Legacy { get; private set; }
        public Dictionary<string, long> PeriodRows { get; } = new(StringComparer.Ordinal);
        /// <summary>Non-terminating errors (line items left out), given out once the query is read.</summary>
        public List<BedrockCostException> Errors { get; } = new();

        /// <summary>One worker: its own string pool and row-group reader; row groups of open files first, else the next file.</summary>
        public async Task WorkAsync()
        {
            var pool = new StringPool();
            using var scan = new ParquetCurReader.Scan();
            var ct = _cancel.Token;
            try
            {
                while (true)
                {
                    ct.ThrowIfCancellationRequested();
                    if (_rowGroups.Reader.TryRead(out var unit))
                    {
                        var read = Unit(unit.File.Data, pool, scan);
                        await ParquetCurReader.ReadRowGroupAsync(unit.File.Parquet!, unit.RowGroup, read, ct).ConfigureAwait(false);
                        await DoneAsync(unit.File, read).ConfigureAwait(false);
                        continue;
                    }
                    var next = Interlocked.Increment(ref _nextFile) - 1;
                    if (next < _files.Count)
                    {
                        await OpenAsync(_files[next], pool, ct).ConfigureAwait(false);
                        continue;
                    }
                    if (!await _rowGroups.Reader.WaitToReadAsync(ct).ConfigureAwait(false)) return;
                }
            }
            catch (Exception e)
            {
                if (e is not OperationCanceledException) Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(e), null);
                _cancel.Cancel();
                throw;
            }
        }

        /// <summary>A read of a file (or of one of its row groups) into its own aggregator.</summary>
        private CurFileRead Unit(CurDataFile file, StringPool pool, ParquetCurReader.Scan? scan = null) =>
            new(file.DisplayName, file.BillingPeriod, new Aggregator(_query), _query, _periods, pool) { Scan = scan };

        /// <summary>Opens a file: a Parquet file's row groups go to the queue; a CSV file is read now; an empty one is done.</summary>
        private async Task OpenAsync(CurDataFile data, StringPool pool, CancellationToken ct)
        {
            try
            {
                var file = new OpenFile(data, await data.OpenAsync(ct).ConfigureAwait(false), Unit(data, pool));
                _open[file] = true;
                var format = await DetectFormatAsync(file.Stream, data.DisplayName, ct).ConfigureAwait(false);
                // Tests hold the read here to stop it mid-read by construction (Checkpoints); one volatile read otherwise.
                if (format != FileFormat.Empty) await Checkpoints.ReachAsync(Checkpoints.CurFileRead, data.DisplayName, ct).ConfigureAwait(false);
                if (format == FileFormat.Parquet)
                {
                    file.Parquet = await ParquetCurFile.OpenAsync(file.Stream, data.DisplayName, ct).ConfigureAwait(false);
                    file.Read.HasPrincipalColumn = file.Parquet.Fields[CurColumns.IamPrincipal] is not null;
                    file.Read.IsLegacy = file.Parquet.Fields.IsLegacy;
                    await ParquetCurReader.PrefetchAsync(file.Parquet, file.Read, ct).ConfigureAwait(false);
                    file.Left = file.Parquet.RowGroupCount;
                    if (file.Left == 0) await DoneAsync(file, null).ConfigureAwait(false);
                    for (var i = 0; i < file.Parquet.RowGroupCount; i++) _rowGroups.Writer.TryWrite((file, i));
                }
                else
                {
                    file.Left = 1;
                    CurFileRead? read = null;
                    if (format != FileFormat.Empty)
                    {
                        read = Unit(data, pool);
                        await CsvCurReader.ReadAsync(file.Stream, format, read, ct).ConfigureAwait(false);
                        file.Read.HasPrincipalColumn = read.HasPrincipalColumn;
                        file.Read.IsLegacy = read.IsLegacy;
                    }
                    else file.Empty = true;
                    await DoneAsync(file, read).ConfigureAwait(false);
                }
            }
            finally
            {
                if (Interlocked.Increment(ref _filesOpened) == _files.Count) _rowGroups.Writer.TryComplete();
            }
        }

        /// <summary>
        /// A unit of a file is read: its sums go into the file's; after the file's last unit, the file's sums go into the
        /// total, the file is closed and reported.
        /// </summary>
        private async Task DoneAsync(OpenFile file, CurFileRead? unit)
        {
            bool last;
            lock (file)
            {
                if (unit is not null)
                {
                    file.Read.Absorb(unit);
                    if (!file.Aggregator.TryMerge(unit.Aggregator))
                    {
                        file.Aggregator.AddLeftOut(unit.Aggregator.LineItems + unit.Aggregator.LeftOut);
                        file.Errors.Add(Overflow(file.Data, unit.Aggregator.LineItems, "its other row groups"));
                    }
                }
                last = --file.Left <= 0;
            }
            if (!last) return;
            var read = file.Read;
            Interlocked.Add(ref _rowsScanned, read.RowsScanned);
            lock (_gate)
            {
                if (!file.Empty && read.IsLegacy) Legacy++;
                else if (!file.Empty && !read.HasPrincipalColumn) WithoutPrincipal++;
                foreach (var (p, rows) in read.PeriodRows) PeriodRows[p] = PeriodRows.GetValueOrDefault(p) + rows;
                Errors.AddRange(read.LeftOutErrors());
                Errors.AddRange(file.Errors);
                if (!Total.TryMerge(file.Aggregator))
                {
                    Total.AddLeftOut(file.Aggregator.LineItems + file.Aggregator.LeftOut);
                    Errors.Add(Overflow(file.Data, file.Aggregator.LineItems, "the other files"));
                }
            }
            _open.TryRemove(file, out _);
            await file.DisposeAsync().ConfigureAwait(false);
            var n = Interlocked.Increment(ref _filesDone);
            _ctx.Progress(new ProgressReport(1, "Reading CUR data", $"{n} of {_files.Count} files", (int)(100L * n / Math.Max(1, _files.Count))));
            _ctx.Debug(file.Empty ? $"Read {file.Data.DisplayName}: empty" :
                $"Read {file.Data.DisplayName}: {read.RowsScanned} rows" + (read.RowGroups == 0 ? string.Empty :
                    $", {read.RowGroups} row groups ({read.RowGroupsSkipped} skipped: their statistics show no Bedrock row)"));
        }

        private static BedrockCostException Overflow(CurDataFile file, long lineItems, string others) =>
            new(ErrorIds.CostSumOverflow, ErrorKind.InvalidData,
                $"'{file.DisplayName}': adding its {lineItems:N0} Bedrock line item(s) to those of {others} would take a sum beyond " +
                "the decimal range. They are left out of the totals, which are incomplete; the rest is counted.", file.DisplayName);

        /// <summary>Closes what a failure or cancellation left open.</summary>
        public async ValueTask DisposeAsync()
        {
            foreach (var file in _open.Keys) await file.DisposeAsync().ConfigureAwait(false);
            _open.Clear();
        }
    }

    /// <summary>A file being read: its stream, its Parquet footer, its sums, its row groups still to read.</summary>
    private sealed class OpenFile(CurDataFile data, Stream stream, CurFileRead read) : IAsyncDisposable
    {
        public CurDataFile Data { get; } = data;
        public Stream Stream { get; } = stream;
        public ParquetCurFile? Parquet { get; set; }
        /// <summary>What the file's units saw, and (its aggregator) their sums.</summary>
        public CurFileRead Read { get; } = read;
        public Aggregator Aggregator => Read.Aggregator;
        public List<BedrockCostException> Errors { get; } = new();
        public int Left;
        public bool Empty;
        private int _disposed;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            if (Parquet is not null) await Parquet.DisposeAsync().ConfigureAwait(false);
            await Stream.DisposeAsync().ConfigureAwait(false);
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
