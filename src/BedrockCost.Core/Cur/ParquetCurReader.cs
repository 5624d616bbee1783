using System.Runtime.CompilerServices;
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
    public int RowGroupCount => _reader.RowGroupCount;
    public FileMetaData Metadata => _reader.Metadata!;

    /// <summary>Parquet.Net keeps at most this much of freed page buffers (for fallback reads), so memory stays flat.</summary>
    internal static ParquetOptions ReaderOptions { get; } = new() { MaximumSmallPoolFreeBytes = 4 << 20, MaximumLargePoolFreeBytes = 4 << 20 };

    /// <param name="stream">The file's content, seekable; the caller disposes it after this.</param>
    /// <param name="requireCur">Fail unless the schema is a CUR 2.0 table with the required columns (what the engine needs).</param>
    public static async Task<ParquetCurFile> OpenAsync(Stream stream, string displayName, CancellationToken ct, bool requireCur = true)
    {
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
            var fields = ParquetFields.Resolve(reader.Schema, displayName, requireCur);
            var leaves = ParquetLayout.Leaves(reader.Metadata ?? throw new InvalidDataException("no metadata"));
            foreach (var g in reader.Metadata.RowGroups ?? [])
            {
                if (g.Columns?.Count != leaves.Count) throw new InvalidDataException($"a row group has {g.Columns?.Count} columns where the schema has {leaves.Count}");
                if (g.NumRows is < 0 or > int.MaxValue) throw new InvalidDataException($"a row group states {g.NumRows} rows");
            }
            return new ParquetCurFile(reader, fields, leaves, RandomAccessFor.Stream(stream), displayName);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await reader.DisposeAsync().ConfigureAwait(false);
            throw e is BedrockCostException ? e : CurErrors.Corrupt(displayName, e);
        }
    }

    public ParquetLeaf Leaf(DataField field) =>
        _leaves.TryGetValue(string.Join('.', field.Path.ToList()), out var leaf) ? leaf : throw new InvalidDataException($"column {field.Path} is not in the schema's leaves");

    public ColumnChunk Chunk(int rowGroup, ParquetLeaf leaf) => Metadata.RowGroups[rowGroup].Columns[leaf.Index];

    /// <summary>A reader of one column chunk: the engine's decoder where it supports the chunk, else Parquet.Net.</summary>
    public async Task<IColumnCursor> OpenColumnAsync(int rowGroup, DataField field, ValueKind kind, CancellationToken ct)
    {
        var leaf = Leaf(field);
        var chunk = Chunk(rowGroup, leaf);
        var spec = ParquetLayout.Spec(leaf, kind);
        if (ColumnReader.Supports(chunk, spec)) return new ColumnReader(Source, chunk, spec!);
        await _fallback.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            using var g = _reader.OpenRowGroupReader(rowGroup);
            return await ParquetNetColumn.ReadAsync(g, field, kind, checked((int)g.RowCount), DisplayName, ct).ConfigureAwait(false);
        }
        finally { _fallback.Release(); }
    }

    public async Task<MapReader> OpenMapAsync(int rowGroup, (DataField Key, DataField Value) map, IReadOnlyList<string> keys, StringPool pool, CancellationToken ct)
    {
        var keyLeaf = Leaf(map.Key);
        var valueLeaf = Leaf(map.Value);
        var k = await OpenColumnAsync(rowGroup, map.Key, ValueKind.Text, ct).ConfigureAwait(false);
        var v = await OpenColumnAsync(rowGroup, map.Value, ValueKind.Text, ct).ConfigureAwait(false);
        return new MapReader(k, v, keyLeaf.MaxDefinition, valueLeaf.MaxDefinition,
            Chunk(rowGroup, keyLeaf).MetaData?.NumValues ?? -1, Chunk(rowGroup, valueLeaf).MetaData?.NumValues ?? -1, keys, pool);
    }

    public ParquetRowGroupReader RowGroupReader(int rowGroup) => _reader.OpenRowGroupReader(rowGroup);

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

    /// <summary>Reads every row group of a file, one after the other (the engine reads them in parallel instead).</summary>
    public static async Task ReadAsync(Stream stream, CurFileRead read, CancellationToken ct)
    {
        await using var file = await ParquetCurFile.OpenAsync(stream, read.DisplayName, ct).ConfigureAwait(false);
        for (var i = 0; i < file.RowGroupCount; i++) await ReadRowGroupAsync(file, i, read, ct).ConfigureAwait(false);
    }

    /// <summary>One row group into <paramref name="read"/>; skipped when its statistics prove it holds no Bedrock row.</summary>
    public static async Task ReadRowGroupAsync(ParquetCurFile file, int index, CurFileRead read, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var f = file.Fields;
        read.HasPrincipalColumn = f[CurColumns.IamPrincipal] is not null;
        var rows = (int)file.Rows(index);
        if (rows == 0) return;
        read.RowsScanned += rows;
        read.RowGroups++;
        try
        {
            using (var g = file.RowGroupReader(index))
                if (RowGroupPruning.CannotHoldBedrock(g, f, rows, read.IncludeAgentCore)) { read.RowGroupsSkipped++; return; }
            using var scan = await RowGroupScan.OpenAsync(file, index, read, ct).ConfigureAwait(false);
            await scan.RunAsync(rows, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException and not BedrockCostException)
        {
            throw CurErrors.Corrupt(read.DisplayName, e);
        }
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
        var ids = new int[Window];
        var def = new int[Window];
        for (var i = 0; i < file.RowGroupCount; i++)
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                var rows = (int)file.Rows(i);
                if (principal is not null)
                {
                    using var p = await file.OpenColumnAsync(i, principal, ValueKind.Text, ct).ConfigureAwait(false);
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
                    using var keys = await file.OpenColumnAsync(i, tags.Key, ValueKind.Text, ct).ConfigureAwait(false);
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
                    var stats = g.GetStatistics(field);
                    if (stats?.MinValue is DateTime min && stats.MaxValue is DateTime max && RowRules.Period(min) == RowRules.Period(max))
                    {
                        periods.Add(RowRules.Period(min));
                        continue;
                    }
                }
                var rows = (int)file.Rows(i);
                using var c = await file.OpenColumnAsync(i, field, ValueKind.Timestamp, ct).ConfigureAwait(false);
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

    /// <summary>One column of a row group being scanned, with the indexes of the current window.</summary>
    private sealed class Column(IColumnCursor cursor) : IDisposable
    {
        public readonly IColumnCursor Cursor = cursor;
        public readonly int[] Ids = new int[Window];
        private byte[] _facts = Array.Empty<byte>();
        private int _generation = -1;

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
            if (values.Generation != _generation || _facts.Length < values.DictionaryCount)
            {
                _generation = values.Generation;
                _facts = new byte[Math.Max(16, values.DictionaryCount)];
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

        public void Dispose() => Cursor.Dispose();
    }

    /// <summary>The columns of one row group and the rows' window buffers.</summary>
    private sealed class RowGroupScan : IDisposable
    {
        private readonly CurFileRead _read;
        private readonly ParquetCurFile _file;
        private readonly int _index;
        private readonly List<Column> _all = new();
        private Column[] _rest = Array.Empty<Column>();
        private Column _code = null!, _itemType = null!, _usageType = null!, _currency = null!, _amount = null!, _unblended = null!;
        private Column? _entity, _family, _principal, _unit, _account, _region, _net, _periodStart, _usageStart;
        private MapReader? _product, _tags;
        private readonly RowRules.Verdict[] _verdicts = new RowRules.Verdict[Window];
        private readonly RowRules.Facts[] _facts = new RowRules.Facts[Window];
        // The verdict of every combination of facts (they are 5 bits).
        private readonly RowRules.Verdict[] _decide = new RowRules.Verdict[32];
        private readonly bool[] _want = new bool[Window];
        private readonly string?[]?[] _productValues = new string?[]?[Window], _tagValues = new string?[]?[Window];

        private RowGroupScan(ParquetCurFile file, int index, CurFileRead read)
        {
            _file = file;
            _index = index;
            _read = read;
            for (var f = 0; f < _decide.Length; f++) _decide[f] = RowRules.Decide((RowRules.Facts)f, read.IncludeAgentCore);
        }

        public static async Task<RowGroupScan> OpenAsync(ParquetCurFile file, int index, CurFileRead read, CancellationToken ct)
        {
            var f = file.Fields;
            var scan = new RowGroupScan(file, index, read);
            try
            {
                async Task<Column?> Open(string name, ValueKind kind, bool wanted = true)
                {
                    if (!wanted || f[name] is not { } field) return null;
                    var c = new Column(await file.OpenColumnAsync(index, field, kind, ct).ConfigureAwait(false));
                    scan._all.Add(c);
                    return c;
                }
                scan._code = (await Open(CurColumns.ProductCode, ValueKind.Text))!;
                scan._entity = await Open(CurColumns.BillingEntity, ValueKind.Text);
                scan._family = await Open(CurColumns.ProductFamily, ValueKind.Text);
                scan._principal = await Open(CurColumns.IamPrincipal, ValueKind.Text);
                scan._itemType = (await Open(CurColumns.LineItemType, ValueKind.Text))!;
                scan._usageType = (await Open(CurColumns.UsageType, ValueKind.Text))!;
                scan._currency = (await Open(CurColumns.Currency, ValueKind.Text))!;
                scan._unit = await Open(CurColumns.PricingUnit, ValueKind.Text);
                scan._account = await Open(CurColumns.UsageAccountId, ValueKind.Text, read.NeedsAccount);
                scan._region = await Open(CurColumns.ProductRegion, ValueKind.Text, read.NeedsRegion);
                scan._amount = (await Open(CurColumns.UsageAmount, ValueKind.Number))!;
                scan._unblended = (await Open(CurColumns.UnblendedCost, ValueKind.Number))!;
                scan._net = await Open(CurColumns.NetUnblendedCost, ValueKind.Number);
                scan._periodStart = await Open(CurColumns.BillingPeriodStart, ValueKind.Timestamp, read.KnownPeriod is null);
                scan._usageStart = await Open(CurColumns.UsageStart, ValueKind.Timestamp, read.NeedsUsageStart);
                // The product map is opened when a row first needs it (Marketplace rows, or the model is asked for).
                if (f.Tags is { } tags && read.TagKeys.Length > 0) scan._tags = await file.OpenMapAsync(index, tags, read.TagKeys, read.Pool, ct).ConfigureAwait(false);
                scan._rest = new[] { scan._itemType, scan._usageType, scan._currency, scan._unit, scan._account, scan._region, scan._amount, scan._unblended,
                    scan._net, scan._periodStart, scan._usageStart }.OfType<Column>().ToArray();
                return scan;
            }
            catch
            {
                scan.Dispose();
                throw;
            }
        }

        public async Task RunAsync(int rows, CancellationToken ct)
        {
            for (var done = 0; done < rows; done += Window)
            {
                ct.ThrowIfCancellationRequested();
                var n = Math.Min(Window, rows - done);
                _code.Read(n);
                _entity?.Read(n);
                _family?.Read(n);
                _principal?.Read(n);
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
                if (any)
                {
                    if (_product is null && _file.Fields.Product is { } map && (needsProduct || _read.NeedsModel))
                    {
                        _product = await _file.OpenMapAsync(_index, map, CurColumns.ProductModelKeys, _read.Pool, ct).ConfigureAwait(false);
                        _product.Skip(done);
                    }
                    Emit(n, needsProduct, done);
                }
                else SkipRest(n);
                foreach (var c in _all) c.Values.EndWindow();
            }
            foreach (var c in _all) c.Cursor.Finish();
            _product?.Finish();
            _tags?.Finish();
        }

        private void SkipRest(int n)
        {
            foreach (var c in _rest) c.Cursor.Skip(n);
            _product?.Skip(n);
            _tags?.Skip(n);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Emit(int n, bool needsProduct, int firstRow)
        {
            for (var r = 0; r < n; r++) _want[r] = _verdicts[r] != RowRules.Verdict.No;
            foreach (var c in _rest) c.Read(n, _want);
            string?[]?[]? product = null, tags = null;
            if (_product is not null)
            {
                if (needsProduct || _read.NeedsModel) { _product.Read(n, _want, _productValues); product = _productValues; }
                else _product.Skip(n);
            }
            if (_tags is not null) { _tags.Read(n, _want, _tagValues); tags = _tagValues; }

            var read = _read;
            var pool = read.Pool;
            for (var r = 0; r < n; r++)
            {
                if (_verdicts[r] == RowRules.Verdict.No) continue;
                var productValues = product?[r];
                if (_verdicts[r] == RowRules.Verdict.NeedsProduct && !RowRules.IsBedrockMarketplaceProduct(productValues?[1], productValues?[2])) continue;
                var unblended = RowRules.ToMoney(_unblended.Number(r) ?? 0);
                var item = new LineItem
                {
                    UsageStart = _usageStart?.Timestamp(r) ?? _periodStart?.Timestamp(r) ?? default,
                    Account = _account?.String(r, pool),
                    LineItemType = _itemType.String(r, pool),
                    ProductCode = _code.String(r, pool),
                    UsageType = _usageType.String(r, pool),
                    Principal = _principal?.String(r, pool),
                    Currency = _currency.String(r, pool),
                    PricingUnit = _unit?.String(r, pool),
                    ProductRegion = _region?.String(r, pool),
                    Marketplace = (_facts[r] & RowRules.Facts.Marketplace) != 0,
                    UsageAmount = RowRules.ToMoney(_amount.Number(r) ?? 0),
                    UnblendedCost = unblended,
                    NetUnblendedCost = _net?.Number(r) is { } net ? RowRules.ToMoney(net) : unblended,
                    Tags = tags?[r],
                };
                if (item.Marketplace || productValues is not null) item.ProductModel = productValues?[0] ?? productValues?[1];
                if (read.KnownPeriod is { } known) item.BillingPeriod = known;
                else if (_periodStart?.Timestamp(r) is { } ps) item.BillingPeriod = read.PeriodText(ps);
                else throw CurErrors.Invalid(read.DisplayName, $"row {firstRow + r} of a row group has no {CurColumns.BillingPeriodStart}");
                read.Offer(ref item);
            }
        }

        public void Dispose()
        {
            foreach (var c in _all) c.Dispose();
            _product?.Dispose();
            _tags?.Dispose();
        }
    }
}
