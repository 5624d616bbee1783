using System.Buffers.Binary;
using System.Text;
using BedrockCost.Core.Cur.Decoding;
using Parquet.Meta;
using Xunit;
using PhysicalType = Parquet.Meta.Type;
using PageType = BedrockCost.Core.Cur.Decoding.PageType;
using Encoding = System.Text.Encoding;

namespace BedrockCost.Core.Tests;

/// <summary>
/// The page decoder on column chunks built byte by byte: the shapes writers produce (dictionary then data pages v1
/// and v2, RLE and bit-packed runs, nulls, INT96 timestamps), and every way the bytes can lie about themselves
/// (sizes, counts, indexes, levels, truncation). A lie is an error, never zeros and never an allocation the bytes
/// do not justify.
/// </summary>
public class ParquetDecoderEdgeTests
{
    // ---- building chunks ------------------------------------------------------------------------------------

    /// <summary>Thrift compact protocol, writing: what a page header needs.</summary>
    private sealed class Thrift
    {
        private readonly List<byte> _b = new();
        private readonly Stack<short> _last = new();
        private short _id;
        public byte[] Bytes => _b.ToArray();

        private void Varint(ulong v) { while (v >= 0x80) { _b.Add((byte)(v | 0x80)); v >>= 7; } _b.Add((byte)v); }
        private void Field(short id, int type) { _b.Add((byte)(((id - _id) << 4) | type)); _id = id; }
        public Thrift I32(short id, long v) { Field(id, 5); Varint((ulong)((v << 1) ^ (v >> 63))); return this; }
        public Thrift Bool(short id, bool v) { Field(id, v ? 1 : 2); return this; }
        public Thrift Begin(short id) { Field(id, 12); _last.Push(_id); _id = 0; return this; }
        public Thrift End() { _b.Add(0); _id = _last.Count > 0 ? _last.Pop() : (short)0; return this; }
    }

    private static byte[] Header(PageType type, int uncompressed, int compressed, Action<Thrift>? sub = null)
    {
        var t = new Thrift().I32(1, (int)type).I32(2, uncompressed).I32(3, compressed);
        sub?.Invoke(t);
        return t.End().Bytes;
    }

    private static Action<Thrift> V1(int values, PageEncoding encoding) => t =>
        t.Begin(5).I32(1, values).I32(2, (int)encoding).I32(3, (int)PageEncoding.Rle).I32(4, (int)PageEncoding.Rle).End();

    private static Action<Thrift> Dict(int values) => t => t.Begin(7).I32(1, values).I32(2, (int)PageEncoding.Plain).End();

    private static Action<Thrift> V2(int values, int nulls, int rows, PageEncoding encoding, int defLength, bool compressed = true) => t =>
        t.Begin(8).I32(1, values).I32(2, nulls).I32(3, rows).I32(4, (int)encoding).I32(5, defLength).I32(6, 0).Bool(7, compressed).End();

    private static byte[] Varint(ulong v)
    {
        var b = new List<byte>();
        while (v >= 0x80) { b.Add((byte)(v | 0x80)); v >>= 7; }
        b.Add((byte)v);
        return b.ToArray();
    }

    /// <summary>An RLE run of <paramref name="count"/> copies of <paramref name="value"/>.</summary>
    private static byte[] Rle(ulong count, int value, int bitWidth) =>
        Varint(count << 1).Concat(BitConverter.GetBytes(value).Take((bitWidth + 7) / 8)).ToArray();

    /// <summary>A bit-packed run of the values (padded to groups of 8).</summary>
    private static byte[] Packed(int[] values, int bitWidth, int? groups = null)
    {
        var g = groups ?? (values.Length + 7) / 8;
        var bytes = new byte[g * bitWidth];
        for (var i = 0; i < values.Length; i++)
            for (var bit = 0; bit < bitWidth; bit++)
                if ((values[i] >> bit & 1) != 0) bytes[(i * bitWidth + bit) / 8] |= (byte)(1 << ((i * bitWidth + bit) % 8));
        return Varint((ulong)g << 1 | 1).Concat(bytes).ToArray();
    }

    /// <summary>v1 levels: a 4-byte length, then the runs.</summary>
    private static byte[] Levels(params byte[][] runs)
    {
        var body = runs.SelectMany(r => r).ToArray();
        return BitConverter.GetBytes(body.Length).Concat(body).ToArray();
    }

