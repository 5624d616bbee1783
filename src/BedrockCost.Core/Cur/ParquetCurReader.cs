using System.Runtime.CompilerServices;
using BedrockCost.Core.Aggregation;
using Parquet;

namespace BedrockCost.Core.Cur;

/// <summary>
/// Streams a CUR 2.0 Parquet file row group by row group, decoding only the columns the engine needs,
/// and only the expensive ones (usage columns, maps) for row groups that hold Bedrock rows.
/// </summary>
internal static class ParquetCurReader
{
    /// <summary>
    /// Parquet.Net keeps freed page buffers in a process-wide pool (by default up to 16 + 64 MiB), so a long read
    /// would end with a bigger footprint than a short one; a small pool keeps memory flat for any number of rows.
    /// </summary>
    internal static ParquetOptions ReaderOptions { get; } = new()
    {
        MaximumSmallPoolFreeBytes = PoolFreeBytes, MaximumLargePoolFreeBytes = PoolFreeBytes,
    };

    private const int PoolFreeBytes = 4 << 20;

    /// <param name="stream">The file's content, seekable; the caller disposes it.</param>
    public static async Task ReadAsync(Stream stream, CurFileRead read, CancellationToken ct)
    {
        var reader = await OpenAsync(stream, read.DisplayName, ct).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            var fields = ParquetFields.Resolve(reader.Schema, read.DisplayName);
            await CheckPagesAsync(stream, reader, fields, read.DisplayName, ct).ConfigureAwait(false);
            read.HasPrincipalColumn = fields[CurColumns.IamPrincipal] is not null;
            read.IsLegacy = fields.IsLegacy;
            using var buffers = new Buffers();
            for (var i = 0; i < reader.RowGroupCount; i++)
            {
                ct.ThrowIfCancellationRequested();
                try
                {
                    await ReadRowGroupAsync(reader.OpenRowGroupReader(i), i, fields, read, buffers, ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException and not BedrockCostException)
                {
                    throw CurErrors.Corrupt(read.DisplayName, e);
                }
            }
        }
    }

