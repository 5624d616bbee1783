using System.Buffers;
using System.Buffers.Binary;
using Parquet.Meta;
using PhysicalType = Parquet.Meta.Type;

namespace BedrockCost.Core.Cur.Decoding;

/// <summary>
/// One column chunk as the engine reads it: slots (one per row for a flat column; one per map entry for a map's key
/// or value), each an index into <see cref="Values"/> or -1 for null, in windows of rows.
/// </summary>
internal interface IColumnCursor : IDisposable
{
    ValueTable Values { get; }

    /// <summary>
    /// The next <paramref name="slots"/> slots: value indexes (-1 for null) and, when the spans are not empty,
    /// definition and repetition levels.
    /// </summary>
    /// <remarks>With <paramref name="want"/> (one per slot), values of other slots may be left undecoded (-1): a plain value
    /// costs nothing to pass over, so only the rows that count are decoded.</remarks>
    void Read(int slots, Span<int> ids, Span<int> definition, Span<int> repetition, ReadOnlySpan<bool> want = default);

    /// <summary>Passes over the next <paramref name="slots"/> slots, without decoding whole pages it can pass over.</summary>
    void Skip(long slots);

    /// <summary>After the last row: fails unless the chunk held exactly the slots read.</summary>
    void Finish();
}

/// <summary>How a leaf column is stored and what the engine wants of it.</summary>
internal sealed record ColumnSpec(string Name, PhysicalType Physical, int MaxDefinition, int MaxRepetition, ValueKind Kind, long TicksPerUnit, int UnitsPerTick)
{
    /// <summary>INT96 timestamps (Julian day and nanoseconds), as Spark and Hive write them.</summary>
    public bool IsInt96 => Physical == PhysicalType.INT96;
}

/// <summary>
/// Decodes a column chunk page by page from the file: Thrift page headers, the codecs of <see cref="Codecs"/>, data
/// pages v1 and v2, RLE definition and repetition levels, PLAIN values and dictionaries with RLE/bit-packed indexes.
/// What it does not support is decided from the chunk's metadata before it starts (<see cref="Supports"/>), and the
/// caller reads that chunk with Parquet.Net instead. Every size, count and index is checked against the bytes
/// present and the counts the metadata states; buffers are sized by pages actually read, never by a claim alone.
/// </summary>
internal sealed class ColumnReader : IColumnCursor
{
    /// <summary>A page larger than this is refused (writers use pages of about 1 MiB; Parquet.Net one page per chunk).</summary>
    public const int MaxPageBytes = 256 << 20;
    private const int MaxHeaderBytes = 1 << 20;

    private IRandomAccess _source = null!;
    private ColumnSpec _spec = null!;
    private CompressionCodec _codec;
    private long _chunkEnd;
    private int _valueSize;
    private long _pos;
    private long _chunkSlotsLeft;
    private int _pageSlotsLeft;
    private bool _seenData;
    private byte[] _header = new byte[512];
    private byte[] _page = Array.Empty<byte>(), _compressed = Array.Empty<byte>();
    private readonly HybridDecoder _rep = new(), _def = new(), _indexes = new();
    private bool _dictionaryEncoded;
    private int _valuePos, _valueEnd;
    private int[] _scratchLevels = Array.Empty<int>(), _scratchIds = Array.Empty<int>();
    private bool[] _scratchWant = Array.Empty<bool>();

    public ValueTable Values { get; } = new(ValueKind.Text);

    public ColumnReader(IRandomAccess source, ColumnChunk chunk, ColumnSpec spec) => Reset(source, chunk, spec);

