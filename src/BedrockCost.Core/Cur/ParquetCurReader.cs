using System.Text;
using Encoding = System.Text.Encoding;
using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Cur.Decoding;
using Parquet;
using Parquet.Meta;
using Parquet.Schema;

namespace BedrockCost.Core.Cur;

/// <summary>
/// A CUR 2.0 Parquet file opened for reading: its footer and schema (parsed by Parquet.Net), the leaf columns the
/// engine reads, and a source of bytes at offsets that row groups read from in parallel.
/// </summary>
internal sealed class ParquetCurFile : IAsyncDisposable
{
    private readonly ParquetReader _reader;
    private readonly Dictionary<string, ParquetLeaf> _leaves;
    // Parquet.Net reads through the shared stream: one fallback read at a time.
    private readonly SemaphoreSlim _fallback = new(1, 1);

    private ParquetCurFile(ParquetReader reader, ParquetFields fields, IReadOnlyList<ParquetLeaf> leaves, IRandomAccess source, string displayName)
    {
        _reader = reader;
        Fields = fields;
        Source = source;
        DisplayName = displayName;
        _leaves = leaves.ToDictionary(l => l.Path, StringComparer.Ordinal);
        LeafCount = leaves.Count;
    }

    public ParquetFields Fields { get; }
    public IRandomAccess Source { get; }
    public string DisplayName { get; }
    public int LeafCount { get; }
    /// <summary>Top-level columns of the schema (a map is one).</summary>
    public int TopLevelColumns => _reader.Schema.Fields.Count;
    public int RowGroupCount => _reader.RowGroupCount;
    public FileMetaData Metadata => _reader.Metadata!;

    /// <summary>Parquet.Net keeps at most this much of freed page buffers (for fallback reads), so memory stays flat.</summary>
    internal static ParquetOptions ReaderOptions { get; } = new() { MaximumSmallPoolFreeBytes = 4 << 20, MaximumLargePoolFreeBytes = 4 << 20 };

    /// <summary>
    /// Opens a Parquet file once its structure is checked (<see cref="ParquetStructure"/>): the footer before Parquet.Net
    /// parses it, the row and value counts and the column chunks' ranges after. Pages are checked as they are read.
    /// </summary>
    /// <param name="stream">The file's content, seekable; the caller disposes it after this.</param>
    /// <param name="requireCur">Fail unless the schema is a CUR 2.0 table with the required columns (what the engine needs).</param>
    public static async Task<ParquetCurFile> OpenAsync(Stream stream, string displayName, CancellationToken ct, bool requireCur = true)
    {
        var footerStart = ParquetStructure.CheckFooter(stream, displayName);
        ParquetReader reader;
        try
        {
            reader = await ParquetReader.CreateAsync(stream, ReaderOptions, leaveStreamOpen: true, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw CurErrors.Corrupt(displayName, e);
        }
        try
        {
            var meta = reader.Metadata ?? throw new InvalidDataException("no metadata");
            ParquetStructure.CheckMetadata(meta, reader.Schema.GetDataFields().Select(f => f.MaxRepetitionLevel).ToList(), footerStart, displayName);
            var fields = ParquetFields.Resolve(reader.Schema, displayName, requireCur);
            var leaves = ParquetLayout.Leaves(meta);
            if (leaves.Count != reader.Schema.GetDataFields().Length) throw new InvalidDataException("the schema's leaves and its fields differ in number");
            if (meta.RowGroups?.Any(g => g.NumRows > int.MaxValue) == true) throw new InvalidDataException($"a row group states more than {int.MaxValue:N0} rows");
            return new ParquetCurFile(reader, fields, leaves, RandomAccessFor.Stream(stream), displayName);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await reader.DisposeAsync().ConfigureAwait(false);
            throw e is BedrockCostException ? e : CurErrors.Corrupt(displayName, e);
        }
    }

    /// <summary>
    /// The page headers of these columns' chunks in a row group, before they are read: inside their chunk, sizes their
    /// codec can produce, value counts adding up to the chunk's (<see cref="ParquetStructure.CheckPages"/>).
    /// </summary>
    public void CheckPages(int rowGroup, IEnumerable<DataField> fields, CancellationToken ct) =>
        ParquetStructure.CheckPages(Source, Metadata.RowGroups[rowGroup], rowGroup, fields.Select(f => Leaf(f).Index).Distinct().Order(), DisplayName, ct);

    public ParquetLeaf Leaf(DataField field) =>
        _leaves.TryGetValue(string.Join('.', field.Path.ToList()), out var leaf) ? leaf : throw new InvalidDataException($"column {field.Path} is not in the schema's leaves");

    public ColumnChunk Chunk(int rowGroup, ParquetLeaf leaf) => Metadata.RowGroups[rowGroup].Columns[leaf.Index];

    /// <summary>A reader of one column chunk: the engine's decoder where it supports the chunk, else Parquet.Net.</summary>
    /// <param name="reuse">A decoder to read with (its buffers are kept), if the decoder supports the chunk.</param>
    public async Task<IColumnCursor> OpenColumnAsync(int rowGroup, DataField field, ValueKind kind, ColumnReader? reuse, CancellationToken ct)
    {
        var leaf = Leaf(field);
        var chunk = Chunk(rowGroup, leaf);
        var spec = ParquetLayout.Spec(leaf, kind);
        if (ColumnReader.Supports(chunk, spec))
        {
            if (reuse is null) return new ColumnReader(Source, chunk, spec!);
            reuse.Reset(Source, chunk, spec!);
            return reuse;
        }
        await _fallback.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            using var g = _reader.OpenRowGroupReader(rowGroup);
            return await ParquetNetColumn.ReadAsync(g, field, kind, checked((int)g.RowCount), DisplayName, ct).ConfigureAwait(false);
        }
        finally { _fallback.Release(); }
    }

