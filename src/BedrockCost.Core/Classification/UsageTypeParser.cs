using System.Collections.Concurrent;

namespace BedrockCost.Core.Classification;

/// <summary>Direction of the tokens a usage type bills. All four must be summed to match the bill.</summary>
public enum TokenDirection { None, Input, Output, CacheRead, CacheWrite }

/// <summary>What a Bedrock usage type bills. Only <see cref="Tokens"/> and token-priced <see cref="Embeddings"/> count tokens.</summary>
public enum UsageCategory
{
    /// <summary>Tokens of an inference call (on-demand, batch, flex, priority, cross-region, custom model...).</summary>
    Tokens,
    /// <summary>Embeddings: tokens when priced by the token, else images or seconds of media.</summary>
    Embeddings,
    /// <summary>Provisioned throughput: model units by the hour, with or without commitment.</summary>
    ProvisionedThroughput,
    /// <summary>Reserved tier: tokens-per-minute capacity reserved for a term.</summary>
    ReservedCapacity,
    /// <summary>Fine-tuning, continued pre-training, distillation: training, not inference.</summary>
    ModelCustomization,
    /// <summary>Custom Model Import: custom model units by the minute.</summary>
    CustomModelImport,
    /// <summary>Monthly storage of a customised or imported model.</summary>
    CustomModelStorage,
    Guardrails,
    KnowledgeBases,
    Agents,
    Flows,
    /// <summary>Rerank models, billed by search unit.</summary>
    Rerank,
    DataAutomation,
    ImageGeneration,
    VideoGeneration,
    /// <summary>Web grounding requests (Nova grounding).</summary>
    Grounding,
    ModelEvaluation,
    PromptOptimization,
    /// <summary>Images, audio or video billed per item or second as model input.</summary>
    MediaInput,
    /// <summary>A shape this module does not recognise: kept, labelled and warned about, never dropped.</summary>
    Unrecognised,
}

/// <summary>The parts of a <c>line_item_usage_type</c>.</summary>
public sealed record UsageTypeInfo
{
    public string UsageType { get; init; } = string.Empty;
    /// <summary>Billing region code (USE1, UGW1, CNN1...), from the prefix or the Marketplace dimension.</summary>
    public string? RegionCode { get; init; }
    /// <summary>AWS region (us-east-1...); the code itself when it is not a known one.</summary>
    public string? Region { get; init; }
    /// <summary>The model as the usage type spells it ("Claude4.6Opus", "anthropic.claude-opus-4-8").</summary>
    public string? ModelPart { get; init; }
    /// <summary>Canonical model name (<see cref="ModelNames.Normalise"/>); null when the usage type names none.</summary>
    public string? Model { get; init; }
    public TokenDirection Direction { get; init; }
    /// <summary>text, image, audio or video when the usage type says so.</summary>
    public string? Modality { get; init; }
    /// <summary>Cache-write time to live when the usage type says so: 5m, 30m or 1h.</summary>
    public string? CacheTtl { get; init; }
    /// <summary>standard, flex, priority, batch, latency-optimized or reserved.</summary>
    public string ServiceTier { get; init; } = "standard";
    /// <summary>in-region, cross-region-global, cross-region-geo or cross-region (geography not stated).</summary>
    public string Route { get; init; } = "in-region";
    public bool LongContext { get; init; }
    /// <summary>Inference of a customised model (on-demand deployment).</summary>
    public bool CustomModel { get; init; }
    /// <summary>Term of provisioned throughput or reserved capacity: no-commitment, 1-month, 6-month...</summary>
    public string? Commitment { get; init; }
    /// <summary>
    /// One line for tier and route: "standard" or the non-default parts ("flex", "cross-region-global",
    /// "batch, cross-region-global", "long-context"). A cache TTL is never part of it.
    /// </summary>
    public string Tier { get; init; } = "standard";
    /// <summary>runtime (bedrock-runtime) or mantle (bedrock-mantle) for first-party token usage; null when unknown.</summary>
    public string? Endpoint { get; init; }
    public UsageCategory Category { get; init; }
    /// <summary>A Marketplace dimension ("USE1-MP:USE1_InputTokenCount-Units", "USE2_InputTokenCount_Global-Units").</summary>
    public bool IsMarketplaceShape { get; init; }
    /// <summary>The dimension counts millions of tokens whatever the pricing unit says ("MillionBatchInputTokens").</summary>
    public bool MillionTokenUnits { get; init; }

