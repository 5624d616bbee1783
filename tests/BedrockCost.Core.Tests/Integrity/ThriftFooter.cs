using System.Buffers.Binary;

namespace BedrockCost.Core.Tests.Integrity;

/// <summary>
/// A Parquet footer as a tree of Thrift compact-protocol values, to edit and write back: the hostile corpus
/// changes what a footer claims (row counts, value counts, offsets, list sizes) by field id, never by patching
/// bytes at offsets. <see cref="Read"/> and <see cref="Write"/> round-trip any footer byte for byte.
/// </summary>
internal static class ThriftFooter
{
    // FileMetaData / RowGroup / ColumnChunk / ColumnMetaData field ids (parquet.thrift).
    public const short Schema = 2, FileNumRows = 3, RowGroups = 4;
    public const short RgColumns = 1, RgNumRows = 3;
    public const short CcMetaData = 3;
    public const short CmdNumValues = 5, CmdTotalCompressedSize = 7, CmdDataPageOffset = 9, CmdDictionaryPageOffset = 11;

    /// <summary>The file split into its data (up to the footer) and its footer tree.</summary>
    public static (byte[] Body, TStruct Footer) Read(byte[] file)
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(file.Length - 8));
        var start = file.Length - 8 - length;
        var position = 0;
        var footer = ReadStruct(file.AsSpan(start, length), ref position);
        if (position != length) throw new InvalidDataException($"footer parsed to {position} of {length} bytes");
        return (file[..start], footer);
    }

    /// <summary>The file with <paramref name="footer"/> written after <paramref name="body"/>: length and PAR1 follow.</summary>
    public static byte[] Write(byte[] body, TStruct footer)
    {
        using var ms = new MemoryStream();
        ms.Write(body);
        var start = ms.Position;
        WriteStruct(ms, footer);
        var length = (int)(ms.Position - start);
        Span<byte> tail = stackalloc byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(tail, length);
        "PAR1"u8.CopyTo(tail[4..]);
        ms.Write(tail);
        return ms.ToArray();
    }

    /// <summary>Edits a file's footer in place on disk.</summary>
    public static void Edit(string path, Action<TStruct> edit)
    {
        var (body, footer) = Read(File.ReadAllBytes(path));
        edit(footer);
        File.WriteAllBytes(path, Write(body, footer));
    }

    /// <summary>The row groups of a footer.</summary>
    public static IReadOnlyList<TStruct> RowGroupsOf(TStruct footer) => ((TList)footer[RowGroups]).Items.Cast<TStruct>().ToList();

    /// <summary>The ColumnMetaData of every column chunk of a row group.</summary>
    public static IReadOnlyList<TStruct> ColumnsOf(TStruct rowGroup) =>
        ((TList)rowGroup[RgColumns]).Items.Cast<TStruct>().Select(c => (TStruct)c[CcMetaData]).ToList();

    // Compact protocol types.
    private const int Stop = 0, True = 1, False = 2, Byte = 3, I16 = 4, I32 = 5, I64 = 6, Double = 7, Binary = 8, List = 9, Set = 10, Map = 11, Struct = 12;

    private static TStruct ReadStruct(ReadOnlySpan<byte> d, ref int p)
    {
        var s = new TStruct();
        short last = 0;
        while (true)
        {
            var b = d[p++];
            var type = b & 0x0F;
            if (type == Stop) return s;
            var delta = b >> 4;
            var id = delta != 0 ? (short)(last + delta) : (short)ZigZag(Varint(d, ref p));
            last = id;
            s.Fields.Add((id, type is True or False ? new TBool(type == True) : ReadValue(d, ref p, type)));
        }
    }

    private static TValue ReadValue(ReadOnlySpan<byte> d, ref int p, int type)
    {
        switch (type)
        {
            case True or False: return new TBool(d[p++] == 1);
            case Byte: return new TInt(Byte, (sbyte)d[p++]);
            case I16 or I32 or I64: return new TInt(type, ZigZag(Varint(d, ref p)));
            case Double: { var v = BinaryPrimitives.ReadDoubleLittleEndian(d[p..]); p += 8; return new TDouble(v); }
            case Binary: { var n = (int)Varint(d, ref p); var v = d.Slice(p, n).ToArray(); p += n; return new TBinary(v); }
            case List or Set:
            {
                var head = d[p++];
                var n = head >> 4;
                if (n == 15) n = (int)Varint(d, ref p);
                var list = new TList(type, head & 0x0F);
                for (var i = 0; i < n; i++) list.Items.Add(ReadValue(d, ref p, list.ElementType));
                return list;
            }
            case Map:
            {
                var n = (int)Varint(d, ref p);
                var map = new TMap(n == 0 ? 0 : d[p] >> 4, n == 0 ? 0 : d[p] & 0x0F);
                if (n > 0) p++;
                for (var i = 0; i < n; i++) map.Entries.Add((ReadValue(d, ref p, map.KeyType), ReadValue(d, ref p, map.ValueType)));
                return map;
            }
            case Struct: return ReadStruct(d, ref p);
            default: throw new InvalidDataException($"Thrift type {type}");
        }
    }

    private static void WriteStruct(Stream s, TStruct value)
    {
        short last = 0;
        foreach (var (id, v) in value.Fields)
        {
            var type = v is TBool b ? (b.Value ? True : False) : v.Type;
            var delta = id - last;
            if (delta is > 0 and <= 15) s.WriteByte((byte)((delta << 4) | type));
            else { s.WriteByte((byte)type); WriteVarint(s, ZigZag(id)); }
            last = id;
            if (v is not TBool) WriteValue(s, v);
        }
        s.WriteByte(Stop);
    }

    private static void WriteValue(Stream s, TValue v)
    {
        switch (v)
        {
            case TBool b: s.WriteByte((byte)(b.Value ? 1 : 2)); break;
            case TInt { Type: Byte } i: s.WriteByte((byte)(sbyte)i.Value); break;
            case TInt i: WriteVarint(s, ZigZag(i.Value)); break;
            case TDouble dbl: { Span<byte> b = stackalloc byte[8]; BinaryPrimitives.WriteDoubleLittleEndian(b, dbl.Value); s.Write(b); break; }
            case TBinary bin: WriteVarint(s, (ulong)bin.Value.Length); s.Write(bin.Value); break;
            case TList list:
            {
                // A claimed count other than the real one is how a footer lies about a list's size.
                var n = list.ClaimedCount ?? list.Items.Count;
                if (n < 15) s.WriteByte((byte)((n << 4) | list.ElementType));
                else { s.WriteByte((byte)(0xF0 | list.ElementType)); WriteVarint(s, (ulong)n); }
                foreach (var item in list.Items) WriteValue(s, item);
                break;
            }
            case TMap map:
                WriteVarint(s, (ulong)map.Entries.Count);
                if (map.Entries.Count > 0) s.WriteByte((byte)((map.KeyType << 4) | map.ValueType));
                foreach (var (k, val) in map.Entries) { WriteValue(s, k); WriteValue(s, val); }
                break;
            case TStruct st: WriteStruct(s, st); break;
        }
    }

    private static ulong Varint(ReadOnlySpan<byte> d, ref int p)
    {
        ulong v = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = d[p++];
            v |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return v;
        }
    }

    private static void WriteVarint(Stream s, ulong v)
    {
        while (v >= 0x80) { s.WriteByte((byte)(v | 0x80)); v >>= 7; }
        s.WriteByte((byte)v);
    }

    private static long ZigZag(ulong v) => (long)(v >> 1) ^ -(long)(v & 1);
    private static ulong ZigZag(long v) => (ulong)((v << 1) ^ (v >> 63));
}

