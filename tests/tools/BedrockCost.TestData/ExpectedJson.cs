using System.Text.Json;

namespace BedrockCost.TestData;

/// <summary>Figures of one group in expected.json; decimals exactly as written.</summary>
public sealed record ExpectedFigures(long Rows, decimal UnblendedCost, decimal NetUnblendedCost,
    long InputTokens, long OutputTokens, long CacheReadTokens, long CacheWriteTokens)
{
    /// <summary>The cost in one basis: net unblended or unblended.</summary>
    public decimal Cost(bool net) => net ? NetUnblendedCost : UnblendedCost;

    internal static ExpectedFigures Read(JsonElement e) => new(
        e.GetProperty("rows").GetInt64(), e.GetProperty("unblendedCost").GetDecimal(), e.GetProperty("netUnblendedCost").GetDecimal(),
        Long(e, "inputTokens"), Long(e, "outputTokens"), Long(e, "cacheReadTokens"), Long(e, "cacheWriteTokens"));

    static long Long(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? v.GetInt64() : 0;
}

/// <summary>A principal of expected.json: its figures, account, tags (as written on its rows) and daily cost.</summary>
public sealed record ExpectedPrincipal(string Principal, string Account, IReadOnlyDictionary<string, string> Tags, ExpectedFigures Figures,
    IReadOnlyDictionary<string, ExpectedFigures> Days)
{
    public string? Tag(string key) => Tags.GetValueOrDefault(key);
}

/// <summary>One billing period and currency of expected.json.</summary>
public sealed record ExpectedCurrency(string Currency, decimal TotalUnblendedCost, ExpectedFigures Bedrock, ExpectedFigures Unattributed,
    IReadOnlyDictionary<string, ExpectedFigures> UnattributedReasons, IReadOnlyList<ExpectedPrincipal> Principals,
    IReadOnlyList<(string? Key, ExpectedFigures Figures)> Teams, IReadOnlyList<(string? Key, ExpectedFigures Figures)> CostCenters,
    IReadOnlyList<(string? Key, ExpectedFigures Figures)> Models, IReadOnlyList<(string? Key, ExpectedFigures Figures)> TokenTypes,
    IReadOnlyDictionary<string, ExpectedFigures> Days)
{
    public ExpectedPrincipal Principal(string arn) => Principals.Single(p => p.Principal == arn);
}

public sealed record ExpectedPeriod(string BillingPeriod, long RowCount, IReadOnlyList<ExpectedCurrency> Currencies)
{
    public ExpectedCurrency Currency(string code) => Currencies.Single(c => c.Currency == code);
    /// <summary>The period's only currency.</summary>
    public ExpectedCurrency Single => Currencies.Single();
}

/// <summary>
/// Reads an expected.json written by <see cref="ExpectedTotals.ToJson"/> (samples/expected.json, or the one an
/// export command writes beside its files), for tests that compare the module with it.
/// </summary>
public sealed record ExpectedJson(bool PrincipalColumnPresent, bool NetColumnPresent, IReadOnlyList<ExpectedPeriod> Periods)
{
    public ExpectedPeriod Period(string billingPeriod) => Periods.Single(p => p.BillingPeriod == billingPeriod);

    public static ExpectedJson Load(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        return new ExpectedJson(root.GetProperty("principalColumnPresent").GetBoolean(), root.GetProperty("netColumnPresent").GetBoolean(),
            root.GetProperty("periods").EnumerateArray().Select(p => new ExpectedPeriod(
                p.GetProperty("billingPeriod").GetString()!, p.GetProperty("rowCount").GetInt64(),
                p.GetProperty("currencies").EnumerateArray().Select(ReadCurrency).ToList())).ToList());
    }

    static ExpectedCurrency ReadCurrency(JsonElement c)
    {
        List<(string?, ExpectedFigures)> List(string name, string key) =>
            c.GetProperty(name).EnumerateArray().Select(e => (e.GetProperty(key).GetString(), ExpectedFigures.Read(e))).ToList();
        Dictionary<string, ExpectedFigures> Map(JsonElement array, string key) =>
            array.EnumerateArray().ToDictionary(e => e.GetProperty(key).GetString()!, ExpectedFigures.Read, StringComparer.Ordinal);
        return new ExpectedCurrency(
            c.GetProperty("currency").GetString()!, c.GetProperty("totalUnblendedCost").GetDecimal(),
            ExpectedFigures.Read(c.GetProperty("bedrock")), ExpectedFigures.Read(c.GetProperty("unattributed")),
            Map(c.GetProperty("unattributedReasons"), "reason"),
            c.GetProperty("principals").EnumerateArray().Select(p => new ExpectedPrincipal(
                p.GetProperty("principal").GetString()!, p.GetProperty("account").GetString()!,
                p.GetProperty("tags").EnumerateObject().ToDictionary(t => t.Name, t => t.Value.GetString()!, StringComparer.Ordinal),
                ExpectedFigures.Read(p), Map(p.GetProperty("days"), "day"))).ToList(),
            List("teams", "team"), List("costCenters", "costCenter"), List("models", "model"), List("tokenTypes", "tokenType"),
            Map(c.GetProperty("days"), "day"));
    }
}
