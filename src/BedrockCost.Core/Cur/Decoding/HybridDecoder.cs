using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace BedrockCost.Core.Cur.Decoding;

/// <summary>
/// The RLE / bit-packed hybrid encoding of Parquet (definition and repetition levels, dictionary indexes), decoded
/// as a stream: runs are consumed as values are asked for, so a run that claims a billion values costs nothing
/// until they are read, and nothing is ever allocated from a run's claim. Reading past the bytes present is an
/// error (never zeros): a bit-packed group must hold the bits of every value read from it.
/// </summary>
internal sealed class HybridDecoder
{
    private byte[] _data = Array.Empty<byte>();
    private int _pos, _end, _bitWidth, _byteWidth;
    private long _rleLeft, _packedLeft;
    private int _rleValue;
    // A bit-packed group read ahead of the caller: values [_groupPos, _groupValid) are next.
    private readonly int[] _group = new int[8];
    private int _groupPos, _groupValid;

    public int BitWidth => _bitWidth;

    /// <summary>Decodes <paramref name="data"/>[<paramref name="start"/>, <paramref name="end"/>) with values of <paramref name="bitWidth"/> bits.</summary>
    public void Reset(byte[] data, int start, int end, int bitWidth)
    {
        if (bitWidth is < 0 or > 32) throw new InvalidDataException($"a bit width of {bitWidth}");
        if (start < 0 || end > data.Length || start > end) throw new InvalidDataException("levels or indexes lie outside their page");
        _data = data;
        _pos = start;
        _end = end;
        _bitWidth = bitWidth;
        _byteWidth = (bitWidth + 7) / 8;
        _rleLeft = _packedLeft = 0;
        _groupPos = _groupValid = 0;
    }

    /// <summary>Fills <paramref name="destination"/> with the next values.</summary>
    public void Read(Span<int> destination)
    {
        var i = 0;
        while (i < destination.Length)
        {
            if (_groupPos < _groupValid)
            {
                var n = Math.Min(_groupValid - _groupPos, destination.Length - i);
                _group.AsSpan(_groupPos, n).CopyTo(destination.Slice(i, n));
                _groupPos += n;
                i += n;
                continue;
            }
            if (_rleLeft > 0)
            {
                var n = (int)Math.Min(_rleLeft, destination.Length - i);
                // Writers emit many short runs: a loop beats Fill's setup for those.
                if (n <= 16) for (var k = 0; k < n; k++) destination[i + k] = _rleValue;
                else destination.Slice(i, n).Fill(_rleValue);
                _rleLeft -= n;
                i += n;
                continue;
            }
            if (_packedLeft == 0 && _byteWidth == 1)
            {
                // Runs of a one-byte header and a one-byte value, as some writers emit for every value: a tight loop.
                var p = _pos;
                var last = _end - 1;
                var limit = 1u << _bitWidth;
                ref var data = ref MemoryMarshal.GetArrayDataReference(_data);
                ref var output = ref MemoryMarshal.GetReference(destination);
                var length = destination.Length;
                // Bounds: p < last keeps both bytes in the data; i < length - 3 keeps four writes in the destination. A run
                // of up to four values (most runs) is written as four without a branch on its length: values too many are
                // overwritten by the next run.
                while (i < length - 3 && p < last)
                {
                    uint h = Unsafe.Add(ref data, p);
                    if ((h & 0x81) != 0) break;
                    uint value = Unsafe.Add(ref data, p + 1);
                    if (value >= limit) throw new InvalidDataException($"a run value {value} does not fit in {_bitWidth} bits");
                    p += 2;
                    var count = (int)(h >> 1);
                    Vector128.Create((int)value).StoreUnsafe(ref output, (nuint)i);
                    if (count <= 4)
                    {
                        i += count;
                        continue;
                    }
                    var n = Math.Min(count, length - i);
                    destination.Slice(i, n).Fill((int)value);
                    i += n;
                    if (count > n) { _rleLeft = count - n; _rleValue = (int)value; break; }
                }
                var moved = p != _pos;
                _pos = p;
                if (moved) continue;
            }
            if (_packedLeft > 0)
            {
                // Whole groups straight into the destination while their bytes are all present.
                while (_packedLeft >= 8 && destination.Length - i >= 8 && _end - _pos >= _bitWidth)
                {
                    Unpack8(_data.AsSpan(_pos, _end - _pos), _bitWidth, destination.Slice(i, 8));
                    _pos += _bitWidth;
                    _packedLeft -= 8;
                    i += 8;
                }
                if (_packedLeft > 0 && i < destination.Length) LoadGroup();
                continue;
            }
            NextRun();
        }
    }

    /// <summary>
    /// The next <paramref name="destination"/>.Length values, of which only those where <paramref name="want"/> is set are
    /// written; the others are passed over (whole runs and groups without decoding them).
    /// </summary>
    public void ReadSelected(Span<int> destination, ReadOnlySpan<bool> want)
    {
        var i = 0;
        var n = destination.Length;
        while (i < n)
        {
            var next = want[i..n].IndexOf(true);
            if (next < 0) { Skip(n - i); return; }
            if (next > 0) Skip(next);
            i += next;
            var end = want[i..n].IndexOf(false);
            end = end < 0 ? n : i + end;
            Read(destination[i..end]);
            i = end;
        }
    }

