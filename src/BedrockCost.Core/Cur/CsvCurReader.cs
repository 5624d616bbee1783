using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using BedrockCost.Core.Aggregation;
using CsvHelper;

namespace BedrockCost.Core.Cur;

/// <summary>Reads CUR 2.0 CSV (plain or gzip): header by name, maps as JSON objects.</summary>
internal static class CsvCurReader
{
    public static async Task ReadAsync(string path, bool gzip, CurFileRead read, CancellationToken ct)
    {
        try
        {
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            Stream input = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
            await using var csv = CsvReader.Create(input, new CsvReaderOptions { HasHeader = true, PoolStrings = true }, false);
            try { await csv.ReadHeaderAsync(ct).ConfigureAwait(false); }
            catch (Exception e) when (e is not OperationCanceledException) { throw CurErrors.Invalid(read.DisplayName, "it has no CSV header"); }
            var header = csv.Headers;
            if (header.Count == 0) throw CurErrors.Invalid(read.DisplayName, "the file is empty");
            var index = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < header.Count; i++) index.TryAdd(header[i].Trim(), i);
            CurErrors.CheckColumns(index.Keys.ToHashSet(StringComparer.OrdinalIgnoreCase), read.DisplayName, csv: true);
            read.HasPrincipalColumn = index.ContainsKey(CurColumns.IamPrincipal);
            read.HasTagsColumn = index.ContainsKey(CurColumns.Tags);

            int Col(string name) => index.TryGetValue(name, out var i) ? i : -1;
            int cCode = Col(CurColumns.ProductCode), cEntity = Col(CurColumns.BillingEntity), cFamily = Col(CurColumns.ProductFamily),
                cPrincipal = Col(CurColumns.IamPrincipal), cProduct = Col(CurColumns.Product), cTags = Col(CurColumns.Tags),
                cPeriod = Col(CurColumns.BillingPeriodStart), cStart = Col(CurColumns.UsageStart), cAmount = Col(CurColumns.UsageAmount),
                cUnblended = Col(CurColumns.UnblendedCost), cNet = Col(CurColumns.NetUnblendedCost), cAccount = Col(CurColumns.UsageAccountId),
                cType = Col(CurColumns.LineItemType), cUsageType = Col(CurColumns.UsageType), cCurrency = Col(CurColumns.Currency),
                cUnit = Col(CurColumns.PricingUnit), cRegion = Col(CurColumns.ProductRegion);
            var pool = read.Pool;
            long line = 1;
            while (await csv.ReadAsync(ct).ConfigureAwait(false))
            {
                line++;
                if ((line & 0xFFF) == 0) ct.ThrowIfCancellationRequested();
                read.RowsScanned++;
                string? Get(int c) => c >= 0 && c < csv.FieldCount && !csv.IsEmpty(c) ? csv.GetString(c) : null;
                if (csv.FieldCount != header.Count)
                    throw CurErrors.Invalid(read.DisplayName, $"line {line} has {csv.FieldCount} fields where the header has {header.Count}");

                var verdict = RowRules.IsBedrock(Get(cCode), Get(cEntity), Get(cFamily), Get(cPrincipal) is not null, read.IncludeAgentCore);
                if (verdict == RowRules.Verdict.No) continue;
                var product = ParseMap(Get(cProduct), CurColumns.ProductModelKeys, read.DisplayName, line);
                if (verdict == RowRules.Verdict.NeedsProduct && !RowRules.IsBedrockMarketplaceProduct(product?[1], product?[2])) continue;

                var item = new LineItem
                {
                    UsageStart = Timestamp(Get(cStart), read.DisplayName, line, CurColumns.UsageStart),
                    Account = Intern(pool, Get(cAccount)),
                    LineItemType = Intern(pool, Get(cType)),
                    ProductCode = Intern(pool, Get(cCode)),
                    UsageType = Intern(pool, Get(cUsageType)),
                    Principal = Intern(pool, Get(cPrincipal)),
                    Currency = Intern(pool, Get(cCurrency)),
                    PricingUnit = Intern(pool, Get(cUnit)),
                    ProductRegion = Intern(pool, Get(cRegion)),
                    Marketplace = Classification.BedrockRows.IsMarketplace(Get(cEntity)),
                    UsageAmount = Number(Get(cAmount), read.DisplayName, line, CurColumns.UsageAmount),
                    UnblendedCost = Number(Get(cUnblended), read.DisplayName, line, CurColumns.UnblendedCost),
                    Tags = read.TagKeys.Length > 0 ? ParseMap(Get(cTags), read.TagKeys, read.DisplayName, line) : null,
                };
                item.NetUnblendedCost = Get(cNet) is { } n ? Number(n, read.DisplayName, line, CurColumns.NetUnblendedCost) : item.UnblendedCost;
                item.ProductModel = Intern(pool, product?[0] ?? product?[1]);
                item.BillingPeriod = read.KnownPeriod ?? read.PeriodText(Timestamp(Get(cPeriod), read.DisplayName, line, CurColumns.BillingPeriodStart));
                read.Offer(item);
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or CsvFormatException or IOException and not FileNotFoundException)
        {
            throw CurErrors.Corrupt(read.DisplayName, e);
        }
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
    private static string? Intern(StringPool pool, string? s) => s is null ? null : pool.Get(s);

    private static decimal Number(string? text, string file, long line, string column)
    {
        if (text is null) return 0m;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) return RowRules.ToMoney(d);
        throw CurErrors.Invalid(file, $"line {line}: {column} '{Shorten(text)}' is not a number");
    }

    private static DateTime Timestamp(string? text, string file, long line, string column) =>
        RowRules.TryParseTimestamp(text, out var d) ? d : throw CurErrors.Invalid(file, $"line {line}: {column} '{Shorten(text)}' is not a timestamp");

    private static string Shorten(string? s) => s is null ? "" : s.Length > 40 ? s[..40] + "..." : s;

    /// <summary>A CUR CSV map cell is a JSON object; returns the values of <paramref name="keys"/>.</summary>
    private static string?[]? ParseMap(string? json, IReadOnlyList<string> keys, string file, long line)
    {
        if (json is null || json == "{}") return null;
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return null;
            string?[]? values = null;
            for (var i = 0; i < keys.Count; i++)
                if (doc.RootElement.TryGetProperty(keys[i], out var v) && v.ValueKind != JsonValueKind.Null)
                    (values ??= new string?[keys.Count])[i] = v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText();
            return values;
        }
        catch (JsonException)
        {
            throw CurErrors.Invalid(file, $"line {line}: a map column is not a JSON object");
        }
    }
}
