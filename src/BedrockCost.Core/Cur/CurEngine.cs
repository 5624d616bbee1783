using System.Collections.Concurrent;
using BedrockCost.Core.Aggregation;

namespace BedrockCost.Core.Cur;

/// <summary>
/// Runs a query over CUR data files with one worker per core. Workers take the row groups of the Parquet files
/// already open first, and open the next file (a CSV file is then read whole) only when there are none, so a large
/// file's row groups are read in parallel and few files are open at once. Each worker sums into its own aggregator,
/// merged at the end; each row group is streamed a window of rows at a time, so memory depends on the number of
/// cores and the page size, not on the data.
/// </summary>
public static class CurEngine
{
    public static async Task<CostResult> QueryAsync(IReadOnlyList<CurDataFile> files, CostQuery query, IReadOnlySet<string>? periods,
        IOperationContext ctx, CancellationToken ct)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var schedule = new Schedule(files, query, periods, ctx, failed);
        ctx.Progress(new ProgressReport(1, "Reading CUR data", $"0 of {files.Count} files", 0));
        var workers = Enumerable.Range(0, Math.Max(1, Math.Min(Environment.ProcessorCount, 64)))
            .Select(_ => Task.Run(schedule.WorkAsync, CancellationToken.None)).ToArray();
        Aggregator[] results;
        try
        {
            results = await Task.WhenAll(workers).ConfigureAwait(false);
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
        ctx.Progress(new ProgressReport(1, "Reading CUR data", "Done", 100, Completed: true));

        var total = results[0];
        foreach (var r in results.Skip(1)) total.Merge(r);
        if (schedule.WithoutPrincipal > 0)
            ctx.Warning($"{schedule.WithoutPrincipal} of {files.Count} file(s) have no line_item_iam_principal column, so their Bedrock cost is unattributed. " +
                        CurColumns.EnablePrincipalHelp);
        return total.ToResult("CUR", ctx, files.Count, schedule.RowsScanned, schedule.WithoutPrincipal == 0);
    }

    /// <summary>The files of a query, their row groups, and what was read of each.</summary>
    private sealed class Schedule : IAsyncDisposable
    {
        private readonly IReadOnlyList<CurDataFile> _files;
        private readonly CostQuery _query;
        private readonly IReadOnlySet<string>? _periods;
        private readonly IOperationContext _ctx;
        private readonly CancellationTokenSource _cancel;
        private readonly System.Threading.Channels.Channel<(OpenFile File, int RowGroup)> _rowGroups =
            System.Threading.Channels.Channel.CreateUnbounded<(OpenFile, int)>();
        private readonly ConcurrentDictionary<OpenFile, bool> _open = new();
        private int _nextFile, _filesOpened, _filesDone;
        private long _rowsScanned;
        private int _withoutPrincipal;

        public Schedule(IReadOnlyList<CurDataFile> files, CostQuery query, IReadOnlySet<string>? periods, IOperationContext ctx, CancellationTokenSource cancel)
        {
            _files = files;
            _query = query;
            _periods = periods;
            _ctx = ctx;
            _cancel = cancel;
            if (files.Count == 0) _rowGroups.Writer.Complete();
        }

        private System.Runtime.ExceptionServices.ExceptionDispatchInfo? _failure;
        /// <summary>The first failure of a worker (the others then stop).</summary>
        public System.Runtime.ExceptionServices.ExceptionDispatchInfo? Failure => _failure;
        public long RowsScanned => Interlocked.Read(ref _rowsScanned);
        public int WithoutPrincipal => _withoutPrincipal;