internal abstract class TValue
{
    public abstract int Type { get; }
}

internal sealed class TStruct : TValue
{
    public override int Type => 12;
    public List<(short Id, TValue Value)> Fields { get; } = new();

    public TValue this[short id]
    {
        get => Fields.First(f => f.Id == id).Value;
        set => Fields[Fields.FindIndex(f => f.Id == id)] = (id, value);
    }

    public bool Has(short id) => Fields.Any(f => f.Id == id);
    public long Int(short id) => ((TInt)this[id]).Value;
    public void SetInt(short id, long value) => this[id] = new TInt(this[id].Type, value);
}

internal sealed class TInt(int type, long value) : TValue
{
    public override int Type => type;
    public long Value { get; } = value;
}

internal sealed class TBool(bool value) : TValue
{
    public override int Type => Value ? 1 : 2;
    public bool Value { get; } = value;
}

internal sealed class TDouble(double value) : TValue
{
    public override int Type => 7;
    public double Value { get; } = value;
}

internal sealed class TBinary(byte[] value) : TValue
{
    public override int Type => 8;
    public byte[] Value { get; } = value;
}

internal sealed class TList(int type, int elementType) : TValue
{
    public override int Type => type;
    public int ElementType { get; } = elementType;
    public List<TValue> Items { get; } = new();
    /// <summary>The element count written instead of the real one (a lie), when set.</summary>
    public int? ClaimedCount { get; set; }
}

internal sealed class TMap(int keyType, int valueType) : TValue
{
    public override int Type => 11;
    public int KeyType { get; } = keyType;
    public int ValueType { get; } = valueType;
    public List<(TValue Key, TValue Value)> Entries { get; } = new();
}
