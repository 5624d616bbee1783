using BedrockCost.Core.Aggregation;
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

    public static async Task ReadAsync(string path, CurFileRead read, CancellationToken ct)
    {
        ParquetReader reader;
        try
        {
            reader = await ParquetReader.CreateAsync(path, null, ct).ConfigureAwait(false);
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
            for (var i = 0; i < reader.RowGroupCount; i++)
            {
                ct.ThrowIfCancellationRequested();
                try
                {
                    await ReadRowGroupAsync(reader.OpenRowGroupReader(i), fields, read, ct).ConfigureAwait(false);
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

    private static async Task ReadRowGroupAsync(ParquetRowGroupReader g, Fields f, CurFileRead read, CancellationToken ct)
    {
        var rows = checked((int)g.RowCount);
        if (rows == 0) return;
        read.RowsScanned += rows;
        var pool = read.Pool;

        using var productCode = await StringColumn.ReadAsync(g, f[CurColumns.ProductCode], rows, ct);
        using var entity = await StringColumn.ReadAsync(g, f[CurColumns.BillingEntity], rows, ct);
        using var family = await StringColumn.ReadAsync(g, f[CurColumns.ProductFamily], rows, ct);
        using var principal = await StringColumn.ReadAsync(g, f[CurColumns.IamPrincipal], rows, ct);

        var verdict = new RowRules.Verdict[rows];
        var any = false;
        var needsProduct = false;
        for (var r = 0; r < rows; r++)
        {
            verdict[r] = RowRules.IsBedrock(productCode!.Get(r, pool), entity?.Get(r, pool), family?.Get(r, pool),
                principal is not null && !principal.IsNullOrEmpty(r), read.IncludeAgentCore);
            any |= verdict[r] != RowRules.Verdict.No;
            needsProduct |= verdict[r] == RowRules.Verdict.NeedsProduct;
        }
        if (!any) return;

        var wanted = new bool[rows];
        for (var r = 0; r < rows; r++) wanted[r] = verdict[r] != RowRules.Verdict.No;

        string?[][]? product = null;
        if (f.Product is { } pm)
            product = await MapColumn.ReadAsync(g, pm.Key, pm.Value, rows, CurColumns.ProductModelKeys, wanted, pool, ct);
        string?[][]? tags = null;
        if (f.Tags is { } tm && read.TagKeys.Length > 0)
            tags = await MapColumn.ReadAsync(g, tm.Key, tm.Value, rows, read.TagKeys, wanted, pool, ct);

        var periodStart = read.KnownPeriod is null ? await ValueColumns.ReadTimestampsAsync(g, f[CurColumns.BillingPeriodStart]!, rows, read.DisplayName, ct) : null;
        var usageStart = await ValueColumns.ReadTimestampsAsync(g, f[CurColumns.UsageStart]!, rows, read.DisplayName, ct);
        var amount = await ValueColumns.ReadNumbersAsync(g, f[CurColumns.UsageAmount]!, rows, read.DisplayName, ct);
        var unblended = await ValueColumns.ReadNumbersAsync(g, f[CurColumns.UnblendedCost]!, rows, read.DisplayName, ct);
        var net = f[CurColumns.NetUnblendedCost] is { } nf ? await ValueColumns.ReadNumbersAsync(g, nf, rows, read.DisplayName, ct) : null;
        using var account = await StringColumn.ReadAsync(g, f[CurColumns.UsageAccountId], rows, ct);
        using var itemType = await StringColumn.ReadAsync(g, f[CurColumns.LineItemType], rows, ct);
        using var usageType = await StringColumn.ReadAsync(g, f[CurColumns.UsageType], rows, ct);
        using var currency = await StringColumn.ReadAsync(g, f[CurColumns.Currency], rows, ct);
        using var unit = await StringColumn.ReadAsync(g, f[CurColumns.PricingUnit], rows, ct);
        using var region = await StringColumn.ReadAsync(g, f[CurColumns.ProductRegion], rows, ct);

        for (var r = 0; r < rows; r++)
        {
            if (verdict[r] == RowRules.Verdict.No) continue;
            var productValues = product?[r];
            if (verdict[r] == RowRules.Verdict.NeedsProduct &&
                !RowRules.IsBedrockMarketplaceProduct(productValues?[1], productValues?[2]))
                continue;

            var item = new LineItem
            {
                UsageStart = usageStart[r] ?? periodStart?[r] ?? default,
                Account = account!.Get(r, pool),
                LineItemType = itemType!.Get(r, pool),
                ProductCode = productCode!.Get(r, pool),
                UsageType = usageType!.Get(r, pool),
                Principal = principal?.Get(r, pool),
                Currency = currency!.Get(r, pool),
                PricingUnit = unit?.Get(r, pool),
                ProductRegion = region?.Get(r, pool),
                Marketplace = entity is not null && Classification.BedrockRows.IsMarketplace(entity.Get(r, pool)),
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
            await using var reader = await ParquetReader.CreateAsync(path, null, ct).ConfigureAwait(false);
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