        /// <summary>One worker: its own aggregator and string pool, row groups of open files first, else the next file.</summary>
        public async Task<Aggregator> WorkAsync()
        {
            var aggregator = new Aggregator(_query);
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
                        var read = Unit(unit.File.Data, aggregator, pool, scan);
                        await ParquetCurReader.ReadRowGroupAsync(unit.File.Parquet!, unit.RowGroup, read, ct).ConfigureAwait(false);
                        await DoneAsync(unit.File, read).ConfigureAwait(false);
                        continue;
                    }
                    var next = Interlocked.Increment(ref _nextFile) - 1;
                    if (next < _files.Count)
                    {
                        await OpenAsync(_files[next], aggregator, pool, ct).ConfigureAwait(false);
                        continue;
                    }
                    if (!await _rowGroups.Reader.WaitToReadAsync(ct).ConfigureAwait(false)) return aggregator;
                }
            }
            catch (Exception e)
            {
                if (e is not OperationCanceledException)
                    Interlocked.CompareExchange(ref _failure, System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e), null);
                _cancel.Cancel();
                throw;
            }
        }

        private CurFileRead Unit(CurDataFile file, Aggregator aggregator, StringPool pool, ParquetCurReader.Scan? scan = null) =>
            new(file.DisplayName, file.BillingPeriod, aggregator, _query, _periods, pool) { Scan = scan };

        /// <summary>Opens a file: a Parquet file's row groups go to the queue; a CSV file is read now; an empty one is done.</summary>
        private async Task OpenAsync(CurDataFile data, Aggregator aggregator, StringPool pool, CancellationToken ct)
        {
            try
            {
                var file = new OpenFile(data, await data.OpenAsync(ct).ConfigureAwait(false));
                _open[file] = true;
                var format = await DetectFormatAsync(file.Stream, data.DisplayName, ct).ConfigureAwait(false);
                if (format == FileFormat.Parquet)
                {
                    file.Parquet = await ParquetCurFile.OpenAsync(file.Stream, data.DisplayName, ct).ConfigureAwait(false);
                    await ParquetCurReader.PrefetchAsync(file.Parquet, Unit(data, aggregator, pool), ct).ConfigureAwait(false);
                    file.HasPrincipalColumn = file.Parquet.Fields[CurColumns.IamPrincipal] is not null;
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
                        read = Unit(data, aggregator, pool);
                        await CsvCurReader.ReadAsync(file.Stream, format == FileFormat.GzipCsv, read, ct).ConfigureAwait(false);
                        file.HasPrincipalColumn = read.HasPrincipalColumn;
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

        /// <summary>A unit of a file is read: counted, and the file closed and reported after its last.</summary>
        private async Task DoneAsync(OpenFile file, CurFileRead? read)
        {
            bool last;
            lock (file)
            {
                if (read is not null)
                {
                    file.RowsScanned += read.RowsScanned;
                    file.RowGroups += read.RowGroups;
                    file.RowGroupsSkipped += read.RowGroupsSkipped;
                }
                last = --file.Left <= 0;
            }
            if (!last) return;
            if (read is not null || file.Parquet is not null) Interlocked.Add(ref _rowsScanned, file.RowsScanned);
            if (!file.Empty && !file.HasPrincipalColumn) Interlocked.Increment(ref _withoutPrincipal);
            _open.TryRemove(file, out _);
            await file.DisposeAsync().ConfigureAwait(false);
            var n = Interlocked.Increment(ref _filesDone);
            _ctx.Progress(new ProgressReport(1, "Reading CUR data", $"{n} of {_files.Count} files", (int)(100L * n / Math.Max(1, _files.Count))));
            _ctx.Debug(file.Empty ? $"Read {file.Data.DisplayName}: empty" :
                $"Read {file.Data.DisplayName}: {file.RowsScanned} rows" + (file.RowGroups == 0 ? string.Empty :
                    $", {file.RowGroups} row groups ({file.RowGroupsSkipped} skipped: their statistics show no Bedrock row)"));
        }

        /// <summary>Closes what a failure or cancellation left open.</summary>
        public async ValueTask DisposeAsync()
        {
            foreach (var file in _open.Keys) await file.DisposeAsync().ConfigureAwait(false);
            _open.Clear();
        }
    }

    /// <summary>A file being read: its stream, its Parquet footer, its row groups still to read, what was read.</summary>
    private sealed class OpenFile(CurDataFile data, Stream stream) : IAsyncDisposable
    {
        public CurDataFile Data { get; } = data;
        public Stream Stream { get; } = stream;
        public ParquetCurFile? Parquet { get; set; }
        public int Left;
        public long RowsScanned;
        public int RowGroups, RowGroupsSkipped;
        public bool HasPrincipalColumn = true, Empty;
        private int _disposed;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            if (Parquet is not null) await Parquet.DisposeAsync().ConfigureAwait(false);
            await Stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    internal enum FileFormat { Parquet, GzipCsv, Csv, Empty }

    /// <summary>The format of a file from its first bytes (the extension can lie); the stream is left at its start.</summary>
    internal static async Task<FileFormat> DetectFormatAsync(Stream stream, string displayName, CancellationToken ct)
    {
        var head = new byte[4];
        var n = await stream.ReadAtLeastAsync(head, 4, throwOnEndOfStream: false, ct).ConfigureAwait(false);
        stream.Position = 0;
        if (n == 0) return FileFormat.Empty;
        if (n == 4 && head[0] == 'P' && head[1] == 'A' && head[2] == 'R' && head[3] == '1') return FileFormat.Parquet;
        if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b) return FileFormat.GzipCsv;
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
            // CSV has no statistics: read it once with every period accepted.
            var agg = new Aggregator(new CostQuery { GroupBy = Array.Empty<GroupDimension>(), IncludeAgentCore = query.IncludeAgentCore });
            var read = new CurFileRead(file.DisplayName, null, agg, new CostQuery { IncludeAgentCore = query.IncludeAgentCore }, null);
            await CsvCurReader.ReadAsync(stream, format == FileFormat.GzipCsv, read, ct).ConfigureAwait(false);
            return agg.Periods;
        }
    }
}
