namespace BedrockCost.Core.Classification;

/// <summary>
/// Which CUR rows are Bedrock spend (reference section 3). Sources disagree, so this is a union:
/// the first-party product codes, Marketplace "(Amazon Bedrock Edition)" products, the product family,
/// and any row with a principal.
/// </summary>
public static class BedrockRows
{
    public const string AgentCoreProductCode = "AmazonBedrockAgentCore";

    private static readonly HashSet<string> ProductCodes = new(StringComparer.OrdinalIgnoreCase)
    {
        "AmazonBedrock", "AmazonBedrockService", "AmazonBedrockFoundationModels",
    };

    public static bool IsBedrockProductCode(string? code, bool includeAgentCore) =>
        code is not null && (ProductCodes.Contains(code) || (includeAgentCore && code.Equals(AgentCoreProductCode, StringComparison.OrdinalIgnoreCase)));

    public static bool IsAgentCore(string? code) => code is not null && code.Equals(AgentCoreProductCode, StringComparison.OrdinalIgnoreCase);

    public static bool IsMarketplace(string? billingEntity) =>
        billingEntity is not null && billingEntity.Equals("AWS Marketplace", StringComparison.OrdinalIgnoreCase);

    public static bool IsBedrockFamily(string? family) =>
        family is not null && family.Equals("Amazon Bedrock", StringComparison.OrdinalIgnoreCase);

    /// <summary>Multiplier from <c>pricing_unit</c> to tokens; null when the unit is not a token unit.</summary>
    public static decimal? TokensPerUnit(string? pricingUnit, bool marketplace)
    {
        if (string.IsNullOrWhiteSpace(pricingUnit)) return marketplace ? 1_000_000m : null;
        var u = pricingUnit.Trim().ToLowerInvariant();
        return u switch
        {
            "1k tokens" or "1k-tokens" or "1000 tokens" or "thousand tokens" => 1_000m,
            "1m tokens" or "1m-tokens" or "1000000 tokens" or "million tokens" => 1_000_000m,
            "tokens" or "token" => 1m,
            // Marketplace "Units" are millions of tokens (reference section 4).
            "units" or "unit" => marketplace ? 1_000_000m : null,
            _ => null,
        };
    }

    /// <summary>Why a Bedrock row has no principal, from its line item type and usage kind.</summary>
    public static string UnattributedReason(string? lineItemType, UsageKind kind)
    {
        var t = lineItemType ?? string.Empty;
        if (t.Equals("Credit", StringComparison.OrdinalIgnoreCase)) return "credit";
        if (t.Equals("Refund", StringComparison.OrdinalIgnoreCase)) return "refund";
        if (t.Equals("Tax", StringComparison.OrdinalIgnoreCase)) return "tax";
        if (t.Equals("Fee", StringComparison.OrdinalIgnoreCase) || t.Equals("RIFee", StringComparison.OrdinalIgnoreCase)) return "fee";
        if (t.Contains("Discount", StringComparison.OrdinalIgnoreCase) && !t.Equals("DiscountedUsage", StringComparison.OrdinalIgnoreCase)) return "discount";
        if (t.StartsWith("SavingsPlan", StringComparison.OrdinalIgnoreCase)) return "savings plan";
        return kind switch
        {
            UsageKind.ProvisionedThroughput => "provisioned throughput",
            UsageKind.Tokens => "no principal",
            _ => "no principal (non-token usage)",
        };
    }
}