    /// <summary>Display text of the token direction: Input, Output, CacheRead, CacheWrite or "(none)".</summary>
    public string TokenType => Direction == TokenDirection.None ? "(none)" : Direction.ToString();

    public bool IsRecognised => Category != UsageCategory.Unrecognised;

    /// <summary>Tokens per unit of <c>line_item_usage_amount</c>; null when the row does not bill tokens.</summary>
    public decimal? TokensPerUnit(string? pricingUnit, bool marketplaceEntity)
    {
        if (Direction == TokenDirection.None) return null;
        if (MillionTokenUnits && (string.IsNullOrWhiteSpace(pricingUnit) || pricingUnit.Trim().Equals("Units", StringComparison.OrdinalIgnoreCase)))
            return 1_000_000m;
        return BedrockRows.TokensPerUnit(pricingUnit, IsMarketplaceShape || marketplaceEntity);
    }
}

/// <summary>
/// Reads a usage type as words (reference section 4): region code, Marketplace prefix, model part, then the
/// dimension words: direction, modality, unit, cache TTL, tier, route, context, endpoint, or the category of
/// non-token usage. Pure and cached: a CUR month has a few hundred distinct usage types and millions of rows.
/// </summary>
public static class UsageTypeParser
{
    private const int MaxCached = 50_000;
    private static readonly ConcurrentDictionary<string, UsageTypeInfo> Cache = new(StringComparer.Ordinal);

    public static UsageTypeInfo Parse(string? usageType)
    {
        var key = usageType ?? string.Empty;
        if (Cache.TryGetValue(key, out var info)) return info;
        info = ParseCore(key);
        // Usage types come from the data: never let an unbounded set of them grow the cache.
        if (Cache.Count < MaxCached) Cache.TryAdd(key, info);
        return info;
    }

    /// <summary>Longer than any usage type AWS writes: such a cell is kept and labelled, not read.</summary>
    private const int MaxLength = 512;

    private static UsageTypeInfo ParseCore(string usageType)
    {
        var text = usageType.Trim();
        if (text.Length > MaxLength) return new UsageTypeInfo { UsageType = usageType, Category = UsageCategory.Unrecognised };
        string? regionCode = null;
        var body = text;
        var dash = text.IndexOf('-');
        if (dash > 0 && RegionCodes.IsRegionCode(text[..dash]))
        {
            regionCode = text[..dash].ToUpperInvariant();
            body = text[(dash + 1)..];
        }

        // Marketplace: "MP:USE1_input_tokens_standard-Units", also without "MP:" ("USE2_InputTokenCount_Global-Units").
        var marketplace = body.StartsWith("MP:", StringComparison.OrdinalIgnoreCase);
        if (marketplace) body = body[3..];
        var underscore = body.IndexOf('_');
        if (underscore > 0 && (marketplace || regionCode is null) && RegionCodes.IsRegionCode(body[..underscore]))
        {
            regionCode ??= body[..underscore].ToUpperInvariant();
            body = body[(underscore + 1)..];
            marketplace = true;
        }
        if (marketplace && body.EndsWith("-Units", StringComparison.OrdinalIgnoreCase)) body = body[..^"-Units".Length];

        var words = Words.Split(body, pieceSeparator: marketplace ? null : '-');
        string? modelPart = null;
        var from = 0;
        if (!marketplace)
        {
            from = DimensionStart(words);
            if (from < 0) from = words.Count; // no dimension word: nothing to read
            else if (from > 0) modelPart = string.Join('-', body.Split('-')[..words[from].Piece]);
        }

        var r = new Reading();
        for (var i = from; i < words.Count;)
            i += Phrases.Read(words, i, r);
        return r.Finish(usageType, regionCode, modelPart, marketplace);
    }

