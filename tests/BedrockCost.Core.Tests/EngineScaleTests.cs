using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Cur;
using BedrockCost.Core.Sources;
using BedrockCost.TestData;
using Xunit;

namespace BedrockCost.Core.Tests;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class Alone
{
    /// <summary>Tests that measure the process (memory) run with no other test beside them.</summary>
    public const string Name = "alone";
}

/// <summary>The engine on larger data: row groups skipped by statistics give the same figures, and memory stays flat.</summary>
[Collection(Alone.Name)]
public class EngineScaleTests : IDisposable
{
    private static readonly DateTime Period = new(2026, 5, 1, 0, 0, 0, DateTimeKind.Utc);
    private readonly string _dir = Directory.CreateTempSubdirectory("bedrockcost-scale-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class Context : IOperationContext
    {
        public List<string> Debugs { get; } = new();
        public void Verbose(string message) { }
        public void Debug(string message) { lock (Debugs) Debugs.Add(message); }
        public void Warning(string message) { }
        public void Progress(ProgressReport report) { }
    }

    [Theory]
    [InlineData("AmazonEC2", "AmazonS3", "AmazonBedrock", false)]
    [InlineData("AmazonEC2", "AmazonS3", "amazonbedrock", false)]
    [InlineData("AmazonBedrock", "AmazonS3", "AmazonBedrockService", true)]
    [InlineData("AmazonEC2", "AmazonEC2", "AmazonBedrock", false)]
    [InlineData("API Request", "Storage", "Amazon Bedrock", true)]
    [InlineData("Compute Instance", "Storage", "Amazon Bedrock", false)]
    [InlineData("AWS", "AWS", "AWS Marketplace", false)]
    [InlineData("AWS", "AWS Marketplace", "aws marketplace", true)]
    [InlineData("AWS Marketplace", "AWS Marketplace", "AWS MARKETPLACE", true)]
    [InlineData("AWSA", "AWSZ", "AWS", false)]
    [InlineData("Ämazon", "Zzz", "AmazonBedrock", true)]
    public void Statistics_ranges_exclude_only_what_they_prove(string min, string max, string value, bool mayContain) =>
        Assert.Equal(mayContain, StatsRange.MayContain(min, max, value));

    [Fact]
    public async Task Row_groups_without_Bedrock_are_skipped_and_the_figures_are_unchanged()
    {
        // EC2-only row groups (their statistics prove no Bedrock row) around Bedrock-rich ones.
        IEnumerable<TestData.LineItem> Ec2(int chunk) => SyntheticData.Chunk(Period, 7, chunk, 4000, bedrockFraction: 0)
            .Where(r => r.ProductCode == "AmazonEC2" && r.ProductFamily == "Compute Instance" && r.IamPrincipal is null);
        var rows = Ec2(1).Concat(SyntheticData.Chunk(Period, 7, 2, 3000, bedrockFraction: 0.9)).Concat(Ec2(3)).ToList();
        var file = Path.Combine(_dir, "mixed.snappy.parquet");
        await CurParquetWriter.WriteAsync(file, rows, rowGroupSize: 500);
        var expected = ExpectedTotals.Compute(rows).Periods["2026-05"];

        var ctx = new Context();
        var result = await CurSource.Local(new[] { file }).QueryAsync(new CostQuery(), ctx, CancellationToken.None);

        Assert.Contains(ctx.Debugs, d => d.Contains("row groups (") && !d.Contains("(0 skipped"));
        Assert.Equal(expected.Bedrock.UnblendedCost, result.BedrockTotals.Single().UnblendedCost);
        Assert.Equal(expected.Bedrock.NetUnblendedCost, result.BedrockTotals.Single().NetUnblendedCost);
        Assert.Equal(expected.Bedrock.Rows, result.BedrockLineItems);
        var attributed = result.Rows.Where(r => r.IsAttributed).ToDictionary(r => r.Principal!);
        Assert.Equal(expected.Principals.Count, attributed.Count);
        foreach (var (principal, totals) in expected.Principals)
        {
            Assert.Equal(totals.UnblendedCost, attributed[principal].UnblendedCost);
            Assert.Equal(totals.Rows, attributed[principal].LineItemCount);
        }
    }

    /// <summary>
    /// Peak live managed memory (sampled with full collections) while reading 10 times the rows (same files, same
    /// row-group size) stays close to the smaller run's: the engine streams row groups and keeps only groups, never
    /// rows. No timing is asserted.
    /// </summary>
    [Fact]
    public async Task Memory_stays_flat_as_the_rows_grow()
    {
        async Task<long> PeakAsync(long rows)
        {
            var dir = Path.Combine(_dir, $"rows-{rows}");
            if (!Directory.Exists(dir)) await BenchExport.WriteAsync(dir, rows, files: 2, rowGroupSize: 10_000, Period);
            long peak = 0;
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                using var done = new CancellationTokenSource();
                var sampler = Task.Run(async () =>
                {
                    long max = 0;
                    // Live memory: a full collection per sample, so garbage awaiting the next GC does not count.
                    while (!done.IsCancellationRequested)
                    {
                        max = Math.Max(max, GC.GetTotalMemory(forceFullCollection: true));
                        await Task.Delay(5);
                    }
                    return max;
                });
                var result = await CurSource.Local(new[] { dir }).QueryAsync(
                    new CostQuery { GroupBy = new[] { new GroupDimension(Dimension.Principal), new GroupDimension(Dimension.Model) } },
                    NullOperationContext.Instance, CancellationToken.None);
                done.Cancel();
                peak = await sampler;
                Assert.Equal(rows, result.RowsScanned);
            }
            return peak;
        }

        // A first read of the larger set loads the code and fills the readers' buffer pools (bounded, reused):
        // both measured reads then start from the same steady state.
        await PeakAsync(400_000);
        var small = await PeakAsync(40_000);
        var large = await PeakAsync(400_000);

        const long mib = 1 << 20;
        Assert.True(large <= small * 3 / 2 + 8 * mib,
            $"peak live managed memory grew from {small / mib} MiB (40,000 rows) to {large / mib} MiB (400,000 rows)");
    }
}
