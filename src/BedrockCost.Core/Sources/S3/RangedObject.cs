using System.Globalization;
using BedrockCost.Core.Cur.Decoding;
using Microsoft.Win32.SafeHandles;

namespace BedrockCost.Core.Sources.S3;

/// <summary>
/// Counts what ranged reads fetched against the size of the objects read, for -Verbose.
/// </summary>
public sealed class RangeTransfer
{
    private long _objects, _objectBytes, _fetched, _requests, _cached;

    public long Objects => Interlocked.Read(ref _objects);
    public long ObjectBytes => Interlocked.Read(ref _objectBytes);
    public long FetchedBytes => Interlocked.Read(ref _fetched);
    public long Requests => Interlocked.Read(ref _requests);
    /// <summary>Bytes of the ranges fetched by an earlier command (the cache) that this command used.</summary>
    public long CachedBytes => Interlocked.Read(ref _cached);

    internal void Opened(long size) { Interlocked.Increment(ref _objects); Interlocked.Add(ref _objectBytes, size); }
    internal void Fetched(long bytes) { Interlocked.Increment(ref _requests); Interlocked.Add(ref _fetched, bytes); }
    internal void FromCache(long bytes) => Interlocked.Add(ref _cached, bytes);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"Ranged reads: fetched {FetchedBytes:N0} bytes in {Requests} request(s) of {ObjectBytes:N0} bytes in {Objects} Parquet object(s) " +
        $"({(ObjectBytes == 0 ? 0 : 100.0 * FetchedBytes / ObjectBytes):F1}%); {CachedBytes:N0} bytes used from ranges cached by earlier commands.");
}

/// <summary>
/// One version of an S3 object read by ranges: a seekable stream (and positional reads for the decoder) whose bytes
/// come from ranges fetched with ranged GETs and kept as files in the object's cache folder (named by a hash of the
/// endpoint, bucket, key, ETag and size, so a restated object is another folder). Ranges the reader announces
/// (<see cref="PrefetchAsync"/>) are fetched together, nearby ones coalesced; a read outside them fetches what it lacks.
/// A range file is written under a temporary name and renamed when complete; only files of this naming are used.
/// </summary>
internal sealed class RangedObject : Stream, IRandomAccess, IPrefetch
{
    /// <summary>Ranges closer than this are fetched as one (fewer requests for a few more bytes).</summary>
    public const long CoalesceGap = 32 << 10;
    /// <summary>A read outside the fetched ranges fetches at least this much (a page header is then one request, not several).</summary>
    public const int MinimumFetch = 16 << 10;
    /// <summary>Requests in flight at once for one object.</summary>
    private const int Parallelism = 4;

    public delegate Task FetchRange(long start, Memory<byte> destination, CancellationToken ct);

    private readonly StoredObject _object;
    private readonly string _folder;
    private readonly FetchRange _fetch;
    private readonly RangeTransfer _transfer;
    private readonly object _gate = new();
    // Ranges present, sorted by start; each a file in the folder, opened on first use.
    private readonly List<Piece> _pieces = new();
    private long _position;
    private bool _disposed;

    private sealed class Piece(long start, long length, string path, bool cached)
    {
        public long Start { get; } = start;
        public long Length { get; } = length;
        public long End => Start + Length;
        public string Path { get; } = path;
        /// <summary>Fetched by an earlier command.</summary>
        public bool Cached { get; } = cached;
        public SafeFileHandle? Handle;
    }

    public RangedObject(StoredObject obj, string folder, FetchRange fetch, RangeTransfer transfer)
    {
        _object = obj;
        _folder = folder;
        _fetch = fetch;
        _transfer = transfer;
        transfer.Opened(obj.Size);
        var dir = new DirectoryInfo(folder);
        if (dir.Exists && dir.LinkTarget is null)
        {
            foreach (var f in dir.EnumerateFiles("*.range"))
            {
                // Only our own regular files, of the right size, inside the object: never a link, never a stranger's file.
                if (f.LinkTarget is not null || (f.Attributes & FileAttributes.ReparsePoint) != 0) continue;
                if (!CacheNames.TryParseRange(f.Name, out var start, out var length)) continue;
                if (length <= 0 || start < 0 || start > obj.Size - length || f.Length != length) continue;
                _pieces.Add(new Piece(start, length, f.FullName, cached: true));
            }
            _pieces.Sort((a, b) => a.Start.CompareTo(b.Start));
        }
    }

    public override long Length => _object.Size;

    public void ReadExactly(long offset, Span<byte> destination)
    {
        if (offset < 0 || offset > Length - destination.Length) throw new EndOfStreamException("a read beyond the object's end");
        while (destination.Length > 0)
        {
            var piece = Find(offset) ?? FetchMissing(offset, destination.Length);
            var n = (int)Math.Min(destination.Length, piece.End - offset);
            ReadPiece(piece, offset - piece.Start, destination[..n]);
            destination = destination[n..];
            offset += n;
        }
    }