    public ParquetRowGroupReader RowGroupReader(int rowGroup) => _reader.OpenRowGroupReader(rowGroup);

    /// <summary>The byte ranges of a map column's key and value chunks in a row group.</summary>
    public IEnumerable<(long Offset, long Length)> MapRanges(int rowGroup, (DataField Key, DataField Value) map) =>
        [ColumnReader.Range(Chunk(rowGroup, Leaf(map.Key))), ColumnReader.Range(Chunk(rowGroup, Leaf(map.Value)))];

    /// <summary>Tells a source that fetches on demand which ranges will be read; nothing for a local file.</summary>
    public Task PrefetchAsync(IEnumerable<(long Offset, long Length)> ranges, CancellationToken ct) =>
        Source is IPrefetch prefetch ? prefetch.PrefetchAsync(ranges.ToList(), ct) : Task.CompletedTask;

    public long Rows(int rowGroup) => Metadata.RowGroups[rowGroup].NumRows;

    public ValueTask DisposeAsync()
    {
        _fallback.Dispose();
        return _reader.DisposeAsync();
    }
}

/// <summary>
/// Reads CUR 2.0 row groups a window of rows at a time. The four columns that decide whether a row is Bedrock are
/// read first (dictionary indexes, each dictionary entry classified once); the other columns the query uses are read
/// only for windows holding a Bedrock row (and pages with none are passed over without being decompressed), strings
/// are made only for the rows that count, once per dictionary entry, and the map columns only when a row needs them.
/// Memory depends on the window and the page size, not on the row group's size.
/// </summary>
internal static class ParquetCurReader
{
    internal const int Window = 8192;

    /// <summary>The flat columns a row group's scan reads for a query (the maps are apart), and how.</summary>
    public static IEnumerable<(string Name, ValueKind Kind)> ColumnsRead(CurFileRead read)
    {
        yield return (CurColumns.ProductCode, ValueKind.Text);
        yield return (CurColumns.BillingEntity, ValueKind.Text);
        yield return (CurColumns.ProductFamily, ValueKind.Text);
        yield return (CurColumns.IamPrincipal, ValueKind.Text);
        yield return (CurColumns.LineItemType, ValueKind.Text);
        yield return (CurColumns.UsageType, ValueKind.Text);
        yield return (CurColumns.Currency, ValueKind.Text);
        yield return (CurColumns.PricingUnit, ValueKind.Text);
        if (read.NeedsAccount) yield return (CurColumns.UsageAccountId, ValueKind.Text);
        if (read.NeedsPayerAccount) yield return (CurColumns.PayerAccountId, ValueKind.Text);
        if (read.NeedsRegion) yield return (CurColumns.ProductRegion, ValueKind.Text);
        yield return (CurColumns.UsageAmount, ValueKind.Number);
        yield return (CurColumns.UnblendedCost, ValueKind.Number);
        yield return (CurColumns.NetUnblendedCost, ValueKind.Number);
        if (read.KnownPeriod is null) yield return (CurColumns.BillingPeriodStart, ValueKind.Timestamp);
        if (read.NeedsUsageStart) yield return (CurColumns.UsageStart, ValueKind.Timestamp);
    }

