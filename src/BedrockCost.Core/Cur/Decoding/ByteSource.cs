using Microsoft.Win32.SafeHandles;

namespace BedrockCost.Core.Cur.Decoding;

/// <summary>
/// Reads at an offset, for the page decoder. A stream that can serve reads at offsets itself (a local file, the
/// ranged S3 stream) does so without a lock, so row groups of one file decode in parallel; any other seekable
/// stream is shared under a lock.
/// </summary>
internal interface IRandomAccess
{
    long Length { get; }

    /// <summary>Fills <paramref name="destination"/> from <paramref name="offset"/>; the bytes must all be there.</summary>
    void ReadExactly(long offset, Span<byte> destination);
}

internal static class RandomAccessFor
{
    public static IRandomAccess Stream(Stream stream) => stream switch
    {
        IRandomAccess own => own,
        FileStream file => new FileAccess(file.SafeFileHandle, file.Length),
        _ => new Locked(stream),
    };

    private sealed class FileAccess(SafeFileHandle handle, long length) : IRandomAccess
    {
        public long Length => length;

        public void ReadExactly(long offset, Span<byte> destination)
        {
            while (destination.Length > 0)
            {
                var n = System.IO.RandomAccess.Read(handle, destination, offset);
                if (n <= 0) throw new EndOfStreamException("the file ends before the data its metadata locates");
                destination = destination[n..];
                offset += n;
            }
        }
    }

    private sealed class Locked(Stream stream) : IRandomAccess
    {
        public long Length { get; } = stream.Length;

        public void ReadExactly(long offset, Span<byte> destination)
        {
            lock (stream)
            {
                stream.Position = offset;
                stream.ReadExactly(destination);
            }
        }
    }
}

/// <summary>
/// A source that fetches its bytes on demand (the ranged S3 stream): told beforehand which ranges the reader will
/// read, it fetches them together, in few requests.
/// </summary>
internal interface IPrefetch
{
    Task PrefetchAsync(IReadOnlyList<(long Offset, long Length)> ranges, CancellationToken ct);
}