    /// <summary>
    /// When the next <paramref name="count"/> values all lie in one RLE run (levels of a page without nulls, say),
    /// passes over them and gives their value; otherwise reads nothing.
    /// </summary>
    public bool TryTakeRun(int count, out int value)
    {
        value = 0;
        if (_groupPos < _groupValid || _packedLeft > 0) return false;
        if (_rleLeft == 0 && _pos < _end) NextRun();
        if (_rleLeft < count) return false;
        value = _rleValue;
        _rleLeft -= count;
        return true;
    }

    /// <summary>Skips the next <paramref name="count"/> values.</summary>
    public void Skip(long count)
    {
        while (count > 0)
        {
            if (_groupPos < _groupValid)
            {
                var n = (int)Math.Min(_groupValid - _groupPos, count);
                _groupPos += n;
                count -= n;
                continue;
            }
            if (_rleLeft > 0)
            {
                var n = Math.Min(_rleLeft, count);
                _rleLeft -= n;
                count -= n;
                continue;
            }
            if (_packedLeft == 0 && _byteWidth == 1)
            {
                // Runs of a one-byte header and a one-byte value: passed over in a tight loop.
                var p = _pos;
                var last = _end - 1;
                ref var data = ref MemoryMarshal.GetArrayDataReference(_data);
                while (count > 0 && p < last)
                {
                    uint h = Unsafe.Add(ref data, p);
                    if ((h & 0x81) != 0) break;
                    long run = h >> 1;
                    p += 2;
                    if (run > count)
                    {
                        _rleLeft = run - count;
                        _rleValue = Unsafe.Add(ref data, p - 1);
                        if (_bitWidth < 8 && _rleValue >> _bitWidth != 0) throw new InvalidDataException($"a run value {_rleValue} does not fit in {_bitWidth} bits");
                        count = 0;
                        break;
                    }
                    count -= run;
                }
                var moved = p != _pos;
                _pos = p;
                if (moved) continue;
            }
            if (_packedLeft > 0)
            {
                var groups = Math.Min(_packedLeft, count) / 8;
                if (groups > 0)
                {
                    var bytes = groups * _bitWidth;
                    if (bytes > _end - _pos) throw Truncated();
                    _pos += (int)bytes;
                    _packedLeft -= groups * 8;
                    count -= groups * 8;
                }
                if (count > 0 && _packedLeft > 0) LoadGroup();
                continue;
            }
            NextRun();
        }
    }

    private void NextRun()
    {
        if (_pos >= _end) throw Truncated();
        ulong header = 0;
        for (var shift = 0; ; shift += 7)
        {
            if (shift > 35 || _pos >= _end) throw new InvalidDataException("a run header of levels or indexes is malformed");
            var b = _data[_pos++];
            header |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) break;
        }
        if ((header & 1) == 1)
        {
            _packedLeft = (long)(header >> 1) * 8;
            return;
        }
        _rleLeft = (long)(header >> 1);
        if (_byteWidth > _end - _pos) throw Truncated();
        uint value = 0;
        for (var k = 0; k < _byteWidth; k++) value |= (uint)_data[_pos + k] << (8 * k);
        _pos += _byteWidth;
        if (_bitWidth < 32 && value >> _bitWidth != 0) throw new InvalidDataException($"a run value {value} does not fit in {_bitWidth} bits");
        _rleValue = (int)value;
    }

    /// <summary>Reads the next group of 8 into <see cref="_group"/>; only the values whose bits are present are valid.</summary>
    private void LoadGroup()
    {
        _packedLeft -= 8;
        _groupPos = 0;
        if (_bitWidth == 0) { Array.Clear(_group); _groupValid = 8; return; }
        var available = Math.Min(_bitWidth, _end - _pos);
        if (available <= 0) throw Truncated();
        Span<byte> padded = stackalloc byte[40];
        padded.Clear();
        _data.AsSpan(_pos, available).CopyTo(padded);
        Unpack8(padded, _bitWidth, _group);
        _pos += available;
        _groupValid = Math.Min(8, available * 8 / _bitWidth);
        if (_groupValid == 0) throw Truncated();
    }

    /// <summary>8 values of <paramref name="width"/> bits, least significant bit first, from the first <paramref name="width"/> bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Unpack8(ReadOnlySpan<byte> source, int width, Span<int> destination)
    {
        if (width == 0) { destination[..8].Clear(); return; }
        var mask = (1UL << width) - 1;
        if (width <= 8 && source.Length >= 8)
        {
            // The 8 values span `width` bytes: one little-endian load.
            var bits = BinaryPrimitives.ReadUInt64LittleEndian(source);
            for (var i = 0; i < 8; i++) destination[i] = (int)((bits >> (i * width)) & mask);
            return;
        }
        if (source.Length >= width + 8)
        {
            // Wider values (large dictionaries): one 8-byte load per value, from the byte its first bit is in (the last
            // value starts before byte `width`, so every load stays within width + 8 bytes).
            for (int i = 0, bit = 0; i < 8; i++, bit += width)
                destination[i] = (int)((BinaryPrimitives.ReadUInt64LittleEndian(source[(bit >> 3)..]) >> (bit & 7)) & mask);
            return;
        }
        ulong acc = 0;
        var held = 0;
        var p = 0;
        for (var i = 0; i < 8; i++)
        {
            while (held < width) { acc |= (ulong)source[p++] << held; held += 8; }
            destination[i] = (int)(acc & mask);
            acc >>= width;
            held -= width;
        }
    }

    private static InvalidDataException Truncated() => new("levels or dictionary indexes end before the values their page states");

    /// <summary>Bits needed for values up to <paramref name="max"/>.</summary>
    public static int BitsFor(int max) => max == 0 ? 0 : 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)max);
}