    /// <summary>
    /// For a source that fetches on demand (S3 by ranges): announces the column chunks the query will read of every row
    /// group whose statistics allow Bedrock rows, so that they are fetched together. The product map is fetched only
    /// when the model is asked for (otherwise when a row first needs it).
    /// </summary>
    public static async Task PrefetchAsync(ParquetCurFile file, CurFileRead read, CancellationToken ct)
    {
        if (file.Source is not IPrefetch) return;
        var ranges = new List<(long, long)>();
        var columns = ColumnsRead(read).Select(c => file.Fields[c.Name]).OfType<DataField>().ToList();
        for (var i = 0; i < file.RowGroupCount; i++)
        {
            var rows = (int)file.Rows(i);
            if (rows == 0) continue;
            using (var g = file.RowGroupReader(i))
                if (RowGroupPruning.CannotHoldBedrock(g, file.Fields, rows, read.IncludeAgentCore)) continue;
            foreach (var c in columns) ranges.Add(ColumnReader.Range(file.Chunk(i, file.Leaf(c))));
            if (read.NeedsModel && file.Fields.Product is { } product) ranges.AddRange(file.MapRanges(i, product));
            if (read.TagKeys.Length > 0 && file.Fields.Tags is { } tags) ranges.AddRange(file.MapRanges(i, tags));
        }
        await file.PrefetchAsync(ranges, ct).ConfigureAwait(false);
    }

    /// <summary>Reads every row group of a file, one after the other (the engine reads them in parallel instead).</summary>
    public static async Task ReadAsync(Stream stream, CurFileRead read, CancellationToken ct)
    {
        await using var file = await ParquetCurFile.OpenAsync(stream, read.DisplayName, ct).ConfigureAwait(false);
        await PrefetchAsync(file, read, ct).ConfigureAwait(false);
        for (var i = 0; i < file.RowGroupCount; i++) await ReadRowGroupAsync(file, i, read, ct).ConfigureAwait(false);
    }

    /// <summary>One row group into <paramref name="read"/>; skipped when its statistics prove it holds no Bedrock row.</summary>
    public static async Task ReadRowGroupAsync(ParquetCurFile file, int index, CurFileRead read, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var f = file.Fields;
        read.HasPrincipalColumn = f[CurColumns.IamPrincipal] is not null;
        read.IsLegacy = f.IsLegacy;
        var rows = (int)file.Rows(index);
        if (rows == 0) return;
        read.RowsScanned += rows;
        read.RowGroups++;
        try
        {
            bool pruned;
            string? period;
            using (var g = file.RowGroupReader(index))
            {
                pruned = RowGroupPruning.CannotHoldBedrock(g, f, rows, read.IncludeAgentCore);
                period = read.KnownPeriod ?? SinglePeriod(g, f[CurColumns.BillingPeriodStart]!);
            }
            // Every row counts under its billing period, Bedrock or not (a month without Bedrock is an answer): from the
            // layout or the statistics, else from the values (read with the row group, or on their own when it is skipped).
            if (period is not null) read.CountRows(period, rows);
            if (pruned)
            {
                read.RowGroupsSkipped++;
                if (period is null) await CountPeriodsAsync(file, index, rows, read, ct).ConfigureAwait(false);
                return;
            }
            if (read.Scan is { } scan) await scan.ReadAsync(file, index, rows, read, countPeriods: period is null, ct).ConfigureAwait(false);
            else
            {
                using var own = new Scan();
                await own.ReadAsync(file, index, rows, read, countPeriods: period is null, ct).ConfigureAwait(false);
            }
            read.Flush();
        }
        catch (Exception e) when (e is not OperationCanceledException and not BedrockCostException)
        {
            throw CurErrors.Corrupt(read.DisplayName, e);
        }
    }

    /// <summary>The one billing period of a row group when its statistics show one; else null.</summary>
    private static string? SinglePeriod(ParquetRowGroupReader g, DataField field)
    {
        var stats = g.GetStatistics(field);
        static DateTime? Utc(object? v) => v switch { DateTime d => d, DateTimeOffset o => o.UtcDateTime, _ => null };
        return Utc(stats?.MinValue) is { } min && Utc(stats?.MaxValue) is { } max && RowRules.Period(min) == RowRules.Period(max)
            ? RowRules.Period(min) : null;
    }

    /// <summary>The rows of a row group under their billing periods, from the column's values.</summary>
    private static async Task CountPeriodsAsync(ParquetCurFile file, int index, int rows, CurFileRead read, CancellationToken ct)
    {
        var field = file.Fields[CurColumns.BillingPeriodStart]!;
        file.CheckPages(index, [field], ct);
        using var column = await file.OpenColumnAsync(index, field, ValueKind.Timestamp, null, ct).ConfigureAwait(false);
        var ids = new int[Window];
        for (var done = 0; done < rows; done += Window)
        {
            var n = Math.Min(Window, rows - done);
            column.Read(n, ids, default, default);
            CountPeriods(column.Values, ids.AsSpan(0, n), read);
            column.Values.EndWindow();
        }
        column.Finish();
    }

