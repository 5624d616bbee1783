using System.Globalization;
using BedrockCost.Core.Cur;
using BedrockCost.Core.Cur.Decoding;
using BedrockCost.TestData;
using DuckDB.NET.Data;
using Parquet;
using Parquet.Schema;
using Xunit;
using Xunit.Abstractions;
using PhysicalType = Parquet.Meta.Type;

namespace BedrockCost.Core.Tests;

/// <summary>
/// The engine's own page decoder (<see cref="ColumnReader"/>) against two independent readers, Parquet.Net and
/// DuckDB, on CUR 2.0 files from both writers in every compression and encoding they write: every leaf column the
/// decoder takes (text, numbers, timestamps, the map columns' keys and values), every row group, read in windows
/// of irregular sizes with skips between them, slot by slot (values, definition and repetition levels).
/// </summary>
public class ParquetDecoderTests : IClassFixture<ParquetDecoderTests.Files>
{
    private readonly Files _files;
    private readonly ITestOutputHelper _out;

    public ParquetDecoderTests(Files files, ITestOutputHelper output) { _files = files; _out = output; }

    /// <summary>Writes the base month once (Parquet.Net) and DuckDB's rewrites of it.</summary>
    public sealed class Files : IDisposable
    {
        public string Dir { get; } = Directory.CreateTempSubdirectory("bedrockcost-decoder-").FullName;
        private readonly Dictionary<string, string> _made = new();
        private static readonly DateTime Period = new(2026, 5, 1, 0, 0, 0, DateTimeKind.Utc);

        /// <summary>About 5,000 rows: the synthetic month with half its rows Bedrock (principals, tags and product maps, nulls).</summary>
        public static IEnumerable<TestData.LineItem> Rows() =>
            SyntheticData.Chunk(Period, 11, 0, 3000, bedrockFraction: 0.5).Concat(SyntheticData.Chunk(Period, 11, 1, 2000, bedrockFraction: 0.02));

        public string Get(string writer, string options)
        {
            lock (_made)
            {
                var key = writer + "|" + options;
                if (_made.TryGetValue(key, out var path)) return path;
                path = Path.Combine(Dir, $"{Guid.NewGuid():N}.parquet");
                if (writer == "Parquet.Net")
                {
                    CurParquetWriter.WriteAsync(path, Rows(), rowGroupSize: 700, configure: o =>
                    {
                        switch (options)
                        {
                            case "gzip": o.CompressionMethod = CompressionMethod.Gzip; break;
                            case "zstd": o.CompressionMethod = CompressionMethod.Zstd; break;
                            case "lz4raw": o.CompressionMethod = CompressionMethod.Lz4Raw; break;
                            case "none": o.CompressionMethod = CompressionMethod.None; break;
                            case "plain": o.ColumnEncodingHints.Clear(); break;
                        }
                    }).GetAwaiter().GetResult();
                }
                else if (writer == "DuckDB")
                {
                    DuckDbWriter.Rewrite(Get("Parquet.Net", ""), path, options);
                }
                else
                {
                    ArrowRewrite(Get("Parquet.Net", ""), path, options);
                }
                _made[key] = path;
                return path;
            }
        }

        public void Dispose() => Directory.Delete(Dir, recursive: true);

        /// <summary>
        /// The file rewritten by Apache Arrow's C++ Parquet writer (ParquetSharp), the writer of pyarrow: small data
        /// pages (several per chunk), a small dictionary limit (fallback to PLAIN within a chunk), and page v2.
        /// </summary>
        private static void ArrowRewrite(string source, string destination, string options)
        {
            using var reader = new ParquetSharp.Arrow.FileReader(source);
            using var batches = reader.GetRecordBatchReader();
            using var builder = new ParquetSharp.WriterPropertiesBuilder();
            builder.Compression(options.Contains("zstd") ? ParquetSharp.Compression.Zstd : ParquetSharp.Compression.Snappy);
            if (options.Contains("pages")) builder.DataPagesize(2048);
            if (options.Contains("fallback")) builder.DictionaryPagesizeLimit(300);
            if (options.Contains("v2")) builder.DataPageVersion(ParquetSharp.ParquetDataPageVersion.V2);
            using var properties = builder.Build();
            using var writer = new ParquetSharp.Arrow.FileWriter(destination, reader.Schema, properties);
            while (batches.ReadNextRecordBatchAsync().AsTask().GetAwaiter().GetResult() is { } batch)
                using (batch) writer.WriteRecordBatch(batch);
            writer.Close();
        }
    }