    private static byte[] PlainText(params string[] values) =>
        values.SelectMany(v => BitConverter.GetBytes(Encoding.UTF8.GetByteCount(v)).Concat(Encoding.UTF8.GetBytes(v))).ToArray();

    private static byte[] Page(PageType type, byte[] body, Action<Thrift> sub, int? uncompressed = null, int? compressed = null) =>
        Header(type, uncompressed ?? body.Length, compressed ?? body.Length, sub).Concat(body).ToArray();

    /// <summary>A file holding one column chunk after the magic number, with metadata as a writer would state it.</summary>
    private sealed class Chunk(byte[] pages, long values, PhysicalType type = PhysicalType.BYTE_ARRAY)
    {
        public byte[] File = Encoding.ASCII.GetBytes("PAR1").Concat(pages).ToArray();
        public ColumnChunk Meta = new()
        {
            MetaData = new ColumnMetaData
            {
                Type = type, Codec = CompressionCodec.UNCOMPRESSED, NumValues = values, DataPageOffset = 4, TotalCompressedSize = pages.Length,
                TotalUncompressedSize = pages.Length, PathInSchema = ["c"],
                Encodings = [Parquet.Meta.Encoding.PLAIN, Parquet.Meta.Encoding.RLE_DICTIONARY, Parquet.Meta.Encoding.RLE],
            },
        };

        public ColumnReader Reader(ColumnSpec spec) => new(new Bytes(File), Meta, spec);
    }

    private sealed class Bytes(byte[] data) : IRandomAccess
    {
        public long Length => data.Length;
        public void ReadExactly(long offset, Span<byte> destination)
        {
            if (offset < 0 || offset + destination.Length > data.Length) throw new EndOfStreamException();
            data.AsSpan((int)offset, destination.Length).CopyTo(destination);
        }
    }

    private static readonly ColumnSpec Text = new("c", PhysicalType.BYTE_ARRAY, MaxDefinition: 1, MaxRepetition: 0, ValueKind.Text, 0, 0);
    private static readonly ColumnSpec RequiredText = Text with { MaxDefinition = 0 };

    private static string?[] ReadAll(ColumnReader reader, int slots)
    {
        var ids = new int[slots];
        reader.Read(slots, ids, default, default);
        var result = ids.Select(id => id < 0 ? null : Encoding.UTF8.GetString(reader.Values.Text(id))).ToArray();
        reader.Finish();
        return result;
    }

    /// <summary>A dictionary of three entries, then a v1 page of 12 rows (nulls; an RLE and a bit-packed run), then a v2 page of 5.</summary>
    private static byte[] GoodPages() => GoodParts().SelectMany(p => p).ToArray();

    private static byte[][] GoodParts()
    {
        var dict = Page(PageType.DictionaryPage, PlainText("AmazonEC2", "AmazonBedrock", "AWS"), Dict(3));
        // Rows: null, 1, 1, 1, 1, 2, 0, 2, null, 0, 1, 2 -> definition levels and the 10 present indexes.
        var def1 = Levels(Packed([0, 1, 1, 1, 1, 1, 1, 1], 1), Packed([0, 1, 1, 1], 1));
        var idx1 = new byte[] { 2 }.Concat(Rle(4, 1, 2)).Concat(Packed([2, 0, 2, 0, 1, 2], 2)).ToArray();
        var v1 = Page(PageType.DataPage, def1.Concat(idx1).ToArray(), V1(12, PageEncoding.RleDictionary));
        // v2: levels outside the compressed part, no length prefix: 5 rows, the 3rd null.
        var def2 = Packed([1, 1, 0, 1, 1], 1);
        var idx2 = new byte[] { 2 }.Concat(Packed([1, 1, 0, 2], 2)).ToArray();
        var v2 = Page(PageType.DataPageV2, def2.Concat(idx2).ToArray(), V2(5, 1, 5, PageEncoding.RleDictionary, def2.Length));
        return [dict, v1, v2];
    }

    private static readonly string?[] GoodValues =
    [
        null, "AmazonBedrock", "AmazonBedrock", "AmazonBedrock", "AmazonBedrock", "AWS", "AmazonEC2", "AWS", null, "AmazonEC2", "AmazonBedrock", "AWS",
        "AmazonBedrock", "AmazonBedrock", null, "AmazonEC2", "AWS",
    ];

    // ---- shapes writers produce ----------------------------------------------------------------------------

