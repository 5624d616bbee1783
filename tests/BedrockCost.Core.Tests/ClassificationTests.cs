using BedrockCost.Core.Classification;
using Xunit;

namespace BedrockCost.Core.Tests;

/// <summary>Every usage-type and principal example of the reference document (shared/reference/cur2-bedrock.md).</summary>
public class ClassificationTests
{
    [Theory]
    [InlineData("USE1-Claude4.6Sonnet-input-tokens", "us-east-1", "Claude Sonnet 4.6", TokenDirection.Input, "standard", false)]
    [InlineData("USE1-Claude4.6Opus-output-tokens", "us-east-1", "Claude Opus 4.6", TokenDirection.Output, "standard", false)]
    [InlineData("USE1-Claude4.6Sonnet-cache-read-input-token-count", "us-east-1", "Claude Sonnet 4.6", TokenDirection.CacheRead, "standard", false)]
    [InlineData("USE1-Claude4.6Sonnet-cache-write-input-token-count", "us-east-1", "Claude Sonnet 4.6", TokenDirection.CacheWrite, "standard", false)]
    [InlineData("USE1-Claude4.6Sonnet-cache-write-input-token-count-1h", "us-east-1", "Claude Sonnet 4.6", TokenDirection.CacheWrite, "standard", false)]
    [InlineData("USE1-Claude4.6Sonnet-cache-write-1h-input-token-count", "us-east-1", "Claude Sonnet 4.6", TokenDirection.CacheWrite, "standard", false)]
    [InlineData("USE1-Nova2.0Lite-input-tokens-flex", "us-east-1", "Nova Lite 2.0", TokenDirection.Input, "flex", false)]
    [InlineData("USE1-gpt-oss-120b-output-tokens-priority", "us-east-1", "gpt-oss-120b", TokenDirection.Output, "priority", false)]
    [InlineData("USE1-Claude4.6Sonnet-output-tokens-cross-region-global", "us-east-1", "Claude Sonnet 4.6", TokenDirection.Output, "cross-region-global", false)]
    [InlineData("USE1-openai.gpt-oss-120b-mantle-input-tokens-standard", "us-east-1", "gpt-oss-120b", TokenDirection.Input, "standard", false)]
    [InlineData("USE1-MP:USE1_input_tokens_standard-Units", "us-east-1", null, TokenDirection.Input, "standard", true)]
    [InlineData("USE1-MP:USE1_output_tokens_standard-Units", "us-east-1", null, TokenDirection.Output, "standard", true)]
    [InlineData("USE1-MP:USE1_input_tokens_global_standard-Units", "us-east-1", null, TokenDirection.Input, "cross-region-global", true)]
    [InlineData("USE1-MP:USE1_InputTokenCount-Units", "us-east-1", null, TokenDirection.Input, "standard", true)]
    [InlineData("USW2-Claude4.5Haiku-input-tokens-batch", "us-west-2", "Claude Haiku 4.5", TokenDirection.Input, "batch", false)]
    [InlineData("EU-Claude4.6Sonnet-input-tokens", "eu-west-1", "Claude Sonnet 4.6", TokenDirection.Input, "standard", false)]
    [InlineData("EUC1-Nova2.0Lite-output-tokens-latency-optimized", "eu-central-1", "Nova Lite 2.0", TokenDirection.Output, "latency-optimized", false)]
    [InlineData("APN1-Claude4.6Sonnet-output-tokens", "ap-northeast-1", "Claude Sonnet 4.6", TokenDirection.Output, "standard", false)]
    public void Parses_token_usage_types(string usageType, string region, string? model, TokenDirection direction, string tier, bool marketplace)
    {
        var u = UsageTypeParser.Parse(usageType);
        Assert.Equal(region, u.Region);
        Assert.Equal(model, u.Model);
        Assert.Equal(direction, u.Direction);
        Assert.Equal(tier, u.Tier);
        Assert.Equal(marketplace, u.IsMarketplaceShape);
        Assert.Equal(UsageKind.Tokens, u.Kind);
    }

    [Theory]
    [InlineData("USE1-ProvisionedThroughput-Claude4.6Sonnet-ModelUnits", UsageKind.ProvisionedThroughput)]
    [InlineData("USE1-Nova2.0Lite-ModelUnit-1Month", UsageKind.ProvisionedThroughput)]
    [InlineData("USE1-Guardrails-TextUnits", UsageKind.Other)]
    [InlineData("USE1-KnowledgeBase-Retrieve", UsageKind.Other)]
    [InlineData("USE1-TitanImage-Image", UsageKind.Other)]
    [InlineData("SomethingNew", UsageKind.Unrecognised)]
    [InlineData("", UsageKind.Unrecognised)]
    public void Classifies_non_token_usage_and_keeps_unknown_shapes(string usageType, UsageKind kind)
    {
        var u = UsageTypeParser.Parse(usageType);
        Assert.Equal(kind, u.Kind);
        Assert.Equal(TokenDirection.None, u.Direction);
        Assert.Equal("(none)", u.TokenType);
    }

