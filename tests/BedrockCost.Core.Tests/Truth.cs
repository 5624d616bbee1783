using BedrockCost.Core.Aggregation;
using BedrockCost.TestData;
using Xunit;

namespace BedrockCost.Core.Tests;

/// <summary>
/// The embedded sample and its independent truth (samples/expected.json, written by the generator from what it
/// chose for each row), and the comparison of the engine's rows with it. Every figure the tests check comes from
/// here or from <see cref="ExpectedTotals"/> over the rows a test generated itself, never from the engine.
/// </summary>
internal static class Truth
{
    public static readonly string RepoRoot = FindRepoRoot();
    public static readonly string SamplePath = Path.Combine(RepoRoot, "samples", "bedrock-cur");
    public static readonly ExpectedJson Sample = ExpectedJson.Load(Path.Combine(RepoRoot, "samples", "expected.json"));
    public static readonly string[] Periods = Sample.Periods.Select(p => p.BillingPeriod).ToArray();

    /// <summary>The sample's figures of one billing period (its only currency, USD).</summary>
    public static ExpectedCurrency Of(string period) => Sample.Period(period).Currency("USD");

    private static string FindRepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "BedrockCost.sln"))) return d.FullName;
        throw new InvalidOperationException("repository root not found above the test folder");
    }

    /// <summary>The engine's label for "none" in a dimension (expected.json writes null).</summary>
    public static string Label(string? key, string none) => key ?? none;

    /// <summary>
    /// Rows summed by <paramref name="key"/> equal the expected groups exactly: the same keys, and for each the cost
    /// in the query's basis, unblended and net cost, tokens of each direction and line item count.
    /// </summary>
    public static void AssertGroups(IEnumerable<PrincipalCost> rows, Func<PrincipalCost, string> key,
        IEnumerable<(string Key, ExpectedFigures Figures)> expected, bool net, string what)
    {
        var actual = rows.GroupBy(key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => Sum(g), StringComparer.Ordinal);
        var want = expected.ToDictionary(e => e.Key, e => e.Figures, StringComparer.Ordinal);
        Assert.True(want.Keys.Order(StringComparer.Ordinal).SequenceEqual(actual.Keys.Order(StringComparer.Ordinal)),
            $"{what}: groups {string.Join(" | ", actual.Keys.Order(StringComparer.Ordinal))} instead of {string.Join(" | ", want.Keys.Order(StringComparer.Ordinal))}");
        foreach (var (k, f) in want) AssertFigures(f, actual[k], net, $"{what} '{k}'");
    }

    public static void AssertFigures(ExpectedFigures want, Figures got, bool net, string what)
    {
        Assert.True(want.Cost(net) == got.Cost, $"{what}: cost {got.Cost} instead of {want.Cost(net)} ({(net ? "net unblended" : "unblended")})");
        Assert.True(want.UnblendedCost == got.Unblended, $"{what}: unblended {got.Unblended} instead of {want.UnblendedCost}");
        Assert.True(want.NetUnblendedCost == got.Net, $"{what}: net unblended {got.Net} instead of {want.NetUnblendedCost}");
        Assert.True((want.InputTokens, want.OutputTokens, want.CacheReadTokens, want.CacheWriteTokens) == (got.Input, got.Output, got.CacheRead, got.CacheWrite),
            $"{what}: tokens in/out/cache read/cache write {got.Input}/{got.Output}/{got.CacheRead}/{got.CacheWrite} instead of " +
            $"{want.InputTokens}/{want.OutputTokens}/{want.CacheReadTokens}/{want.CacheWriteTokens}");
        Assert.True(want.Rows == got.LineItems, $"{what}: {got.LineItems} line items instead of {want.Rows}");
    }

    public readonly record struct Figures(decimal Cost, decimal Unblended, decimal Net, long Input, long Output, long CacheRead, long CacheWrite, long LineItems);

    public static Figures Sum(IEnumerable<PrincipalCost> rows)
    {
        var f = new Figures();
        foreach (var r in rows)
            f = new Figures(f.Cost + r.Cost, f.Unblended + r.UnblendedCost, f.Net + r.NetUnblendedCost, f.Input + r.InputTokens, f.Output + r.OutputTokens,
                f.CacheRead + r.CacheReadTokens, f.CacheWrite + r.CacheWriteTokens, f.LineItems + r.LineItemCount);
        return f;
    }

    /// <summary>The figures of two groups together (a principal over two periods).</summary>
    public static ExpectedFigures Plus(ExpectedFigures a, ExpectedFigures b) => new(a.Rows + b.Rows, a.UnblendedCost + b.UnblendedCost,
        a.NetUnblendedCost + b.NetUnblendedCost, a.InputTokens + b.InputTokens, a.OutputTokens + b.OutputTokens,
        a.CacheReadTokens + b.CacheReadTokens, a.CacheWriteTokens + b.CacheWriteTokens);

    /// <summary>The expected groups of a breakdown, keyed by the engine's label for "none".</summary>
    public static IEnumerable<(string Key, ExpectedFigures Figures)> Keyed(IEnumerable<(string? Key, ExpectedFigures Figures)> items, string none) =>
        items.Select(i => (Label(i.Key, none), i.Figures));
}
