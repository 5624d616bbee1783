namespace BedrockCost.Core.Aggregation;

/// <summary>
/// What the <see cref="Aggregator"/> takes: one Bedrock CUR row reduced to what aggregation needs, or one row
/// of a source that aggregated itself (Athena groups by the raw columns below; Cost Explorer by tag, model,
/// account and time). The aggregator classifies it (model, token direction, unattributed reason) and builds
/// the rows, totals and reconciliation the same way whatever the source. Strings are interned by the CUR
/// readers, so a month of rows shares a few thousand string instances.
/// </summary>
public struct LineItem
{
    public LineItem() { }

    /// <summary>YYYY-MM.</summary>
    public string BillingPeriod = string.Empty;
    /// <summary>Usage start (UTC): the day or month of a pre-aggregated row.</summary>
    public DateTime UsageStart;
    public string? Account;
    /// <summary>The payer (billing) account, read only when the query asks (<see cref="CostQuery.IncludeBillingAccounts"/>).</summary>
    public string? PayerAccount;
    public string? LineItemType;
    public string? ProductCode;
    public string? UsageType;
    public string? Principal;
    public string? Currency;
    public string? PricingUnit;
    public string? ProductRegion;
    /// <summary>Model of a Marketplace row, from product['model'] or product['product_name'] (normalised by the aggregator).</summary>
    public string? ProductModel;
    /// <summary>The model as the source itself names it (Cost Explorer's service name), taken as it is; null for CUR rows.</summary>
    public string? Model;
    /// <summary>bill_billing_entity is AWS Marketplace.</summary>
    public bool Marketplace;
    /// <summary>Where the principal comes from, which decides the unattributed reason of a row without one.</summary>
    public PrincipalData PrincipalData;
    /// <summary>Usage amount in the pricing unit (summed for a pre-aggregated row): tokens = amount x tokens per unit.</summary>
    public decimal UsageAmount;
    public decimal UnblendedCost;
    /// <summary>Net unblended cost; the unblended cost when the data has no net value.</summary>
    public decimal NetUnblendedCost;
    /// <summary>Values of the tag keys the query needs, in the order of <see cref="Aggregator.TagKeys"/>; null entries are untagged.</summary>
    public string?[]? Tags;
    /// <summary>
    /// CUR line items the row stands for: 1 for a CUR row, COUNT(*) for a row aggregated by the source, 0 when
    /// the source does not count them (Cost Explorer). Rows' LineItemCount and the totals' line items add these up.
    /// </summary>
    public long Count = 1;
}

/// <summary>Where a line item's principal comes from.</summary>
public enum PrincipalData : byte
{
    /// <summary>line_item_iam_principal: an empty value is unattributed cost (credit, tax, provisioned throughput, no principal...).</summary>
    Column,
    /// <summary>The file has no line_item_iam_principal column (an export made without IAM principal data).</summary>
    NoColumn,
    /// <summary>
    /// The source has no principal dimension (Cost Explorer): the cost is attributed by the dimensions the row
    /// carries (tags, model, account), so it is never "unattributed" and counts as attributed in the totals.
    /// </summary>
    NotInSource,
}