    public static TheoryData<string, string> Shapes => new()
    {
        { "Parquet.Net", "" },
        { "Parquet.Net", "gzip" },
        { "Parquet.Net", "zstd" },
        { "Parquet.Net", "lz4raw" },
        { "Parquet.Net", "none" },
        { "Parquet.Net", "plain" },
        { "DuckDB", "" },
        { "DuckDB", "ROW_GROUP_SIZE 1000" },
        { "DuckDB", "COMPRESSION zstd" },
        { "DuckDB", "COMPRESSION gzip" },
        { "DuckDB", "COMPRESSION uncompressed" },
        { "DuckDB", "COMPRESSION lz4_raw" },
        { "DuckDB", "PARQUET_VERSION v2" },
        { "DuckDB", "DICTIONARY_SIZE_LIMIT 1" },
        { "DuckDB", "ROW_GROUP_SIZE 2048, PARQUET_VERSION v2, COMPRESSION zstd" },
        { "Arrow", "pages" },
        { "Arrow", "pages fallback" },
        { "Arrow", "pages fallback v2" },
        { "Arrow", "pages v2 zstd" },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task Every_column_decodes_as_ParquetNet_and_DuckDB_read_it(string writer, string options)
    {
        var path = _files.Get(writer, options);
        await using var reader = await ParquetReader.CreateAsync(path);
        var meta = reader.Metadata!;
        var leaves = ParquetLayout.Leaves(meta);
        var fields = reader.Schema.GetDataFields();
        Assert.Equal(fields.Length, leaves.Count);
        await using var file = File.OpenRead(path);
        var source = RandomAccessFor.Stream(file);
        var rng = new Random(7);
        int native = 0, fallback = 0, multiPage = 0;
        long compared = 0, duckCompared = 0;
        var parquetNetFailed = 0;
        foreach (var leaf in leaves)
        {
            var field = fields[leaf.Index];
            Assert.Equal(leaf.Path, string.Join('.', field.Path.ToList()));
            var kind = KindOf(leaf);
            if (kind is null) continue;
            var spec = ParquetLayout.Spec(leaf, kind.Value);
            Assert.NotNull(spec);
            var duck = DuckDbColumn(path, leaf, kind.Value);
            long rowBase = 0;
            for (var g = 0; g < reader.RowGroupCount; g++)
            {
                var rg = reader.OpenRowGroupReader(g);
                var chunk = meta.RowGroups[g].Columns[leaf.Index];
                if (!ColumnReader.Supports(chunk, spec)) { fallback++; rowBase += rg.RowCount; continue; }
                native++;
                // Parquet.Net 6.1 cannot read some data pages v2 (NotImplementedException): DuckDB is then the reference.
                var expected = await ParquetNetSlots(rg, field, chunk.MetaData!.NumValues);
                if (expected is null) parquetNetFailed++;
                using var column = new ColumnReader(source, chunk, spec!);
                var slots = (int)chunk.MetaData!.NumValues;
                var ids = new int[slots];
                var def = new int[slots];
                var rep = new int[slots];
                var read = new bool[slots];
                var values = new object?[slots];
                for (var s = 0; s < slots;)
                {
                    var n = Math.Min(slots - s, rng.Next(1, 3000));
                    if (rng.Next(4) == 0) column.Skip(n);
                    else
                    {
                        // Half the windows ask only for some slots (as the engine asks for the rows that count).
                        var want = rng.Next(2) == 0 ? null : Enumerable.Range(0, n).Select(_ => rng.Next(10) == 0).ToArray();
                        column.Read(n, ids.AsSpan(s, n), def.AsSpan(s, n), rep.AsSpan(s, n), want);
                        for (var i = s; i < s + n; i++)
                        {
                            if (want is not null && !want[i - s]) continue;
                            read[i] = true;
                            values[i] = Value(column.Values, ids[i]);
                            if (expected is null) continue;
                            var what = $"{writer} {options}: {leaf.Path}, row group {g}, slot {i}";
                            Assert.True(expected.Def[i] == def[i], what + " definition level");
                            Assert.True(expected.Rep[i] == rep[i], what + " repetition level");
                            Assert.True(Equals(expected.Values[i], values[i]), $"{what}: {expected.Values[i]} read as {values[i]}");
                        }
                        column.Values.EndWindow();
                    }
                    s += n;
                }
                column.Finish();
                compared += read.Count(r => r);
                // Again in one window without skips: every slot, for DuckDB, row by row (a flat column's value, a map's
                // entries with null and empty maps), and the same values as the windows with skips read.
                using var whole = new ColumnReader(source, chunk, spec!);
                Array.Clear(def); Array.Clear(rep);
                whole.Read(slots, ids, def, rep);
                whole.Finish();
                var all = ids.Select(id => Value(whole.Values, id)).ToArray();
                for (var i = 0; i < slots; i++)
                    if (read[i]) Assert.True(Equals(values[i], all[i]), $"{writer} {options}: {leaf.Path}, row group {g}, slot {i}: {values[i]} after skips, {all[i]} in one window");
                var rows = leaf.MaxRepetition == 0 ? all.ToList() : MapRows(leaf, all, def, rep);
                Assert.True(rg.RowCount == rows.Count, $"{writer} {options}: {leaf.Path}, row group {g}: {rows.Count} rows where the row group has {rg.RowCount}");
                for (var r = 0; r < rows.Count; r++)
                {
                    var theirs = duck[(int)rowBase + r];
                    var same = rows[r] is List<object?> mine ? theirs is List<object?> t && mine.SequenceEqual(t) : Equals(theirs, rows[r]);
                    Assert.True(same, $"{writer} {options}: {leaf.Path}, row group {g}, row {r}: DuckDB reads {Show(theirs)}, the decoder {Show(rows[r])}");
                    duckCompared++;
                }
                if (CountPages(source, chunk) > 1) multiPage++;
                rowBase += rg.RowCount;
            }
        }
        _out.WriteLine($"{writer} {options}: {native} column chunks decoded, {fallback} left to Parquet.Net, {multiPage} of several pages, {compared} slots compared " +
                       $"({parquetNetFailed} chunks Parquet.Net could not read), {duckCompared} rows compared with DuckDB");
        // The decoder must take the columns of a default file of either writer, not leave them all to the fallback.
        Assert.True(native > 0 && compared > 10_000 && duckCompared > 10_000);
        if (options.Contains("pages")) Assert.True(multiPage > 10);
        if (!options.Contains("v2") && options != "plain") Assert.Equal(0, fallback);
    }

    private static int CountPages(IRandomAccess source, Parquet.Meta.ColumnChunk chunk)
    {
        var m = chunk.MetaData!;
        var pos = m.DictionaryPageOffset is { } d && d > 0 && d < m.DataPageOffset ? d : m.DataPageOffset;
        var end = pos + m.TotalCompressedSize;
        var pages = 0;
        var buffer = new byte[1 << 16];
        while (pos < end)
        {
            var n = (int)Math.Min(buffer.Length, end - pos);
            source.ReadExactly(pos, buffer.AsSpan(0, n));
            var length = PageHeader.TryParse(buffer.AsSpan(0, n), out var h);
            Assert.True(length > 0);
            if (h.Type is PageType.DataPage or PageType.DataPageV2) pages++;
            pos += length + h.CompressedSize;
        }
        return pages;
    }

    private static ValueKind? KindOf(ParquetLeaf leaf) => leaf.Element.Type switch
    {
        PhysicalType.BYTE_ARRAY => ValueKind.Text,
        PhysicalType.DOUBLE => ValueKind.Number,
        PhysicalType.INT64 or PhysicalType.INT96 when ParquetLayout.Spec(leaf, ValueKind.Timestamp) is not null => ValueKind.Timestamp,
        _ => null,
    };

    private static object? Value(ValueTable t, int id) => id < 0 ? null : t.Kind switch
    {
        ValueKind.Text => System.Text.Encoding.UTF8.GetString(t.Text(id)),
        ValueKind.Number => t.Number(id),
        _ => t.Timestamp(id).Ticks,
    };

    private sealed record Slots(object?[] Values, int[] Def, int[] Rep);

    /// <summary>Parquet.Net's reading of the chunk, one entry per slot (null where the definition level is below the maximum).</summary>
    private static async Task<Slots?> ParquetNetSlots(ParquetRowGroupReader rg, DataField field, long slots)
    {
        try { return await ParquetNetSlotsCore(rg, field, slots); }
        catch (NotImplementedException) { return null; }
    }

    private static async Task<Slots> ParquetNetSlotsCore(ParquetRowGroupReader rg, DataField field, long slots)
    {
        var n = (int)slots;
        var def = new int[n];
        var rep = new int[n];
        var values = new object?[n];
        object?[] dense;
        if (field.ClrType == typeof(string) || field.ClrType == typeof(ReadOnlyMemory<char>))
        {
            var v = new ReadOnlyMemory<char>[n];
            await rg.ReadRawAsync<ReadOnlyMemory<char>>(field, v, def, rep);
            dense = v.Select(x => (object?)x.ToString()).ToArray();
        }
        else if (field.ClrType == typeof(double))
        {
            var v = new double[n];
            await rg.ReadRawAsync<double>(field, v, def, rep);
            dense = v.Select(x => (object?)x).ToArray();
        }
        else if (field.ClrType == typeof(DateTime))
        {
            var v = new DateTime[n];
            await rg.ReadRawAsync<DateTime>(field, v, def, rep);
            dense = v.Select(x => (object?)x.Ticks).ToArray();
        }
        else throw new InvalidOperationException($"{field.Path}: {field.ClrType}");
        if (field.MaxDefinitionLevel == 0) def.AsSpan().Clear();
        if (field.MaxRepetitionLevel == 0) rep.AsSpan().Clear();
        for (int i = 0, j = 0; i < n; i++) values[i] = def[i] == field.MaxDefinitionLevel ? dense[j++] : null;
        return new Slots(values, def, rep);
    }

    /// <summary>
    /// DuckDB's reading of a column of the file, in row order: a flat column's values (timestamps as ticks), or for a
    /// map's key or value leaf its entries (from JSON; null for a null map).
    /// </summary>
    private static List<object?> DuckDbColumn(string path, ParquetLeaf leaf, ValueKind kind)
    {
        using var c = new DuckDBConnection("Data Source=:memory:");
        c.Open();
        using var cmd = c.CreateCommand();
        var parts = leaf.Path.Split('.');
        var col = "\"" + parts[0].Replace("\"", "\"\"") + "\"";
        var expr = leaf.MaxRepetition > 0
            ? $"to_json({(parts[^1] == "key" ? "map_keys" : "map_values")}({col}))"
            : kind == ValueKind.Timestamp ? $"epoch_us({col})" : col;
        cmd.CommandText = $"SELECT {expr} FROM read_parquet('{path.Replace("'", "''")}', file_row_number = true) ORDER BY file_row_number";
        using var r = cmd.ExecuteReader();
        var list = new List<object?>();
        while (r.Read())
        {
            if (r.IsDBNull(0)) { list.Add(null); continue; }
            list.Add(leaf.MaxRepetition > 0 ? JsonList(r.GetString(0)) : kind switch
            {
                ValueKind.Text => r.GetString(0),
                ValueKind.Number => r.GetDouble(0),
                _ => DateTime.UnixEpoch.Ticks + Convert.ToInt64(r.GetValue(0), CultureInfo.InvariantCulture) * 10,
            });
        }
        return list;
    }

