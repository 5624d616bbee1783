using static BedrockCost.TestData.Catalog;

namespace BedrockCost.TestData;

/// <summary>
/// The embedded sample: deterministic (System.Random(42), no clock, no Guid.NewGuid), two billing periods
/// (2026-05, 2026-06), daily usage rows (hourly for a few), every principal form, model family, token
/// direction, tier and Bedrock product code, Marketplace rows, credits, tax, EDP and private-rate discounts
/// (net below unblended on every discounted usage row, itemised by discount line items per usage type),
/// provisioned throughput, AgentCore, rows without principal, hostile tag values, null/empty maps, costs with
/// all the digits of a double, and ~3x non-Bedrock noise.
/// </summary>
public static class SampleData
{
    public const int Seed = 42;
    public static readonly IReadOnlyList<DateTime> Periods =
        [new DateTime(2026, 5, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc)];

    /// <summary>Usage before this instant in the second account has no principal (setting not yet on);
    /// the following two days carry an empty-string principal.</summary>
    public static readonly DateTime SecondAccountPrincipalFrom = new(2026, 5, 6, 0, 0, 0, DateTimeKind.Utc);

    internal sealed record Stream(PrincipalSpec Principal, UsageSpec Spec, double Probability, long MinTokens, long MaxTokens,
        bool HourlyMidMonth = false, string? ResourceId = null, int? OnlyMonth = null);

    internal static readonly Stream[] Streams =
    [
        new(Alice, SonnetIn, 0.35, 200_000, 4_000_000), new(Alice, SonnetOut, 0.35, 20_000, 600_000),
        new(Alice, SonnetCacheRead, 0.3, 500_000, 9_000_000), new(Alice, SonnetCacheWrite, 0.25, 50_000, 900_000),
        new(Bob, OpusIn, 0.2, 100_000, 2_000_000), new(Bob, OpusOut, 0.2, 10_000, 300_000),
        new(Bob, OpusCacheRead, 0.15, 200_000, 3_000_000), new(Bob, SonnetCacheWrite1h, 0.15, 40_000, 700_000),
        new(ApiKey, NovaIn, 0.2, 300_000, 8_000_000), new(ApiKey, NovaOut, 0.2, 30_000, 900_000),
        new(ApiKey, NovaFlexIn, 0.15, 1_000_000, 20_000_000), new(ApiKey, NovaFlexOut, 0.15, 100_000, 2_000_000),
        new(InvoiceApp, HaikuIn, 0.4, 500_000, 12_000_000, ResourceId: InvoiceAppProfileArn),
        new(InvoiceApp, HaikuOut, 0.4, 50_000, 1_500_000, ResourceId: InvoiceAppProfileArn),
        new(InvoiceApp, HaikuBatchIn, 0.1, 2_000_000, 30_000_000), new(InvoiceApp, HaikuBatchOut, 0.1, 200_000, 3_000_000),
        new(Jane, MpIn, 0.25, 300_000, 6_000_000), new(Jane, MpOut, 0.25, 30_000, 800_000),
        new(Jane, MpInLegacy, 0.2, 100_000, 2_000_000, OnlyMonth: 5),
        new(Jane, SonnetGlobalIn, 0.2, 100_000, 3_000_000), new(Jane, SonnetGlobalOut, 0.2, 10_000, 400_000),
        new(Carol, GptOssPriorityIn, 0.25, 200_000, 5_000_000), new(Carol, GptOssPriorityOut, 0.25, 20_000, 700_000),
        new(Carol, MantleIn, 0.2, 100_000, 3_000_000, HourlyMidMonth: true), new(Carol, MantleOut, 0.2, 10_000, 400_000, HourlyMidMonth: true),
        new(Mallory, LlamaIn, 0.12, 50_000, 1_500_000), new(Mallory, LlamaOut, 0.12, 5_000, 200_000),
        new(BatchRunner, GptOssIn, 0.3, 1_000_000, 25_000_000), new(BatchRunner, GptOssOut, 0.3, 100_000, 3_000_000),
        new(BatchRunner, HaikuBatchIn, 0.15, 1_000_000, 10_000_000),
        new(AliceResearch, NovaIn, 0.12, 100_000, 2_000_000), new(AliceResearch, NovaOut, 0.12, 10_000, 300_000),
        new(Eve, NovaIn, 0.1, 100_000, 1_000_000), new(Eve, SonnetOut, 0.1, 5_000, 100_000),
        new(Oscar, HaikuIn, 0.1, 200_000, 2_000_000), new(Oscar, HaikuOut, 0.1, 20_000, 200_000),
        // Marketplace usage in the second account: before the principal feature is on there, only the Marketplace rule finds it.
        new(Oscar, MpOut, 0.3, 10_000, 300_000),
    ];