    /// <summary>
    /// Opens a Parquet file once its structure is checked (<see cref="ParquetStructure"/>): the footer before Parquet.Net
    /// parses it, the row and value counts and chunk ranges after.
    /// </summary>
    private static async Task<ParquetReader> OpenAsync(Stream stream, string displayName, CancellationToken ct)
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
            ParquetStructure.CheckMetadata(reader.Metadata ?? throw new InvalidDataException("no metadata"),
                reader.Schema.GetDataFields().Select(f => f.MaxRepetitionLevel).ToList(), footerStart, displayName);
            return reader;
        }
        catch (Exception e)
        {
            await reader.DisposeAsync().ConfigureAwait(false);
            if (e is BedrockCostException) throw;
            throw CurErrors.Corrupt(displayName, e);
        }
    }

    /// <summary>The page headers of the columns a reader decodes, in every row group, before any row group is read.</summary>
    private static Task CheckPagesAsync(Stream stream, ParquetReader reader, ParquetFields fields, string displayName, CancellationToken ct)
    {
        var leaves = reader.Schema.GetDataFields();
        var columns = fields.Decoded.Select(f => Array.IndexOf(leaves, f)).Where(i => i >= 0).Distinct().Order().ToList();
        var rowGroups = reader.Metadata!.RowGroups;
        for (var g = 0; g < rowGroups.Count; g++)
            ParquetStructure.CheckPages(stream, rowGroups[g], g, columns, displayName, ct);
        return Task.CompletedTask;
    }

    /// <summary>
    /// What Get-BedrockCostExport reports of a file: its principal and tags columns, the rows with a principal and
    /// the tag keys, read through the same schema resolution and map reading as <see cref="ReadAsync"/>.
    /// </summary>
    public static async Task InspectAsync(Stream stream, string displayName, CurFileFacts facts, CancellationToken ct)
    {
        var reader = await OpenAsync(stream, displayName, ct).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            var fields = ParquetFields.Resolve(reader.Schema, displayName, requireCur: false);
            await CheckPagesAsync(stream, reader, fields, displayName, ct).ConfigureAwait(false);
            var principal = fields[CurColumns.IamPrincipal];
            facts.HasPrincipalColumn &= principal is not null;
            facts.HasTagsColumn &= fields.HasTags;
            facts.Columns = Math.Max(facts.Columns, reader.Schema.Fields.Count);
            facts.IsLegacy |= fields.IsLegacy;
            for (var i = 0; i < reader.RowGroupCount; i++)
            {
                ct.ThrowIfCancellationRequested();
                try
                {
                    using var g = reader.OpenRowGroupReader(i);
                    var rows = checked((int)g.RowCount);
                    if (principal is not null)
                    {
                        using var values = await StringColumn.ReadAsync(g, principal, rows, ct).ConfigureAwait(false);
                        for (var r = 0; r < rows; r++) if (!values!.IsNullOrEmpty(r)) facts.PrincipalRows++;
                    }
                    if (fields.Tags is { } tags) await MapColumn.AddKeysAsync(g, tags.Key, facts.TagKeys, ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException and not BedrockCostException)
                {
                    throw CurErrors.Corrupt(displayName, e);
                }
            }
        }
    }

    /// <summary>Per-file buffers, rented once and reused for every row group (row groups are read one at a time).</summary>
    private sealed class Buffers : IDisposable
    {
        private int _size;
        public RowRules.Verdict[] Verdicts = Array.Empty<RowRules.Verdict>();
        public string?[]?[] Product = Array.Empty<string?[]?>(), Tags = Array.Empty<string?[]?>();
        public double?[] Amount = Array.Empty<double?>(), Unblended = Array.Empty<double?>(), Net = Array.Empty<double?>();
        public DateTime?[] UsageStart = Array.Empty<DateTime?>(), PeriodStart = Array.Empty<DateTime?>();

        public void Ensure(int rows)
        {
            if (rows <= _size) return;
            Dispose();
            _size = rows;
            Verdicts = CurArrays<RowRules.Verdict>.Pool.Rent(rows);
            Product = CurArrays<string?[]?>.Pool.Rent(rows);
            Tags = CurArrays<string?[]?>.Pool.Rent(rows);
            Amount = CurArrays<double?>.Pool.Rent(rows);
            Unblended = CurArrays<double?>.Pool.Rent(rows);
            Net = CurArrays<double?>.Pool.Rent(rows);
            UsageStart = CurArrays<DateTime?>.Pool.Rent(rows);
            PeriodStart = CurArrays<DateTime?>.Pool.Rent(rows);
        }

        public void Dispose()
        {
            if (_size == 0) return;
            CurArrays<RowRules.Verdict>.Pool.Return(Verdicts);
            CurArrays<string?[]?>.Pool.Return(Product, clearArray: true);
            CurArrays<string?[]?>.Pool.Return(Tags, clearArray: true);
            CurArrays<double?>.Pool.Return(Amount);
            CurArrays<double?>.Pool.Return(Unblended);
            CurArrays<double?>.Pool.Return(Net);
            CurArrays<DateTime?>.Pool.Return(UsageStart);
            CurArrays<DateTime?>.Pool.Return(PeriodStart);
            _size = 0;
        }
    }

    /// <summary>
    /// One row group: the four columns that decide whether a row is Bedrock first (compared as decoded
    /// slices, no strings made); the rest only when some row is, and only the columns the query uses.
    /// </summary>
    private static async Task ReadRowGroupAsync(ParquetRowGroupReader g, int index, ParquetFields f, CurFileRead read, Buffers b, CancellationToken ct)
    {
        var rows = checked((int)g.RowCount);
        if (rows == 0) return;
        read.RowsScanned += rows;
        read.RowGroups++;
        b.Ensure(rows);
        var periodStart = await CountPeriodsAsync(g, f, rows, read, b, ct);
        if (RowGroupPruning.CannotHoldBedrock(g, f, rows, read.IncludeAgentCore)) { read.RowGroupsSkipped++; return; }
        var pool = read.Pool;

        var c = new Columns();
        try
        {
            c.ProductCode = await StringColumn.ReadAsync(g, f[CurColumns.ProductCode], rows, ct);
            c.Entity = await StringColumn.ReadAsync(g, f[CurColumns.BillingEntity], rows, ct);
            c.Principal = await StringColumn.ReadAsync(g, f[CurColumns.IamPrincipal], rows, ct);
            bool any, needsProduct;
            using (var family = await StringColumn.ReadAsync(g, f[CurColumns.ProductFamily], rows, ct))
                (any, needsProduct) = Classify(rows, c.ProductCode!, c.Entity, family, c.Principal, read.IncludeAgentCore, b.Verdicts);
            if (!any) return;

            string?[]?[]? product = null;
            if (needsProduct || read.NeedsModel)
            {
                Array.Clear(b.Product, 0, rows);
                if (f.Product is { } pm)
                    product = await MapColumn.ReadAsync(g, pm.Key, pm.Value, rows, CurColumns.ProductModelKeys, b.Verdicts, b.Product, pool, ct);
                product = await AddProductColumnsAsync(g, f, rows, b.Verdicts, product ?? b.Product, pool, ct);
            }
            string?[]?[]? tags = null;
            if (f.Tags is { } tm && read.TagKeys.Length > 0)
            {
                Array.Clear(b.Tags, 0, rows);
                tags = await MapColumn.ReadAsync(g, tm.Key, tm.Value, rows, read.TagKeys, b.Verdicts, b.Tags, pool, ct);
            }

            if (read.KnownPeriod is null)
                periodStart ??= await ValueColumns.ReadTimestampsAsync(g, f[CurColumns.BillingPeriodStart]!, rows, b.PeriodStart, read.DisplayName, ct);
            var usageStart = read.NeedsUsageStart
                ? await ValueColumns.ReadTimestampsAsync(g, f[CurColumns.UsageStart]!, rows, b.UsageStart, read.DisplayName, ct) : null;
            var amount = await ValueColumns.ReadNumbersAsync(g, f[CurColumns.UsageAmount]!, rows, b.Amount, read.DisplayName, ct);
            var unblended = await ValueColumns.ReadNumbersAsync(g, f[CurColumns.UnblendedCost]!, rows, b.Unblended, read.DisplayName, ct);
            var net = f[CurColumns.NetUnblendedCost] is { } nf ? await ValueColumns.ReadNumbersAsync(g, nf, rows, b.Net, read.DisplayName, ct) : null;
            c.Account = read.NeedsAccount ? await StringColumn.ReadAsync(g, f[CurColumns.UsageAccountId], rows, ct) : null;
            c.Payer = read.NeedsPayerAccount ? await StringColumn.ReadAsync(g, f[CurColumns.PayerAccountId], rows, ct) : null;
            c.ItemType = await StringColumn.ReadAsync(g, f[CurColumns.LineItemType], rows, ct);
            c.UsageType = await StringColumn.ReadAsync(g, f[CurColumns.UsageType], rows, ct);
            c.Currency = await StringColumn.ReadAsync(g, f[CurColumns.Currency], rows, ct);
            c.Unit = await StringColumn.ReadAsync(g, f[CurColumns.PricingUnit], rows, ct);
            c.Region = read.NeedsRegion ? await StringColumn.ReadAsync(g, f[CurColumns.ProductRegion], rows, ct) : null;
            Emit(rows, index, read, b.Verdicts, c, product, tags, periodStart, usageStart, amount, unblended, net);
        }
        finally { c.Dispose(); }
    }

    /// <summary>
    /// Counts the row group's rows under their billing periods (Bedrock or not, skipped or not): from the layout,
    /// else the column's statistics, else its values, which are then returned for reuse.
    /// </summary>
    private static async Task<DateTime?[]?> CountPeriodsAsync(ParquetRowGroupReader g, ParquetFields f, int rows, CurFileRead read, Buffers b,
        CancellationToken ct)
    {
        if (read.KnownPeriod is { } known) { read.CountRows(known, rows); return null; }
        var field = f[CurColumns.BillingPeriodStart]!;
        if (SinglePeriod(g, field) is { } period) { read.CountRows(period, rows); return null; }
        var starts = await ValueColumns.ReadTimestampsAsync(g, field, rows, b.PeriodStart, read.DisplayName, ct);
        for (var r = 0; r < rows; r++)
            if (starts[r] is { } d) read.CountRows(read.PeriodText(d), 1);
        return starts;
    }

    /// <summary>The one billing period of a row group when its statistics show one; else null.</summary>
    private static string? SinglePeriod(ParquetRowGroupReader g, Parquet.Schema.DataField field)
    {
        var stats = g.GetStatistics(field);
        static DateTime? Utc(object? v) => v switch { DateTime d => d, DateTimeOffset o => o.UtcDateTime, _ => null };
        return Utc(stats?.MinValue) is { } min && Utc(stats?.MaxValue) is { } max && RowRules.Period(min) == RowRules.Period(max)
            ? RowRules.Period(min) : null;
    }

    /// <summary>
    /// Product fields held as flat columns (legacy CUR; a CUR 2.0 query selecting product keys as columns) fill
    /// what the product map lacks, for the rows that may be Bedrock.
    /// </summary>
    private static async Task<string?[]?[]?> AddProductColumnsAsync(ParquetRowGroupReader g, ParquetFields f, int rows, RowRules.Verdict[] wanted,
        string?[]?[] product, StringPool pool, CancellationToken ct)
    {
        var any = false;
        for (var k = 0; k < CurColumns.ProductModelColumns.Length; k++)
        {
            using var column = await StringColumn.ReadAsync(g, f[CurColumns.ProductModelColumns[k]], rows, ct);
            if (column is null) continue;
            any = true;
            for (var r = 0; r < rows; r++)
                if (wanted[r] != RowRules.Verdict.No && !column.IsNullOrEmpty(r))
                    (product[r] ??= new string?[CurColumns.ProductModelKeys.Length])[k] ??= column.Get(r, pool);
        }
        return any || f.Product is not null ? product : null;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (bool Any, bool NeedsProduct) Classify(int rows, StringColumn productCode, StringColumn? entity, StringColumn? family,
        StringColumn? principal, bool includeAgentCore, RowRules.Verdict[] verdicts)
    {
        bool any = false, needsProduct = false;
        for (var r = 0; r < rows; r++)
        {
            var v = RowRules.IsBedrock(productCode.Span(r), entity is null ? default : entity.Span(r), family is null ? default : family.Span(r),
                principal is not null && !principal.IsNullOrEmpty(r), includeAgentCore);
            verdicts[r] = v;
            any |= v != RowRules.Verdict.No;
            needsProduct |= v == RowRules.Verdict.NeedsProduct;
        }
        return (any, needsProduct);
    }

    private struct Columns : IDisposable
    {
        public StringColumn? ProductCode, Entity, Principal, Account, Payer, ItemType, UsageType, Currency, Unit, Region;
        public void Dispose()
        {
            ProductCode?.Dispose(); Entity?.Dispose(); Principal?.Dispose(); Account?.Dispose(); Payer?.Dispose(); ItemType?.Dispose();
            UsageType?.Dispose(); Currency?.Dispose(); Unit?.Dispose(); Region?.Dispose();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Emit(int rows, int rowGroup, CurFileRead read, RowRules.Verdict[] verdicts, in Columns c, string?[]?[]? product, string?[]?[]? tags,
        DateTime?[]? periodStart, DateTime?[]? usageStart, double?[] amount, double?[] unblended, double?[]? net)
    {
        var pool = read.Pool;
        for (var r = 0; r < rows; r++)
        {
            if (verdicts[r] == RowRules.Verdict.No) continue;
            var productValues = product?[r];
            if (verdicts[r] == RowRules.Verdict.NeedsProduct &&
                !RowRules.IsBedrockMarketplaceProduct(productValues?[1], productValues?[2]))
                continue;

            var item = new LineItem
            {
                UsageStart = usageStart?[r] ?? default,
                Account = c.Account?.Get(r, pool),
                PayerAccount = c.Payer?.Get(r, pool),
                LineItemType = c.ItemType!.Get(r, pool),
                ProductCode = c.ProductCode!.Get(r, pool),
                UsageType = c.UsageType!.Get(r, pool),
                Principal = c.Principal?.Get(r, pool),
                Currency = c.Currency!.Get(r, pool),
                PricingUnit = c.Unit?.Get(r, pool),
                ProductRegion = c.Region?.Get(r, pool),
                Marketplace = c.Entity is not null && Classification.BedrockRows.IsMarketplace(c.Entity.Span(r)),
                Tags = tags?[r],
            };
            // A number that is not money (NaN, Infinity, beyond the decimal range) leaves the line item out, counted; null is 0.
            string? badColumn = null;
            double bad = 0;
            void Money(double? value, string column, ref decimal into)
            {
                if (value is not { } v) return;
                if (RowRules.TryMoney(v, out into) || badColumn is not null) return;
                badColumn = column;
                bad = v;
            }
            Money(amount[r], CurColumns.UsageAmount, ref item.UsageAmount);
            Money(unblended[r], CurColumns.UnblendedCost, ref item.UnblendedCost);
            if (net?[r] is { } n) Money(n, CurColumns.NetUnblendedCost, ref item.NetUnblendedCost);
            else item.NetUnblendedCost = item.UnblendedCost;
            item.ProductModel = RowRules.ProductModel(productValues);
            if (read.KnownPeriod is { } known) item.BillingPeriod = known;
            else if (periodStart![r] is { } ps) item.BillingPeriod = read.PeriodText(ps);
            else throw CurErrors.Invalid(read.DisplayName, $"row {r} of row group {rowGroup} has no {CurColumns.BillingPeriodStart}");
            if (badColumn is null) read.Offer(item, new RowAt(rowGroup, r));
            else read.Reject(item, badColumn, RowRules.Describe(bad), new RowAt(rowGroup, r));
        }
    }

    /// <summary>The billing periods a file holds, from row-group statistics where present.</summary>
    public static async Task<IReadOnlySet<string>> ScanPeriodsAsync(Stream stream, string displayName, CancellationToken ct)
    {
        var periods = new SortedSet<string>(StringComparer.Ordinal);
        try
        {
            await using var reader = await OpenAsync(stream, displayName, ct).ConfigureAwait(false);
            var fields = ParquetFields.Resolve(reader.Schema, displayName, requireCur: false);
            await CheckPagesAsync(stream, reader, fields, displayName, ct).ConfigureAwait(false);
            var field = fields[CurColumns.BillingPeriodStart]
                ?? throw CurErrors.Missing(displayName, new[] { CurColumns.BillingPeriodStart }, csv: false);
            for (var i = 0; i < reader.RowGroupCount; i++)
            {
                var g = reader.OpenRowGroupReader(i);
                if (SinglePeriod(g, field) is { } period)
                {
                    periods.Add(period);
                    continue;
                }
                foreach (var d in await ValueColumns.ReadTimestampsAsync(g, field, (int)g.RowCount, displayName, ct))
                    if (d is { } v) periods.Add(RowRules.Period(v));
            }
        }
        catch (Exception e) when (e is not OperationCanceledException and not BedrockCostException)
        {
            throw CurErrors.Corrupt(displayName, e);
        }
        return periods;
    }
}
