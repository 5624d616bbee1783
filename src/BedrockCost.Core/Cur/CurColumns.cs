namespace BedrockCost.Core.Cur;

/// <summary>The CUR 2.0 columns the engine reads (reference section 2). Everything else is never decoded.</summary>
internal static class CurColumns
{
    public const string BillingPeriodStart = "bill_billing_period_start_date";
    public const string BillingEntity = "bill_billing_entity";
    public const string UsageAccountId = "line_item_usage_account_id";
    /// <summary>Read only for statements that name billing accounts (FOCUS BillingAccountId).</summary>
    public const string PayerAccountId = "bill_payer_account_id";
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
    /// <summary>The flat columns the readers may decode (besides the product and tags maps).</summary>
    public static readonly string[] Read =
    {
        BillingPeriodStart, BillingEntity, UsageAccountId, LineItemType, UsageStart, ProductCode, UsageType, UsageAmount, UnblendedCost,
        NetUnblendedCost, Currency, IamPrincipal, PricingUnit, ProductFamily, ProductRegion,
    };

    /// <summary>The column whose sum would overflow.</summary>
    public static string Of(Aggregation.SumOverflow sum) => sum switch
    {
        Aggregation.SumOverflow.NetUnblendedCost => NetUnblendedCost,
        Aggregation.SumOverflow.UsageAmount => UsageAmount,
        _ => UnblendedCost,
    };

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

    /// <summary>
    /// The same product fields as flat columns, in the order of <see cref="ProductModelKeys"/>: legacy CUR has no
    /// product map, and a CUR 2.0 export's query may select product keys as columns (the map then holds the rest).
    /// </summary>
    public static readonly string[] ProductModelColumns = { "product_model", "product_product_name", "product_servicename" };

    /// <summary>
    /// A column name in the CUR 2.0 spelling: legacy CUR CSV headers ("lineItem/UsageType", "product/ProductName",
    /// "resourceTags/user:team") and camel-case names ("lineItem_UsageType") become "line_item_usage_type",
    /// "product_product_name", "resource_tags_user_team". CUR 2.0 and legacy Parquet names are already so.
    /// </summary>
    public static string Normalise(string name)
    {
        var n = name.Trim();
        if (n.Length == 0) return n;
        var sb = new System.Text.StringBuilder(n.Length + 8);
        for (var i = 0; i < n.Length; i++)
        {
            var c = n[i];
            if (char.IsUpper(c))
            {
                // A capital starts a word after a small letter or digit, or ends an acronym ("ARNValue").
                var prev = i > 0 ? n[i - 1] : '\0';
                var next = i + 1 < n.Length ? n[i + 1] : '\0';
                if (sb.Length > 0 && sb[^1] != '_' && (char.IsLower(prev) || char.IsDigit(prev) || (char.IsUpper(prev) && char.IsLower(next))))
                    sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else if (char.IsLetterOrDigit(c)) sb.Append(c);
            else if (sb.Length > 0 && sb[^1] != '_') sb.Append('_');
        }
        return sb.ToString().TrimEnd('_');
    }

    /// <summary>
    /// A legacy Cost and Usage Report (CUR 1.0): its CSV headers are category/Name; its Parquet has no product map,
    /// no principal column, and product or resource tag fields as flat columns (product_product_name,
    /// resource_tags_user_team). Such a file is read; it carries no IAM principal data.
    /// </summary>
    public static bool IsLegacy(IEnumerable<string> rawNames)
    {
        var names = rawNames.ToList();
        if (names.Any(n => n.Contains('/'))) return true;
        var set = names.Select(Normalise).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return !set.Contains(Product) && !set.Contains(IamPrincipal) && !set.Contains("line_item_usage_account_name") &&
               (set.Contains("product_product_name") || set.Contains("product_servicename") ||
                set.Any(n => n.StartsWith("resource_tags_", StringComparison.OrdinalIgnoreCase)));
    }

    public const string LegacyHelp =
        "Legacy CUR carries no IAM principal data: to attribute cost to IAM principals, create a CUR 2.0 data export " +
        "with the table setting INCLUDE_IAM_PRINCIPAL_DATA = TRUE. See Get-Help about_BedrockCost.";

    public const string EnablePrincipalHelp =
        "To attribute cost to IAM principals, create a CUR 2.0 data export with the table setting " +
        "INCLUDE_IAM_PRINCIPAL_DATA = TRUE (console: 'Include caller identity (IAM principal) allocation data') " +
        "whose query selects line_item_iam_principal and tags. See Get-Help about_BedrockCost.";
}