    [Theory]
    [InlineData("Claude Sonnet 4.6 (Amazon Bedrock Edition)", "Claude Sonnet 4.6")]
    [InlineData("Claude4.6Sonnet", "Claude Sonnet 4.6")]
    [InlineData("Claude4.5Haiku", "Claude Haiku 4.5")]
    [InlineData("Nova2.0Lite", "Nova Lite 2.0")]
    [InlineData("gpt-oss-120b", "gpt-oss-120b")]
    [InlineData("openai.gpt-oss-120b", "gpt-oss-120b")]
    [InlineData("Llama3.3 70B", "Llama 70B 3.3")]
    public void Normalises_model_names(string raw, string expected) => Assert.Equal(expected, ModelNames.Normalise(raw));

    [Theory]
    [InlineData("arn:aws:iam::123456789012:user/alice", PrincipalKind.IamUser, "123456789012", null, "alice")]
    [InlineData("arn:aws:iam::123456789012:user/division/alice", PrincipalKind.IamUser, "123456789012", null, "alice")]
    [InlineData("arn:aws:iam::123456789012:user/BedrockAPIKey-7x2q", PrincipalKind.ApiKey, "123456789012", null, null)]
    [InlineData("arn:aws:sts::123456789012:assumed-role/AppRole/session-123", PrincipalKind.AppRole, "123456789012", "AppRole", null)]
    [InlineData("arn:aws:sts::123456789012:assumed-role/BedrockRole/jane@example.com", PrincipalKind.FederatedUser, "123456789012", "BedrockRole", "jane@example.com")]
    [InlineData("arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_DataScience_0123abcd/jane@example.com", PrincipalKind.IdentityCenterUser, "123456789012", "DataScience", "jane@example.com")]
    [InlineData("arn:aws:sts::123456789012:federated-user/bob", PrincipalKind.FederatedUser, "123456789012", null, "bob")]
    [InlineData("arn:aws-us-gov:iam::123456789012:root", PrincipalKind.Root, "123456789012", null, null)]
    [InlineData("not-an-arn", PrincipalKind.Unknown, null, null, null)]
    public void Parses_principal_forms(string arn, PrincipalKind kind, string? account, string? role, string? person)
    {
        var p = PrincipalParser.Parse(arn);
        Assert.Equal(kind, p.Kind);
        Assert.Equal(account, p.Account);
        Assert.Equal(role, p.Role);
        Assert.Equal(person, p.Person);
        Assert.Equal(arn, p.Arn);
    }

    [Fact]
    public void Application_session_keeps_its_session_name()
    {
        var p = PrincipalParser.Parse("arn:aws:sts::123456789012:assumed-role/AppRole/session-123");
        Assert.Equal("session-123", p.Session);
    }

    [Theory]
    [InlineData("1K tokens", false, 1000)]
    [InlineData("1M tokens", false, 1000000)]
    [InlineData("Units", true, 1000000)]
    [InlineData("tokens", false, 1)]
    public void Token_units_are_normalised(string unit, bool marketplace, int multiplier) =>
        Assert.Equal(multiplier, BedrockRows.TokensPerUnit(unit, marketplace));

    [Fact]
    public void Units_of_first_party_rows_are_not_tokens() => Assert.Null(BedrockRows.TokensPerUnit("Units", marketplace: false));

    [Theory]
    [InlineData("Credit", UsageKind.Tokens, "credit")]
    [InlineData("Refund", UsageKind.Tokens, "refund")]
    [InlineData("Tax", UsageKind.Other, "tax")]
    [InlineData("EdpDiscount", UsageKind.Tokens, "discount")]
    [InlineData("PrivateRateDiscount", UsageKind.Tokens, "discount")]
    [InlineData("SavingsPlanNegation", UsageKind.Tokens, "savings plan")]
    [InlineData("Usage", UsageKind.ProvisionedThroughput, "provisioned throughput")]
    [InlineData("Usage", UsageKind.Tokens, "no principal")]
    public void Unattributed_rows_say_why(string lineItemType, UsageKind kind, string reason) =>
        Assert.Equal(reason, BedrockRows.UnattributedReason(lineItemType, kind));

    [Theory]
    [InlineData("AmazonBedrock", "AWS", null, false, true)]
    [InlineData("AmazonBedrockService", "AWS", null, false, true)]
    [InlineData("AmazonBedrockFoundationModels", "AWS", null, false, true)]
    [InlineData("AmazonBedrockAgentCore", "AWS", null, false, false)]
    [InlineData("AmazonEC2", "AWS", null, false, false)]
    [InlineData("AmazonEC2", "AWS", null, true, true)]
    [InlineData("7zgyu5r4uonlsrnaq20qq63eo", "AWS", "Amazon Bedrock", false, true)]
    public void Bedrock_rows_are_a_union_of_rules(string code, string entity, string? family, bool principal, bool bedrock) =>
        Assert.Equal(bedrock, Cur.RowRules.IsBedrock(code, entity, family, principal, includeAgentCore: false) == Cur.RowRules.Verdict.Yes);

    [Fact]
    public void Marketplace_rows_need_their_product_name()
    {
        Assert.Equal(Cur.RowRules.Verdict.NeedsProduct, Cur.RowRules.IsBedrock("7zgyu5r4uonlsrnaq20qq63eo", "AWS Marketplace", null, false, false));
        Assert.True(Cur.RowRules.IsBedrockMarketplaceProduct("Claude Sonnet 4.6 (Amazon Bedrock Edition)", null));
        Assert.False(Cur.RowRules.IsBedrockMarketplaceProduct("Some Other SaaS", null));
    }
}
