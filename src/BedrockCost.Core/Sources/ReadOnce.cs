namespace BedrockCost.Core.Sources;

/// <summary>
/// "Every data file is read once": the first of several items with the same key is kept, and the others are
/// returned for a warning that names them (a manifest listing a file twice, one file reached by two paths).
/// </summary>
internal static class ReadOnce
{
    public static List<T> Distinct<T, TKey>(IEnumerable<T> items, Func<T, TKey> key, out List<(T First, int Times)> repeated) where TKey : notnull
    {
        var seen = new Dictionary<TKey, (int Index, int Times)>();
        var kept = new List<T>();
        foreach (var item in items)
        {
            var k = key(item);
            if (seen.TryGetValue(k, out var s)) { seen[k] = (s.Index, s.Times + 1); continue; }
            seen[k] = (kept.Count, 1);
            kept.Add(item);
        }
        repeated = seen.Values.Where(s => s.Times > 1).OrderBy(s => s.Index).Select(s => (kept[s.Index], s.Times)).ToList();
        return kept;
    }

    /// <summary>"'a' (1,000 times), 'b' (2 times)", the first five.</summary>
    public static string Describe<T>(IReadOnlyList<(T First, int Times)> repeated, Func<T, string> name) =>
        string.Join(", ", repeated.Take(5).Select(r => $"'{Printable.Of(name(r.First))}' ({r.Times:N0} times)")) +
        (repeated.Count > 5 ? $" and {repeated.Count - 5} more" : string.Empty);
}
