namespace BedrockCost.Core.Cur;

/// <summary>The CUR 2.0 columns the engine reads (reference section 2). Everything else is never decoded.</summary>
internal static class CurColumns
{
    public const string BillingPeriodStart = "bill_billing_period_start_date";
    public const string BillingEntity = "bill_billing_entity";
    public const string UsageAccountId = "line_item_usage_account_id";
    public const string LineItemType = "line_item_line_item_type";
    public const string UsageStart = "line_item_usage_start_date";
    public const string ProductCode = "line_item_product_code";
    public const string UsageType = "line_item_usage_type";
    public const string UsageAmount = "line_item_usage_amount";
    public const string UnblendedCost = "line_item_unblended_cost";
    public const string NetUnblendedCost = "line_item_net_unblended_cost";
    public const string Currency = "line_item_currency_code";
    public const string IamPrincipal = "line_item_iam_principal";
    public const string PricingUnit = "pricing_unit";
    public const string ProductFamily = "product_product_family";
    public const string ProductRegion = "product_region_code";
    public const string Product = "product";
    public const string Tags = "tags";
    /// <summary>Without these a file cannot be costed.</summary>
    public static readonly string[] Required =
    {
        BillingPeriodStart, LineItemType, UsageStart, ProductCode, UsageType, UsageAmount, UnblendedCost, Currency, UsageAccountId,
    };

    /// <summary>Optional: absent when the export lacks the setting or the account has no discounts (the lean export selects them too).</summary>
    public static readonly string[] Optional =
    {
        BillingEntity, NetUnblendedCost, IamPrincipal, PricingUnit, ProductFamily, ProductRegion, Product, Tags,
    };

    /// <summary>Keys of the product map that may name a Marketplace model.</summary>
    public static readonly string[] ProductModelKeys = { "model", "product_name", "servicename" };

    public const string EnablePrincipalHelp =
        "To attribute cost to IAM principals, create a CUR 2.0 data export with the table setting " +
        "INCLUDE_IAM_PRINCIPAL_DATA = TRUE (console: 'Include caller identity (IAM principal) allocation data') " +
        "whose query selects line_item_iam_principal and tags. See Get-Help about_BedrockCost.";
}
