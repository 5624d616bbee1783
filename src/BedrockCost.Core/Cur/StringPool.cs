using System.Runtime.InteropServices;

namespace BedrockCost.Core.Cur;

/// <summary>
/// Turns decoded UTF-16 slices into shared string instances, so hot paths allocate one string per
/// distinct value instead of one per row. Parquet.Net decodes each dictionary entry of a column chunk into
/// its own char array, so a value seen before is found by the identity of its array (then compared, without
/// hashing its text); other slices are looked up by content. Not thread safe: one per worker.
/// </summary>
internal sealed class StringPool
{
    private const int MaxStrings = 200_000, MaxBackings = 8_192;
    private readonly Dictionary<ReadOnlyMemory<char>, string> _strings = new(ContentComparer.Instance);
    private readonly Dictionary<object, string> _byBacking = new(ReferenceEqualityComparer.Instance);

    public string Get(ReadOnlyMemory<char> value)
    {
        if (value.Length == 0) return string.Empty;
        object? backing = null;
        if (MemoryMarshal.TryGetArray(value, out var segment))
        {
            if (segment.Offset == 0 && segment.Count == segment.Array!.Length) backing = segment.Array;
        }
        else if (MemoryMarshal.TryGetString(value, out var text, out var start, out var length) && start == 0 && length == text.Length)
        {
            return text;
        }
        // The content is compared too, in case a decoder reuses its arrays.
        if (backing is not null && _byBacking.TryGetValue(backing, out var known) && known.AsSpan().SequenceEqual(value.Span)) return known;
        if (!_strings.TryGetValue(value, out var s))
        {
            s = value.ToString();
            // Too many distinct values (ids, descriptions) would only grow the pool.
            if (_strings.Count < MaxStrings) _strings.Add(s.AsMemory(), s);
        }
        if (backing is not null)
        {
            // Arrays of earlier row groups are garbage once they are decoded again: forget them now and then.
            if (_byBacking.Count >= MaxBackings) _byBacking.Clear();
            _byBacking[backing] = s;
        }
        return s;
    }

    public string Get(string value) => Get(value.AsMemory());

    private char[] _scratch = new char[256];

    /// <summary>The string of UTF-8 bytes (a Parquet value), shared by content.</summary>
    public string GetUtf8(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length == 0) return string.Empty;
        var max = System.Text.Encoding.UTF8.GetMaxCharCount(utf8.Length);
        if (_scratch.Length < max) _scratch = new char[max];
        var n = System.Text.Encoding.UTF8.GetChars(utf8, _scratch);
        var key = _scratch.AsMemory(0, n);
        if (_strings.TryGetValue(key, out var known)) return known;
        var s = key.ToString();
        if (_strings.Count < MaxStrings) _strings.Add(s.AsMemory(), s);
        return s;
    }

    private sealed class ContentComparer : IEqualityComparer<ReadOnlyMemory<char>>
    {
        public static readonly ContentComparer Instance = new();
        public bool Equals(ReadOnlyMemory<char> x, ReadOnlyMemory<char> y) => x.Span.SequenceEqual(y.Span);
        public int GetHashCode(ReadOnlyMemory<char> value) => string.GetHashCode(value.Span);
    }
}
