using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using BedrockCost.Core.Aggregation;
using CsvHelper;

namespace BedrockCost.Core.Cur;

/// <summary>
/// Reads CUR CSV (plain, gzip, or legacy CUR's zip): header by name (CUR 2.0 names, or legacy CUR's category/Name headers in their CUR 2.0
/// spelling), maps as JSON objects.
/// </summary>
internal static class CsvCurReader
{
    /// <param name="stream">The file's content, compressed as <paramref name="format"/> says; the caller disposes it.</param>
    public static async Task ReadAsync(Stream stream, CurEngine.FileFormat format, CurFileRead read, CancellationToken ct)
    {
        long line = 1;
        try
        {
            var (csv, index) = await OpenAsync(stream, format, read.DisplayName, ct).ConfigureAwait(false);
            await using var _ = csv.ConfigureAwait(false);
            var header = csv.Headers;
            CurErrors.CheckColumns(index.Keys.ToHashSet(StringComparer.OrdinalIgnoreCase), read.DisplayName, csv: true);
            read.HasPrincipalColumn = index.ContainsKey(CurColumns.IamPrincipal);
            read.IsLegacy = CurColumns.IsLegacy(header);

            int Col(string name) => index.TryGetValue(name, out var i) ? i : -1;
            int cCode = Col(CurColumns.ProductCode), cEntity = Col(CurColumns.BillingEntity), cFamily = Col(CurColumns.ProductFamily),
                cPrincipal = Col(CurColumns.IamPrincipal), cProduct = Col(CurColumns.Product), cTags = Col(CurColumns.Tags),
                cPeriod = Col(CurColumns.BillingPeriodStart), cStart = Col(CurColumns.UsageStart), cAmount = Col(CurColumns.UsageAmount),
                cUnblended = Col(CurColumns.UnblendedCost), cNet = Col(CurColumns.NetUnblendedCost), cAccount = Col(CurColumns.UsageAccountId),
                cType = Col(CurColumns.LineItemType), cUsageType = Col(CurColumns.UsageType), cCurrency = Col(CurColumns.Currency),
                cUnit = Col(CurColumns.PricingUnit), cRegion = Col(CurColumns.ProductRegion),
                cPayer = read.NeedsPayerAccount ? Col(CurColumns.PayerAccountId) : -1;
            var cProductColumns = CurColumns.ProductModelColumns.Select(Col).ToArray();
            var pool = read.Pool;
            var periods = new PeriodCells(read);
            while (await csv.ReadAsync(ct).ConfigureAwait(false))
            {
                line++;
                if ((line & 0xFFF) == 0) ct.ThrowIfCancellationRequested();
                read.RowsScanned++;
                string? Get(int c) => c >= 0 && c < csv.FieldCount && !csv.IsEmpty(c) ? csv.GetString(c) : null;
                if (csv.FieldCount != header.Count)
                    throw CurErrors.Invalid(read.DisplayName, $"line {line} has {csv.FieldCount} fields where the header has {header.Count}");
                periods.Count(Get(cPeriod));

                var verdict = RowRules.IsBedrock(Get(cCode), Get(cEntity), Get(cFamily), Get(cPrincipal) is not null, read.IncludeAgentCore);
                if (verdict == RowRules.Verdict.No) continue;
                var product = ParseMap(Get(cProduct), CurColumns.ProductModelKeys, read.DisplayName, line);
                for (var k = 0; k < cProductColumns.Length; k++)
                    if (product?[k] is null && Get(cProductColumns[k]) is { } value)
                        (product ??= new string?[CurColumns.ProductModelKeys.Length])[k] = value;
                if (verdict == RowRules.Verdict.NeedsProduct && !RowRules.IsBedrockMarketplaceProduct(product?[1], product?[2])) continue;

                (string Column, string Text)? bad = null;
                decimal Money(int c, string column)
                {
                    if (Get(c) is not { } text) return 0m;
                    if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && RowRules.TryMoney(d, out var m)) return m;
                    bad ??= (column, Shorten(text));
                    return 0m;
                }
                var item = new LineItem
                {
                    UsageStart = Get(cStart) is { } start ? Timestamp(start, read.DisplayName, line, CurColumns.UsageStart) : default,
                    Account = Intern(pool, Get(cAccount)),
                    PayerAccount = Intern(pool, Get(cPayer)),
                    LineItemType = Intern(pool, Get(cType)),
                    ProductCode = Intern(pool, Get(cCode)),
                    UsageType = Intern(pool, Get(cUsageType)),
                    Principal = Intern(pool, Get(cPrincipal)),
                    Currency = Intern(pool, Get(cCurrency)),
                    PricingUnit = Intern(pool, Get(cUnit)),
                    ProductRegion = Intern(pool, Get(cRegion)),
                    Marketplace = Classification.BedrockRows.IsMarketplace(Get(cEntity)),
                    UsageAmount = Money(cAmount, CurColumns.UsageAmount),
                    UnblendedCost = Money(cUnblended, CurColumns.UnblendedCost),
                    Tags = read.TagKeys.Length > 0 ? ParseMap(Get(cTags), read.TagKeys, read.DisplayName, line) : null,
                };
                item.NetUnblendedCost = Get(cNet) is not null ? Money(cNet, CurColumns.NetUnblendedCost) : item.UnblendedCost;
                item.ProductModel = Intern(pool, RowRules.ProductModel(product));
                item.BillingPeriod = read.KnownPeriod ?? read.PeriodText(Timestamp(Get(cPeriod), read.DisplayName, line, CurColumns.BillingPeriodStart));
                // A number that is not money (text, NaN, Infinity, beyond the decimal range) leaves the line item out, counted.
                if (bad is { } b) read.Reject(item, b.Column, $"'{b.Text}'", RowAt.Line(line));
                else read.Offer(ref item, RowAt.Line(line));
            }
            read.Flush();
        }
        catch (CsvFormatException e) when (IsTooLong(e))
        {
            throw TooLong(read.DisplayName, line + 1);
        }
        catch (Exception e) when (IsCorrupt(e))
        {
            throw CurErrors.Corrupt(read.DisplayName, e);
        }
    }

    /// <summary>
    /// What Get-BedrockCostExport reports of a file: its principal and tags columns, the rows with a principal and
    /// the tag keys, read through the same header and map parsing as <see cref="ReadAsync"/>.
    /// </summary>
    public static async Task InspectAsync(Stream stream, CurEngine.FileFormat format, string displayName, CurFileFacts facts, CancellationToken ct)
    {
        long line = 1;
        try
        {
            var (csv, index) = await OpenAsync(stream, format, displayName, ct).ConfigureAwait(false);
            await using var _ = csv.ConfigureAwait(false);
            var cPrincipal = index.TryGetValue(CurColumns.IamPrincipal, out var p) ? p : -1;
            var cTags = index.TryGetValue(CurColumns.Tags, out var t) ? t : -1;
            facts.HasPrincipalColumn &= cPrincipal >= 0;
            facts.HasTagsColumn &= cTags >= 0;
            facts.Columns = Math.Max(facts.Columns, csv.Headers.Count);
            facts.IsLegacy |= CurColumns.IsLegacy(csv.Headers);
            while (await csv.ReadAsync(ct).ConfigureAwait(false))
            {
                line++;
                if (cPrincipal >= 0 && cPrincipal < csv.FieldCount && !csv.IsEmpty(cPrincipal)) facts.PrincipalRows++;
                if (cTags >= 0 && cTags < csv.FieldCount && !csv.IsEmpty(cTags)) AddMapKeys(csv.GetString(cTags), facts.TagKeys, displayName, line);
            }
        }
        catch (CsvFormatException e) when (IsTooLong(e))
        {
            throw TooLong(displayName, line + 1);
        }
        catch (Exception e) when (IsCorrupt(e))
        {
            throw CurErrors.Corrupt(displayName, e);
        }
    }

    private static bool IsCorrupt(Exception e) =>
        e is InvalidDataException or EndOfStreamException or CsvFormatException or IOException and not FileNotFoundException;

    /// <summary>
    /// The longest record (line, with its quoted line breaks) read: a CUR line is a few KiB, with long tag maps tens
    /// of KiB. Beyond it the file is refused rather than buffered whole.
    /// </summary>
    public const int MaxRecordBytes = 64 << 20;

    /// <summary>A record longer than <see cref="MaxRecordBytes"/> (CsvHelper's only error naming its MaxRecordSize).</summary>
    private static bool IsTooLong(CsvFormatException e) => e.Message.Contains(nameof(CsvReaderOptions.MaxRecordSize), StringComparison.Ordinal);

    private static BedrockCostException TooLong(string file, long line) =>
        new(ErrorIds.CsvRecordTooLong, ErrorKind.InvalidData,
            $"'{file}': line {line} is longer than {MaxRecordBytes / (1 << 20)} MiB, which no CUR 2.0 line is; the file was not read (it is damaged or not CUR data).", file);

    /// <summary>A CSV reader past the header, and the column index by name (case-insensitive, first wins).</summary>
    private static async Task<(CsvReader Csv, Dictionary<string, int> Index)> OpenAsync(Stream stream, CurEngine.FileFormat format, string file, CancellationToken ct)
    {
        // The caller owns the stream; the reader owns (and disposes) only the decompressor, which checks the gzip trailer.
        var input = format switch
        {
            CurEngine.FileFormat.GzipCsv => new CheckedGzipStream(stream),
            CurEngine.FileFormat.ZipCsv => OpenZipEntry(stream, file),
            _ => stream,
        };
        var csv = CsvReader.Create(input, new CsvReaderOptions { HasHeader = true, PoolStrings = true, MaxRecordSize = MaxRecordBytes }, leaveOpen: input == stream);
        try
        {
            try { await csv.ReadHeaderAsync(ct).ConfigureAwait(false); }
            catch (CsvFormatException e) when (IsTooLong(e)) { throw TooLong(file, 1); }
            catch (InvalidDataException e) { throw CurErrors.Corrupt(file, e); }
            catch (Exception e) when (e is not OperationCanceledException) { throw CurErrors.Invalid(file, "it has no CSV header"); }
            var header = csv.Headers;
            if (header.Count == 0) throw CurErrors.Invalid(file, "the file is empty");
            var index = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < header.Count; i++) index.TryAdd(CurColumns.Normalise(header[i]), i);
            return (csv, index);
        }
        catch
        {
            await csv.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
    /// <summary>The one CSV a legacy CUR .zip holds (the archive's names choose nothing but which entry to read).</summary>
    private static Stream OpenZipEntry(Stream stream, string file)
    {
        var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        var entries = zip.Entries.Where(e => e.Length > 0 && !e.FullName.EndsWith('/')).ToList();
        if (entries.Count != 1) throw CurErrors.Invalid(file, $"the zip archive holds {entries.Count} files where a CUR delivery holds one CSV");
        return entries[0].Open();
    }

    private static string? Intern(StringPool pool, string? s) => s is null ? null : pool.Get(s);

    /// <summary>
    /// Counts every row (Bedrock or not) under its billing period, so that a period without Bedrock is still a
    /// period that was read. A file repeats a handful of period cells (pooled strings): each is parsed once.
    /// </summary>
    private sealed class PeriodCells(CurFileRead read)
    {
        private readonly Dictionary<string, string?> _parsed = new(StringComparer.Ordinal);

        public void Count(string? cell)
        {
            if (read.KnownPeriod is { } known) { read.CountRows(known, 1); return; }
            if (cell is null) return;
            if (!_parsed.TryGetValue(cell, out var period))
            {
                period = RowRules.TryParseTimestamp(cell, out var start) ? RowRules.Period(start) : null;
                // Only a few distinct cells are expected; a file of distinct ones is still counted, just not cached.
                if (_parsed.Count < 1024) _parsed[cell] = period;
            }
            // A cell that is no timestamp is an error only on a Bedrock row (reported there); it is not a period.
            if (period is not null) read.CountRows(period, 1);
        }
    }

    private static DateTime Timestamp(string? text, string file, long line, string column) =>
        RowRules.TryParseTimestamp(text, out var d) ? d : throw CurErrors.Invalid(file, $"line {line}: {column} '{Shorten(text)}' is not a timestamp");

    private static string Shorten(string? s) => s is null ? "" : s.Length > 40 ? s[..40] + "..." : s;

    /// <summary>A CUR CSV map cell is a JSON object; returns the values of <paramref name="keys"/>.</summary>
    private static string?[]? ParseMap(string? json, IReadOnlyList<string> keys, string file, long line)
    {
        using var doc = ParseMapCell(json, file, line);
        if (doc is null) return null;
        string?[]? values = null;
        for (var i = 0; i < keys.Count; i++)
            if (doc.RootElement.TryGetProperty(keys[i], out var v) && v.ValueKind != JsonValueKind.Null)
                (values ??= new string?[keys.Count])[i] = v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText();
        return values;
    }

    /// <summary>Adds the keys of a map cell to <paramref name="keys"/>.</summary>
    private static void AddMapKeys(string? json, ISet<string> keys, string file, long line)
    {
        using var doc = ParseMapCell(json, file, line);
        if (doc is null) return;
        foreach (var p in doc.RootElement.EnumerateObject()) keys.Add(p.Name);
    }

    /// <summary>The JSON object of a map cell; null when the cell is empty or not an object.</summary>
    private static JsonDocument? ParseMapCell(string? json, string file, long line)
    {
        if (json is null || json == "{}") return null;
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException) { throw CurErrors.Invalid(file, $"line {line}: a map column is not a JSON object"); }
        if (doc.RootElement.ValueKind == JsonValueKind.Object) return doc;
        doc.Dispose();
        return null;
    }
}
