namespace BedrockCost.Core.Cur.Decoding;

/// <summary>Parquet page types and encodings (parquet.thrift), as far as this decoder knows them.</summary>
internal enum PageType { DataPage = 0, IndexPage = 1, DictionaryPage = 2, DataPageV2 = 3 }

internal enum PageEncoding
{
    Plain = 0, PlainDictionary = 2, Rle = 3, BitPacked = 4, DeltaBinaryPacked = 5, DeltaLengthByteArray = 6,
    DeltaByteArray = 7, RleDictionary = 8, ByteStreamSplit = 9,
}

/// <summary>A page header: the fields of PageHeader and of its data, dictionary or data v2 header.</summary>
internal struct PageHeader
{
    public PageType Type;
    public int UncompressedSize, CompressedSize;
    /// <summary>Level entries (data pages) or dictionary entries (dictionary pages).</summary>
    public int NumValues;
    public PageEncoding Encoding, DefinitionEncoding, RepetitionEncoding;
    /// <summary>Data page v2 only.</summary>
    public int NumNulls, NumRows, DefinitionLength, RepetitionLength;
    public bool IsCompressed;
    public bool HasData, HasDictionary, HasDataV2;

    /// <summary>
    /// Parses a page header (Thrift compact protocol) at the start of <paramref name="data"/>; returns its length in
    /// bytes, or -1 when <paramref name="data"/> ends before the header does (read more and try again).
    /// </summary>
    public static int TryParse(ReadOnlySpan<byte> data, out PageHeader header)
    {
        header = new PageHeader { IsCompressed = true };
        var r = new CompactReader(data);
        try
        {
            short last = 0;
            bool type = false, uncompressed = false, compressed = false;
            while (r.ReadField(ref last, out var id, out var kind))
            {
                switch (id)
                {
                    case 1 when kind == CompactReader.I32: header.Type = (PageType)r.ReadI32(); type = true; break;
                    case 2 when kind == CompactReader.I32: header.UncompressedSize = r.ReadI32(); uncompressed = true; break;
                    case 3 when kind == CompactReader.I32: header.CompressedSize = r.ReadI32(); compressed = true; break;
                    case 5 when kind == CompactReader.Struct: ReadDataHeader(ref r, ref header); header.HasData = true; break;
                    case 7 when kind == CompactReader.Struct: ReadDictionaryHeader(ref r, ref header); header.HasDictionary = true; break;
                    case 8 when kind == CompactReader.Struct: ReadDataHeaderV2(ref r, ref header); header.HasDataV2 = true; break;
                    default: r.Skip(kind); break;
                }
            }
            if (!type || !uncompressed || !compressed) throw new InvalidDataException("a page header lacks its type or sizes");
            if (header.UncompressedSize < 0 || header.CompressedSize < 0) throw new InvalidDataException("a page header has a negative size");
            return r.Position;
        }
        catch (CompactReader.EndOfDataException)
        {
            return -1;
        }
    }

    private static void ReadDataHeader(ref CompactReader r, ref PageHeader h)
    {
        short last = 0;
        var seen = 0;
        while (r.ReadField(ref last, out var id, out var kind))
        {
            switch (id)
            {
                case 1 when kind == CompactReader.I32: h.NumValues = r.ReadI32(); seen |= 1; break;
                case 2 when kind == CompactReader.I32: h.Encoding = (PageEncoding)r.ReadI32(); seen |= 2; break;
                case 3 when kind == CompactReader.I32: h.DefinitionEncoding = (PageEncoding)r.ReadI32(); seen |= 4; break;
                case 4 when kind == CompactReader.I32: h.RepetitionEncoding = (PageEncoding)r.ReadI32(); seen |= 8; break;
                default: r.Skip(kind); break;
            }
        }
        if (seen != 15) throw new InvalidDataException("a data page header lacks a required field");
    }

    private static void ReadDictionaryHeader(ref CompactReader r, ref PageHeader h)
    {
        short last = 0;
        var seen = 0;
        while (r.ReadField(ref last, out var id, out var kind))
        {
            switch (id)
            {
                case 1 when kind == CompactReader.I32: h.NumValues = r.ReadI32(); seen |= 1; break;
                case 2 when kind == CompactReader.I32: h.Encoding = (PageEncoding)r.ReadI32(); seen |= 2; break;
                default: r.Skip(kind); break;
            }
        }
        if (seen != 3) throw new InvalidDataException("a dictionary page header lacks a required field");
    }