    /// <summary>Starts reading another column chunk, keeping the buffers (a worker reuses its readers from row group to row group).</summary>
    public void Reset(IRandomAccess source, ColumnChunk chunk, ColumnSpec spec)
    {
        var meta = chunk.MetaData ?? throw new InvalidDataException($"column {spec.Name} has no metadata");
        _source = source;
        _spec = spec;
        _codec = meta.Codec;
        var (start, _) = Range(chunk);
        if (start < 4 || meta.TotalCompressedSize < 0 || start > source.Length || meta.TotalCompressedSize > source.Length - start)
            throw new InvalidDataException($"column {spec.Name} lies outside the file");
        if (meta.NumValues < 0) throw new InvalidDataException($"column {spec.Name} states {meta.NumValues} values");
        _pos = start;
        _chunkEnd = start + meta.TotalCompressedSize;
        _chunkSlotsLeft = meta.NumValues;
        _pageSlotsLeft = 0;
        _seenData = false;
        _dictionaryEncoded = false;
        _valuePos = _valueEnd = 0;
        Values.Reset(spec.Kind);
        _valueSize = ValueSize(spec.Physical);
        if (_valueSize == 0 && spec.Physical != PhysicalType.BYTE_ARRAY) throw Corrupt($"values of type {spec.Physical}");
    }

    /// <summary>Where a column chunk's bytes are: from its dictionary page (when it has one first), its compressed size long.</summary>
    public static (long Offset, long Length) Range(ColumnChunk chunk)
    {
        var meta = chunk.MetaData ?? throw new InvalidDataException("a column chunk has no metadata");
        var start = meta.DictionaryPageOffset is { } d && d > 0 && d < meta.DataPageOffset ? d : meta.DataPageOffset;
        return (start, meta.TotalCompressedSize);
    }

    /// <summary>Whether this decoder reads the chunk; otherwise Parquet.Net does.</summary>
    public static bool Supports(ColumnChunk chunk, ColumnSpec? spec)
    {
        if (spec is null || chunk.MetaData is not { } meta || chunk.FilePath is not null || chunk.CryptoMetadata is not null) return false;
        if (!Codecs.IsSupported(meta.Codec)) return false;
        foreach (var e in meta.Encodings ?? [])
            if (e is not (Parquet.Meta.Encoding.PLAIN or Parquet.Meta.Encoding.PLAIN_DICTIONARY or Parquet.Meta.Encoding.RLE_DICTIONARY or Parquet.Meta.Encoding.RLE))
                return false;
        return true;
    }

    public void Read(int slots, Span<int> ids, Span<int> definition, Span<int> repetition, ReadOnlySpan<bool> want = default)
    {
        var done = 0;
        while (done < slots)
        {
            if (_pageSlotsLeft == 0) NextPage(skippable: 0);
            var k = Math.Min(slots - done, _pageSlotsLeft);
            var target = ids.Slice(done, k);
            var wanted = want.IsEmpty ? want : want.Slice(done, k);
            if (_spec.MaxRepetition > 0)
            {
                var rep = repetition.IsEmpty ? Scratch(ref _scratchLevels, k) : repetition.Slice(done, k);
                _rep.Read(rep);
                if (rep.IndexOfAnyExceptInRange(0, _spec.MaxRepetition) >= 0) throw Corrupt("a repetition level beyond the column's maximum");
            }
            if (_spec.MaxDefinition == 0)
            {
                DecodeValues(target, wanted);
            }
            else if (TryOneDefinitionLevel(k, out var level))
            {
                // One definition level for the whole stretch (no nulls, or only nulls): nothing to decode level by level.
                if (!definition.IsEmpty) definition.Slice(done, k).Fill(level);
                if (level == _spec.MaxDefinition) DecodeValues(target, wanted);
                else target.Fill(-1);
            }
            else
            {
                var def = definition.IsEmpty ? Scratch(ref _scratchLevels, k) : definition.Slice(done, k);
                _def.Read(def);
                if (def.IndexOfAnyExceptInRange(0, _spec.MaxDefinition) >= 0) throw Corrupt("a definition level beyond the column's maximum");
                var present = def.Count(_spec.MaxDefinition);
                if (present == k) DecodeValues(target, wanted);
                else if (present == 0) target.Fill(-1);
                else
                {
                    var dense = Scratch(ref _scratchIds, present);
                    var denseWant = ReadOnlySpan<bool>.Empty;
                    if (!wanted.IsEmpty)
                    {
                        if (_scratchWant.Length < present) _scratchWant = new bool[Math.Max(present, 1024)];
                        for (int i = 0, j = 0; i < k; i++) if (def[i] == _spec.MaxDefinition) _scratchWant[j++] = wanted[i];
                        denseWant = _scratchWant.AsSpan(0, present);
                    }
                    DecodeValues(dense, denseWant);
                    for (int i = 0, j = 0; i < k; i++) target[i] = def[i] == _spec.MaxDefinition ? dense[j++] : -1;
                }
            }
            _pageSlotsLeft -= k;
            done += k;
        }
    }

