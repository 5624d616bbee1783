namespace BedrockCost.Core.Classification;

/// <summary>
/// Which CUR rows are Bedrock spend (reference section 3). Sources disagree, so this is a union:
/// the first-party product codes, Marketplace "(Amazon Bedrock Edition)" products, the product family,
/// and any row with a principal.
/// </summary>
public static class BedrockRows
{
    public const string AgentCoreProductCode = "AmazonBedrockAgentCore";
    public const string ProductFamily = "Amazon Bedrock";
    public const string MarketplaceBillingEntity = "AWS Marketplace";

    /// <summary>The first-party product codes (AgentCore apart). The SQL of the Athena source and of the lean export use these too.</summary>
    public static IReadOnlyList<string> ProductCodes { get; } = new[] { "AmazonBedrock", "AmazonBedrockService", "AmazonBedrockFoundationModels" };

    public static bool IsBedrockProductCode(string? code, bool includeAgentCore) =>
        code is not null && IsBedrockProductCode(code.AsSpan(), includeAgentCore);

    /// <summary>Span forms of these tests let readers classify decoded values without making strings.</summary>
    public static bool IsBedrockProductCode(ReadOnlySpan<char> code, bool includeAgentCore)
    {
        foreach (var c in ProductCodes)
            if (code.Equals(c, StringComparison.OrdinalIgnoreCase)) return true;
        return includeAgentCore && IsAgentCore(code);
    }

    public static bool IsAgentCore(string? code) => code is not null && IsAgentCore(code.AsSpan());
    public static bool IsAgentCore(ReadOnlySpan<char> code) => code.Equals(AgentCoreProductCode, StringComparison.OrdinalIgnoreCase);

    public static bool IsMarketplace(string? billingEntity) => billingEntity is not null && IsMarketplace(billingEntity.AsSpan());
    public static bool IsMarketplace(ReadOnlySpan<char> billingEntity) => billingEntity.Equals(MarketplaceBillingEntity, StringComparison.OrdinalIgnoreCase);

    public static bool IsBedrockFamily(string? family) => family is not null && IsBedrockFamily(family.AsSpan());
    public static bool IsBedrockFamily(ReadOnlySpan<char> family) => family.Equals(ProductFamily, StringComparison.OrdinalIgnoreCase);

    /// <summary>Multiplier from <c>pricing_unit</c> to tokens; null when the unit is not a token unit.</summary>
    public static decimal? TokensPerUnit(string? pricingUnit, bool marketplace)
    {
        if (string.IsNullOrWhiteSpace(pricingUnit)) return marketplace ? 1_000_000m : null;
        var u = pricingUnit.AsSpan().Trim();
        static bool Is(ReadOnlySpan<char> u, string a) => u.Equals(a, StringComparison.OrdinalIgnoreCase);
        if (Is(u, "1k tokens") || Is(u, "1k-tokens") || Is(u, "1000 tokens") || Is(u, "thousand tokens")) return 1_000m;
        if (Is(u, "1m tokens") || Is(u, "1m-tokens") || Is(u, "1000000 tokens") || Is(u, "million tokens")) return 1_000_000m;
        if (Is(u, "tokens") || Is(u, "token")) return 1m;
        // Marketplace "Units" are millions of tokens (reference section 4).
        if (Is(u, "units") || Is(u, "unit")) return marketplace ? 1_000_000m : null;
        return null;
    }

    /// <summary>Why a Bedrock row has no principal, from its line item type and what its usage type bills.</summary>
    public static string UnattributedReason(string? lineItemType, UsageCategory category)
    {
        var t = lineItemType ?? string.Empty;
        if (t.Equals("Credit", StringComparison.OrdinalIgnoreCase)) return "credit";
        if (t.Equals("Refund", StringComparison.OrdinalIgnoreCase)) return "refund";
        if (t.Equals("Tax", StringComparison.OrdinalIgnoreCase)) return "tax";
        if (t.Equals("Fee", StringComparison.OrdinalIgnoreCase) || t.Equals("RIFee", StringComparison.OrdinalIgnoreCase)) return "fee";
        if (t.Contains("Discount", StringComparison.OrdinalIgnoreCase) && !t.Equals("DiscountedUsage", StringComparison.OrdinalIgnoreCase)) return "discount";
        if (t.StartsWith("SavingsPlan", StringComparison.OrdinalIgnoreCase)) return "savings plan";
        return category switch
        {
            UsageCategory.ProvisionedThroughput => "provisioned throughput",
            UsageCategory.ReservedCapacity => "reserved capacity",
            UsageCategory.Tokens or UsageCategory.Embeddings => "no principal",
            _ => "no principal (non-token usage)",
        };
    }
}
