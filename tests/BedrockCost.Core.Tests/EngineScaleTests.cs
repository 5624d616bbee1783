using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Cur;
using BedrockCost.Core.Sources;
using BedrockCost.TestData;
using Xunit;

namespace BedrockCost.Core.Tests;

/// <summary>
/// The engine on larger data: row groups skipped by statistics give the same figures. (That memory stays flat as the
/// data grows is measured by the benchmark, build.ps1 -Task Bench, not asserted in a test.)
/// </summary>
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
        var expected = ExpectedTotals.Compute(rows).Periods["2026-05"].Single;

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
            Assert.Equal(totals.NetUnblendedCost, attributed[principal].NetUnblendedCost);
            Assert.Equal(totals.Rows, attributed[principal].LineItemCount);
        }
    }
}