    public void Skip(long slots)
    {
        while (slots > 0)
        {
            if (_pageSlotsLeft == 0)
            {
                slots -= NextPage(skippable: slots);
                continue;
            }
            var k = (int)Math.Min(slots, _pageSlotsLeft);
            if (_spec.MaxRepetition > 0) _rep.Skip(k);
            var present = k;
            if (TryOneDefinitionLevel(k, out var level))
            {
                if (level < _spec.MaxDefinition) present = 0;
            }
            else if (_spec.MaxDefinition > 0)
            {
                var def = Scratch(ref _scratchLevels, k);
                _def.Read(def);
                if (def.IndexOfAnyExceptInRange(0, _spec.MaxDefinition) >= 0) throw Corrupt("a definition level beyond the column's maximum");
                present = def.Count(_spec.MaxDefinition);
            }
            SkipValues(present);
            _pageSlotsLeft -= k;
            slots -= k;
        }
    }

    public void Finish()
    {
        if (_pageSlotsLeft != 0) throw Corrupt("more values than its row group has rows");
        while (_pos < _chunkEnd)
        {
            var h = ReadHeader();
            if (h.Type is PageType.DataPage or PageType.DataPageV2 && Slots(h) > 0) throw Corrupt("more values than its row group has rows");
            _pos += h.CompressedSize;
        }
        if (_chunkSlotsLeft != 0) throw Corrupt($"{_chunkSlotsLeft} values fewer than its metadata states");
    }

    /// <summary>
    /// When the next <paramref name="slots"/> definition levels are one run, passes over them and gives that level,
    /// checked against the column's maximum; otherwise reads nothing.
    /// </summary>
    private bool TryOneDefinitionLevel(int slots, out int level)
    {
        level = 0;
        if (_spec.MaxDefinition == 0 || !_def.TryTakeRun(slots, out level)) return false;
        if (level > _spec.MaxDefinition) throw Corrupt("a definition level beyond the column's maximum");
        return true;
    }

    /// <summary>
    /// Moves to the next data page, loading a dictionary page on the way. A data page of at most
    /// <paramref name="skippable"/> slots is passed over without reading its body; returns the slots passed over.
    /// </summary>
    private long NextPage(long skippable)
    {
        while (true)
        {
            if (_pos >= _chunkEnd) throw Corrupt("fewer values than its row group has rows");
            var h = ReadHeader();
            switch (h.Type)
            {
                case PageType.DictionaryPage:
                    if (_seenData || Values.DictionaryCount > 0) throw Corrupt("a dictionary page after its data");
                    if (!h.HasDictionary) throw Corrupt("a dictionary page without its header");
                    LoadBody(h);
                    LoadDictionary(h);
                    continue;
                case PageType.DataPage or PageType.DataPageV2:
                    if (h.Type == PageType.DataPage ? !h.HasData : !h.HasDataV2) throw Corrupt("a data page without its header");
                    _seenData = true;
                    var slots = Slots(h);
                    if (slots < 0 || slots > _chunkSlotsLeft) throw Corrupt("a page with more values than its column chunk states");
                    _chunkSlotsLeft -= slots;
                    if (slots == 0 || slots <= skippable)
                    {
                        _pos += h.CompressedSize;
                        if (slots > 0) return slots;
                        continue;
                    }
                    LoadBody(h);
                    StartDataPage(h, slots);
                    return 0;
                default:
                    _pos += h.CompressedSize; // index pages carry nothing the engine reads
                    continue;
            }
        }
    }

    private static int Slots(in PageHeader h) => h.NumValues;

