using static BedrockCost.TestData.Catalog;

namespace BedrockCost.TestData;

/// <summary>
/// Large deterministic months for tests and benchmarks: each chunk is an independent stream seeded from
/// (seed, chunk index), so chunks can be generated and written in parallel. About
/// <c>bedrockFraction</c> of the rows are Bedrock token usage (the sample's principal/usage-type pairs,
/// one in ten without principal); the rest are the line items of a fleet shaped like a real month's non-Bedrock
/// rows (<see cref="NoiseFleet"/>: EC2 instances, EBS, data transfer, NAT gateways, S3, Lambda, CloudWatch Logs).
/// </summary>
public static class SyntheticData
{
    /// <summary>Rows of one chunk. With <paramref name="usageBefore"/>, rows starting at or after it are
    /// dropped (an earlier, partial refresh of the same data).</summary>
    public static IEnumerable<LineItem> Chunk(DateTime period, int seed, int chunkIndex, long rows,
        double bedrockFraction = 0.05, DateTime? usageBefore = null)
    {
        var rng = new Random(unchecked(seed * 7919 + chunkIndex));
        int days = DateTime.DaysInMonth(period.Year, period.Month);
        var streams = SampleData.Streams;
        var fleet = NoiseFleet.For(seed);
        // A Bedrock line item's id, like any other, is the same in every interval: one per stream, with and without caller.
        var streamIds = Enumerable.Range(0, streams.Length * 2)
            .Select(k => NoiseFleet.LineItemId(seed, $"bedrock/{k}")).ToArray();
        for (long i = 0; i < rows; i++)
        {
            var day = period.AddDays(rng.Next(days));
            DateTime start = day, end = day.AddDays(1);
            if (rng.Next(10) == 0) { start = day.AddHours(rng.Next(24)); end = start.AddHours(1); }
            LineItem item;
            if (rng.NextDouble() < bedrockFraction)
            {
                int k = rng.Next(streams.Length);
                var s = streams[k];
                bool anonymous = rng.Next(10) == 0;
                long tokens = rng.NextInt64(s.MinTokens / 10 + 1, s.MaxTokens / 10 + 2);
                decimal amount = s.Spec.PricingUnit == "Units" ? tokens / 1_000_000m : tokens / 1_000m;
                item = Usage(s.Spec, period, start, end, s.Principal.AccountId, amount, anonymous ? null : s.Principal,
                    streamIds[2 * k + (anonymous ? 1 : 0)], !s.Spec.IsMarketplace, anonymous ? null : s.Principal.Tags, s.ResourceId) with
                {
                    SubscriptionId = fleet.SubscriptionId(s.Principal.AccountId, s.Spec.ProductCode),
                    CostCategory = fleet.CostCategory(s.Principal.AccountId),
                };
            }
            else
            {
                // Three draws, as many as the noise rows took before the fleet: the Bedrock rows stay those of earlier months.
                var line = fleet.Lines[(int)(rng.NextDouble() * fleet.Lines.Count)];
                item = line.Row(period, start, end, rng.NextDouble(), rng.NextDouble());
            }
            if (usageBefore is DateTime cut && item.UsageStart >= cut) continue;
            yield return item;
        }
    }
}
