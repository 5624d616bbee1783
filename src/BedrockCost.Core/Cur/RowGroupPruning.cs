using BedrockCost.Core.Classification;
using Parquet;
using Parquet.Schema;

namespace BedrockCost.Core.Cur;

/// <summary>
/// Skips row groups whose statistics prove they hold no Bedrock row, so their columns are never decoded (nor,
/// over ranged reads, fetched).
/// </summary>
internal static class RowGroupPruning
{
    private static readonly string[] BedrockCodes = { "AmazonBedrock", "AmazonBedrockService", "AmazonBedrockFoundationModels" };

    /// <summary>
    /// Row-group statistics prove there is no Bedrock row: no principal (all null, or all empty), and the min/max of
    /// the product code, product family and billing entity exclude every value that would make a row Bedrock (or a
    /// Marketplace candidate). Without statistics nothing is skipped.
    /// </summary>
    public static bool CannotHoldBedrock(ParquetRowGroupReader g, ParquetFields f, int rows, bool includeAgentCore)
    {
        try
        {
            if (f[CurColumns.IamPrincipal] is { } p && !Excludes(g, p, rows, "", emptyIsValue: false)) return false;
            foreach (var code in BedrockCodes)
                if (!Excludes(g, f[CurColumns.ProductCode]!, rows, code)) return false;
            if (includeAgentCore && !Excludes(g, f[CurColumns.ProductCode]!, rows, BedrockRows.AgentCoreProductCode)) return false;
            if (f[CurColumns.ProductFamily] is { } fam && !Excludes(g, fam, rows, "Amazon Bedrock")) return false;
            if (f[CurColumns.BillingEntity] is { } e && !Excludes(g, e, rows, "AWS Marketplace")) return false;
            return true;
        }
        catch (Exception x) when (x is not OperationCanceledException)
        {
            return false; // statistics unreadable: read the data
        }
    }

    /// <summary>
    /// The column's statistics prove no row holds <paramref name="value"/> (ignoring case). For the principal
    /// (<paramref name="emptyIsValue"/> false) the question is whether any row holds a non-empty string.
    /// </summary>
    private static bool Excludes(ParquetRowGroupReader g, DataField field, int rows, string value, bool emptyIsValue = true)
    {
        var stats = g.GetStatistics(field);
        if (stats is null) return false;
        if (stats.NullCount is { } n && n >= rows) return true;
        var min = Text(stats.MinValue);
        var max = Text(stats.MaxValue);
        if (min is null || max is null) return false;
        if (!emptyIsValue) return min.Length == 0 && max.Length == 0;
        return !StatsRange.MayContain(min, max, value);

        static string? Text(object? v) => v switch
        {
            string s => s,
            ReadOnlyMemory<char> m => m.ToString(),
            byte[] bytes => System.Text.Encoding.UTF8.GetString(bytes),
            _ => null,
        };
    }
}

/// <summary>Whether a string column whose statistics are [min, max] (ordinal) may hold a value, ignoring case.</summary>
internal static class StatsRange
{
    /// <summary>
    /// Whether some case variant of <paramref name="value"/> lies in [min, max] under ordinal order, exactly. Only
    /// ASCII statistics are reasoned about (UTF-8 byte order and UTF-16 order agree there, and case is simple);
    /// anything else may contain the value.
    /// </summary>
    public static bool MayContain(string min, string max, string value) =>
        !IsAscii(min) || !IsAscii(max) || !IsAscii(value) || string.CompareOrdinal(min, max) > 0 || Exists(min, max, value, 0, true, true);

    // A variant v is built left to right; tightLo/tightHi: v so far equals min/max so far.
    private static bool Exists(string min, string max, string value, int i, bool tightLo, bool tightHi)
    {
        if (!tightLo && !tightHi) return true;
        if (i == value.Length) return !tightLo || min.Length == i; // a proper prefix of min sorts before it
        var upper = char.ToUpperInvariant(value[i]);
        var lower = char.ToLowerInvariant(value[i]);
        return Try(upper) || (lower != upper && Try(lower));

        bool Try(char ch)
        {
            bool lo = tightLo, hi = tightHi;
            if (tightLo)
            {
                if (i < min.Length) { if (ch < min[i]) return false; lo = ch == min[i]; }
                else lo = false; // longer than min with min as prefix: above it
            }
            if (tightHi)
            {
                if (i >= max.Length || ch > max[i]) return false; // longer than max with max as prefix: above it
                hi = ch == max[i];
            }
            return Exists(min, max, value, i + 1, lo, hi);
        }
    }

    private static bool IsAscii(string s)
    {
        foreach (var ch in s) if (ch > 0x7F) return false;
        return true;
    }
}