    private PageHeader ReadHeader()
    {
        var left = _chunkEnd - _pos;
        var want = (int)Math.Min(_header.Length, left);
        while (true)
        {
            _source.ReadExactly(_pos, _header.AsSpan(0, want));
            var length = PageHeader.TryParse(_header.AsSpan(0, want), out var h);
            if (length >= 0)
            {
                _pos += length;
                if (h.CompressedSize > _chunkEnd - _pos) throw Corrupt("a page extends beyond its column chunk");
                return h;
            }
            if (want == left || want >= MaxHeaderBytes) throw Corrupt("a page header is truncated or too large");
            want = (int)Math.Min(Math.Min((long)want * 4, left), MaxHeaderBytes);
            if (_header.Length < want) _header = new byte[want];
        }
    }

    /// <summary>Reads the page body and decompresses it into <see cref="_page"/>[0, UncompressedSize).</summary>
    private void LoadBody(in PageHeader h)
    {
        var levels = h.Type == PageType.DataPageV2 ? (long)h.RepetitionLength + h.DefinitionLength : 0;
        if (h.RepetitionLength < 0 || h.DefinitionLength < 0 || levels > h.CompressedSize || levels > h.UncompressedSize)
            throw Corrupt("page levels larger than the page");
        if (h.UncompressedSize > MaxPageBytes) throw Corrupt($"a page of {h.UncompressedSize} bytes (at most {MaxPageBytes} are read)");
        var compressed = h.Type == PageType.DataPageV2 && !h.IsCompressed ? CompressionCodec.UNCOMPRESSED : _codec;
        if (h.UncompressedSize - levels > Codecs.MaxExpansion(compressed, h.CompressedSize - levels))
            throw Corrupt($"a page states {h.UncompressedSize} bytes, more than its {h.CompressedSize} compressed bytes can hold");
        Ensure(ref _page, h.UncompressedSize);
        if (compressed == CompressionCodec.UNCOMPRESSED)
        {
            if (h.CompressedSize != h.UncompressedSize) throw Corrupt("an uncompressed page whose two sizes differ");
            _source.ReadExactly(_pos, _page.AsSpan(0, h.UncompressedSize));
        }
        else
        {
            Ensure(ref _compressed, h.CompressedSize);
            _source.ReadExactly(_pos, _compressed.AsSpan(0, h.CompressedSize));
            var l = (int)levels;
            _compressed.AsSpan(0, l).CopyTo(_page);
            Codecs.Decompress(compressed, _compressed.AsSpan(l, h.CompressedSize - l), _page.AsSpan(l, h.UncompressedSize - l));
        }
        _pos += h.CompressedSize;
    }

    private void LoadDictionary(in PageHeader h)
    {
        if (h.Encoding is not (PageEncoding.Plain or PageEncoding.PlainDictionary)) throw Corrupt($"a dictionary encoded as {h.Encoding}");
        if (h.NumValues < 0) throw Corrupt("a dictionary of a negative size");
        Values.Clear();
        _valuePos = 0;
        _valueEnd = h.UncompressedSize;
        for (var i = 0; i < h.NumValues; i++) AddPlain();
        Values.SealDictionary();
    }

    private void StartDataPage(in PageHeader h, int slots)
    {
        int p = 0, end = h.UncompressedSize;
        if (h.Type == PageType.DataPage)
        {
            if (_spec.MaxRepetition > 0) p = Levels(_rep, h.RepetitionEncoding, p, end, _spec.MaxRepetition);
            if (_spec.MaxDefinition > 0) p = Levels(_def, h.DefinitionEncoding, p, end, _spec.MaxDefinition);
        }
        else
        {
            if (h.NumRows < 0 || h.NumRows > slots || h.NumNulls < 0 || h.NumNulls > slots) throw Corrupt("a data page v2 header with impossible counts");
            if (_spec.MaxRepetition > 0) _rep.Reset(_page, 0, h.RepetitionLength, HybridDecoder.BitsFor(_spec.MaxRepetition));
            if (_spec.MaxDefinition > 0) _def.Reset(_page, h.RepetitionLength, h.RepetitionLength + h.DefinitionLength, HybridDecoder.BitsFor(_spec.MaxDefinition));
            p = h.RepetitionLength + h.DefinitionLength;
        }
        switch (h.Encoding)
        {
            case PageEncoding.Plain:
                _dictionaryEncoded = false;
                _valuePos = p;
                _valueEnd = end;
                break;
            case PageEncoding.PlainDictionary or PageEncoding.RleDictionary:
                if (Values.DictionaryCount == 0 && slots > 0 && _spec.MaxDefinition == 0) throw Corrupt("dictionary indexes without a dictionary");
                if (p >= end)
                {
                    // A page of nulls only may have no index bytes at all.
                    _indexes.Reset(_page, p, p, 0);
                }
                else
                {
                    _indexes.Reset(_page, p + 1, end, _page[p]);
                }
                _dictionaryEncoded = true;
                break;
            default:
                throw Corrupt($"values encoded as {h.Encoding}, not among the encodings its metadata lists");
        }
        _pageSlotsLeft = slots;
    }

