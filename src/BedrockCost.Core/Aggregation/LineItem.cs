namespace BedrockCost.Core.Aggregation;

/// <summary>
/// One Bedrock CUR row, reduced to what aggregation needs. Strings are interned by the readers, so a
/// month of rows shares a few thousand string instances.
/// </summary>
public struct LineItem
{
    public LineItem() { }

    public string BillingPeriod;
    public DateTime UsageStart;
    public string? Account;
    public string? LineItemType;
    public string? ProductCode;
    public string? UsageType;
    public string? Principal;
    public string? Currency;
    public string? PricingUnit;
    public string? ProductRegion;
    /// <summary>Model of a Marketplace row, from product['model'] or product['product_name'].</summary>
    public string? ProductModel;
    public bool Marketplace;
    /// <summary>The file has no line_item_iam_principal column (an export made without IAM principal data).</summary>
    public bool NoPrincipalColumn;
    public decimal UsageAmount;
    public decimal UnblendedCost;
    public decimal NetUnblendedCost;
    /// <summary>Values of the tag keys the query needs, in the order of <see cref="Aggregator.TagKeys"/>; null entries are untagged.</summary>
    public string?[]? Tags;
    /// <summary>CUR line items the row stands for: 1 for a CUR row, COUNT(*) for a row a source aggregated (Athena).</summary>
    public long Count = 1;
}
