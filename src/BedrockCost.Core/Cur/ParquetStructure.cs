using BedrockCost.Core.Cur.Decoding;
using PageHeader = BedrockCost.Core.Cur.Decoding.PageHeader;
using Parquet.Meta;

namespace BedrockCost.Core.Cur;

/// <summary>
/// A Parquet file's structure, checked before anything is allocated from it: the footer is well-formed Thrift
/// whose lists fit in its bytes; row and value counts agree with each other and with the page headers; column
/// chunks and pages lie inside the file; and a page's uncompressed size is one its codec can produce from its
/// compressed bytes. A header that lies is CorruptFile, found in time and memory bounded by the file's bytes,
/// never by what the header claims.
/// </summary>
internal static class ParquetStructure
{
    /// <summary>Footers of real CUR files are kilobytes to a few MiB (many row groups of ~100 columns).</summary>
    private const int MaxFooterBytes = 64 << 20;
    /// <summary>A page header holds sizes, counts and optional statistics; statistics of long strings can be large.</summary>
    private const int MaxPageHeaderBytes = 16 << 20;
    private const long MaxPageBytes = 1L << 30;

    /// <summary>
    /// The footer before Parquet.Net parses it: PAR1 at both ends, a length that fits the file, and Thrift that
    /// parses to its end (each list element takes at least one byte, so a list claiming more elements than the
    /// footer has bytes ends the walk). Returns where the footer starts (column chunks must end before it).
    /// </summary>
    public static long CheckFooter(Stream stream, string file)
    {
        var bytes = RandomAccessFor.Stream(stream);
        var length = bytes.Length;
        if (length < 12) throw Corrupt(file, $"{length} bytes is too short for a Parquet file");
        var tail = new byte[8];
        bytes.ReadExactly(length - 8, tail);
        if (tail[4] != 'P' || tail[5] != 'A' || tail[6] != 'R' || tail[7] != '1') throw Corrupt(file, "the file does not end with PAR1 (truncated?)");
        var footerLength = BitConverter.ToUInt32(tail, 0);
        if (footerLength == 0 || footerLength > length - 12 || footerLength > MaxFooterBytes)
            throw Corrupt(file, $"the footer length {footerLength:N0} does not fit the file of {length:N0} bytes");
        var footerStart = length - 8 - footerLength;
        var footer = new byte[footerLength];
        bytes.ReadExactly(footerStart, footer);
        try
        {
            var reader = new CompactReader(footer);
            reader.Skip(CompactReader.Struct);
        }
        catch (CompactReader.EndOfDataException)
        {
            throw Corrupt(file, "the footer's metadata runs past its end (a list or string claims more than the footer holds)");
        }
        catch (InvalidDataException e)
        {
            throw Corrupt(file, $"the footer's metadata is malformed ({e.Message})");
        }
        return footerStart;
    }

    /// <summary>
    /// The metadata Parquet.Net parsed: row counts (not negative, adding up to the file's), each column chunk's value
    /// count (a flat column has one per row, a repeated one at least one per row) and byte range (inside the data part
    /// of the file). <paramref name="maxRepetition"/> gives each leaf column's maximum repetition level, in schema order.
    /// </summary>
    public static void CheckMetadata(FileMetaData meta, IReadOnlyList<int> maxRepetition, long footerStart, string file)
    {
        if (meta.NumRows < 0) throw Corrupt(file, $"the footer states {meta.NumRows:N0} rows");
        var rowGroups = meta.RowGroups ?? new List<RowGroup>();
        long rows = 0;
        for (var g = 0; g < rowGroups.Count; g++)
        {
            var rg = rowGroups[g];
            if (rg.NumRows < 0) throw Corrupt(file, $"row group {g} states {rg.NumRows:N0} rows");
            rows += rg.NumRows;
            var columns = rg.Columns ?? new List<ColumnChunk>();
            if (columns.Count != maxRepetition.Count)
                throw Corrupt(file, $"row group {g} has {columns.Count} column chunks where the schema has {maxRepetition.Count} columns");
            for (var c = 0; c < columns.Count; c++)
            {
                var m = columns[c].MetaData ?? throw Corrupt(file, $"column chunk {c} of row group {g} has no metadata");
                var what = $"column '{Column(m)}' of row group {g}";
                if (m.NumValues < 0 || (maxRepetition[c] == 0 ? m.NumValues != rg.NumRows : m.NumValues < rg.NumRows))
                    throw Corrupt(file, $"{what} states {m.NumValues:N0} values for {rg.NumRows:N0} rows");
                var (start, end) = Range(m);
                if (m.TotalCompressedSize < 0 || start < 4 || end > footerStart || (rg.NumRows > 0 && end <= start))
                    throw Corrupt(file, $"{what} lies outside the data part of the file (bytes {start:N0} to {end:N0} of {footerStart:N0})");
            }
        }
        if (rows != meta.NumRows) throw Corrupt(file, $"the row groups hold {rows:N0} rows where the footer states {meta.NumRows:N0}");
    }

