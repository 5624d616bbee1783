using BedrockCost.Core.Classification;
using Xunit;

namespace BedrockCost.Core.Tests;

/// <summary>Every usage-type and principal example of the reference document (shared/reference/cur2-bedrock.md).</summary>
public class ClassificationTests
{
    [Theory]
    // Canonical names: each line's first form is how one billing form spells the model, the second the name.
    [InlineData("Claude Sonnet 4.6 (Amazon Bedrock Edition)", "Claude Sonnet 4.6")]
    [InlineData("Claude4.6Sonnet", "Claude Sonnet 4.6")]
    [InlineData("Claude4.6Opus", "Claude Opus 4.6")]
    [InlineData("Claude Opus 4.6 (Amazon Bedrock Edition)", "Claude Opus 4.6")]
    [InlineData("anthropic.claude-opus-4-6-v1", "Claude Opus 4.6")]
    [InlineData("anthropic.claude-opus-4-8", "Claude Opus 4.8")]
    [InlineData("claude-opus-5", "Claude Opus 5")]
    [InlineData("Claude4Sonnet", "Claude Sonnet 4")]
    [InlineData("claude-sonnet-4", "Claude Sonnet 4")]
    [InlineData("anthropic.claude-sonnet-4-20250514-v1:0", "Claude Sonnet 4")]
    [InlineData("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "Claude Sonnet 4.5")]
    [InlineData("Claude 3.5 Sonnet (Amazon Bedrock Edition)", "Claude Sonnet 3.5")]
    [InlineData("Claude3.5Sonnet", "Claude Sonnet 3.5")]
    [InlineData("anthropic.claude-3-5-sonnet-20240620-v1:0", "Claude Sonnet 3.5")]
    [InlineData("Claude4.5Haiku", "Claude Haiku 4.5")]
    [InlineData("Nova2.0Lite", "Nova 2 Lite")]
    [InlineData("Nova 2.0 Lite", "Nova 2 Lite")]
    [InlineData("amazon.nova-2-lite-v1:0", "Nova 2 Lite")]
    [InlineData("Amazon Nova Pro", "Nova Pro")]
    [InlineData("NovaPro", "Nova Pro")]
    [InlineData("gpt-oss-120b", "GPT OSS 120B")]
    [InlineData("openai.gpt-oss-120b", "GPT OSS 120B")]
    [InlineData("openai.gpt-oss-120b-1:0", "GPT OSS 120B")]
    [InlineData("openai.gpt-5.6", "GPT 5.6")]
    [InlineData("xai.grok-4.3", "Grok 4.3")]
    [InlineData("Llama4-Maverick-17B", "Llama 4 Maverick 17B")]
    [InlineData("meta.llama4-maverick-17b-instruct-v1:0", "Llama 4 Maverick 17B")]
    [InlineData("Llama 4 Maverick 17B Instruct", "Llama 4 Maverick 17B")]
    [InlineData("Llama3.3 70B", "Llama 3.3 70B")]
    [InlineData("Llama 3.3 70B Instruct", "Llama 3.3 70B")]
    [InlineData("Llama3-3-70B", "Llama 3.3 70B")]
    [InlineData("Meta Llama 2 Chat 70B (Amazon Bedrock Edition)", "Llama 2 Chat 70B")]
    [InlineData("deepseek.v3.2", "DeepSeek V3.2")]
    [InlineData("DeepSeek-V3.2", "DeepSeek V3.2")]
    [InlineData("deepseek.r1-v1:0", "DeepSeek R1")]
    [InlineData("Mixtral8x7B", "Mixtral 8x7B")]
    [InlineData("mistral.mixtral-8x7b-instruct-v0:1", "Mixtral 8x7B")]
    [InlineData("moonshotai.kimi-k2.5", "Kimi K2.5")]
    [InlineData("Cohere Rerank v3.5 (Amazon Bedrock Edition)", "Cohere Rerank V3.5")]
    [InlineData("cohere.rerank-v3-5:0", "Cohere Rerank V3.5")]
    [InlineData("luma.ray-v2:0", "Ray V2")]
    public void Names_one_model_one_way(string raw, string expected) => Assert.Equal(expected, ModelNames.Normalise(raw));

    [Theory]
    [InlineData("Claude 3.5 Sonnet (Amazon Bedrock Edition)", "USE1-Claude3.5Sonnet-input-tokens")]
    [InlineData("Claude Sonnet 4.6 (Amazon Bedrock Edition)", "USE1-Claude4.6Sonnet-output-tokens")]
    [InlineData("Claude Opus 4.8 (Amazon Bedrock Edition)", "USW2-anthropic.claude-opus-4-8-mantle-cache-write-tokens-global-standard")]
    public void Cost_explorer_and_cur_name_a_model_the_same_way(string service, string usageType) =>
        Assert.Equal(UsageTypeParser.Parse(usageType).Model, Sources.CostExplorer.CostExplorerSource.ModelName(service));

    [Theory]
    // Every billing region code: the AWS Price List usagetype prefixes, GovCloud, the China partition.
    [InlineData("USE1", "us-east-1")] [InlineData("USE2", "us-east-2")] [InlineData("USW1", "us-west-1")] [InlineData("USW2", "us-west-2")]
    [InlineData("UGW1", "us-gov-west-1")] [InlineData("UGE1", "us-gov-east-1")]
    [InlineData("CAN1", "ca-central-1")] [InlineData("CAN2", "ca-west-1")] [InlineData("MXC1", "mx-central-1")] [InlineData("SAE1", "sa-east-1")]
    [InlineData("EU", "eu-west-1")] [InlineData("EUW1", "eu-west-1")] [InlineData("EUW2", "eu-west-2")] [InlineData("EUW3", "eu-west-3")]
    [InlineData("EUC1", "eu-central-1")] [InlineData("EUC2", "eu-central-2")] [InlineData("EUN1", "eu-north-1")]
    [InlineData("EUS1", "eu-south-1")] [InlineData("EUS2", "eu-south-2")]
    [InlineData("APE1", "ap-east-1")] [InlineData("APE2", "ap-east-2")]
    [InlineData("APN1", "ap-northeast-1")] [InlineData("APN2", "ap-northeast-2")] [InlineData("APN3", "ap-northeast-3")]
    [InlineData("APS1", "ap-southeast-1")] [InlineData("APS2", "ap-southeast-2")] [InlineData("APS3", "ap-south-1")]
    [InlineData("APS4", "ap-southeast-3")] [InlineData("APS5", "ap-south-2")] [InlineData("APS6", "ap-southeast-4")]
    [InlineData("APS7", "ap-southeast-5")] [InlineData("APS8", "ap-southeast-6")] [InlineData("APS9", "ap-southeast-7")]
    [InlineData("MES1", "me-south-1")] [InlineData("MEC1", "me-central-1")] [InlineData("ILC1", "il-central-1")]
    [InlineData("AFS1", "af-south-1")] [InlineData("CNN1", "cn-north-1")] [InlineData("CNW1", "cn-northwest-1")]
    public void Reads_every_billing_region_code(string code, string region)
    {
        Assert.Equal(region, UsageTypeParser.Parse($"{code}-Claude4.6Sonnet-input-tokens").Region);
        Assert.Equal(region, UsageTypeParser.Parse($"{code}-MP:{code}_InputTokenCount-Units").Region);
        Assert.Equal(region, UsageTypeParser.Parse($"{code}_output_tokens_standard-Units").Region);
    }

    [Fact]
    public void An_absurdly_long_usage_type_is_labelled_not_read()
    {
        var u = UsageTypeParser.Parse("USE1-Claude4.6Sonnet-" + new string('x', 5000) + "-input-tokens");
        Assert.Equal((UsageCategory.Unrecognised, TokenDirection.None, (string?)null), (u.Category, u.Direction, u.Model));
    }

    [Fact]
    public void An_unknown_region_code_of_the_right_shape_is_kept_as_written()
    {
        var u = UsageTypeParser.Parse("XYZ9-Claude4.6Sonnet-input-tokens");
        Assert.Equal("XYZ9", u.Region);
        Assert.Equal(TokenDirection.Input, u.Direction);
    }

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
    [InlineData("Credit", UsageCategory.Tokens, "credit")]
    [InlineData("Refund", UsageCategory.Tokens, "refund")]
    [InlineData("Tax", UsageCategory.Guardrails, "tax")]
    [InlineData("EdpDiscount", UsageCategory.Tokens, "discount")]
    [InlineData("PrivateRateDiscount", UsageCategory.Tokens, "discount")]
    [InlineData("SavingsPlanNegation", UsageCategory.Tokens, "savings plan")]
    [InlineData("Usage", UsageCategory.ProvisionedThroughput, "provisioned throughput")]
    [InlineData("Usage", UsageCategory.ReservedCapacity, "reserved capacity")]
    [InlineData("Usage", UsageCategory.Tokens, "no principal")]
    [InlineData("Usage", UsageCategory.Guardrails, "no principal (non-token usage)")]
    public void Unattributed_rows_say_why(string lineItemType, UsageCategory category, string reason) =>
        Assert.Equal(reason, BedrockRows.UnattributedReason(lineItemType, category));

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
