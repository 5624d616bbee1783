using static BedrockCost.TestData.Catalog;

namespace BedrockCost.TestData;

/// <summary>
/// Large deterministic months for tests and benchmarks: each chunk is an independent stream seeded from
/// (seed, chunk index), so chunks can be generated and written in parallel. About
/// <c>bedrockFraction</c> of the rows are Bedrock token usage (the sample's principal/usage-type pairs,
/// one in ten without principal, daily or hourly); the rest are hourly rows of the line items of a fleet shaped like
/// a real month's non-Bedrock rows (<see cref="NoiseFleet"/>: EC2 instances, EBS, data transfer, NAT gateways, S3,
/// Lambda, CloudWatch Logs).
/// </summary>
public static class SyntheticData
{
    /// <summary>The fleet whose line items a month's chunks bill: the base one, or with <paramref name="monthRows"/> one as large as an
    /// hourly export of that many rows bills.</summary>
    public static NoiseFleet Fleet(DateTime period, int seed, long? monthRows, double bedrockFraction = 0.05) =>
        monthRows is long m ? NoiseFleet.ForMonth(seed, period, m * (1 - bedrockFraction)) : NoiseFleet.For(seed);

    /// <summary>Rows of one chunk. With <paramref name="usageBefore"/>, rows starting at or after it are
    /// dropped (an earlier, partial refresh of the same data). With <paramref name="monthRows"/> (the rows of all the
    /// month's chunks), the fleet is as large as an hourly export of that many rows bills; otherwise the base fleet.</summary>
    public static IEnumerable<LineItem> Chunk(DateTime period, int seed, int chunkIndex, long rows,
        double bedrockFraction = 0.05, DateTime? usageBefore = null, long? monthRows = null)
    {
        var rng = new Random(unchecked(seed * 7919 + chunkIndex));
        int days = DateTime.DaysInMonth(period.Year, period.Month);
        var streams = SampleData.Streams;
        var fleet = Fleet(period, seed, monthRows, bedrockFraction);
        // A Bedrock line item's id, like any other, is the same in every interval: one per stream, with and without caller.
        var streamIds = Enumerable.Range(0, streams.Length * 2)
            .Select(k => NoiseFleet.LineItemId(seed, $"bedrock/{k}")).ToArray();
        for (long i = 0; i < rows; i++)
        {
            var day = period.AddDays(rng.Next(days));
            DateTime start = day, end = day.AddDays(1);
            bool hourly = rng.Next(10) == 0;
            if (hourly) { start = day.AddHours(rng.Next(24)); end = start.AddHours(1); }
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
                // The line item, and the hour of the day from what is left of the same draw.
                var pick = rng.NextDouble() * fleet.Lines.Count;
                if (!hourly) { start = day.AddHours((int)((pick - Math.Floor(pick)) * 24)); end = start.AddHours(1); }
                item = fleet.Lines[(int)pick].Row(period, start, end, rng.NextDouble(), rng.NextDouble());
            }
            if (usageBefore is DateTime cut && item.UsageStart >= cut) continue;
            yield return item;
        }
    }
}
