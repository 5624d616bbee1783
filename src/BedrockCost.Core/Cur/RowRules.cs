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

    /// <summary>
    /// A double as the decimal of its shortest round-trip digits, all of them (17 significant digits at most): what
    /// the CUR value says, and what Athena's CAST(double AS DECIMAL) makes of it too, so both engines sum the same
    /// numbers. The cast (decimal)double keeps only 15 significant digits; when those 15 already give back the double,
    /// they are its shortest digits (no other 15-digit decimal is that close), which covers the common case cheaply.
    /// </summary>
    public static decimal ToMoney(double value)
    {
        if (!double.IsFinite(value)) return 0m;
        var fast = (decimal)value;
        if ((double)fast == value) return fast;
        Span<char> digits = stackalloc char[32];
        value.TryFormat(digits, out var length, default, CultureInfo.InvariantCulture);
        return decimal.Parse(digits[..length], NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture);
    }
}