    /// <summary>
    /// The page headers of the given column chunks of a row group: pages lie inside their chunk and end exactly at its
    /// end, each page's uncompressed size is one its codec can produce from its compressed size, and the data pages'
    /// value counts add up to the chunk's. Reads only the headers (the pages are skipped).
    /// </summary>
    public static void CheckPages(IRandomAccess source, RowGroup rg, int rowGroup, IEnumerable<int> columns, string file, CancellationToken ct)
    {
        // Positional reads of a few KiB: a buffered stream would read (and discard) a whole buffer per header.
        var buffer = new byte[4096];
        foreach (var c in columns)
        {
            var m = rg.Columns[c].MetaData!;
            var what = $"column '{Column(m)}' of row group {rowGroup}";
            var (position, end) = Range(m);
            long values = 0;
            while (position < end)
            {
                ct.ThrowIfCancellationRequested();
                var (header, size) = ReadHeader(source, position, end, ref buffer, what, file);
                position += size;
                if (header.CompressedSize > end - position) throw Corrupt(file, $"a page of {what} runs past the end of its column chunk");
                if (header.UncompressedSize > MaxUncompressed(m.Codec, header.CompressedSize))
                    throw Corrupt(file, $"a page of {what} states {header.UncompressedSize:N0} uncompressed bytes, more than {m.Codec} makes of its {header.CompressedSize:N0} bytes");
                if (header.Type is Decoding.PageType.DataPage or Decoding.PageType.DataPageV2)
                {
                    if (header.NumValues < 0) throw Corrupt(file, $"a page of {what} states {header.NumValues:N0} values");
                    values += header.NumValues;
                }
                position += header.CompressedSize;
            }
            if (values != m.NumValues)
                throw Corrupt(file, $"the pages of {what} hold {values:N0} values where its metadata states {m.NumValues:N0}");
        }
    }

    /// <summary>Reads the page header at <paramref name="position"/>, growing the buffer while the header is longer.</summary>
    private static (PageHeader Header, int Size) ReadHeader(IRandomAccess source, long position, long end, ref byte[] buffer, string what, string file)
    {
        var want = (int)Math.Min(buffer.Length, end - position);
        while (true)
        {
            if (want > buffer.Length) Array.Resize(ref buffer, want);
            source.ReadExactly(position, buffer.AsSpan(0, want));
            int size;
            PageHeader header;
            try { size = PageHeader.TryParse(buffer.AsSpan(0, want), out header); }
            catch (InvalidDataException e) { throw Corrupt(file, $"a page header of {what} is malformed ({e.Message})"); }
            if (size > 0) return (header, size);
            if (want >= end - position || want >= MaxPageHeaderBytes) throw Corrupt(file, $"a page header of {what} runs past the end of its column chunk");
            want = (int)Math.Min(Math.Min((long)want * 4, end - position), MaxPageHeaderBytes);
        }
    }

    /// <summary>The most a page's codec can expand <paramref name="compressed"/> bytes to, generously (its format's maximum ratio).</summary>
    private static long MaxUncompressed(CompressionCodec codec, long compressed) => Math.Min(MaxPageBytes, codec switch
    {
        CompressionCodec.UNCOMPRESSED => compressed,
        CompressionCodec.SNAPPY => 32 * compressed + 64,
        CompressionCodec.LZ4 or CompressionCodec.LZ4_RAW => 256 * compressed + 64,
        CompressionCodec.GZIP => 1100 * compressed + 64,
        _ => (1L << 17) * Math.Max(1, compressed), // zstd, brotli, lzo: no small bound

    });

    /// <summary>Where a column chunk's pages are: from its dictionary page (or first data page) for its compressed size.</summary>
    private static (long Start, long End) Range(ColumnMetaData m)
    {
        var start = m.DictionaryPageOffset is { } d && d > 0 && d < m.DataPageOffset ? d : m.DataPageOffset;
        return (start, start + Math.Max(0, m.TotalCompressedSize));
    }

    private static string Column(ColumnMetaData m) => Printable.Of(string.Join('.', m.PathInSchema ?? new List<string>()), 120);

    private static BedrockCostException Corrupt(string file, string what) => CurErrors.Corrupt(file, new InvalidDataException(what));
}
