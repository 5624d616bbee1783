using System.Runtime.InteropServices;

namespace BedrockCost.Core.Cur;

/// <summary>
/// Turns decoded UTF-16 slices into shared string instances, so hot paths allocate one string per
/// distinct value instead of one per row. Dictionary-encoded Parquet columns hand out slices of the same
/// backing string, which the one-entry cache catches without hashing. Not thread safe: one per worker.
/// </summary>
internal sealed class StringPool
{
    private readonly Dictionary<ReadOnlyMemory<char>, string> _strings = new(ContentComparer.Instance);
    private object? _lastBacking;
    private int _lastStart = -1, _lastLength = -1;
    private string? _last;

    public string Get(ReadOnlyMemory<char> value)
    {
        if (value.Length == 0) return string.Empty;
        if (MemoryMarshal.TryGetString(value, out var backing, out var start, out var length) &&
            ReferenceEquals(backing, _lastBacking) && start == _lastStart && length == _lastLength)
            return _last!;
        if (!_strings.TryGetValue(value, out var s))
        {
            s = value.ToString();
            // Too many distinct values (ids, descriptions) would only grow the pool.
            if (_strings.Count < 200_000) _strings.Add(s.AsMemory(), s);
        }
        _lastBacking = backing; _lastStart = start; _lastLength = length; _last = s;
        return s;
    }

    public string Get(string value) => Get(value.AsMemory());

    private sealed class ContentComparer : IEqualityComparer<ReadOnlyMemory<char>>
    {
        public static readonly ContentComparer Instance = new();
        public bool Equals(ReadOnlyMemory<char> x, ReadOnlyMemory<char> y) => x.Span.SequenceEqual(y.Span);
        public int GetHashCode(ReadOnlyMemory<char> value) => string.GetHashCode(value.Span);
    }
}
