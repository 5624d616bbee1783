using System.Collections.Concurrent;

namespace BedrockCost.Core.Classification;

/// <summary>Direction of the tokens a usage type bills. All four must be summed to match the bill.</summary>
public enum TokenDirection { None, Input, Output, CacheRead, CacheWrite }

/// <summary>What kind of Bedrock usage a usage type is.</summary>
public enum UsageKind
{
    /// <summary>Tokens of an on-demand, batch or cross-region inference call.</summary>
    Tokens,
    /// <summary>Provisioned throughput (model units, hourly): real spend, usually with no principal.</summary>
    ProvisionedThroughput,
    /// <summary>Other recognised Bedrock usage: guardrails, knowledge bases, images, customisation...</summary>
    Other,
    /// <summary>A shape this module does not recognise: kept and labelled, never dropped.</summary>
    Unrecognised,
}

/// <summary>The parts of a <c>line_item_usage_type</c>.</summary>
public sealed record UsageTypeInfo(
    string UsageType,
    string? RegionCode,
    string? Region,
    string? Model,
    TokenDirection Direction,
    string Tier,
    UsageKind Kind,
    bool IsMarketplaceShape)
{
    /// <summary>Display text of the token direction: Input, Output, CacheRead, CacheWrite or "(none)".</summary>
    public string TokenType => Direction == TokenDirection.None ? "(none)" : Direction.ToString();
}

/// <summary>
/// Parses the usage-type grammar of reference section 4. Pure and cached: a CUR month has a few hundred
/// distinct usage types and millions of rows.
/// </summary>
public static class UsageTypeParser
{
    private static readonly ConcurrentDictionary<string, UsageTypeInfo> Cache = new(StringComparer.Ordinal);

    // Longest markers first: "cache-read-input-token-count" also contains "input-token".
    private static readonly (string Marker, TokenDirection Direction)[] FirstPartyMarkers =
    {
        ("-cache-write-1h-input-token-count", TokenDirection.CacheWrite),
        ("-cache-write-input-token-count-1h", TokenDirection.CacheWrite),
        ("-cache-write-1h-input-tokens", TokenDirection.CacheWrite),
        ("-cache-write-input-token-count", TokenDirection.CacheWrite),
        ("-cache-read-input-token-count", TokenDirection.CacheRead),
        ("-cache-write-input-tokens", TokenDirection.CacheWrite),
        ("-cache-read-input-tokens", TokenDirection.CacheRead),
        ("-input-token-count", TokenDirection.Input),
        ("-output-token-count", TokenDirection.Output),
        ("-input-tokens", TokenDirection.Input),
        ("-output-tokens", TokenDirection.Output),
    };

    private static readonly (string Marker, TokenDirection Direction)[] MarketplaceMarkers =
    {
        ("cache_write_input_tokens", TokenDirection.CacheWrite),
        ("cache_read_input_tokens", TokenDirection.CacheRead),
        ("cachewriteinputtokencount", TokenDirection.CacheWrite),
        ("cachereadinputtokencount", TokenDirection.CacheRead),
        ("input_tokens", TokenDirection.Input),
        ("output_tokens", TokenDirection.Output),
        ("inputtokencount", TokenDirection.Input),
        ("outputtokencount", TokenDirection.Output),
    };

    public static UsageTypeInfo Parse(string? usageType) =>
        Cache.GetOrAdd(usageType ?? string.Empty, static u => ParseCore(u));

    private static UsageTypeInfo ParseCore(string usageType)
    {
        var (regionCode, rest) = SplitRegion(usageType);
        var region = regionCode is null ? null : RegionCodes.ToRegion(regionCode);

        if (rest.StartsWith("MP:", StringComparison.OrdinalIgnoreCase))
            return ParseMarketplace(usageType, regionCode, region, rest[3..]);

        foreach (var (marker, direction) in FirstPartyMarkers)
        {
            var at = rest.IndexOf(marker, StringComparison.OrdinalIgnoreCase);
            if (at <= 0) continue;
            var model = rest[..at];
            var suffix = rest[(at + marker.Length)..].Trim('-');
            if (model.EndsWith("-mantle", StringComparison.OrdinalIgnoreCase))
                model = model[..^"-mantle".Length];
            return new UsageTypeInfo(usageType, regionCode, region, ModelNames.Normalise(model), direction,
                NormaliseTier(suffix), UsageKind.Tokens, false);
        }

        var kind = ClassifyNonToken(rest);
        return new UsageTypeInfo(usageType, regionCode, region, null, TokenDirection.None, "standard",
            regionCode is null && kind == UsageKind.Other ? UsageKind.Unrecognised : kind, false);
    }

    private static UsageTypeInfo ParseMarketplace(string usageType, string? regionCode, string? region, string body)
    {
        // USE1_input_tokens_global_standard-Units, USE1_InputTokenCount-Units
        var dash = body.LastIndexOf('-');
        if (dash > 0) body = body[..dash];
        var underscore = body.IndexOf('_');
        if (underscore > 0 && RegionCodes.IsRegionCode(body[..underscore])) body = body[(underscore + 1)..];
        var lower = body.ToLowerInvariant();
        foreach (var (marker, direction) in MarketplaceMarkers)
        {
            var at = lower.IndexOf(marker, StringComparison.Ordinal);
            if (at < 0) continue;
            var tier = lower[(at + marker.Length)..].Trim('_').Replace('_', '-');
            return new UsageTypeInfo(usageType, regionCode, region, null, direction, NormaliseTier(tier), UsageKind.Tokens, true);
        }
        return new UsageTypeInfo(usageType, regionCode, region, null, TokenDirection.None, "standard", UsageKind.Other, true);
    }

    private static (string? RegionCode, string Remainder) SplitRegion(string usageType)
    {
        var dash = usageType.IndexOf('-');
        if (dash > 0 && RegionCodes.IsRegionCode(usageType[..dash]))
            return (usageType[..dash].ToUpperInvariant(), usageType[(dash + 1)..]);
        return (null, usageType);
    }

    private static UsageKind ClassifyNonToken(string rest)
    {
        var lower = rest.ToLowerInvariant();
        if (lower.Contains("provisionedthroughput") || lower.Contains("provisioned-throughput") ||
            lower.Contains("modelunit") || lower.Contains("model-unit") || lower.Contains("committed"))
            return UsageKind.ProvisionedThroughput;
        string[] known =
        {
            "guardrail", "knowledgebase", "knowledge-base", "rerank", "flow", "dataautomation", "data-automation",
            "customization", "custommodel", "custom-model", "training", "storage", "import", "image", "video",
            "embedding", "agent", "evaluation", "inference", "automatedreasoning", "prompt", "batch",
        };
        return known.Any(lower.Contains) ? UsageKind.Other : UsageKind.Unrecognised;
    }

    /// <summary>Tier or mode from a usage-type suffix: standard, flex, priority, batch, latency-optimized, cross-region-global...</summary>
    public static string NormaliseTier(string suffix)
    {
        if (string.IsNullOrWhiteSpace(suffix)) return "standard";
        var t = suffix.Trim('-', '_').ToLowerInvariant().Replace('_', '-');
        return t switch
        {
            "global" or "cross-region" or "cross-region-global" or "global-cross-region" => "cross-region-global",
            "global-standard" or "standard-global" => "cross-region-global",
            "1h" => "standard",
            _ => t.StartsWith("1h-", StringComparison.Ordinal) ? t[3..] : t,
        };
    }
}