    /// <summary>All line items of both periods, in a fixed order.</summary>
    public static IReadOnlyList<LineItem> Build()
    {
        var rng = new Random(Seed);
        var all = new List<LineItem>();
        foreach (var period in Periods) all.AddRange(BuildPeriod(rng, period));
        return all;
    }

    static string NextId(Random rng)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        Span<char> c = stackalloc char[52];
        for (int i = 0; i < c.Length; i++) c[i] = alphabet[rng.Next(32)];
        return new string(c);
    }

    static decimal Amount(Random rng, UsageSpec spec, long min, long max)
    {
        long tokens = rng.NextInt64(min, max);
        return spec.PricingUnit == "Units" ? tokens / 1_000_000m : tokens / 1_000m;
    }

    static List<LineItem> BuildPeriod(Random rng, DateTime period)
    {
        int days = DateTime.DaysInMonth(period.Year, period.Month);
        var bedrock = new List<LineItem>();
        var discounted = new List<(UsageSpec Spec, LineItem Row)>();
        void Add(UsageSpec spec, LineItem row)
        {
            bedrock.Add(row);
            if (row.NetUnblendedCost != row.UnblendedCost) discounted.Add((spec, row));
        }
        for (int d = 0; d < days; d++)
        {
            var day = period.AddDays(d);
            foreach (var s in Streams)
            {
                if (s.OnlyMonth is int m && m != period.Month) continue;
                if (rng.NextDouble() >= s.Probability) continue;
                string? principalOverride = null;
                if (s.Principal.AccountId == SecondAccount && day < SecondAccountPrincipalFrom.AddDays(2))
                    principalOverride = day < SecondAccountPrincipalFrom ? null : "";
                bool noPrincipal = principalOverride != null || (s.Principal.AccountId == SecondAccount && day < SecondAccountPrincipalFrom);
                var principal = noPrincipal ? null : s.Principal;
                var tags = noPrincipal ? null : s.Principal.Tags;
                if (s.HourlyMidMonth && d == 14)
                {
                    for (int h = 8; h < 20; h++)
                        Add(s.Spec, Usage(s.Spec, period, day.AddHours(h), day.AddHours(h + 1), s.Principal.AccountId,
                            Amount(rng, s.Spec, s.MinTokens / 12, s.MaxTokens / 12), principal, NextId(rng), !s.Spec.IsMarketplace,
                            tags, s.ResourceId, principalOverride));
                    continue;
                }
                Add(s.Spec, Usage(s.Spec, period, day, day.AddDays(1), s.Principal.AccountId,
                    Amount(rng, s.Spec, s.MinTokens, s.MaxTokens), principal, NextId(rng), !s.Spec.IsMarketplace,
                    tags, s.ResourceId, principalOverride));
            }
            // AgentCore runtime every 7 days: Bedrock-adjacent, excluded from Bedrock totals.
            if (d % 7 == 3)
                bedrock.Add(Usage(AgentCore, period, day, day.AddDays(1), PayerAccount,
                    Math.Round((decimal)rng.NextDouble() * 40m, 6), null, NextId(rng), false));
        }
        // Provisioned throughput: one model unit, hourly, on the 20th; no principal.
        var ptDay = period.AddDays(19);
        for (int h = 0; h < 24; h++)
            Add(Provisioned, Usage(Provisioned, period, ptDay.AddHours(h), ptDay.AddHours(h + 1), PayerAccount, 1m, null, NextId(rng), true));

        var rows = new List<LineItem>(bedrock);
        rows.AddRange(Noise(rng, period, days, 3 * bedrock.Count));
        rows = rows.OrderBy(r => r.UsageStart).ToList(); // stable: generation order within an instant
        rows.AddRange(Adjustments(rng, period, discounted, bedrock));
        return rows;
    }

    static readonly string[] Instances = ["i-0a1b2c3d4e5f60001", "i-0a1b2c3d4e5f60002", "i-0a1b2c3d4e5f60003", "i-0a1b2c3d4e5f60004"];

    static IEnumerable<LineItem> Noise(Random rng, DateTime period, int days, int count)
    {
        for (int i = 0; i < count; i++)
        {
            var day = period.AddDays(i % days);
            var account = i % 3 == 2 ? SecondAccount : PayerAccount;
            var id = NextId(rng);
            switch (rng.Next(4))
            {
                case 0:
                    {
                        var inst = Instances[rng.Next(Instances.Length)];
                        yield return Usage(Ec2Box, period, day, day.AddDays(1), account, Math.Round(1m + (decimal)rng.NextDouble() * 23m, 4), null, id, false,
                            new() { ["resourceTags/Name"] = "web-" + inst[^1], ["accountTag/env"] = account == PayerAccount ? "prod" : "research" }, inst);
                        break;
                    }
                case 1:
                    yield return Usage(Ec2Ebs, period, day, day.AddDays(1), account, Math.Round((decimal)rng.NextDouble() * 500m / days, 10), null, id, false,
                        new(), "vol-0f1e2d3c4b5a69" + rng.Next(10, 99));
                    break;
                case 2:
                    yield return Usage(S3Storage, period, day, day.AddDays(1), account, Math.Round((decimal)rng.NextDouble() * 80m, 9), null, id, false,
                        null, "example-data-bucket-" + account);
                    break;
                default:
                    yield return Usage(S3Requests, period, day, day.AddDays(1), account, rng.Next(100, 400_000), null, id, false,
                        null, "example-data-bucket-" + account);
                    break;
            }
        }
    }

    /// <summary>
    /// The period's adjustments, all on Bedrock products with no principal: a promotional credit; a Marketplace refund; per account and
    /// usage type, an EdpDiscount line (and a PrivateRateDiscount line for private-pricing usage) whose unblended cost
    /// is minus the discount the usage rows carry in their net cost, and whose net cost is 0 (the discount is already in
    /// the usage rows' net); and the sales tax of AmazonBedrock usage.
    /// </summary>
    static IEnumerable<LineItem> Adjustments(Random rng, DateTime period, List<(UsageSpec Spec, LineItem Row)> discounted, List<LineItem> bedrock)
    {
        var end = period.AddMonths(1);
        LineItem Line(string type, string code, string account, double cost, double? net, string description, UsageSpec? spec, string reason) => new()
        {
            BillingPeriodStart = period, UsageAccountId = account, UsageAccountName = AccountNames[account],
            BillingEntity = spec?.BillingEntity ?? "AWS", LegalEntity = spec?.LegalEntity,
            LineItemType = type, UsageStart = period, UsageEnd = end, ProductCode = code, UsageAmount = type == "Tax" ? 1 : 0,
            UnblendedCost = cost, NetUnblendedCost = net, UnblendedRate = type == "Tax" ? null : "0.0", Description = description,
            ProductServicecode = code, LineItemId = NextId(rng),
            UsageType = spec?.UsageType, Operation = spec?.Operation, PricingUnit = spec?.PricingUnit, ProductFamily = spec?.ProductFamily,
            ProductRegionCode = spec?.RegionCode, Product = spec?.Product,
            Tags = type == "Credit" ? new() : null,
            Truth = new RowTruth { Bedrock = true, Reason = reason, Model = spec?.Model, Direction = spec?.Direction },
        };
        var credit = -(20 + rng.NextDouble() * 30);
        yield return Line("Credit", "AmazonBedrockService", PayerAccount, credit, credit, "AWS Promotional Credit: generative AI experimentation", null, RowTruth.Credit);
        // A Marketplace refund: no principal, an opaque product code, Bedrock only by its "(Amazon Bedrock Edition)" product.
        var refund = -(5 + rng.NextDouble() * 10);
        yield return Line("Refund", MarketplaceProductCode, PayerAccount, refund, refund, $"Refund for {MarketplaceProductName}", MpIn, RowTruth.Refund);
        foreach (var g in discounted.GroupBy(x => (x.Row.UsageAccountId, x.Spec)).OrderBy(g => g.Key.UsageAccountId, StringComparer.Ordinal)
                     .ThenBy(g => g.Key.Spec.UsageType, StringComparer.Ordinal))
        {
            var (account, spec) = g.Key;
            decimal unblended = g.Sum(x => ExpectedTotals.ToDecimal(x.Row.UnblendedCost));
            decimal discount = unblended - g.Sum(x => ExpectedTotals.ToDecimal(x.Row.NetUnblendedCost!.Value));
            decimal edp = spec.PrivatePricing ? unblended * (decimal)Catalog.EdpDiscount : discount;
            yield return Line("EdpDiscount", spec.ProductCode, account, (double)-edp, 0.0, "Enterprise Discount Program: 5% discount", spec, RowTruth.Discount);
            if (spec.PrivatePricing)
                yield return Line("PrivateRateDiscount", spec.ProductCode, account, (double)-(discount - edp), 0.0,
                    "Private pricing: 10% discount after EDP", spec, RowTruth.Discount);
        }
        decimal taxable = bedrock.Where(r => r.ProductCode == "AmazonBedrock" && r.Truth.Bedrock).Sum(r => ExpectedTotals.ToDecimal(r.UnblendedCost));
        var tax = (double)Math.Round(taxable * 0.0725m, 2);
        yield return Line("Tax", "AmazonBedrock", PayerAccount, tax, tax, "Tax for product code AmazonBedrock", null, RowTruth.Tax);
    }
}
