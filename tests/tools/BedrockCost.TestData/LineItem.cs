namespace BedrockCost.TestData;

/// <summary>
/// One CUR 2.0 line item: the fields that matter for Bedrock attribution. Every other CUR column is
/// derived from these or written as filler (see <see cref="CurSchema"/>).
/// </summary>
public sealed record LineItem
{
    /// <summary>First day of the billing month, 00:00 UTC.</summary>
    public required DateTime BillingPeriodStart { get; init; }
    /// <summary><c>AWS</c> or <c>AWS Marketplace</c>.</summary>
    public string BillingEntity { get; init; } = "AWS";
    public string PayerAccountId { get; init; } = "111122223333";
    public string? PayerAccountName { get; init; } = "example-management";
    public required string UsageAccountId { get; init; }
    public string? UsageAccountName { get; init; }
    /// <summary>Usage, Credit, Tax, EdpDiscount, ...</summary>
    public string LineItemType { get; init; } = "Usage";
    public required DateTime UsageStart { get; init; }
    public required DateTime UsageEnd { get; init; }
    public required string ProductCode { get; init; }
    public string? UsageType { get; init; }
    public string? Operation { get; init; }
    public string? ResourceId { get; init; }
    /// <summary>In <see cref="PricingUnit"/> units (<c>1K tokens</c>, <c>Units</c> = 1M tokens, Hrs...).</summary>
    public double UsageAmount { get; init; }
    public double UnblendedCost { get; init; }
    /// <summary>Null when the row has no net figure (written as a null cell).</summary>
    public double? NetUnblendedCost { get; init; }
    /// <summary>Rate as CUR writes it: a string.</summary>
    public string? UnblendedRate { get; init; }
    public string CurrencyCode { get; init; } = "USD";
    /// <summary>The caller's ARN; null or empty when there is none.</summary>
    public string? IamPrincipal { get; init; }
    public string? PricingUnit { get; init; }
    public string? ProductFamily { get; init; }
    public string? ProductServicecode { get; init; }
    public string? ProductRegionCode { get; init; }
    /// <summary>CUR <c>product</c> map (product_name, model, provider...).</summary>
    public Dictionary<string, string>? Product { get; init; }
    /// <summary>CUR <c>tags</c> map, keys prefixed by source (iamPrincipal/, resourceTags/, accountTag/...).</summary>
    public Dictionary<string, string>? Tags { get; init; }
    public string? Description { get; init; }
    /// <summary>identity_line_item_id; null writes a null cell.</summary>
    public string? LineItemId { get; init; }
    public string? LegalEntity { get; init; }
}
