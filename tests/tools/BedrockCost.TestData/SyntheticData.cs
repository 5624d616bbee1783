using static BedrockCost.TestData.Catalog;

namespace BedrockCost.TestData;

/// <summary>
/// Large deterministic months for tests and benchmarks: each chunk is an independent stream seeded from
/// (seed, chunk index), so chunks can be generated and written in parallel. About
/// <c>bedrockFraction</c> of the rows are Bedrock token usage (the sample's principal/usage-type pairs,
/// one in ten without principal); the rest is EC2/S3 noise.
/// </summary>
public static class SyntheticData
{
    static readonly Dictionary<string, string> Ec2Tags = new() { ["resourceTags/Name"] = "batch-worker", ["accountTag/env"] = "prod" };
    static readonly Dictionary<string, string> EmptyTags = new();
    static readonly UsageSpec[] NoiseSpecs = [Ec2Box, Ec2Ebs, S3Storage, S3Requests];

    /// <summary>Rows of one chunk. With <paramref name="usageBefore"/>, rows starting at or after it are
    /// dropped (an earlier, partial refresh of the same data).</summary>
    public static IEnumerable<LineItem> Chunk(DateTime period, int seed, int chunkIndex, long rows,
        double bedrockFraction = 0.05, DateTime? usageBefore = null)
    {
        var rng = new Random(unchecked(seed * 7919 + chunkIndex));
        int days = DateTime.DaysInMonth(period.Year, period.Month);
        var streams = SampleData.Streams;
        string idPrefix = $"{seed:x4}{chunkIndex:x4}";
        for (long i = 0; i < rows; i++)
        {
            var day = period.AddDays(rng.Next(days));
            DateTime start = day, end = day.AddDays(1);
            if (rng.Next(10) == 0) { start = day.AddHours(rng.Next(24)); end = start.AddHours(1); }
            var id = idPrefix + i.ToString("x10");
            LineItem item;
            if (rng.NextDouble() < bedrockFraction)
            {
                var s = streams[rng.Next(streams.Length)];
                bool anonymous = rng.Next(10) == 0;
                long tokens = rng.NextInt64(s.MinTokens / 10 + 1, s.MaxTokens / 10 + 2);
                decimal amount = s.Spec.PricingUnit == "Units" ? tokens / 1_000_000m : tokens / 1_000m;
                item = Usage(s.Spec, period, start, end, s.Principal.AccountId, amount, anonymous ? null : s.Principal, id,
                    !s.Spec.IsMarketplace, anonymous ? null : s.Principal.Tags, s.ResourceId);
            }
            else
            {
                var spec = NoiseSpecs[rng.Next(NoiseSpecs.Length)];
                var account = rng.Next(3) == 0 ? SecondAccount : PayerAccount;
                decimal amount = Math.Round((decimal)rng.NextDouble() * 24m, 6);
                item = Usage(spec, period, start, end, account, amount, null, id, false,
                    spec == Ec2Box ? Ec2Tags : spec == Ec2Ebs ? EmptyTags : null);
            }
            if (usageBefore is DateTime cut && item.UsageStart >= cut) continue;
            yield return item;
        }
    }
}
