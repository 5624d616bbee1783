using System.Buffers;
using System.Runtime.CompilerServices;
using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Classification;
using Parquet;
using Parquet.Schema;

namespace BedrockCost.Core.Cur;

/// <summary>
/// Streams a CUR 2.0 Parquet file row group by row group, decoding only the columns the engine needs,
/// and only the expensive ones (usage columns, maps) for row groups that hold Bedrock rows.
/// </summary>
internal static class ParquetCurReader
{
    private sealed class Fields
    {
        public required Dictionary<string, DataField> Flat;
        public (DataField Key, DataField Value)? Product, Tags;
        public DataField? this[string name] => Flat.GetValueOrDefault(name);
    }

    /// <summary>
    /// Parquet.Net keeps freed page buffers in a process-wide pool (by default up to 16 + 64 MiB), so a long read
    /// would end with a bigger footprint than a short one; a small pool keeps memory flat for any number of rows.
    /// </summary>
    internal static ParquetOptions ReaderOptions { get; } = new()
    {
        MaximumSmallPoolFreeBytes = PoolFreeBytes, MaximumLargePoolFreeBytes = PoolFreeBytes,
    };

    private const int PoolFreeBytes = 4 << 20;

    public static async Task ReadAsync(string path, CurFileRead read, CancellationToken ct)
    {
        ParquetReader reader;
        try
        {
            reader = await ParquetReader.CreateAsync(path, ReaderOptions, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw CurErrors.Corrupt(read.DisplayName, e);
        }

        await using (reader.ConfigureAwait(false))
        {
            var fields = Resolve(reader.Schema, read.DisplayName);
            read.HasPrincipalColumn = fields[CurColumns.IamPrincipal] is not null;
            read.HasTagsColumn = fields.Tags is not null;
            using var buffers = new Buffers();
            for (var i = 0; i < reader.RowGroupCount; i++)
            {
                ct.ThrowIfCancellationRequested();
                try
                {
                    await ReadRowGroupAsync(reader.OpenRowGroupReader(i), fields, read, buffers, ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException and not BedrockCostException)
                {
                    throw CurErrors.Corrupt(read.DisplayName, e);
                }
            }
        }
    }

    private static Fields Resolve(ParquetSchema schema, string file)
    {
        var flat = new Dictionary<string, DataField>(StringComparer.OrdinalIgnoreCase);
        var maps = new Dictionary<string, (DataField? Key, DataField? Value)>(StringComparer.OrdinalIgnoreCase);
        foreach (var f in schema.GetDataFields())
        {
            var parts = f.Path.ToString()!.Split('/', '.');
            if (parts.Length == 1) flat[parts[0]] = f;
            else if (parts.Length >= 2 && f.MaxRepetitionLevel > 0)
            {
                maps.TryGetValue(parts[0], out var m);
                if (parts[^1].Equals("key", StringComparison.OrdinalIgnoreCase)) m.Key = f;
                else if (parts[^1].Equals("value", StringComparison.OrdinalIgnoreCase)) m.Value = f;
                maps[parts[0]] = m;
            }
        }
        CurErrors.CheckColumns(flat.Keys.Concat(maps.Keys).ToHashSet(StringComparer.OrdinalIgnoreCase), file, csv: false);
        (DataField, DataField)? Map(string name) =>
            maps.TryGetValue(name, out var m) && m.Key is not null && m.Value is not null ? (m.Key, m.Value) : null;
        return new Fields { Flat = flat, Product = Map(CurColumns.Product), Tags = Map(CurColumns.Tags) };
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
    private static async Task ReadRowGroupAsync(ParquetRowGroupReader g, Fields f, CurFileRead read, Buffers b, CancellationToken ct)
    {
        var rows = checked((int)g.RowCount);
        if (rows == 0) return;
        read.RowsScanned += rows;
        read.RowGroups++;
        if (CannotHoldBedrock(g, f, rows, read.IncludeAgentCore)) { read.RowGroupsSkipped++; return; }
        var pool = read.Pool;
        b.Ensure(rows);

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
            if (f.Product is { } pm && (needsProduct || read.NeedsModel))
            {
                Array.Clear(b.Product, 0, rows);
                product = await MapColumn.ReadAsync(g, pm.Key, pm.Value, rows, CurColumns.ProductModelKeys, b.Verdicts, b.Product, pool, ct);
            }
            string?[]?[]? tags = null;
            if (f.Tags is { } tm && read.TagKeys.Length > 0)
            {
                Array.Clear(b.Tags, 0, rows);
                tags = await MapColumn.ReadAsync(g, tm.Key, tm.Value, rows, read.TagKeys, b.Verdicts, b.Tags, pool, ct);
            }

            var periodStart = read.KnownPeriod is null
                ? await ValueColumns.ReadTimestampsAsync(g, f[CurColumns.BillingPeriodStart]!, rows, b.PeriodStart, read.DisplayName, ct) : null;
            var usageStart = read.NeedsUsageStart
                ? await ValueColumns.ReadTimestampsAsync(g, f[CurColumns.UsageStart]!, rows, b.UsageStart, read.DisplayName, ct) : null;
            var amount = await ValueColumns.ReadNumbersAsync(g, f[CurColumns.UsageAmount]!, rows, b.Amount, read.DisplayName, ct);
            var unblended = await ValueColumns.ReadNumbersAsync(g, f[CurColumns.UnblendedCost]!, rows, b.Unblended, read.DisplayName, ct);
            var net = f[CurColumns.NetUnblendedCost] is { } nf ? await ValueColumns.ReadNumbersAsync(g, nf, rows, b.Net, read.DisplayName, ct) : null;
            c.Account = read.NeedsAccount ? await StringColumn.ReadAsync(g, f[CurColumns.UsageAccountId], rows, ct) : null;
            c.ItemType = await StringColumn.ReadAsync(g, f[CurColumns.LineItemType], rows, ct);
            c.UsageType = await StringColumn.ReadAsync(g, f[CurColumns.UsageType], rows, ct);
            c.Currency = await StringColumn.ReadAsync(g, f[CurColumns.Currency], rows, ct);
            c.Unit = await StringColumn.ReadAsync(g, f[CurColumns.PricingUnit], rows, ct);
            c.Region = read.NeedsRegion ? await StringColumn.ReadAsync(g, f[CurColumns.ProductRegion], rows, ct) : null;
            Emit(rows, read, b.Verdicts, c, product, tags, periodStart, usageStart, amount, unblended, net);
        }
        finally { c.Dispose(); }
    }

    private static readonly string[] BedrockCodes = { "AmazonBedrock", "AmazonBedrockService", "AmazonBedrockFoundationModels" };

    /// <summary>
    /// Row-group statistics prove there is no Bedrock row: no principal (all null, or all empty), and the min/max of
    /// the product code, product family and billing entity exclude every value that would make a row Bedrock (or a
    /// Marketplace candidate). Without statistics nothing is skipped.
    /// </summary>
    private static bool CannotHoldBedrock(ParquetRowGroupReader g, Fields f, int rows, bool includeAgentCore)
    {
        try
        {
            if (f[CurColumns.IamPrincipal] is { } p && !Excludes(g, p, rows, "", emptyIsValue: false)) return false;
            foreach (var code in BedrockCodes)
                if (!Excludes(g, f[CurColumns.ProductCode]!, rows, code)) return false;
            if (includeAgentCore && !Excludes(g, f[CurColumns.ProductCode]!, rows, BedrockRows.AgentCoreProductCode)) return false;
            if (f[CurColumns.ProductFamily] is { } fam && !Excludes(g, fam, rows, "Amazon Bedrock")) return false;
            if (f[CurColumns.BillingEntity] is { } e && !Excludes(g, e, rows, "AWS Marketplace")) return false;
            return true;
        }
        catch (Exception x) when (x is not OperationCanceledException)
        {
            return false; // statistics unreadable: read the data
        }
    }

    /// <summary>
    /// The column's statistics prove no row holds <paramref name="value"/> (ignoring case). For the principal
    /// (<paramref name="emptyIsValue"/> false) the question is whether any row holds a non-empty string.
    /// </summary>
    private static bool Excludes(ParquetRowGroupReader g, DataField field, int rows, string value, bool emptyIsValue = true)
    {
        var stats = g.GetStatistics(field);
        if (stats is null) return false;
        if (stats.NullCount is { } n && n >= rows) return true;
        var min = Text(stats.MinValue);
        var max = Text(stats.MaxValue);
        if (min is null || max is null) return false;
        if (!emptyIsValue) return min.Length == 0 && max.Length == 0;
        return !StatsRange.MayContain(min, max, value);

        static string? Text(object? v) => v switch
        {
            string s => s,
            ReadOnlyMemory<char> m => m.ToString(),
            byte[] bytes => System.Text.Encoding.UTF8.GetString(bytes),
            _ => null,
        };
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
        public StringColumn? ProductCode, Entity, Principal, Account, ItemType, UsageType, Currency, Unit, Region;
        public void Dispose()
        {
            ProductCode?.Dispose(); Entity?.Dispose(); Principal?.Dispose(); Account?.Dispose(); ItemType?.Dispose();
            UsageType?.Dispose(); Currency?.Dispose(); Unit?.Dispose(); Region?.Dispose();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Emit(int rows, CurFileRead read, RowRules.Verdict[] verdicts, in Columns c, string?[]?[]? product, string?[]?[]? tags,
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
                UsageStart = usageStart?[r] ?? periodStart?[r] ?? default,
                Account = c.Account?.Get(r, pool),
                LineItemType = c.ItemType!.Get(r, pool),
                ProductCode = c.ProductCode!.Get(r, pool),
                UsageType = c.UsageType!.Get(r, pool),
                Principal = c.Principal?.Get(r, pool),
                Currency = c.Currency!.Get(r, pool),
                PricingUnit = c.Unit?.Get(r, pool),
                ProductRegion = c.Region?.Get(r, pool),
                Marketplace = c.Entity is not null && Classification.BedrockRows.IsMarketplace(c.Entity.Span(r)),
                UsageAmount = RowRules.ToMoney(amount[r] ?? 0),
                UnblendedCost = RowRules.ToMoney(unblended[r] ?? 0),
                Tags = tags?[r],
            };
            item.NetUnblendedCost = net?[r] is { } n ? RowRules.ToMoney(n) : item.UnblendedCost;
            if (item.Marketplace || productValues is not null)
                item.ProductModel = productValues?[0] ?? productValues?[1];
            if (read.KnownPeriod is { } known) item.BillingPeriod = known;
            else if (periodStart![r] is { } ps) item.BillingPeriod = read.PeriodText(ps);
            else throw CurErrors.Invalid(read.DisplayName, $"row {r} has no {CurColumns.BillingPeriodStart}");
            read.Offer(item);
        }
    }

    /// <summary>The billing periods a file holds, from row-group statistics where present.</summary>
    public static async Task<IReadOnlySet<string>> ScanPeriodsAsync(string path, string displayName, CancellationToken ct)
    {
        var periods = new SortedSet<string>(StringComparer.Ordinal);
        try
        {
            await using var reader = await ParquetReader.CreateAsync(path, ReaderOptions, ct).ConfigureAwait(false);
            var field = reader.Schema.GetDataFields().FirstOrDefault(d => d.Name.Equals(CurColumns.BillingPeriodStart, StringComparison.OrdinalIgnoreCase))
                ?? throw CurErrors.Missing(displayName, new[] { CurColumns.BillingPeriodStart }, csv: false);
            for (var i = 0; i < reader.RowGroupCount; i++)
            {
                var g = reader.OpenRowGroupReader(i);
                var stats = g.GetStatistics(field);
                if (stats?.MinValue is DateTime min && stats.MaxValue is DateTime max && RowRules.Period(min) == RowRules.Period(max))
                {
                    periods.Add(RowRules.Period(min));
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

/// <summary>Whether a string column whose statistics are [min, max] (ordinal) may hold a value, ignoring case.</summary>
internal static class StatsRange
{
    /// <summary>
    /// Whether some case variant of <paramref name="value"/> lies in [min, max] under ordinal order, exactly. Only
    /// ASCII statistics are reasoned about (UTF-8 byte order and UTF-16 order agree there, and case is simple);
    /// anything else may contain the value.
    /// </summary>
    public static bool MayContain(string min, string max, string value) =>
        !IsAscii(min) || !IsAscii(max) || !IsAscii(value) || string.CompareOrdinal(min, max) > 0 || Exists(min, max, value, 0, true, true);

    // A variant v is built left to right; tightLo/tightHi: v so far equals min/max so far.
    private static bool Exists(string min, string max, string value, int i, bool tightLo, bool tightHi)
    {
        if (!tightLo && !tightHi) return true;
        if (i == value.Length) return !tightLo || min.Length == i; // a proper prefix of min sorts before it
        var upper = char.ToUpperInvariant(value[i]);
        var lower = char.ToLowerInvariant(value[i]);
        return Try(upper) || (lower != upper && Try(lower));

        bool Try(char ch)
        {
            bool lo = tightLo, hi = tightHi;
            if (tightLo)
            {
                if (i < min.Length) { if (ch < min[i]) return false; lo = ch == min[i]; }
                else lo = false; // longer than min with min as prefix: above it
            }
            if (tightHi)
            {
                if (i >= max.Length || ch > max[i]) return false; // longer than max with max as prefix: above it
                hi = ch == max[i];
            }
            return Exists(min, max, value, i + 1, lo, hi);
        }
    }

    private static bool IsAscii(string s)
    {
        foreach (var ch in s) if (ch > 0x7F) return false;
        return true;
    }
}
