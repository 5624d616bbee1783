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
    public static string? ProductModel(ReadOnlySpan<string?> values) =>
        values.IsEmpty ? null
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

    /// <summary>
    /// The decimal a CUR double stands for: the shortest decimal that reads back as the same double (what Athena's
    /// CAST(double AS DECIMAL), DuckDB and .NET's "R" make of it), so the engines sum the same numbers. The cast
    /// (decimal)double keeps 15 significant digits, and CUR doubles carry up to 17, so it is taken only when it
    /// provably is that decimal: at most one decimal of 15 digits or fewer reads back as a given double, and below
    /// 1e15 with a scale of at most 22 the check is exact (a mantissa under 2^53 over an exact power of ten, one
    /// correctly rounded division). Otherwise the shortest digits are formatted and read into the decimal directly.
    /// Only for a number that <see cref="IsMoney"/>; anything else is a caller's bug, never a silent 0.
    /// </summary>
    public static decimal ToMoney(double value)
    {
        if (!IsMoney(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "not a finite number within the decimal range");
        if (Math.Abs(value) < 1e15)
        {
            var cast = (decimal)value;
            if (cast.Scale <= 22 && (double)cast == value) return cast;
        }
        Span<char> text = stackalloc char[32];
        value.TryFormat(text, out var length, "R", CultureInfo.InvariantCulture);
        return ShortestDigits(text[..length]);
    }

    /// <summary>
    /// [-]digits[.digits][E[+-]exponent], at most 17 digits, as a decimal; decimal.Parse only where the scale leaves
    /// 0..28 (under 1e-11 with 17 digits, or 1e17 and above), which rounds or scales as a decimal must.
    /// </summary>
    private static decimal ShortestDigits(ReadOnlySpan<char> text)
    {
        var negative = text[0] == '-';
        ulong mantissa = 0;
        int i = negative ? 1 : 0, fraction = 0;
        var point = false;
        for (; i < text.Length && text[i] != 'E'; i++)
        {
            if (text[i] == '.') { point = true; continue; }
            mantissa = mantissa * 10 + (ulong)(text[i] - '0');
            if (point) fraction++;
        }
        var exponent = i < text.Length ? int.Parse(text[(i + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) : 0;
        var scale = fraction - exponent;
        return scale is >= 0 and <= 28
            ? new decimal((int)mantissa, (int)(mantissa >> 32), 0, negative, (byte)scale)
            : decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    /// <summary>A value for messages: NaN, Infinity, -Infinity, or its round-trip digits.</summary>
    public static string Describe(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
