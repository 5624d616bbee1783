using System.Globalization;
using BedrockCost.Core.Classification;

namespace BedrockCost.Core.Cur;

/// <summary>The per-row decisions both readers share: is it Bedrock, which period, which model.</summary>
internal static class RowRules
{
    public enum Verdict { No, Yes, NeedsProduct }

    public static Verdict IsBedrock(string? productCode, string? billingEntity, string? family, bool hasPrincipal, bool includeAgentCore)
    {
        if (BedrockRows.IsAgentCore(productCode)) return includeAgentCore ? Verdict.Yes : Verdict.No;
        if (BedrockRows.IsBedrockProductCode(productCode, includeAgentCore) || BedrockRows.IsBedrockFamily(family) || hasPrincipal)
            return Verdict.Yes;
        return BedrockRows.IsMarketplace(billingEntity) ? Verdict.NeedsProduct : Verdict.No;
    }

    /// <summary>The same test on decoded slices (an empty slice stands for null).</summary>
    public static Verdict IsBedrock(ReadOnlySpan<char> productCode, ReadOnlySpan<char> billingEntity, ReadOnlySpan<char> family, bool hasPrincipal, bool includeAgentCore)
    {
        if (BedrockRows.IsAgentCore(productCode)) return includeAgentCore ? Verdict.Yes : Verdict.No;
        if (BedrockRows.IsBedrockProductCode(productCode, includeAgentCore) || BedrockRows.IsBedrockFamily(family) || hasPrincipal)
            return Verdict.Yes;
        return BedrockRows.IsMarketplace(billingEntity) ? Verdict.NeedsProduct : Verdict.No;
    }

    /// <summary>A Marketplace row is Bedrock when its product is an "(Amazon Bedrock Edition)" model.</summary>
    public static bool IsBedrockMarketplaceProduct(string? productName, string? serviceName) =>
        ModelNames.IsBedrockEditionProduct(productName) || ModelNames.IsBedrockEditionProduct(serviceName);

    /// <summary>
    /// The model the product fields name (values in the order of <see cref="CurColumns.ProductModelKeys"/>): the
    /// model field, else an "(Amazon Bedrock Edition)" product or service name. A plain product name ("Amazon
    /// Bedrock") names no model.
    /// </summary>
    public static string? ProductModel(string?[]? values) =>
        values is null ? null
        : !string.IsNullOrEmpty(values[0]) ? values[0]
        : ModelNames.IsBedrockEditionProduct(values[1]) ? values[1]
        : ModelNames.IsBedrockEditionProduct(values[2]) ? values[2]
        : null;

    public static string Period(DateTime periodStart) => periodStart.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    public static bool TryParseTimestamp(string? text, out DateTime utc)
    {
        utc = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        if (!DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out utc))
            return false;
        utc = DateTime.SpecifyKind(utc, DateTimeKind.Utc);
        return true;
    }

    public static decimal ToMoney(double value) =>
        double.IsFinite(value) ? (decimal)value : 0m;
}