    [Fact]
    public void Dictionary_then_pages_v1_and_v2_with_runs_and_nulls_decode_to_their_values()
    {
        using var reader = new Chunk(GoodPages(), 17).Reader(Text);
        Assert.Equal(GoodValues, ReadAll(reader, 17));
    }

    [Fact]
    public void Windows_and_skips_across_page_boundaries_give_the_same_values()
    {
        for (var first = 1; first < 17; first++)
        {
            using var reader = new Chunk(GoodPages(), 17).Reader(Text);
            var ids = new int[17];
            reader.Skip(first);
            reader.Read(17 - first, ids, default, default);
            reader.Finish();
            Assert.Equal(GoodValues[first..], ids.Take(17 - first).Select(id => id < 0 ? null : Encoding.UTF8.GetString(reader.Values.Text(id))));
        }
    }

    [Fact]
    public void A_page_of_one_definition_level_below_the_maximum_is_nulls_read_or_skipped()
    {
        // A nested optional column (a map's keys, say) whose first page holds only empty maps: every slot at level 1 of 2,
        // one run; then a page of values at level 2, one run too.
        var nested = Text with { MaxDefinition = 2 };
        var dict = Page(PageType.DictionaryPage, PlainText("a", "b"), Dict(2));
        var empty = Page(PageType.DataPage, Levels(Rle(5, 1, 2)).Concat(new byte[] { 1 }).ToArray(), V1(5, PageEncoding.RleDictionary));
        var full = Page(PageType.DataPage, Levels(Rle(3, 2, 2)).Concat(new byte[] { 1 }).Concat(Rle(3, 1, 1)).ToArray(), V1(3, PageEncoding.RleDictionary));
        var pages = dict.Concat(empty).Concat(full).ToArray();
        using (var reader = new Chunk(pages, 8).Reader(nested))
            Assert.Equal((IEnumerable<string?>)new string?[] { null, null, null, null, null, "b", "b", "b" }, ReadAll(reader, 8));
        using (var reader = new Chunk(pages, 8).Reader(nested))
        {
            var ids = new int[2];
            reader.Read(2, ids, default, default);
            reader.Skip(4);
            reader.Read(2, ids, default, default);
            reader.Finish();
            Assert.Equal(["b", "b"], ids.Select(id => Encoding.UTF8.GetString(reader.Values.Text(id))));
        }
    }

    [Fact]
    public void A_whole_page_is_passed_over_without_reading_its_body()
    {
        // The v1 page's body (levels and indexes) is garbage: skipping its 12 rows must not look at it.
        var parts = GoodParts();
        var pages = GoodPages();
        var v1Header = Header(PageType.DataPage, 0, 0, V1(12, PageEncoding.RleDictionary));
        var bodyStart = parts[0].Length + v1Header.Length;
        var bodyEnd = parts[0].Length + parts[1].Length;
        Assert.True(bodyEnd - bodyStart > 8);
        for (var i = bodyStart; i < bodyEnd; i++) pages[i] = 0xFF;
        using (var reader = new Chunk(pages, 17).Reader(Text))
        {
            reader.Skip(12);
            var ids = new int[5];
            reader.Read(5, ids, default, default);
            reader.Finish();
            Assert.Equal(GoodValues[12..], ids.Select(id => id < 0 ? null : Encoding.UTF8.GetString(reader.Values.Text(id))));
        }
        // Reading those rows instead finds the garbage.
        Corrupt(new Chunk(pages, 17), Text, 17, "a page of garbage read");
    }

    [Fact]
    public void Plain_pages_after_a_dictionary_page_fall_back_per_page()
    {
        var dict = Page(PageType.DictionaryPage, PlainText("a", "b"), Dict(2));
        var v1 = Page(PageType.DataPage, Levels(Rle(3, 1, 1)).Concat(new byte[] { 1 }).Concat(Rle(3, 1, 1)).ToArray(), V1(3, PageEncoding.RleDictionary));
        var plain = Page(PageType.DataPage, Levels(Packed([1, 0, 1], 1)).Concat(PlainText("zzz", "b")).ToArray(), V1(3, PageEncoding.Plain));
        using var reader = new Chunk(dict.Concat(v1).Concat(plain).ToArray(), 6).Reader(Text);
        Assert.Equal((IEnumerable<string?>)new string?[] {"b", "b", "b", "zzz", null, "b"}, ReadAll(reader, 6));
    }

