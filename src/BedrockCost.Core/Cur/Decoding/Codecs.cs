using System.IO.Compression;
using Parquet.Meta;

namespace BedrockCost.Core.Cur.Decoding;

/// <summary>
/// Page decompression for the codecs writers use (snappy, gzip, zstd, LZ4 raw, none), with the libraries Parquet.Net
/// ships. Output must be exactly the size the page header states; anything else is corrupt data.
/// </summary>
internal static class Codecs
{
    public static bool IsSupported(CompressionCodec codec) =>
        codec is CompressionCodec.UNCOMPRESSED or CompressionCodec.SNAPPY or CompressionCodec.GZIP or CompressionCodec.ZSTD or CompressionCodec.LZ4_RAW;

    /// <summary>
    /// The most a page of <paramref name="compressed"/> bytes can expand to with <paramref name="codec"/>: checked
    /// before a buffer is allocated from the header's claim. Snappy and LZ4 have small bounds (a 3-byte snappy copy
    /// writes at most 64 bytes; an LZ4 sequence at most 255 bytes per byte); gzip and zstd have none worth
    /// stating, so only <see cref="PageReader.MaxPageBytes"/> limits them.
    /// </summary>
    public static long MaxExpansion(CompressionCodec codec, long compressed) => codec switch
    {
        CompressionCodec.UNCOMPRESSED => compressed,
        CompressionCodec.SNAPPY => compressed * 32 + 32,
        CompressionCodec.LZ4_RAW => compressed * 256 + 32,
        _ => long.MaxValue,
    };

    public static void Decompress(CompressionCodec codec, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        int written;
        switch (codec)
        {
            case CompressionCodec.UNCOMPRESSED:
                if (source.Length != destination.Length) throw Mismatch(source.Length, destination.Length);
                source.CopyTo(destination);
                return;
            case CompressionCodec.SNAPPY:
                var length = Snappier.Snappy.GetUncompressedLength(source);
                if (length != destination.Length) throw Mismatch(length, destination.Length);
                written = Snappier.Snappy.Decompress(source, destination);
                break;
            case CompressionCodec.ZSTD:
                using (var zstd = new ZstdSharp.Decompressor())
                {
                    if (!zstd.TryUnwrap(source, destination, out written)) throw new InvalidDataException("a zstd page expands beyond its stated size");
                }
                break;
            case CompressionCodec.LZ4_RAW:
                written = K4os.Compression.LZ4.LZ4Codec.Decode(source, destination);
                if (written < 0) throw new InvalidDataException("an LZ4 page is corrupt");
                break;
            case CompressionCodec.GZIP:
                written = Gunzip(source, destination);
                break;
            default:
                throw new NotSupportedException($"compression {codec}");
        }
        if (written != destination.Length) throw Mismatch(written, destination.Length);
    }

    private static int Gunzip(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        // A copy of the page: gzip is rare in Parquet, and a stream needs an array.
        using var gzip = new GZipStream(new MemoryStream(source.ToArray()), CompressionMode.Decompress);
        var total = gzip.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false);
        // One byte more would mean the page expands beyond its stated size.
        Span<byte> extra = stackalloc byte[1];
        if (total == destination.Length && gzip.Read(extra) != 0) throw new InvalidDataException("a gzip page expands beyond its stated size");
        return total;
    }

    private static InvalidDataException Mismatch(long actual, long stated) =>
        new($"a page decompresses to {actual} bytes where its header states {stated}");
}