    private static List<object?> JsonList(string json) =>
        System.Text.Json.JsonDocument.Parse(json).RootElement.EnumerateArray()
            .Select(e => e.ValueKind switch
            {
                System.Text.Json.JsonValueKind.Null => null,
                System.Text.Json.JsonValueKind.Number => (object?)e.GetDouble(),
                _ => e.GetString(),
            }).ToList();

    private static string Show(object? v) => v is List<object?> l ? "[" + string.Join(", ", l.Select(x => x ?? "null")) + "]" : v?.ToString() ?? "null";

    /// <summary>
    /// Rows of a map leaf from its slots: a row starts at repetition level 0; its entries are the slots whose definition
    /// level reaches the repeated key_value group (a value below the leaf's maximum is null); one level below is an
    /// empty map, lower still a null map.
    /// </summary>
    private static List<object?> MapRows(ParquetLeaf leaf, object?[] values, int[] def, int[] rep)
    {
        var entryLevel = leaf.MaxDefinition - (leaf.Element.RepetitionType == Parquet.Meta.FieldRepetitionType.OPTIONAL ? 1 : 0);
        var rows = new List<object?>();
        for (var i = 0; i < values.Length; i++)
        {
            if (rep[i] == 0) rows.Add(def[i] >= entryLevel - 1 ? new List<object?>() : null);
            if (def[i] >= entryLevel) ((List<object?>)rows[^1]!).Add(values[i]);
        }
        return rows;
    }
}
