using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Parquet;
using Parquet.Schema;

namespace BedrockCost.TestData;

/// <summary>Streams line items into one snappy Parquet file, one row group at a time.</summary>
public static class CurParquetWriter
{
    /// <summary>Writes <paramref name="rows"/> (consumed lazily; at most one row group in memory).
    /// Zero rows gives a valid Parquet file with the schema and no row group. Returns the row count.</summary>
    /// <param name="configure">Changes the writer's options (compression, encodings) for tests of other file shapes.</param>
    public static async Task<long> WriteAsync(string path, IEnumerable<LineItem> rows, int rowGroupSize,
        CurSchemaOptions? options = null, CancellationToken ct = default, Action<ParquetOptions>? configure = null)
    {
        if (rowGroupSize < 1) throw new ArgumentOutOfRangeException(nameof(rowGroupSize));
        var columns = CurSchema.Columns(options);
        var schema = CurSchema.ToParquetSchema(columns);
        var fields = schema.GetDataFields();
        await using var stream = File.Create(path);
        var writerOptions = WriterOptions(fields);
        configure?.Invoke(writerOptions);
        await using var writer = await ParquetWriter.CreateAsync(schema, stream, writerOptions, false, ct);
        var buffer = new LineItem[Math.Min(rowGroupSize, 1 << 20)];
        int n = 0;
        long total = 0;
        foreach (var row in rows)
        {
            buffer[n++] = row;
            if (n == buffer.Length)
            {
                await WriteRowGroupAsync(writer, columns, fields, buffer, n, ct);
                total += n; n = 0;
            }
        }
        if (n > 0) { await WriteRowGroupAsync(writer, columns, fields, buffer, n, ct); total += n; }
        return total;
    }

    /// <summary>Snappy, and dictionary-encoded string columns (map keys and values too) like the Parquet files AWS
    /// Data Exports delivers; Parquet.Net 6 only dictionary-encodes a column when asked. Columns of mostly distinct
    /// values (line item ids) are detected from a sample and stay plain.</summary>
    static ParquetOptions WriterOptions(DataField[] fields)
    {
        var options = new ParquetOptions { CompressionMethod = CompressionMethod.Snappy, DictionaryEncodingSampleSize = 10_000 };
        foreach (var f in fields.Where(f => f.ClrType == typeof(string) || f.ClrType == typeof(ReadOnlyMemory<char>)))
            options.ColumnEncodingHints[f.Path.ToString()] = EncodingHint.Dictionary;
        return options;
    }

    static async Task WriteRowGroupAsync(ParquetWriter writer, IReadOnlyList<CurColumn> columns, DataField[] fields,
        LineItem[] rows, int n, CancellationToken ct)
    {
        using var rg = writer.CreateRowGroup();
        int f = 0;
        foreach (var c in columns)
        {
            switch (c.Kind)
            {
                case CurColumnKind.String:
                    {
                        var a = new ReadOnlyMemory<char>?[n];
                        if (c.Getter != null) for (int i = 0; i < n; i++) a[i] = c.GetString(rows[i])?.AsMemory();
                        await rg.WriteAsync<ReadOnlyMemory<char>>(fields[f++], a, null, null, ct);
                        break;
                    }
                case CurColumnKind.Double:
                    {
                        var a = new double?[n];
                        if (c.Getter != null) for (int i = 0; i < n; i++) a[i] = c.GetDouble(rows[i]);
                        await rg.WriteAsync<double>(fields[f++], (ReadOnlyMemory<double?>)a, null, null, ct);
                        break;
                    }
                case CurColumnKind.Timestamp:
                    {
                        var a = new DateTime?[n];
                        if (c.Getter != null) for (int i = 0; i < n; i++) a[i] = c.GetTimestamp(rows[i]);
                        await rg.WriteAsync<DateTime>(fields[f++], (ReadOnlyMemory<DateTime?>)a, null, null, ct);
                        break;
                    }
                case CurColumnKind.StringMap:
                case CurColumnKind.DoubleMap:
                    await WriteMapAsync(rg, c, fields[f++], fields[f++], rows, n, ct);
                    break;
            }
        }
    }

