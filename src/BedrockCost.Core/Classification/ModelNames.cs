using System.Text;

namespace BedrockCost.Core.Classification;

/// <summary>
/// One display name per model whichever way it is billed: first-party usage types spell
/// "Claude4.6Sonnet", Marketplace products "Claude Sonnet 4.6 (Amazon Bedrock Edition)".
/// </summary>
public static class ModelNames
{
    /// <summary>What a Marketplace product name holds when the product is a Bedrock model.</summary>
    public const string MarketplaceSuffix = "(Amazon Bedrock Edition)";

    public static bool IsBedrockEditionProduct(string? productName) =>
        productName is not null && productName.Contains(MarketplaceSuffix, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Names without hyphens ("Claude4.6Sonnet", "Claude Sonnet 4.6", "Nova2.0Lite") become words first,
    /// version last ("Claude Sonnet 4.6"). Hyphenated ids ("gpt-oss-120b") keep their spelling; a provider
    /// prefix ("openai.gpt-oss-120b") is dropped.
    /// </summary>
    public static string Normalise(string model)
    {
        var m = model.Trim();
        var suffixAt = m.IndexOf(MarketplaceSuffix, StringComparison.OrdinalIgnoreCase);
        if (suffixAt >= 0) m = m[..suffixAt].Trim();
        var dot = m.IndexOf('.');
        if (dot > 0 && dot < m.Length - 1 && char.IsLetter(m[0]) && !char.IsDigit(m[dot - 1]) && !char.IsDigit(m[dot + 1]))
            m = m[(dot + 1)..];
        if (m.Length == 0) return model;
        if (m.Contains('-')) return m;

        var words = new List<string>();
        var versions = new List<string>();
        var sb = new StringBuilder();
        var inNumber = false;
        void Flush()
        {
            if (sb.Length == 0) return;
            (inNumber ? versions : words).Add(sb.ToString());
            sb.Clear();
        }
        for (var i = 0; i < m.Length; i++)
        {
            var c = m[i];
            if (char.IsWhiteSpace(c)) { Flush(); continue; }
            var numeric = char.IsDigit(c) || (c == '.' && inNumber && i + 1 < m.Length && char.IsDigit(m[i + 1]));
            if (inNumber && !numeric && (c is 'B' or 'b') && (i + 1 == m.Length || !char.IsLower(m[i + 1])))
            {
                // A parameter count ("70B") is part of the name, not a version.
                sb.Append(c);
                inNumber = false;
                Flush();
                continue;
            }
            if (sb.Length > 0 && numeric != inNumber) Flush();
            else if (sb.Length > 0 && !numeric && char.IsUpper(c) && char.IsLower(sb[^1])) Flush();
            inNumber = numeric;
            sb.Append(c);
        }
        Flush();
        return string.Join(' ', words.Concat(versions));
    }
}
