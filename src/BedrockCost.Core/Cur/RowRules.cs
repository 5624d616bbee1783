using System.Globalization;
using BedrockCost.Core.Classification;

namespace BedrockCost.Core.Cur;

/// <summary>The per-row decisions both readers share: is it Bedrock, which period, which model.</summary>
internal static class RowRules
{
    public enum Verdict : byte { No, Yes, NeedsProduct }

    /// <summary>What one column's value says about a row; a row's facts are the union of its columns' facts.</summary>
    [Flags]
    public enum Facts : byte
    {
        None = 0,
        /// <summary>line_item_product_code is AmazonBedrockAgentCore.</summary>
        AgentCore = 1,
        /// <summary>line_item_product_code is a first-party Bedrock code.</summary>
        BedrockCode = 2,
        /// <summary>product_product_family is Amazon Bedrock.</summary>
        BedrockFamily = 4,
        /// <summary>bill_billing_entity is AWS Marketplace.</summary>
        Marketplace = 8,
        /// <summary>line_item_iam_principal is not empty.</summary>
        Principal = 16,
        /// <summary>Marks a cached decision (no row has only this fact).</summary>
        Known = 128,
    }

    /// <summary>What a value of one column says about its row.</summary>
    public delegate Facts FactsOf(ReadOnlySpan<char> value);

    /// <summary>The verdict of a row from the facts of its columns.</summary>
    public static Verdict Decide(Facts f, bool includeAgentCore)
    {
        if ((f & Facts.AgentCore) != 0) return includeAgentCore ? Verdict.Yes : Verdict.No;
        if ((f & (Facts.BedrockCode | Facts.BedrockFamily | Facts.Principal)) != 0) return Verdict.Yes;
        return (f & Facts.Marketplace) != 0 ? Verdict.NeedsProduct : Verdict.No;
    }

    public static Facts ProductCodeFacts(ReadOnlySpan<char> code) =>
        BedrockRows.IsAgentCore(code) ? Facts.AgentCore : BedrockRows.IsBedrockProductCode(code, includeAgentCore: false) ? Facts.BedrockCode : Facts.None;

    public static Facts FamilyFacts(ReadOnlySpan<char> family) => BedrockRows.IsBedrockFamily(family) ? Facts.BedrockFamily : Facts.None;
    public static Facts EntityFacts(ReadOnlySpan<char> entity) => BedrockRows.IsMarketplace(entity) ? Facts.Marketplace : Facts.None;
    public static Facts PrincipalFacts(ReadOnlySpan<char> principal) => principal.IsEmpty ? Facts.None : Facts.Principal;

    public static Verdict IsBedrock(string? productCode, string? billingEntity, string? family, bool hasPrincipal, bool includeAgentCore) =>
        Decide(ProductCodeFacts(productCode) | FamilyFacts(family) | EntityFacts(billingEntity) | (hasPrincipal ? Facts.Principal : Facts.None),
            includeAgentCore);

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

    /// <summary>Beyond this magnitude a double has no decimal (decimal.MaxValue is about 7.92E+28).</summary>
    private const double MoneyLimit = 7.9e28;

    /// <summary>A number from a file is money when it is finite and within the decimal range.</summary>
    public static bool IsMoney(double value) => double.IsFinite(value) && Math.Abs(value) < MoneyLimit;

    /// <summary>The decimal of a number from a file; false (nothing to add, never 0) when <see cref="IsMoney"/> says it is not one.</summary>
    public static bool TryMoney(double value, out decimal money)
    {
        money = IsMoney(value) ? ToMoney(value) : 0m;
        return IsMoney(value);
    }

    /// <summary>The decimal of a number that <see cref="IsMoney"/>; anything else is a caller's bug, never a silent 0.</summary>
    public static decimal ToMoney(double value) =>
        IsMoney(value) ? (decimal)value : throw new ArgumentOutOfRangeException(nameof(value), value, "not a finite number within the decimal range");

    /// <summary>A value for messages: NaN, Infinity, -Infinity, or its round-trip digits.</summary>
    public static string Describe(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