    /// <summary>v1 levels: a 4-byte length, then RLE/bit-packed hybrid data.</summary>
    private int Levels(HybridDecoder decoder, PageEncoding encoding, int p, int end, int max)
    {
        if (encoding != PageEncoding.Rle) throw Corrupt($"levels encoded as {encoding}, not among the encodings its metadata lists");
        if (end - p < 4) throw Corrupt("levels truncated");
        var length = BinaryPrimitives.ReadInt32LittleEndian(_page.AsSpan(p));
        if (length < 0 || length > end - p - 4) throw Corrupt("levels longer than their page");
        decoder.Reset(_page, p + 4, p + 4 + length, HybridDecoder.BitsFor(max));
        return p + 4 + length;
    }

    /// <summary>The next values into <paramref name="dense"/>; plain values not in <paramref name="want"/> (when given) are passed over, as -1.</summary>
    private void DecodeValues(Span<int> dense, ReadOnlySpan<bool> want)
    {
        if (dense.IsEmpty) return;
        if (_dictionaryEncoded)
        {
            // Only the wanted indexes when few are (runs and groups between them are passed over whole); when more than
            // one in 64 are, reading every index costs less than stopping and starting at each.
            var sparse = !want.IsEmpty && want.Count(true) * 64 < want.Length;
            if (sparse)
            {
                dense.Fill(0);
                _indexes.ReadSelected(dense, want);
            }
            else _indexes.Read(dense);
            if (dense.IndexOfAnyExceptInRange(0, Values.DictionaryCount - 1) >= 0) throw Corrupt("a dictionary index beyond its dictionary");
            if (!want.IsEmpty) for (var i = 0; i < dense.Length; i++) if (!want[i]) dense[i] = -1;
            return;
        }
        if (_valueSize > 0)
        {
            // Fixed-size values: every position is known, so only the wanted ones are read.
            if ((long)dense.Length * _valueSize > _valueEnd - _valuePos) throw Corrupt("fewer values than its page states");
            var start = _valuePos;
            for (var i = 0; i < dense.Length; i++)
            {
                if (!want.IsEmpty && !want[i]) { dense[i] = -1; continue; }
                _valuePos = start + i * _valueSize;
                dense[i] = AddPlain();
            }
            _valuePos = start + dense.Length * _valueSize;
            return;
        }
        for (var i = 0; i < dense.Length; i++)
        {
            if (want.IsEmpty || want[i]) dense[i] = AddPlain();
            else { _valuePos += 4 + TextLength(); dense[i] = -1; }
        }
    }

    private void SkipValues(int count)
    {
        if (count == 0) return;
        if (_dictionaryEncoded) { _indexes.Skip(count); return; }
        if (_spec.Physical == PhysicalType.BYTE_ARRAY)
        {
            for (var i = 0; i < count; i++) _valuePos += 4 + TextLength();
            return;
        }
        var size = (long)count * _valueSize;
        if (size > _valueEnd - _valuePos) throw Corrupt("fewer values than its page states");
        _valuePos += (int)size;
    }

    private static int ValueSize(PhysicalType type) => type switch
    {
        PhysicalType.DOUBLE or PhysicalType.INT64 => 8,
        PhysicalType.FLOAT or PhysicalType.INT32 => 4,
        PhysicalType.INT96 => 12,
        _ => 0,
    };

