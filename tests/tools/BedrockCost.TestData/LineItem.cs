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

    // Columns a real month fills that the Bedrock attribution does not read (see NoiseFleet); null writes a null cell.
    public string? AvailabilityZone { get; init; }
    public string? ProductSku { get; init; }
    /// <summary>pricing_rate_code: SKU.OfferTermCode.RateCode.</summary>
    public string? RateCode { get; init; }
    public string? RateId { get; init; }
    public string? SubscriptionId { get; init; }
    public string? InstanceType { get; init; }
    public string? InstanceFamily { get; init; }
    /// <summary>Null writes 0, as every row did before the column was filled.</summary>
    public double? NormalizationFactor { get; init; }
    public string? FromLocation { get; init; }
    public string? ToLocation { get; init; }
    /// <summary>CUR <c>cost_category</c> map (category name to value).</summary>
    public Dictionary<string, string>? CostCategory { get; init; }
    /// <summary>What the generator chose for this row (never written to a file): the source of expected.json.</summary>
    public RowTruth Truth { get; init; } = RowTruth.NotBedrock;
}

public enum TokenDirection { Input, Output, CacheRead, CacheWrite }

/// <summary>
/// The truth of one generated row, set by the code that chose it: whether it is Bedrock spend, the principal it is
/// attributed to (null: unattributed, and why), the model and token direction the module must report, and the
/// tokens it carries. <see cref="ExpectedTotals"/> adds these up; nothing is classified by reading the row's CUR
/// fields (usage type, product code, principal column) back.
/// </summary>
public sealed record RowTruth
{
    public const string NoPrincipal = "no principal";
    public const string ProvisionedThroughput = "provisioned throughput";
    public const string Credit = "credit";
    public const string Refund = "refund";
    public const string Tax = "tax";
    public const string Discount = "discount";
    /// <summary>Every Usage row of an export made without the principal column.</summary>
    public const string NoPrincipalColumn = "no principal data in export";

    public static readonly RowTruth NotBedrock = new();

    public bool Bedrock { get; init; }
    /// <summary>The caller's ARN; null when the row is unattributed.</summary>
    public string? Principal { get; init; }
    /// <summary>Why an unattributed Bedrock row is unattributed (one of the constants).</summary>
    public string? Reason { get; init; }
    /// <summary>The model name the module reports (null: none).</summary>
    public string? Model { get; init; }
    public TokenDirection? Direction { get; init; }
    /// <summary>Tokens of a Usage row (0 for other rows and non-token usage).</summary>
    public long Tokens { get; init; }
}