    private static void ReadDataHeaderV2(ref CompactReader r, ref PageHeader h)
    {
        short last = 0;
        var seen = 0;
        while (r.ReadField(ref last, out var id, out var kind))
        {
            switch (id)
            {
                case 1 when kind == CompactReader.I32: h.NumValues = r.ReadI32(); seen |= 1; break;
                case 2 when kind == CompactReader.I32: h.NumNulls = r.ReadI32(); seen |= 2; break;
                case 3 when kind == CompactReader.I32: h.NumRows = r.ReadI32(); seen |= 4; break;
                case 4 when kind == CompactReader.I32: h.Encoding = (PageEncoding)r.ReadI32(); seen |= 8; break;
                case 5 when kind == CompactReader.I32: h.DefinitionLength = r.ReadI32(); seen |= 16; break;
                case 6 when kind == CompactReader.I32: h.RepetitionLength = r.ReadI32(); seen |= 32; break;
                case 7 when kind is CompactReader.True or CompactReader.False: h.IsCompressed = kind == CompactReader.True; break;
                default: r.Skip(kind); break;
            }
        }
        if (seen != 63) throw new InvalidDataException("a data page v2 header lacks a required field");
    }
}

/// <summary>
/// The Thrift compact protocol, reading only: what a page header needs (structs, integers, booleans) and skipping
/// anything else (statistics, lists, unknown fields). Every read is bounds-checked; running out of bytes throws
/// <see cref="EndOfDataException"/> (the caller reads more), malformed data <see cref="InvalidDataException"/>.
/// </summary>
internal ref struct CompactReader
{
    public const int Stop = 0, True = 1, False = 2, Byte = 3, I16 = 4, I32 = 5, I64 = 6, Double = 7, Binary = 8, List = 9, Set = 10, Map = 11, Struct = 12;
    private const int MaxDepth = 32;

    public sealed class EndOfDataException : Exception { }

    private readonly ReadOnlySpan<byte> _data;
    private int _depth;

    public CompactReader(ReadOnlySpan<byte> data) { _data = data; Position = 0; _depth = 0; }

    public int Position { get; private set; }

    private byte ReadByte()
    {
        if (Position >= _data.Length) throw new EndOfDataException();
        return _data[Position++];
    }

    private ulong ReadVarint()
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = ReadByte();
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new InvalidDataException("a Thrift varint is longer than 10 bytes");
    }

    public long ReadI64()
    {
        var v = ReadVarint();
        return (long)(v >> 1) ^ -(long)(v & 1);
    }

    public int ReadI32()
    {
        var v = ReadI64();
        if (v is < int.MinValue or > int.MaxValue) throw new InvalidDataException("a Thrift i32 is out of range");
        return (int)v;
    }

    /// <summary>Reads the next field header of the current struct; false at its end (STOP).</summary>
    public bool ReadField(ref short lastId, out short id, out int kind)
    {
        var b = ReadByte();
        kind = b & 0x0F;
        if (kind == Stop) { id = 0; return false; }
        var delta = b >> 4;
        id = delta != 0 ? (short)(lastId + delta) : checked((short)ReadI32());
        lastId = id;
        return true;
    }

    public void Skip(int kind)
    {
        switch (kind)
        {
            case True or False: return; // a field's boolean is in its header
            case Byte: ReadByte(); return;
            case I16 or I32 or I64: ReadVarint(); return;
            case Double: Advance(8); return;
            case Binary: Advance(Length()); return;
            case List or Set:
            {
                var head = ReadByte();
                var size = head >> 4;
                if (size == 15) size = Length();
                var element = head & 0x0F;
                Nest();
                for (var i = 0; i < size; i++)
                {
                    if (element is True or False) ReadByte(); else Skip(element);
                }
                _depth--;
                return;
            }
            case Map:
            {
                var size = Length();
                if (size == 0) return;
                var types = ReadByte();
                Nest();
                for (var i = 0; i < size; i++) { SkipValue(types >> 4); SkipValue(types & 0x0F); }
                _depth--;
                return;
            }
            case Struct:
            {
                Nest();
                short last = 0;
                while (ReadField(ref last, out _, out var k)) Skip(k);
                _depth--;
                return;
            }
            default: throw new InvalidDataException($"unknown Thrift type {kind}");
        }
    }

    /// <summary>A value outside a field header: booleans take a byte.</summary>
    private void SkipValue(int kind)
    {
        if (kind is True or False) ReadByte(); else Skip(kind);
    }

    private void Nest()
    {
        if (++_depth > MaxDepth) throw new InvalidDataException("Thrift structures nest too deeply");
    }

    private int Length()
    {
        var n = ReadVarint();
        if (n > int.MaxValue) throw new InvalidDataException("a Thrift length is out of range");
        return (int)n;
    }

    private void Advance(int n)
    {
        if (n > _data.Length - Position) throw new EndOfDataException();
        Position += n;
    }
}
