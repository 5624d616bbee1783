namespace BedrockCost.Core.Cur.Decoding;

/// <summary>What a column's values are, for the engine: text, a number or a UTC timestamp.</summary>
internal enum ValueKind { Text, Number, Timestamp }

/// <summary>
/// The distinct values a column reader refers to by index: the dictionary's entries first (kept for the whole
/// column chunk, so anything decided about an entry is decided once), then the plain-encoded values of the current
/// window (dropped by <see cref="EndWindow"/>). Text stays UTF-8 bytes until a row that counts asks for a string,
/// made once per dictionary entry.
/// </summary>
internal sealed class ValueTable
{
    private byte[] _heap = new byte[256];
    private int _heapUsed, _dictionaryHeap;
    private int[] _start = new int[16], _length = new int[16];
    private double[] _numbers = new double[16];
    private long[] _ticks = new long[16];
    private string?[] _strings = new string?[16];

    public ValueTable(ValueKind kind) => Kind = kind;

    public ValueKind Kind { get; private set; }
    public int Count { get; private set; }
    /// <summary>Changes whenever the entries are replaced: what was decided about an index before holds no more.</summary>
    public int Generation { get; private set; }
    /// <summary>Entries [0, DictionaryCount) are the chunk's dictionary; later ones last for a window.</summary>
    public int DictionaryCount { get; private set; }

    /// <summary>Another column chunk, of values of <paramref name="kind"/>; the buffers are kept.</summary>
    public void Reset(ValueKind kind)
    {
        Kind = kind;
        Clear();
    }

    /// <summary>A new column chunk: nothing is known.</summary>
    public void Clear()
    {
        Generation++;
        Count = DictionaryCount = 0;
        _heapUsed = _dictionaryHeap = 0;
        Array.Clear(_strings);
    }

    /// <summary>The entries added so far are the dictionary.</summary>
    public void SealDictionary()
    {
        DictionaryCount = Count;
        _dictionaryHeap = _heapUsed;
    }

    /// <summary>Drops the window's plain values (their indexes are no longer referred to).</summary>
    public void EndWindow()
    {
        if (Count == DictionaryCount) return;
        Array.Clear(_strings, DictionaryCount, Count - DictionaryCount);
        Count = DictionaryCount;
        _heapUsed = _dictionaryHeap;
    }

    public int AddText(ReadOnlySpan<byte> utf8)
    {
        var id = Grow();
        if (_heap.Length - _heapUsed < utf8.Length)
            Array.Resize(ref _heap, (int)Math.Min(Array.MaxLength, Math.Max(_heap.Length * 2L, (long)_heapUsed + utf8.Length)));
        utf8.CopyTo(_heap.AsSpan(_heapUsed));
        _start[id] = _heapUsed;
        _length[id] = utf8.Length;
        _heapUsed += utf8.Length;
        return id;
    }

    public int AddNumber(double value)
    {
        var id = Grow();
        _numbers[id] = value;
        return id;
    }

    public int AddTicks(long ticks)
    {
        var id = Grow();
        _ticks[id] = ticks;
        return id;
    }

    private int Grow()
    {
        if (Count == _start.Length)
        {
            var size = Count * 2;
            Array.Resize(ref _start, size);
            Array.Resize(ref _length, size);
            Array.Resize(ref _numbers, size);
            Array.Resize(ref _ticks, size);
            Array.Resize(ref _strings, size);
        }
        return Count++;
    }

    public ReadOnlySpan<byte> Text(int id) => _heap.AsSpan(_start[id], _length[id]);
    public double Number(int id) => _numbers[id];
    public DateTime Timestamp(int id) => new(_ticks[id], DateTimeKind.Utc);

    /// <summary>The entry as a string, shared through <paramref name="pool"/> and made once per dictionary entry.</summary>
    public string String(int id, StringPool pool) => _strings[id] ??= pool.GetUtf8(Text(id));

}