    private int TextLength()
    {
        if (_valueEnd - _valuePos < 4) throw Corrupt("fewer values than its page states");
        var length = BinaryPrimitives.ReadInt32LittleEndian(_page.AsSpan(_valuePos));
        if (length < 0 || length > _valueEnd - _valuePos - 4) throw Corrupt("a value longer than its page");
        return length;
    }

    /// <summary>Decodes one PLAIN value at the value position into <see cref="Values"/>.</summary>
    private int AddPlain()
    {
        if (_spec.Physical == PhysicalType.BYTE_ARRAY)
        {
            if (_spec.Kind != ValueKind.Text) throw Corrupt("text where a number or timestamp is expected");
            var length = TextLength();
            var id = Values.AddText(_page.AsSpan(_valuePos + 4, length));
            _valuePos += 4 + length;
            return id;
        }
        var size = _valueSize;
        if (size == 0) throw Corrupt($"values of type {_spec.Physical}");
        if (_valueEnd - _valuePos < size) throw Corrupt("fewer values than its page states");
        var v = _page.AsSpan(_valuePos, size);
        _valuePos += size;
        if (_spec.Kind == ValueKind.Number)
        {
            return Values.AddNumber(_spec.Physical switch
            {
                PhysicalType.DOUBLE => BinaryPrimitives.ReadDoubleLittleEndian(v),
                PhysicalType.FLOAT => BinaryPrimitives.ReadSingleLittleEndian(v),
                PhysicalType.INT32 => BinaryPrimitives.ReadInt32LittleEndian(v),
                PhysicalType.INT64 => BinaryPrimitives.ReadInt64LittleEndian(v),
                _ => throw Corrupt($"a number of type {_spec.Physical}"),
            });
        }
        if (_spec.Kind != ValueKind.Timestamp) throw Corrupt("a number where text is expected");
        return Values.AddTicks(_spec.IsInt96 ? Int96Ticks(v) : Int64Ticks(BinaryPrimitives.ReadInt64LittleEndian(v)));
    }

    private long Int64Ticks(long units)
    {
        if (_spec.UnitsPerTick > 1) return CheckedTicks(units / _spec.UnitsPerTick);
        try { return CheckedTicks(checked(units * _spec.TicksPerUnit)); }
        catch (OverflowException) { throw Corrupt("a timestamp out of range"); }
    }

    /// <summary>INT96: nanoseconds of the day (8 bytes), then the Julian day (4 bytes).</summary>
    private long Int96Ticks(ReadOnlySpan<byte> v)
    {
        var nanos = BinaryPrimitives.ReadInt64LittleEndian(v);
        var julianDay = BinaryPrimitives.ReadInt32LittleEndian(v[8..]);
        if (nanos is < 0 or >= TimeSpan.TicksPerDay * 100) throw Corrupt("a timestamp out of range");
        return CheckedTicks((julianDay - 2440588L) * TimeSpan.TicksPerDay + nanos / 100);
    }

    private long CheckedTicks(long unixTicks)
    {
        var ticks = DateTime.UnixEpoch.Ticks + unixTicks;
        if (unixTicks < -DateTime.UnixEpoch.Ticks || ticks > DateTime.MaxValue.Ticks) throw Corrupt("a timestamp out of range");
        return ticks;
    }

    private static Span<int> Scratch(ref int[] buffer, int length)
    {
        if (buffer.Length < length) buffer = new int[Math.Max(length, 1024)];
        return buffer.AsSpan(0, length);
    }

    private static void Ensure(ref byte[] buffer, int length)
    {
        if (buffer.Length >= length) return;
        if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
        buffer = ArrayPool<byte>.Shared.Rent(length);
    }

    private InvalidDataException Corrupt(string what) => new($"column {_spec.Name}: {what}");

    public void Dispose()
    {
        if (_page.Length > 0) ArrayPool<byte>.Shared.Return(_page);
        if (_compressed.Length > 0) ArrayPool<byte>.Shared.Return(_compressed);
        _page = _compressed = Array.Empty<byte>();
    }
}