    [Fact]
    public void Int96_and_int64_timestamps_are_utc_instants()
    {
        var when = new DateTime(2026, 5, 14, 13, 45, 30, 123, DateTimeKind.Utc).AddTicks(4567);
        var days = (long)(when.Date - DateTime.UnixEpoch).TotalDays;
        var int96 = new byte[12];
        BinaryPrimitives.WriteInt64LittleEndian(int96, (when - when.Date).Ticks * 100);
        BinaryPrimitives.WriteInt32LittleEndian(int96.AsSpan(8), (int)(2440588 + days));
        var spec96 = new ColumnSpec("t", PhysicalType.INT96, 0, 0, ValueKind.Timestamp, 0, 0);
        using (var reader = new Chunk(Page(PageType.DataPage, int96, V1(1, PageEncoding.Plain)), 1, PhysicalType.INT96).Reader(spec96))
        {
            var ids = new int[1];
            reader.Read(1, ids, default, default);
            Assert.Equal(when, reader.Values.Timestamp(ids[0]));
            Assert.Equal(DateTimeKind.Utc, reader.Values.Timestamp(ids[0]).Kind);
        }
        var micros = BitConverter.GetBytes((when - DateTime.UnixEpoch).Ticks / 10);
        var spec64 = new ColumnSpec("t", PhysicalType.INT64, 0, 0, ValueKind.Timestamp, TimeSpan.TicksPerMicrosecond, 0);
        using (var reader = new Chunk(Page(PageType.DataPage, micros, V1(1, PageEncoding.Plain)), 1, PhysicalType.INT64).Reader(spec64))
        {
            var ids = new int[1];
            reader.Read(1, ids, default, default);
            Assert.Equal(when.AddTicks(-(when.Ticks % 10)), reader.Values.Timestamp(ids[0]));
        }
    }

    [Fact]
    public void Plain_values_not_wanted_are_passed_over()
    {
        var doubles = new[] { 1.5, -2.25, 1e-9, 3.0 }.SelectMany(BitConverter.GetBytes).ToArray();
        var spec = new ColumnSpec("d", PhysicalType.DOUBLE, 0, 0, ValueKind.Number, 0, 0);
        using var reader = new Chunk(Page(PageType.DataPage, doubles, V1(4, PageEncoding.Plain)), 4, PhysicalType.DOUBLE).Reader(spec);
        var ids = new int[4];
        reader.Read(4, ids, default, default, [false, true, false, true]);
        Assert.Equal(-1, ids[0]);
        Assert.Equal(-2.25, reader.Values.Number(ids[1]));
        Assert.Equal(3.0, reader.Values.Number(ids[3]));
        Assert.Equal(2, reader.Values.Count);
    }

    // ---- lies ------------------------------------------------------------------------------------------------

    private static void Corrupt(Chunk chunk, ColumnSpec spec, int slots, string because)
    {
        var e = Record.Exception(() =>
        {
            using var reader = chunk.Reader(spec);
            var ids = new int[Math.Max(slots, 1)];
            reader.Read(slots, ids, default, default);
            reader.Finish();
        });
        Assert.True(e is InvalidDataException or EndOfStreamException, $"{because}: {e?.GetType().Name ?? "no error"} {e?.Message}");
    }

    [Fact]
    public void A_chunk_outside_the_file_is_refused_before_reading()
    {
        var chunk = new Chunk(GoodPages(), 17);
        chunk.Meta.MetaData!.TotalCompressedSize = chunk.File.Length;
        Assert.Throws<InvalidDataException>(() => chunk.Reader(Text));
        chunk = new Chunk(GoodPages(), 17);
        chunk.Meta.MetaData!.DataPageOffset = chunk.File.Length + 10;
        Assert.Throws<InvalidDataException>(() => chunk.Reader(Text));
        chunk = new Chunk(GoodPages(), -1);
        Assert.Throws<InvalidDataException>(() => chunk.Reader(Text));
    }

    [Fact]
    public void Counts_that_disagree_with_the_pages_are_errors()
    {
        Corrupt(new Chunk(GoodPages(), 18), Text, 18, "metadata states more values than the pages hold");
        Corrupt(new Chunk(GoodPages(), 16), Text, 16, "the pages hold more values than the metadata states");
        Corrupt(new Chunk(GoodPages(), 17), Text, 16, "a value left over after the last row");
    }

