using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Sources;
using BedrockCost.TestData;
using LineItem = BedrockCost.TestData.LineItem;
using NoContext = BedrockCost.Core.Tests.ChargebackAllocationTests.CollectingContext;
using Xunit;

namespace BedrockCost.Core.Tests;

/// <summary>
/// Usage types through real CUR files: one model billed in several forms (first-party usage type, bedrock-mantle
/// id, Marketplace dimension with and without "MP:", model named by the product) reads as one model; non-token
/// usage is named; unknown shapes are counted, labelled and warned about.
/// </summary>
public class UsageTypeEngineTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bedrockcost-forms-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string Alice = "arn:aws:iam::111122223333:user/alice";
    private const string OpusProduct = "Claude Opus 4.6 (Amazon Bedrock Edition)";
    private const string LlamaProduct = "Llama 4 Maverick 17B Instruct (Amazon Bedrock Edition)";

    private static LineItem Row(string code, string usageType, string unit, double amount, double cost, string? productName = null,
        string? productModel = null, string? principal = Alice) => new()
    {
        BillingPeriodStart = new DateTime(2026, 5, 1, 0, 0, 0, DateTimeKind.Utc),
        BillingEntity = productName is null ? "AWS" : "AWS Marketplace",
        UsageAccountId = "111122223333",
        UsageStart = new DateTime(2026, 5, 3, 0, 0, 0, DateTimeKind.Utc),
        UsageEnd = new DateTime(2026, 5, 4, 0, 0, 0, DateTimeKind.Utc),
        ProductCode = code,
        UsageType = usageType,
        UsageAmount = amount,
        UnblendedCost = cost,
        NetUnblendedCost = cost,
        IamPrincipal = principal,
        PricingUnit = unit,
        ProductFamily = productName is null ? "Amazon Bedrock" : null,
        Product = productName is null && productModel is null ? null
            : new Dictionary<string, string> { ["product_name"] = productName ?? "", ["model"] = productModel ?? "" }
                .Where(kv => kv.Value.Length > 0).ToDictionary(kv => kv.Key, kv => kv.Value),
    };

    // (usage type form, model, direction, tokens) of each row, the truth the test checks against.
    private static readonly (LineItem Row, string Model, string TokenType, long Tokens)[] Rows =
    {
        (Row("AmazonBedrockService", "USE1-Claude4.6Opus-input-tokens", "1K tokens", 10, 0.05), "Claude Opus 4.6", "Input", 10_000),
        (Row("AmazonBedrockService", "USE1-Claude4.6Opus-cache-read-input-token-count", "1K tokens", 20, 0.01), "Claude Opus 4.6", "CacheRead", 20_000),
        (Row("AmazonBedrock", "USE1-anthropic.claude-opus-4-6-mantle-output-tokens-standard", "1K tokens", 3, 0.075), "Claude Opus 4.6", "Output", 3_000),
        (Row("7zgyu5r4uonlsrnaq20qq63eo", "USE1-MP:USE1_InputTokenCount-Units", "Units", 0.5, 2.5, OpusProduct), "Claude Opus 4.6", "Input", 500_000),
        (Row("7zgyu5r4uonlsrnaq20qq63eo", "USE2_OutputTokenCount_Global-Units", "Units", 0.1, 2.5, OpusProduct), "Claude Opus 4.6", "Output", 100_000),
        (Row("7zgyu5r4uonlsrnaq20qq63eo", "USE1-MP:USE1_cache_write_tokens_1h_standard-Units", "Units", 0.02, 0.2, OpusProduct, "Claude Opus 4.6"), "Claude Opus 4.6", "CacheWrite", 20_000),
        (Row("AmazonBedrock", "USE1-Llama4-Maverick-17B-input-tokens", "1K tokens", 4, 0.001), "Llama 4 Maverick 17B", "Input", 4_000),
        (Row("c2fk1tq7ye2dq1g5yjmeg7hux", "USE1-MP:USE1_output_tokens_standard-Units", "Units", 0.002, 0.002, LlamaProduct), "Llama 4 Maverick 17B", "Output", 2_000),
    };

    [Theory]
    [InlineData(ExportFormat.Parquet)]
    [InlineData(ExportFormat.CsvGzip)]
    public async Task Group_by_model_shows_one_name_per_model_whatever_the_billing_form(ExportFormat format)
    {
        var o = new ExportOptions { Root = _dir, Format = format };
        await ExportWriter.WriteFileAsync(Path.Combine(_dir, "forms" + o.FileExtension), Rows.Select(r => r.Row), o);

        var result = await CurSource.Local(new[] { _dir }).QueryAsync(
            new CostQuery { GroupBy = new[] { new GroupDimension(Dimension.Model), new GroupDimension(Dimension.TokenType) } },
            new NoContext(), CancellationToken.None);

        Assert.Equal(new[] { "Claude Opus 4.6", "Llama 4 Maverick 17B" }, result.Rows.Select(r => r.Model).Distinct().Order());
        foreach (var g in Rows.GroupBy(r => (r.Model, r.TokenType)))
        {
            var row = Assert.Single(result.Rows, r => r.Model == g.Key.Model && r.TokenType == g.Key.TokenType);
            Assert.Equal(g.Sum(x => x.Tokens), row.TotalTokens);
            Assert.Equal(g.Sum(x => (decimal)x.Row.UnblendedCost), row.Cost);
        }
        Assert.Equal(Rows.Sum(x => (decimal)x.Row.UnblendedCost), result.Rows.Sum(r => r.Cost));
        Assert.Empty(result.UnrecognisedUsageTypes);
    }

    [Fact]
    public async Task Non_token_usage_is_named_and_unknown_shapes_are_counted_labelled_and_warned()
    {
        var rows = new[]
        {
            Row("AmazonBedrock", "USE1-Guardrail-ContentPolicyUnitsConsumed", "1K units", 3, 0.45, principal: null),
            Row("AmazonBedrock", "USE1-Nova2.0Lite-nova-grounding", "Requests", 10, 0.3),
            Row("AmazonBedrock", "USE1-Nova2.0Lite-ProvisionedThroughput-NoCommit-ModelUnits", "Hrs", 1, 60.5, principal: null),
            Row("AmazonBedrock", "USE1-QuantumWidget-Hours", "Hrs", 2, 4.25),
            Row("AmazonBedrock", "USE1-Claude4.6Sonnet-input-tokens-turbo", "1K tokens", 5, 0.02),
        };
        var o = new ExportOptions { Root = _dir, Format = ExportFormat.CsvGzip };
        await ExportWriter.WriteFileAsync(Path.Combine(_dir, "kinds" + o.FileExtension), rows, o);
        var ctx = new NoContext();

        var result = await CurSource.Local(new[] { _dir }).QueryAsync(
            new CostQuery { GroupBy = new[] { new GroupDimension(Dimension.UsageType) } }, ctx, CancellationToken.None);

        PrincipalCost Of(string usageType) => Assert.Single(result.Rows, r => r.UsageType == usageType);
        Assert.Equal(("Guardrails", "no principal (non-token usage)", "(none)"),
            (Of("USE1-Guardrail-ContentPolicyUnitsConsumed").UsageCategory, Of("USE1-Guardrail-ContentPolicyUnitsConsumed").UnattributedReason, Of("USE1-Guardrail-ContentPolicyUnitsConsumed").TokenType));
        Assert.Equal(("Grounding", 0L), (Of("USE1-Nova2.0Lite-nova-grounding").UsageCategory, Of("USE1-Nova2.0Lite-nova-grounding").TotalTokens));
        Assert.Equal("provisioned throughput", Of("USE1-Nova2.0Lite-ProvisionedThroughput-NoCommit-ModelUnits").UnattributedReason);
        var unknown = Of("USE1-QuantumWidget-Hours");
        Assert.Equal(("Unrecognised", "(none)", 4.25m), (unknown.UsageCategory, unknown.TokenType, unknown.Cost));
        Assert.Equal(new[] { "USE1-QuantumWidget-Hours" }, result.UnrecognisedUsageTypes);
        Assert.Contains(ctx.Warnings, w => w.Contains("USE1-QuantumWidget-Hours"));
        // A word not known yet stays in view in the tier; the tokens still count in their direction.
        var turbo = Of("USE1-Claude4.6Sonnet-input-tokens-turbo");
        Assert.Equal(("Tokens", "turbo", 5_000L), (turbo.UsageCategory, turbo.Tier, turbo.InputTokens));
        Assert.Equal(rows.Sum(r => (decimal)r.UnblendedCost), result.Rows.Sum(r => r.Cost));
    }
}