    /// <summary>Counts rows under the periods of their values (timestamps), once per distinct value of the window.</summary>
    private static void CountPeriods(ValueTable values, ReadOnlySpan<int> ids, CurFileRead read)
    {
        foreach (var group in ids.ToArray().Where(id => id >= 0).GroupBy(id => values.Timestamp(id)))
            read.CountRows(read.PeriodText(group.Key), group.Count());
    }

    /// <summary>
    /// What Get-BedrockCostExport reports of a file: its principal and tags columns, the rows with a principal and
    /// the tag keys, read with the same decoder as <see cref="ReadAsync"/>.
    /// </summary>
    public static async Task InspectAsync(Stream stream, string displayName, CurFileFacts facts, CancellationToken ct)
    {
        await using var file = await ParquetCurFile.OpenAsync(stream, displayName, ct, requireCur: false).ConfigureAwait(false);
        var principal = file.Fields[CurColumns.IamPrincipal];
        facts.HasPrincipalColumn &= principal is not null;
        facts.HasTagsColumn &= file.Fields.HasTags;
        facts.Columns = Math.Max(facts.Columns, file.TopLevelColumns);
        facts.IsLegacy |= file.Fields.IsLegacy;
        var ids = new int[Window];
        var def = new int[Window];
        var read = new List<DataField>();
        if (principal is not null) read.Add(principal);
        if (file.Fields.Tags is { } t) read.Add(t.Key);
        for (var i = 0; i < file.RowGroupCount; i++)
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                var rows = (int)file.Rows(i);
                file.CheckPages(i, read, ct);
                if (principal is not null)
                {
                    using var p = await file.OpenColumnAsync(i, principal, ValueKind.Text, null, ct).ConfigureAwait(false);
                    for (var done = 0; done < rows; done += Window)
                    {
                        var n = Math.Min(Window, rows - done);
                        p.Read(n, ids, default, default);
                        for (var r = 0; r < n; r++) if (ids[r] >= 0 && p.Values.Text(ids[r]).Length > 0) facts.PrincipalRows++;
                        p.Values.EndWindow();
                    }
                    p.Finish();
                }
                if (file.Fields.Tags is { } tags)
                {
                    using var keys = await file.OpenColumnAsync(i, tags.Key, ValueKind.Text, null, ct).ConfigureAwait(false);
                    var slots = file.Chunk(i, file.Leaf(tags.Key)).MetaData?.NumValues ?? 0;
                    for (long done = 0; done < slots; done += Window)
                    {
                        var n = (int)Math.Min(Window, slots - done);
                        keys.Read(n, ids, def, default);
                        for (var s = 0; s < n; s++)
                            if (ids[s] >= 0 && keys.Values.Text(ids[s]).Length > 0) facts.TagKeys.Add(Encoding.UTF8.GetString(keys.Values.Text(ids[s])));
                        keys.Values.EndWindow();
                    }
                    keys.Finish();
                }
            }
            catch (Exception e) when (e is not OperationCanceledException and not BedrockCostException)
            {
                throw CurErrors.Corrupt(displayName, e);
            }
        }
    }

    /// <summary>The billing periods a file holds, from row-group statistics where present, else from the data.</summary>
    public static async Task<IReadOnlySet<string>> ScanPeriodsAsync(Stream stream, string displayName, CancellationToken ct)
    {
        var periods = new SortedSet<string>(StringComparer.Ordinal);
        await using var file = await ParquetCurFile.OpenAsync(stream, displayName, ct, requireCur: false).ConfigureAwait(false);
        var field = file.Fields[CurColumns.BillingPeriodStart] ?? throw CurErrors.Missing(displayName, new[] { CurColumns.BillingPeriodStart }, csv: false);
        var ids = new int[Window];
        try
        {
            for (var i = 0; i < file.RowGroupCount; i++)
            {
                using (var g = file.RowGroupReader(i))
                {
                    if (SinglePeriod(g, field) is { } period)
                    {
                        periods.Add(period);
                        continue;
                    }
                }
                var rows = (int)file.Rows(i);
                file.CheckPages(i, [field], ct);
                using var c = await file.OpenColumnAsync(i, field, ValueKind.Timestamp, null, ct).ConfigureAwait(false);
                for (var done = 0; done < rows; done += Window)
                {
                    var n = Math.Min(Window, rows - done);
                    c.Read(n, ids, default, default);
                    for (var r = 0; r < n; r++) if (ids[r] >= 0) periods.Add(RowRules.Period(c.Values.Timestamp(ids[r])));
                    c.Values.EndWindow();
                }
                c.Finish();
            }
        }
        catch (Exception e) when (e is not OperationCanceledException and not BedrockCostException)
        {
            throw CurErrors.Corrupt(displayName, e);
        }
        return periods;
    }

    /// <summary>One column of the row group being scanned, with the indexes of the current window; reused from row group to row group.</summary>
    private sealed class Column : IDisposable
    {
        private ColumnReader? _own;
        private byte[] _facts = Array.Empty<byte>();
        private ValueTable? _factsOf;
        private int _generation = -1;

        public IColumnCursor Cursor { get; private set; } = null!;
        public readonly int[] Ids = new int[Window];

        /// <summary>Reads <paramref name="field"/> of row group <paramref name="rowGroup"/>, with this column's own decoder when it supports the chunk.</summary>
        public async Task OpenAsync(ParquetCurFile file, int rowGroup, DataField field, ValueKind kind, CancellationToken ct)
        {
            var cursor = await file.OpenColumnAsync(rowGroup, field, kind, _own, ct).ConfigureAwait(false);
            if (cursor is ColumnReader own) _own = own;
            Cursor = cursor;
        }

        /// <summary>The row group is done: a Parquet.Net column is let go, the decoder kept.</summary>
        public void Close()
        {
            if (Cursor is not null && Cursor != _own) Cursor.Dispose();
            Cursor = null!;
        }

        public ValueTable Values => Cursor.Values;
        public void Read(int n, ReadOnlySpan<bool> want = default) => Cursor.Read(n, Ids.AsSpan(0, n), default, default, want.IsEmpty ? want : want[..n]);
        public string? String(int row, StringPool pool) => Ids[row] is var id && id >= 0 ? Values.String(id, pool) : null;
        public double? Number(int row) => Ids[row] is var id && id >= 0 ? Values.Number(id) : null;
        public DateTime? Timestamp(int row) => Ids[row] is var id && id >= 0 ? Values.Timestamp(id) : null;

        /// <summary>
        /// Adds what each row's value says about the row to <paramref name="facts"/>: decided once per dictionary entry
        /// (and per plain value).
        /// </summary>
        public void AddFacts(int n, Span<RowRules.Facts> facts, RowRules.FactsOf decide)
        {
            var values = Values;
            if (values != _factsOf || values.Generation != _generation)
            {
                _factsOf = values;
                _generation = values.Generation;
                if (_facts.Length < values.DictionaryCount) _facts = new byte[Math.Max(16, values.DictionaryCount)];
                else Array.Clear(_facts);
            }
            var known = _facts;
            var dictionary = values.DictionaryCount;
            var ids = Ids;
            for (var r = 0; r < n; r++)
            {
                var id = ids[r];
                if (id < 0) continue;
                if (id < dictionary)
                {
                    var k = known[id];
                    if (k == 0) known[id] = k = (byte)(Decide(values.Text(id), decide) | RowRules.Facts.Known);
                    facts[r] |= (RowRules.Facts)k & ~RowRules.Facts.Known;
                }
                else facts[r] |= Decide(values.Text(id), decide);
            }
        }

        private static RowRules.Facts Decide(ReadOnlySpan<byte> utf8, RowRules.FactsOf decide)
        {
            if (utf8.Length > 128) return decide(Encoding.UTF8.GetString(utf8));
            Span<char> chars = stackalloc char[128];
            return decide(chars[..Encoding.UTF8.GetChars(utf8, chars)]);
        }

        public void Dispose()
        {
            Close();
            _own?.Dispose();
            _own = null;
        }
    }

    /// <summary>A map column of the row group being scanned: its key and value leaves, reused from row group to row group.</summary>
    private sealed class Map : IDisposable
    {
        private readonly Column _keys = new(), _values = new();
        public readonly MapReader Reader = new();
        public bool IsOpen { get; private set; }

        public async Task OpenAsync(ParquetCurFile file, int rowGroup, (DataField Key, DataField Value) map, IReadOnlyList<string> wanted, StringPool pool,
            CancellationToken ct)
        {
            await _keys.OpenAsync(file, rowGroup, map.Key, ValueKind.Text, ct).ConfigureAwait(false);
            await _values.OpenAsync(file, rowGroup, map.Value, ValueKind.Text, ct).ConfigureAwait(false);
            var keyLeaf = file.Leaf(map.Key);
            var valueLeaf = file.Leaf(map.Value);
            Reader.Reset(_keys.Cursor, _values.Cursor, keyLeaf.MaxDefinition, valueLeaf.MaxDefinition,
                file.Chunk(rowGroup, keyLeaf).MetaData?.NumValues ?? -1, file.Chunk(rowGroup, valueLeaf).MetaData?.NumValues ?? -1, wanted, pool);
            IsOpen = true;
        }

        public void Close()
        {
            _keys.Close();
            _values.Close();
            IsOpen = false;
        }

        public void Dispose()
        {
            _keys.Dispose();
            _values.Dispose();
        }
    }

    /// <summary>
    /// A worker's reader of row groups, one after another: the columns of the row group being read and the window
    /// buffers, kept from one row group to the next so that a worker allocates them once.
    /// </summary>
    internal sealed class Scan : IDisposable
    {
        private readonly Dictionary<string, Column> _columns = new(StringComparer.Ordinal);
        private readonly Map _product = new(), _tags = new();
        private readonly Column?[] _productColumns = new Column?[CurColumns.ProductModelColumns.Length];
        private bool _productOpen;
        private readonly List<Column> _open = new();
        private Column[] _rest = Array.Empty<Column>();
        private Column _code = null!, _itemType = null!, _usageType = null!, _currency = null!, _amount = null!, _unblended = null!;
        private Column? _entity, _family, _principal, _unit, _account, _payer, _region, _net, _periodStart, _usageStart;
        private bool _countPeriods;
        private readonly RowRules.Verdict[] _verdicts = new RowRules.Verdict[Window];
        private readonly RowRules.Facts[] _facts = new RowRules.Facts[Window];
        // The verdict of every combination of facts (they are 5 bits), for the query's AgentCore setting.
        private readonly RowRules.Verdict[] _decide = new RowRules.Verdict[32];
        private bool? _decideAgentCore;
        private readonly bool[] _want = new bool[Window];
        private readonly bool[] _productWant = new bool[Window];
        private readonly string?[] _productValues = new string?[Window * CurColumns.ProductModelKeys.Length];
        private string?[] _tagValues = [];
        private CurFileRead _read = null!;
        private ParquetCurFile _file = null!;
        private int _index;

        /// <summary>
        /// Reads row group <paramref name="index"/> of <paramref name="file"/> (of <paramref name="rows"/> rows) into
        /// <paramref name="read"/>; with <paramref name="countPeriods"/>, also counts every row under its billing period.
        /// </summary>
        public async Task ReadAsync(ParquetCurFile file, int index, int rows, CurFileRead read, bool countPeriods, CancellationToken ct)
        {
            _file = file;
            _index = index;
            _read = read;
            _countPeriods = countPeriods;
            if (_decideAgentCore != read.IncludeAgentCore)
            {
                for (var f = 0; f < _decide.Length; f++) _decide[f] = RowRules.Decide((RowRules.Facts)f, read.IncludeAgentCore);
                _decideAgentCore = read.IncludeAgentCore;
            }
            try
            {
                await OpenAsync(ct).ConfigureAwait(false);
                await RunAsync(rows, ct).ConfigureAwait(false);
            }
            finally
            {
                foreach (var c in _open) c.Close();
                _open.Clear();
                foreach (var c in _productColumns) c?.Close();
                _product.Close();
                _productOpen = false;
                _tags.Close();
                _file = null!;
                _read = null!;
            }
        }

        private async Task OpenAsync(CancellationToken ct)
        {
            var f = _file.Fields;
            var read = _read;
            var wanted = ColumnsRead(read).Where(c => f[c.Name] is not null).ToList();
            var tags = read.TagKeys.Length > 0 ? f.Tags : null;
            _file.CheckPages(_index, wanted.Select(c => f[c.Name]!).Concat(tags is { } t ? [t.Key, t.Value] : []), ct);
            foreach (var (name, kind) in wanted)
            {
                if (!_columns.TryGetValue(name, out var c)) _columns[name] = c = new Column();
                _open.Add(c);
                await c.OpenAsync(_file, _index, f[name]!, kind, ct).ConfigureAwait(false);
            }
            Column? Get(string name) => f[name] is not null && _columns.TryGetValue(name, out var c) && _open.Contains(c) ? c : null;
            _code = Get(CurColumns.ProductCode)!;
            _entity = Get(CurColumns.BillingEntity);
            _family = Get(CurColumns.ProductFamily);
            _principal = Get(CurColumns.IamPrincipal);
            _itemType = Get(CurColumns.LineItemType)!;
            _usageType = Get(CurColumns.UsageType)!;
            _currency = Get(CurColumns.Currency)!;
            _unit = Get(CurColumns.PricingUnit);
            _account = read.NeedsAccount ? Get(CurColumns.UsageAccountId) : null;
            _payer = read.NeedsPayerAccount ? Get(CurColumns.PayerAccountId) : null;
            _region = read.NeedsRegion ? Get(CurColumns.ProductRegion) : null;
            _amount = Get(CurColumns.UsageAmount)!;
            _unblended = Get(CurColumns.UnblendedCost)!;
            _net = Get(CurColumns.NetUnblendedCost);
            _periodStart = read.KnownPeriod is null ? Get(CurColumns.BillingPeriodStart) : null;
            _usageStart = read.NeedsUsageStart ? Get(CurColumns.UsageStart) : null;
            // The product fields are read when a row first needs them (Marketplace rows, or the model is asked for).
            if (tags is { } map) await _tags.OpenAsync(_file, _index, map, read.TagKeys, read.Pool, ct).ConfigureAwait(false);
            // The period column is read with the deciding columns when every row is counted under its period.
            _rest = new[] { _itemType, _usageType, _currency, _unit, _account, _payer, _region, _amount, _unblended, _net, _countPeriods ? null : _periodStart, _usageStart }
                .OfType<Column>().ToArray();
        }

        /// <summary>
        /// The product fields (the product map, and product fields held as flat columns by legacy CUR or by a query
        /// that selects them), opened at the first row that needs them and passed over to that row.
        /// </summary>
        private async Task OpenProductAsync(int done, CancellationToken ct)
        {
            var f = _file.Fields;
            var flat = CurColumns.ProductModelColumns.Select(name => f[name]).ToArray();
            var fields = flat.OfType<DataField>().Concat(f.Product is { } m ? [m.Key, m.Value] : []).ToList();
            await _file.PrefetchAsync(fields.Select(d => ColumnReader.Range(_file.Chunk(_index, _file.Leaf(d)))), ct).ConfigureAwait(false);
            _file.CheckPages(_index, fields, ct);
            if (f.Product is { } map)
            {
                await _product.OpenAsync(_file, _index, map, CurColumns.ProductModelKeys, _read.Pool, ct).ConfigureAwait(false);
                _product.Reader.Skip(done);
            }
            for (var k = 0; k < flat.Length; k++)
            {
                if (flat[k] is not { } field) continue;
                var c = _productColumns[k] ??= new Column();
                await c.OpenAsync(_file, _index, field, ValueKind.Text, ct).ConfigureAwait(false);
                c.Cursor.Skip(done);
            }
            _productOpen = true;
        }

        private IEnumerable<Column> OpenProductColumns => _productOpen ? _productColumns.OfType<Column>() : [];

        private async Task RunAsync(int rows, CancellationToken ct)
        {
            for (var done = 0; done < rows; done += Window)
            {
                ct.ThrowIfCancellationRequested();
                var n = Math.Min(Window, rows - done);
                var (any, needsProduct) = Classify(n);
                if (any)
                {
                    if (!_productOpen && (needsProduct || _read.NeedsModel)) await OpenProductAsync(done, ct).ConfigureAwait(false);
                    Emit(n, needsProduct, done);
                }
                else SkipRest(n);
                foreach (var c in _open) c.Values.EndWindow();
                foreach (var c in OpenProductColumns) c.Values.EndWindow();
            }
            foreach (var c in _open) c.Cursor.Finish();
            foreach (var c in OpenProductColumns) c.Cursor.Finish();
            if (_product.IsOpen) _product.Reader.Finish();
            if (_tags.IsOpen) _tags.Reader.Finish();
        }

        /// <summary>Reads the deciding columns of the next <paramref name="n"/> rows and decides each row.</summary>
        private (bool Any, bool NeedsProduct) Classify(int n)
        {
            _code.Read(n);
            _entity?.Read(n);
            _family?.Read(n);
            _principal?.Read(n);
            if (_countPeriods && _periodStart is not null)
            {
                _periodStart.Read(n);
                CountPeriods(_periodStart.Values, _periodStart.Ids.AsSpan(0, n), _read);
            }
            var facts = _facts.AsSpan(0, n);
            facts.Clear();
            _code.AddFacts(n, facts, RowRules.ProductCodeFacts);
            _family?.AddFacts(n, facts, RowRules.FamilyFacts);
            _entity?.AddFacts(n, facts, RowRules.EntityFacts);
            _principal?.AddFacts(n, facts, RowRules.PrincipalFacts);
            bool any = false, needsProduct = false;
            for (var r = 0; r < n; r++)
            {
                var v = _decide[(int)facts[r]];
                _verdicts[r] = v;
                any |= v != RowRules.Verdict.No;
                needsProduct |= v == RowRules.Verdict.NeedsProduct;
            }
            return (any, needsProduct);
        }

        private void SkipRest(int n)
        {
            foreach (var c in _rest) c.Cursor.Skip(n);
            foreach (var c in OpenProductColumns) c.Cursor.Skip(n);
            if (_product.IsOpen) _product.Reader.Skip(n);
            if (_tags.IsOpen) _tags.Reader.Skip(n);
        }

        private void Emit(int n, bool needsProduct, int firstRow)
        {
            for (var r = 0; r < n; r++) _want[r] = _verdicts[r] != RowRules.Verdict.No;
            foreach (var c in _rest) c.Read(n, _want);
            // The product fields of the rows that need them (Marketplace rows, or all rows counted when the model is asked
            // for), K values a row, in one buffer reused from window to window.
            var K = CurColumns.ProductModelKeys.Length;
            var product = Span<string?>.Empty;
            var productWant = _want;
            if (_productOpen)
            {
                if (needsProduct || _read.NeedsModel)
                {
                    if (!_read.NeedsModel)
                    {
                        productWant = _productWant;
                        for (var r = 0; r < n; r++) productWant[r] = _verdicts[r] == RowRules.Verdict.NeedsProduct;
                    }
                    product = _productValues;
                    if (_product.IsOpen) _product.Reader.Read(n, productWant, product);
                    else for (var r = 0; r < n; r++) if (productWant[r]) product.Slice(r * K, K).Clear();
                    // Product fields held as flat columns fill what the map lacks.
                    for (var k = 0; k < _productColumns.Length; k++)
                    {
                        if (_productColumns[k] is not { } c) continue;
                        c.Read(n, productWant);
                        for (var r = 0; r < n; r++)
                            if (productWant[r] && c.String(r, _read.Pool) is { Length: > 0 } value) product[r * K + k] ??= value;
                    }
                }
                else
                {
                    if (_product.IsOpen) _product.Reader.Skip(n);
                    foreach (var c in OpenProductColumns) c.Cursor.Skip(n);
                }
            }
            var tagCount = _read.TagKeys.Length;
            var tags = Span<string?>.Empty;
            if (_tags.IsOpen)
            {
                if (_tagValues.Length < Window * tagCount) _tagValues = new string?[Window * tagCount];
                tags = _tagValues;
                _tags.Reader.Read(n, _want, tags);
            }

            var read = _read;
            var pool = read.Pool;
            for (var r = 0; r < n; r++)
            {
                if (_verdicts[r] == RowRules.Verdict.No) continue;
                var productValues = productWant[r] && !product.IsEmpty ? product.Slice(r * K, K) : default;
                if (_verdicts[r] == RowRules.Verdict.NeedsProduct && (productValues.IsEmpty || !RowRules.IsBedrockMarketplaceProduct(productValues[1], productValues[2])))
                    continue;
                var item = new LineItem
                {
                    UsageStart = _usageStart?.Timestamp(r) ?? default,
                    Account = _account?.String(r, pool),
                    PayerAccount = _payer?.String(r, pool),
                    LineItemType = _itemType.String(r, pool),
                    ProductCode = _code.String(r, pool),
                    UsageType = _usageType.String(r, pool),
                    Principal = _principal?.String(r, pool),
                    Currency = _currency.String(r, pool),
                    PricingUnit = _unit?.String(r, pool),
                    ProductRegion = _region?.String(r, pool),
                    Marketplace = (_facts[r] & RowRules.Facts.Marketplace) != 0,
                    ProductModel = RowRules.ProductModel(productValues),
                    Tags = tags.IsEmpty ? null : TagsOf(tags.Slice(r * tagCount, tagCount)),
                };
                var at = new RowAt(_index, firstRow + r);
                if (read.KnownPeriod is { } known) item.BillingPeriod = known;
                else if (_periodStart?.Timestamp(r) is { } ps) item.BillingPeriod = read.PeriodText(ps);
                else throw CurErrors.Invalid(read.DisplayName, $"{at} has no {CurColumns.BillingPeriodStart}");
                // A number that is not money (NaN, Infinity, beyond the decimal range) leaves the line item out, counted; null is 0.
                var amount = _amount.Number(r);
                var unblended = _unblended.Number(r);
                var net = _net?.Number(r);
                if ((NotMoney(amount, CurColumns.UsageAmount) ?? NotMoney(unblended, CurColumns.UnblendedCost) ?? NotMoney(net, CurColumns.NetUnblendedCost)) is { } bad)
                {
                    read.Reject(item, bad.Column, RowRules.Describe(bad.Value), at);
                    continue;
                }
                item.UsageAmount = amount is { } a ? RowRules.ToMoney(a) : 0m;
                item.UnblendedCost = unblended is { } u ? RowRules.ToMoney(u) : 0m;
                item.NetUnblendedCost = net is { } m ? RowRules.ToMoney(m) : item.UnblendedCost;
                read.Offer(ref item, at);
            }
        }

        /// <summary>A row's tag values; null when it has none.</summary>
        private static string?[]? TagsOf(ReadOnlySpan<string?> values)
        {
            foreach (var v in values) if (v is not null) return values.ToArray();
            return null;
        }

        private static (string Column, double Value)? NotMoney(double? value, string column) =>
            value is { } v && !RowRules.IsMoney(v) ? (column, v) : null;

        public void Dispose()
        {
            foreach (var c in _columns.Values) c.Dispose();
            _columns.Clear();
            foreach (var c in _productColumns) c?.Dispose();
            _product.Dispose();
            _tags.Dispose();
        }
    }
}