    [Fact]
    public void A_page_beyond_its_chunk_or_a_truncated_file_is_an_error()
    {
        var pages = GoodPages();
        var chunk = new Chunk(pages, 17);
        chunk.Meta.MetaData!.TotalCompressedSize = pages.Length - 3;
        Corrupt(chunk, Text, 17, "the last page extends beyond the chunk");
        var truncated = new Chunk(pages, 17);
        truncated.File = truncated.File[..^5];
        truncated.Meta.MetaData!.TotalCompressedSize = pages.Length - 5;
        Corrupt(truncated, Text, 17, "a file cut inside a page");
    }

    [Fact]
    public void Sizes_a_page_cannot_hold_are_refused_before_allocating()
    {
        var body = PlainText("a");
        // An uncompressed page claiming 1 GiB.
        Corrupt(new Chunk(Page(PageType.DataPage, Levels(Rle(1, 1, 1)).Concat(body).ToArray(), V1(1, PageEncoding.Plain), uncompressed: 1 << 30), 1),
            Text, 1, "an uncompressed page whose sizes differ");
        // Snappy can expand at most about 32 times: 1 GiB from 10 bytes is a lie, refused without allocating.
        var snappy = new Chunk(Page(PageType.DataPage, new byte[10], V1(1, PageEncoding.Plain), uncompressed: 1 << 30), 1);
        snappy.Meta.MetaData!.Codec = CompressionCodec.SNAPPY;
        var before = GC.GetAllocatedBytesForCurrentThread();
        Corrupt(snappy, Text, 1, "a snappy page claiming 1 GiB");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20, "no buffer was sized by the claim");
        // Beyond the decoder's page limit whatever the codec.
        var zstd = new Chunk(Page(PageType.DataPage, new byte[10], V1(1, PageEncoding.Plain), uncompressed: ColumnReader.MaxPageBytes + 1), 1);
        zstd.Meta.MetaData!.Codec = CompressionCodec.ZSTD;
        Corrupt(zstd, Text, 1, "a page over the limit");
    }

    [Fact]
    public void A_snappy_page_that_does_not_expand_to_its_stated_size_is_an_error()
    {
        var plain = Levels(Rle(2, 1, 1)).Concat(PlainText("ab", "cd")).ToArray();
        var compressed = Snappier.Snappy.CompressToArray(plain);
        var chunk = new Chunk(Page(PageType.DataPage, compressed, V1(2, PageEncoding.Plain), uncompressed: plain.Length + 1), 2);
        chunk.Meta.MetaData!.Codec = CompressionCodec.SNAPPY;
        Corrupt(chunk, Text, 2, "stated size one more than the data");
        var good = new Chunk(Page(PageType.DataPage, compressed, V1(2, PageEncoding.Plain), uncompressed: plain.Length), 2);
        good.Meta.MetaData!.Codec = CompressionCodec.SNAPPY;
        using var reader = good.Reader(Text);
        Assert.Equal((IEnumerable<string?>)new string?[] {"ab", "cd"}, ReadAll(reader, 2));
    }

    [Fact]
    public void Indexes_beyond_the_dictionary_or_without_one_are_errors()
    {
        var dict = Page(PageType.DictionaryPage, PlainText("a", "b"), Dict(2));
        var bad = Page(PageType.DataPage, new byte[] { 2 }.Concat(Rle(2, 3, 2)).ToArray(), V1(2, PageEncoding.RleDictionary));
        Corrupt(new Chunk(dict.Concat(bad).ToArray(), 2), RequiredText, 2, "index 3 of a dictionary of 2");
        Corrupt(new Chunk(bad, 2), RequiredText, 2, "indexes without a dictionary");
        Corrupt(new Chunk(dict.Concat(dict).Concat(bad).ToArray(), 2), RequiredText, 2, "a second dictionary");
    }

    [Fact]
    public void Levels_and_runs_that_run_out_are_errors()
    {
        var dict = Page(PageType.DictionaryPage, PlainText("a", "b"), Dict(2));
        // A bit-packed run claiming two groups with the bytes of one: value 9 is not there.
        var shortRun = Page(PageType.DataPage, new byte[] { 1 }.Concat(Packed([1, 0, 1, 0, 1, 0, 1, 0], 1, groups: 2)[..^1]).ToArray(),
            V1(10, PageEncoding.RleDictionary));
        Corrupt(new Chunk(dict.Concat(shortRun).ToArray(), 10), RequiredText, 10, "indexes end before the page's values");
        // Definition level 2 in a column whose maximum is 1.
        var level2 = Page(PageType.DataPage, Levels(Rle(1, 2, 2)).Concat(PlainText("a")).ToArray(), V1(1, PageEncoding.Plain));
        Corrupt(new Chunk(level2, 1), Text, 1, "a definition level above the maximum");
        // A levels length beyond the page.
        var longLevels = Page(PageType.DataPage, BitConverter.GetBytes(1000).Concat(Rle(1, 1, 1)).ToArray(), V1(1, PageEncoding.Plain));
        Corrupt(new Chunk(longLevels, 1), Text, 1, "levels longer than the page");
        // A text value longer than its page.
        var longText = Page(PageType.DataPage, Levels(Rle(1, 1, 1)).Concat(BitConverter.GetBytes(50)).Concat(Encoding.ASCII.GetBytes("abc")).ToArray(),
            V1(1, PageEncoding.Plain));
        Corrupt(new Chunk(longText, 1), Text, 1, "a value longer than the page");
        // Fewer plain doubles than values.
        var spec = new ColumnSpec("d", PhysicalType.DOUBLE, 0, 0, ValueKind.Number, 0, 0);
        Corrupt(new Chunk(Page(PageType.DataPage, new byte[12], V1(2, PageEncoding.Plain)), 2, PhysicalType.DOUBLE), spec, 2, "12 bytes for two doubles");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(13)]
    [InlineData(17)]
    [InlineData(24)]
    [InlineData(31)]
    [InlineData(32)]
    public void Runs_and_groups_of_every_length_decode_to_what_was_encoded(int bitWidth)
    {
        // Runs of 0 to 40 values (the short ones as writers like Parquet.Net emit them, one after another) and bit-packed
        // runs, encoded here bit by bit; read back in windows of every size, whole and only some values wanted.
        var rng = new Random(bitWidth);
        int Value() => bitWidth == 32 ? rng.Next() : rng.Next(1 << Math.Min(bitWidth, 30)) << Math.Max(0, bitWidth - 30);
        var expected = new List<int>();
        var data = new List<byte>();
        while (expected.Count < 20_000)
        {
            if (rng.Next(4) == 0)
            {
                var values = Enumerable.Range(0, 8 * rng.Next(1, 5)).Select(_ => Value()).ToArray();
                data.AddRange(Packed(values, bitWidth));
                expected.AddRange(values);
            }
            else
            {
                var count = rng.Next(3) == 0 ? rng.Next(41) : rng.Next(1, 5);
                var value = Value();
                data.AddRange(Rle((ulong)count, value, bitWidth));
                expected.AddRange(Enumerable.Repeat(value, count));
            }
        }
        var bytes = data.ToArray();
        var decoder = new HybridDecoder();
        foreach (var every in new[] { 0, 1, 3, 70 })
        {
            decoder.Reset(bytes, 0, bytes.Length, bitWidth);
            var got = new List<int>();
            while (got.Count < expected.Count)
            {
                var window = new int[Math.Min(rng.Next(1, 700), expected.Count - got.Count)];
                if (every == 0) decoder.Read(window);
                else
                {
                    var want = Enumerable.Range(0, window.Length).Select(i => (got.Count + i) % every == 0).ToArray();
                    Array.Fill(window, -1);
                    decoder.ReadSelected(window, want);
                    for (var i = 0; i < window.Length; i++) if (!want[i]) window[i] = expected[got.Count + i];
                }
                got.AddRange(window);
            }
            Assert.Equal(expected, got);
        }
    }

    [Fact]
    public void A_run_claiming_billions_of_values_costs_only_what_is_read()
    {
        var dict = Page(PageType.DictionaryPage, PlainText("a"), Dict(1));
        var huge = Page(PageType.DataPage, new byte[] { 1 }.Concat(Rle(1UL << 40, 0, 1)).ToArray(), V1(3, PageEncoding.RleDictionary));
        using var reader = new Chunk(dict.Concat(huge).ToArray(), 3).Reader(RequiredText);
        Assert.Equal((IEnumerable<string?>)new string?[] {"a", "a", "a"}, ReadAll(reader, 3));
    }

    [Fact]
    public void Page_headers_that_are_not_thrift_are_errors()
    {
        var garbage = Enumerable.Range(0, 64).Select(i => (byte)(i * 37 + 11)).ToArray();
        Corrupt(new Chunk(garbage, 5), Text, 5, "garbage where a header should be");
        var header = Header(PageType.DataPage, 10, 10, V1(1, PageEncoding.Plain));
        Corrupt(new Chunk(header[..^3], 1), Text, 1, "a header cut short");
    }
}