    /// <summary>
    /// A Parquet MAP column: key (required) and value (optional) leaves with explicit levels.
    /// Definition level of the key leaf: max-2 = null map, max-1 = empty map, max = an entry;
    /// the value leaf has one more level (null value). Repetition 0 starts a row, 1 continues it.
    /// </summary>
    static async Task WriteMapAsync(ParquetRowGroupWriter rg, CurColumn c, DataField keyField, DataField valueField,
        LineItem[] rows, int n, CancellationToken ct)
    {
        int keyMax = keyField.MaxDefinitionLevel, valueMax = valueField.MaxDefinitionLevel;
        var keys = new List<ReadOnlyMemory<char>>(n);
        var strValues = new List<ReadOnlyMemory<char>>(c.Kind == CurColumnKind.StringMap ? n : 0);
        var dblValues = new List<double>(c.Kind == CurColumnKind.DoubleMap ? n : 0);
        var keyDef = new List<int>(n); var valueDef = new List<int>(n); var rep = new List<int>(n);
        void Empty(int level) { keyDef.Add(level); valueDef.Add(level); rep.Add(0); }
        void Entry(string k, bool hasValue, bool first)
        {
            keys.Add(k.AsMemory()); keyDef.Add(keyMax); valueDef.Add(hasValue ? valueMax : valueMax - 1); rep.Add(first ? 0 : 1);
        }
        for (int i = 0; i < n; i++)
        {
            if (c.Kind == CurColumnKind.StringMap)
            {
                var m = c.GetStringMap(rows[i]);
                if (m is null) { Empty(keyMax - 2); continue; }
                if (m.Count == 0) { Empty(keyMax - 1); continue; }
                bool first = true;
                foreach (var (k, v) in m) { Entry(k, v != null, first); first = false; if (v != null) strValues.Add(v.AsMemory()); }
            }
            else
            {
                var m = c.GetDoubleMap(rows[i]);
                if (m is null) { Empty(keyMax - 2); continue; }
                if (m.Count == 0) { Empty(keyMax - 1); continue; }
                bool first = true;
                foreach (var (k, v) in m) { Entry(k, true, first); first = false; dblValues.Add(v); }
            }
        }
        var r = rep.ToArray();
        await rg.WriteAllPartsAsync<ReadOnlyMemory<char>>(keyField, keys.ToArray(), keyDef.ToArray(), r, ct);
        if (c.Kind == CurColumnKind.StringMap)
            await rg.WriteAllPartsAsync<ReadOnlyMemory<char>>(valueField, strValues.ToArray(), valueDef.ToArray(), r, ct);
        else
            await rg.WriteAllPartsAsync<double>(valueField, dblValues.ToArray(), valueDef.ToArray(), r, ct);
    }
}

/// <summary>Streams line items into one gzip CSV file with a header of the CUR column names.</summary>
public static class CurCsvWriter
{
    static readonly JsonSerializerOptions MapJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Timestamps as <c>2026-05-01T00:00:00.000Z</c>, maps as JSON objects (null map: empty field,
    /// empty map: <c>{}</c>), doubles in round-trip form, empty field for null. Returns the row count.</summary>
    public static async Task<long> WriteGzipAsync(string path, IEnumerable<LineItem> rows,
        CurSchemaOptions? options = null, CancellationToken ct = default)
    {
        var columns = CurSchema.Columns(options);
        await using var file = File.Create(path);
        await using var gz = new GZipStream(file, CompressionLevel.Fastest);
        await using var w = new StreamWriter(gz, new UTF8Encoding(false), 1 << 16) { NewLine = "\n" };
        await w.WriteLineAsync(string.Join(",", columns.Select(c => c.Name)));
        var line = new StringBuilder(2048);
        long total = 0;
        foreach (var r in rows)
        {
            ct.ThrowIfCancellationRequested();
            line.Clear();
            for (int i = 0; i < columns.Count; i++)
            {
                if (i > 0) line.Append(',');
                AppendField(line, Format(columns[i], r));
            }
            await w.WriteLineAsync(line);
            total++;
        }
        return total;
    }

    static string? Format(CurColumn c, LineItem r) => c.Getter is null ? null : c.Kind switch
    {
        CurColumnKind.String => c.GetString(r),
        CurColumnKind.Double => c.GetDouble(r)?.ToString("R", CultureInfo.InvariantCulture),
        CurColumnKind.Timestamp => c.GetTimestamp(r)?.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        CurColumnKind.StringMap => c.GetStringMap(r) is { } m ? JsonSerializer.Serialize(m, MapJson) : null,
        _ => c.GetDoubleMap(r) is { } m ? JsonSerializer.Serialize(m, MapJson) : null,
    };

    static void AppendField(StringBuilder sb, string? v)
    {
        if (string.IsNullOrEmpty(v)) return;
        if (v.AsSpan().IndexOfAny(",\"\r\n") < 0) { sb.Append(v); return; }
        sb.Append('"').Append(v.Replace("\"", "\"\"")).Append('"');
    }
}
