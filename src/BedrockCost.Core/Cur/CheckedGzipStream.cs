using System.IO.Compression;
using System.IO.Hashing;

namespace BedrockCost.Core.Cur;

/// <summary>
/// Decompresses a gzip file (one member or several, concatenated) and, at its end, checks that the file ends
/// with the trailer of its last member: the CRC-32 and length of that member's data. .NET's GZipStream checks
/// the CRC of a member it reads whole, but a file cut short (even exactly at a line end, or inside the trailer)
/// just ends early; this stream then throws <see cref="InvalidDataException"/> instead.
/// </summary>
/// <remarks>
/// The last member's data is a suffix of the output that starts where a read of the decompressor ended (a read
/// never crosses a member boundary: zlib stops at a member's end). Its CRC follows from the CRC of the whole output
/// and of the prefix (CRC-32 is linear: zlib's crc32_combine, solved for the second part), so no read is repeated.
/// </remarks>
internal sealed class CheckedGzipStream : Stream
{
    private readonly Stream _compressed;
    private readonly GZipStream _gzip;
    private readonly Crc32 _crc = new();
    // Output offset and CRC of the output before it, at the start of every read: where the last member may begin.
    private readonly List<(long Offset, uint Crc)> _starts = new();
    private long _length;
    private bool _checked;

    /// <param name="compressed">The gzip file, seekable; the caller owns it.</param>
    public CheckedGzipStream(Stream compressed)
    {
        _compressed = compressed;
        _gzip = new GZipStream(compressed, CompressionMode.Decompress, leaveOpen: true);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var start = (_length, _crc.GetCurrentHashAsUInt32());
        int n;
        try { n = _gzip.Read(buffer); }
        catch (InvalidDataException e) { throw new InvalidDataException($"the gzip data is damaged ({e.Message})", e); }
        if (n > 0)
        {
            _starts.Add(start);
            _crc.Append(buffer[..n]);
            _length += n;
        }
        else if (buffer.Length > 0 && !_checked)
        {
            CheckTrailer();
            _checked = true;
        }
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(buffer.Span));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    private void CheckTrailer()
    {
        if (_compressed.Length < 18) throw Truncated();
        Span<byte> trailer = stackalloc byte[8];
        _compressed.Position = _compressed.Length - 8;
        _compressed.ReadExactly(trailer);
        var crc = BitConverter.ToUInt32(trailer);
        var size = BitConverter.ToUInt32(trailer[4..]);
        var whole = _crc.GetCurrentHashAsUInt32();
        if (_length == 0) { if (crc == 0 && size == 0) return; throw Truncated(); }
        // The last member starts at one of the read starts; its length and CRC must be those of the trailer.
        for (var i = _starts.Count - 1; i >= 0; i--)
        {
            var (offset, before) = _starts[i];
            var length = _length - offset;
            if ((uint)length == size && (whole ^ Crc32Math.Shift(before, length)) == crc) return;
        }
        throw Truncated();
    }

    private static InvalidDataException Truncated() =>
        new("the gzip data ends before its trailer (CRC-32 and length) says it does: the file is truncated");

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _length; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _gzip.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>CRC-32 (gzip's, reflected polynomial 0xEDB88320) arithmetic modulo the polynomial, as zlib's crc32_combine does it.</summary>
internal static class Crc32Math
{
    private const uint Poly = 0xEDB88320;
    private static readonly uint[] X2n = Table();

    /// <summary>
    /// The term the CRC of a first part contributes to the CRC of the whole when <paramref name="length"/> bytes follow:
    /// crc(A + B) = Shift(crc(A), |B|) ^ crc(B).
    /// </summary>
    public static uint Shift(uint crc, long length) => MultiplyModP(PowerOfX(length, 3), crc);

    private static uint MultiplyModP(uint a, uint b)
    {
        uint m = 1u << 31, p = 0;
        while (true)
        {
            if ((a & m) != 0)
            {
                p ^= b;
                if ((a & (m - 1)) == 0) break;
            }
            m >>= 1;
            b = (b & 1) != 0 ? (b >> 1) ^ Poly : b >> 1;
        }
        return p;
    }

    /// <summary>x^(n * 2^k) modulo the polynomial.</summary>
    private static uint PowerOfX(long n, int k)
    {
        var p = 1u << 31; // x^0
        while (n != 0)
        {
            if ((n & 1) != 0) p = MultiplyModP(X2n[k & 31], p);
            n >>= 1;
            k++;
        }
        return p;
    }

    private static uint[] Table()
    {
        var table = new uint[32];
        var p = 1u << 30; // x^1
        table[0] = p;
        for (var n = 1; n < 32; n++) table[n] = p = MultiplyModP(p, p);
        return table;
    }
}