    public async Task PrefetchAsync(IReadOnlyList<(long Offset, long Length)> ranges, CancellationToken ct)
    {
        var missing = Missing(ranges.Where(r => r.Length > 0).Select(r => (r.Offset, r.Offset + r.Length)));
        await Parallel.ForEachAsync(missing, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = ct },
            async (r, token) => await FetchAsync(r.Start, r.End - r.Start, token).ConfigureAwait(false)).ConfigureAwait(false);
    }

    /// <summary>The parts of <paramref name="ranges"/> not present, merged where closer than <see cref="CoalesceGap"/>.</summary>
    private List<(long Start, long End)> Missing(IEnumerable<(long Start, long End)> ranges)
    {
        var wanted = ranges.Where(r => r.Start >= 0 && r.End <= Length && r.End > r.Start).OrderBy(r => r.Start).ToList();
        var gaps = new List<(long Start, long End)>();
        lock (_gate)
        {
            foreach (var (start, end) in wanted)
            {
                var at = start;
                while (at < end)
                {
                    var p = FindUnlocked(at);
                    if (p is not null) { at = p.End; continue; }
                    var next = _pieces.Where(q => q.Start > at).Select(q => q.Start).DefaultIfEmpty(long.MaxValue).Min();
                    var stop = Math.Min(end, next);
                    gaps.Add((at, stop));
                    at = stop;
                }
            }
        }
        var merged = new List<(long Start, long End)>();
        foreach (var g in gaps.OrderBy(g => g.Start))
        {
            if (merged.Count > 0 && g.Start - merged[^1].End <= CoalesceGap && !Covered(merged[^1].End, g.Start))
                merged[^1] = (merged[^1].Start, Math.Max(merged[^1].End, g.End));
            else if (merged.Count > 0 && g.Start <= merged[^1].End)
                merged[^1] = (merged[^1].Start, Math.Max(merged[^1].End, g.End));
            else merged.Add(g);
        }
        return merged;
    }

    /// <summary>Whether some byte between two gaps is already present (then they are not merged over it).</summary>
    private bool Covered(long from, long to)
    {
        lock (_gate) return _pieces.Any(p => p.Start < to && p.End > from);
    }

    private Piece? Find(long offset)
    {
        lock (_gate) return FindUnlocked(offset);
    }

    private Piece? FindUnlocked(long offset)
    {
        // Pieces may overlap (another command fetched the same bytes): any that holds the offset will do.
        foreach (var p in _pieces)
        {
            if (p.Start > offset) break;
            if (offset < p.End) return p;
        }
        return null;
    }

    /// <summary>A read outside the prefetched ranges: fetches from the offset to the next present byte (at least <see cref="MinimumFetch"/>).</summary>
    private Piece FetchMissing(long offset, int length)
    {
        long end;
        lock (_gate)
        {
            var next = _pieces.Where(q => q.Start > offset).Select(q => q.Start).DefaultIfEmpty(Length).Min();
            end = Math.Min(next, Math.Min(Length, offset + Math.Max(length, MinimumFetch)));
        }
        // Positional reads are synchronous (the decoder's); the fetch runs on the pool so that no caller's context is blocked on.
        return Task.Run(() => FetchAsync(offset, end - offset, CancellationToken.None)).GetAwaiter().GetResult();
    }

    private async Task<Piece> FetchAsync(long start, long length, CancellationToken ct)
    {
        if (length > int.MaxValue) throw new InvalidOperationException("a range of more than 2 GiB");
        var buffer = new byte[length];
        await _fetch(start, buffer, ct).ConfigureAwait(false);
        _transfer.Fetched(length);
        var path = Path.Combine(_folder, CacheNames.RangeFileName(start, length));
        await WriteAtomicallyAsync(path, buffer, ct).ConfigureAwait(false);
        var piece = new Piece(start, length, path, cached: false);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var at = _pieces.FindIndex(p => p.Start > start);
            _pieces.Insert(at < 0 ? _pieces.Count : at, piece);
        }
        return piece;
    }

    private static async Task WriteAtomicallyAsync(string path, byte[] bytes, CancellationToken ct)
    {
        var temp = CacheNames.TemporaryPath(path);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllBytesAsync(temp, bytes, ct).ConfigureAwait(false);
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BedrockCostException(ErrorIds.CacheWriteFailed, ErrorKind.WriteError,
                $"Cannot write the download cache: {e.Message} Free disk space, choose another -CacheDirectory, or use -NoCache.", null, e);
        }
        finally
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private void ReadPiece(Piece piece, long at, Span<byte> destination)
    {
        SafeFileHandle handle;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (piece.Handle is null)
            {
                piece.Handle = File.OpenHandle(piece.Path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
                if (piece.Cached) _transfer.FromCache(piece.Length);
            }
            handle = piece.Handle;
        }
        var done = 0;
        while (done < destination.Length)
        {
            var n = RandomAccess.Read(handle, destination[done..], at + done);
            if (n <= 0) throw new EndOfStreamException($"a cached range of '{_object.Key}' is shorter than its name says");
            done += n;
        }
    }

    // ---- Stream ------------------------------------------------------------------------------------------------

    public override bool CanRead => !_disposed;
    public override bool CanSeek => !_disposed;
    public override bool CanWrite => false;

    public override long Position
    {
        get => _position;
        set => _position = value is >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => Length + offset,
    };

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = (int)Math.Min(buffer.Length, Math.Max(0, Length - _position));
        if (n == 0) return 0;
        ReadExactly(_position, buffer[..n]);
        _position += n;
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        var n = (int)Math.Min(buffer.Length, Math.Max(0, Length - _position));
        if (n == 0) return 0;
        await PrefetchAsync([(_position, Math.Max(n, Math.Min(MinimumFetch, Length - _position)))], ct).ConfigureAwait(false);
        ReadExactly(_position, buffer.Span[..n]);
        _position += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var p in _pieces) p.Handle?.Dispose();
        }
        base.Dispose(disposing);
    }
}