    /// <summary>The first word of the dimension part: it starts a '-' piece and begins a dimension phrase.</summary>
    private static int DimensionStart(List<WordRun> words)
    {
        for (var i = 0; i < words.Count; i++)
        {
            if (i > 0 && words[i].Piece == words[i - 1].Piece) continue;
            if (Phrases.StartsDimension(words, i, first: i == 0)) return i;
        }
        return -1;
    }

    /// <summary>What the dimension words said, turned into a <see cref="UsageTypeInfo"/> by <see cref="Finish"/>.</summary>
    internal sealed class Reading
    {
        public TokenDirection Direction;
        public string? Modality, Ttl, Commitment, ServiceTier, Route, OtherUnit;
        public bool Mantle, LongContext, CustomModel, Million, Storage, TokensPerMinute, TokenWord;
        public UsageCategory? Category;
        public readonly List<string> Unknown = new();

        public void SetCategory(UsageCategory c) => Category ??= c;

        public void SetTier(string tier)
        {
            if (ServiceTier is null or "standard") ServiceTier = tier;
        }

        public UsageTypeInfo Finish(string usageType, string? regionCode, string? modelPart, bool marketplace)
        {
            var embed = modelPart?.Contains("embed", StringComparison.OrdinalIgnoreCase) == true;
            var direction = Direction;
            UsageCategory category;
            if (Category is { } named)
            {
                category = named == UsageCategory.ModelCustomization && Storage ? UsageCategory.CustomModelStorage : named;
                direction = TokenDirection.None;
            }
            else if (TokensPerMinute || (ServiceTier == "reserved" && Direction == TokenDirection.None))
            {
                category = UsageCategory.ReservedCapacity;
                direction = TokenDirection.None;
            }
            // Tokens: a direction and the word "tokens" (a bare direction of text counts too); a direction with
            // seconds, images or counts is media.
            else if (Direction != TokenDirection.None && OtherUnit is null && (TokenWord || Modality is null or "text"))
            {
                category = embed ? UsageCategory.Embeddings : UsageCategory.Tokens;
            }
            else if (Direction != TokenDirection.None)
            {
                // Seconds, images or counts: media, not tokens.
                category = embed ? UsageCategory.Embeddings
                    : Direction == TokenDirection.Output ? (Modality == "image" ? UsageCategory.ImageGeneration : UsageCategory.VideoGeneration)
                    : UsageCategory.MediaInput;
                direction = TokenDirection.None;
            }
            else category = UsageCategory.Unrecognised;

            var parts = new List<string>();
            if (ServiceTier is not null and not "standard") parts.Add(ServiceTier);
            if (Route is not null and not "in-region") parts.Add(Route);
            if (LongContext) parts.Add("long-context");
            if (CustomModel) parts.Add("custom-model");
            if (Commitment is not null) parts.Add(Commitment);
            // Words this module does not know yet still say something about the price: keep them in view.
            if (direction != TokenDirection.None) parts.AddRange(Unknown);

            var tokens = direction != TokenDirection.None;
            return new UsageTypeInfo
            {
                UsageType = usageType,
                RegionCode = regionCode,
                Region = regionCode is null ? null : RegionCodes.ToRegion(regionCode),
                ModelPart = modelPart,
                Model = modelPart is null ? null : ModelNames.Normalise(modelPart),
                Direction = direction,
                Modality = Modality,
                CacheTtl = Ttl,
                ServiceTier = ServiceTier ?? "standard",
                Route = Route ?? "in-region",
                LongContext = LongContext,
                CustomModel = CustomModel,
                Commitment = Commitment,
                Tier = parts.Count == 0 ? "standard" : string.Join(", ", parts),
                Endpoint = Mantle ? "mantle" : tokens && !marketplace ? "runtime" : null,
                Category = category,
                IsMarketplaceShape = marketplace,
                MillionTokenUnits = Million,
            };
        }
    }
}
