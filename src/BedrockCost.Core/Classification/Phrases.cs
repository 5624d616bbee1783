namespace BedrockCost.Core.Classification;

/// <summary>
/// The vocabulary of usage-type dimensions: each phrase is a sequence of words (as <see cref="Words"/> splits
/// them, lower case) and what it says. Shapes seen on bills and in the AWS Price List spell the same idea in
/// several ways ("cache-read", "CacheRead", "cacheread"; "1h", "1-hour"; "long-ctx", "long_ctx", "LCtx"), so
/// each spelling is a phrase and the longest one that matches wins.
/// </summary>
internal static class Phrases
{
    /// <summary>Where a phrase may begin the dimension part of a first-party usage type (ending the model part).</summary>
    private enum Start
    {
        /// <summary>Never: a qualifier that follows a direction or a category.</summary>
        No,
        /// <summary>At any '-' piece: a direction, an endpoint or a category.</summary>
        Any,
        /// <summary>Only as the first word: a platform feature, not a model ("Guardrail-...", "DataAutomation-...").</summary>
        First,
        /// <summary>A tier or route before the direction ("Claude4.5Haiku-batch-input-tokens").</summary>
        Qualifier,
    }

    private sealed record Phrase(string[] Words, Action<UsageTypeParser.Reading> Apply, Start Start);

    private static readonly Phrase[] Table = Build().OrderByDescending(p => p.Words.Length).ToArray();

    private static IEnumerable<Phrase> Build()
    {
        static IEnumerable<Phrase> P(Start start, Action<UsageTypeParser.Reading> apply, params string[] spellings) =>
            spellings.Select(s => new Phrase(s.Split(' '), apply, start));
        static Action<UsageTypeParser.Reading> Cat(UsageCategory c) => r => r.SetCategory(c);

        // Platform features: the usage type names no model.
        foreach (var p in P(Start.First, Cat(UsageCategory.Guardrails), "guardrail", "guardrails", "guardrail checks")) yield return p;
        foreach (var p in P(Start.First, Cat(UsageCategory.KnowledgeBases), "knowledge base", "knowledge bases", "knowledgebase", "generate sql", "generatesql")) yield return p;
        foreach (var p in P(Start.First, Cat(UsageCategory.DataAutomation), "data automation", "dataautomation")) yield return p;
        foreach (var p in P(Start.First, Cat(UsageCategory.Flows), "bedrock flows", "flows", "flow")) yield return p;
        foreach (var p in P(Start.First, Cat(UsageCategory.Agents), "agent", "agents", "agent core", "agentcore")) yield return p;
        foreach (var p in P(Start.First, Cat(UsageCategory.ModelEvaluation), "model evaluation", "evaluation")) yield return p;
        foreach (var p in P(Start.First, Cat(UsageCategory.PromptOptimization), "prompt optimization", "prompt", "apo")) yield return p;
        foreach (var p in P(Start.First, Cat(UsageCategory.Rerank), "rerank")) yield return p;

        // Non-token usage of a model.
        foreach (var p in P(Start.Any, Cat(UsageCategory.Grounding), "nova grounding", "web grounding", "grounding")) yield return p;
        foreach (var p in P(Start.Any, Cat(UsageCategory.ProvisionedThroughput),
            "provisioned throughput", "provisionedthroughput", "model units", "model unit", "modelunits", "modelunit")) yield return p;
        foreach (var p in P(Start.Any, Cat(UsageCategory.CustomModelImport),
            "custom model import", "custom model units", "custom model unit", "custommodelimport")) yield return p;
        foreach (var p in P(Start.Any, Cat(UsageCategory.CustomModelStorage), "model storage", "custom model storage", "modelstorage")) yield return p;
        foreach (var p in P(Start.Any, Cat(UsageCategory.ModelCustomization),
            "model customization", "customization", "training", "rft", "fine tuning", "finetuning", "distillation")) yield return p;
        foreach (var p in P(Start.Any, Cat(UsageCategory.Rerank), "search units", "search unit", "searchunits")) yield return p;
        foreach (var p in P(Start.Any, Cat(UsageCategory.ImageGeneration),
            "t 2 i", "i 2 i", "created image", "createdimage", "image generation", "images generated")) yield return p;
        foreach (var p in P(Start.Any, Cat(UsageCategory.VideoGeneration),
            "t 2 v", "i 2 v", "medfps", "med fps", "hd res", "hdres", "standard res", "hd resolution", "video medium", "videomedium")) yield return p;
        foreach (var p in P(Start.No, r => r.Storage = true, "storage")) yield return p;

        // Direction. "input" after a cache phrase is part of it ("cache-read-input-token-count").
        foreach (var p in P(Start.Any, r => r.Direction = TokenDirection.CacheRead, "cache read", "cacheread", "cached")) yield return p;
        foreach (var p in P(Start.Any, r => r.Direction = TokenDirection.CacheWrite, "cache write", "cachewrite")) yield return p;
        foreach (var p in P(Start.Any, r => { if (r.Direction == TokenDirection.None) r.Direction = TokenDirection.Input; }, "input")) yield return p;
        foreach (var p in P(Start.Any, r => { if (r.Direction == TokenDirection.None) r.Direction = TokenDirection.Output; }, "output")) yield return p;
        foreach (var p in P(Start.Any, r => r.Mantle = true, "mantle")) yield return p;

        // Modality (begins the dimension part only before a direction: "Nova2.0Pro-text-input-tokens").
        foreach (var p in P(Start.No, r => r.Modality = "text", "text")) yield return p;
        foreach (var p in P(Start.No, r => r.Modality = "image", "image", "images", "document")) yield return p;
        foreach (var p in P(Start.No, r => r.Modality = "audio", "audio", "speech")) yield return p;
        foreach (var p in P(Start.No, r => r.Modality = "video", "video", "videos")) yield return p;

        // Units.
        foreach (var p in P(Start.No, r => r.TokensPerMinute = true, "tokens per minute", "token per minute", "per minute", "tpm")) yield return p;
        foreach (var p in P(Start.No, r => r.TokenWord = true, "token count", "tokencount", "tokens", "token")) yield return p;
        foreach (var p in P(Start.No, _ => { }, "units", "unit", "usage", "commit", "units consumed")) yield return p;
        foreach (var p in P(Start.No, r => r.OtherUnit = "seconds", "seconds", "second", "sec")) yield return p;
        foreach (var p in P(Start.No, r => r.OtherUnit = "items", "images processed", "pages processed", "count", "requests", "request")) yield return p;

        // Cache time to live.
        foreach (var p in P(Start.No, r => r.Ttl = "5m", "5 m", "5 min", "5 minute", "5 minutes")) yield return p;
        foreach (var p in P(Start.No, r => r.Ttl = "30m", "30 m", "30 min", "30 minute", "30 minutes")) yield return p;
        foreach (var p in P(Start.No, r => r.Ttl = "1h", "1 h", "1 hour", "60 m", "60 min", "60 minutes")) yield return p;

        // Service tier, route, context, commitment.
        foreach (var p in P(Start.Qualifier, r => r.SetTier("standard"), "standard", "on demand", "ondemand")) yield return p;
        foreach (var p in P(Start.Qualifier, r => r.SetTier("flex"), "flex")) yield return p;
        foreach (var p in P(Start.Qualifier, r => r.SetTier("priority"), "priority")) yield return p;
        foreach (var p in P(Start.Qualifier, r => r.SetTier("batch"), "batch")) yield return p;
        foreach (var p in P(Start.Qualifier, r => { r.SetTier("batch"); r.Million = true; }, "million batch")) yield return p;
        foreach (var p in P(Start.Qualifier, r => r.SetTier("latency-optimized"), "latency optimized", "latencyoptimized")) yield return p;
        foreach (var p in P(Start.Any, r => r.ServiceTier = "reserved", "reserved")) yield return p;
        foreach (var p in P(Start.Qualifier, r => r.Route = "cross-region-global", "cross region global", "global cross region", "global")) yield return p;
        foreach (var p in P(Start.Qualifier, r => r.Route = "cross-region-geo", "cross region geo", "geo")) yield return p;
        foreach (var p in P(Start.Qualifier, r => r.Route ??= "cross-region", "cross region", "crossregion")) yield return p;
        foreach (var p in P(Start.Qualifier, r => r.Route = "in-region", "in region", "regional")) yield return p;
        foreach (var p in P(Start.Qualifier, r => r.LongContext = true, "long context", "long ctx", "l ctx", "lctx", "longctx")) yield return p;
        foreach (var p in P(Start.Qualifier, r => r.CustomModel = true, "custom model")) yield return p;
        foreach (var p in P(Start.No, r => r.Commitment = "no-commitment", "no commit", "no commitment", "nocommit")) yield return p;
        foreach (var months in new[] { "1", "3", "6", "12" })
            foreach (var p in P(Start.No, r => r.Commitment = months + "-month", $"{months} month", $"{months} months")) yield return p;
    }

    /// <summary>Applies the longest phrase at <paramref name="i"/>; returns the number of words read (an unknown word is one).</summary>
    public static int Read(List<WordRun> words, int i, UsageTypeParser.Reading r)
    {
        var phrase = Match(words, i);
        if (phrase is not null)
        {
            phrase.Apply(r);
            return phrase.Words.Length;
        }
        r.Unknown.Add(words[i].Lower);
        return 1;
    }

    /// <summary>Whether a dimension phrase begins at word <paramref name="i"/> (the first word of a '-' piece).</summary>
    public static bool StartsDimension(List<WordRun> words, int i, bool first)
    {
        var phrase = Match(words, i);
        if (phrase is not null && (phrase.Start == Start.Any || (first && phrase.Start == Start.First))) return true;
        if (phrase is { Start: Start.Qualifier })
        {
            for (var j = i + phrase.Words.Length; j < words.Count; j++)
                if (Match(words, j) is { Start: Start.Any }) return true;
            return false;
        }
        // A modality starts it when a direction follows: "text-input-tokens", "speech-input-tokens".
        return phrase is not null && phrase.Words.Length == 1 && i + 1 < words.Count && words[i + 1].Lower is "input" or "output" &&
               phrase.Words[0] is "text" or "image" or "images" or "audio" or "speech" or "video" or "document";
    }

    private static Phrase? Match(List<WordRun> words, int i)
    {
        foreach (var p in Table)
        {
            if (i + p.Words.Length > words.Count) continue;
            var ok = true;
            for (var k = 0; k < p.Words.Length && ok; k++)
                ok = words[i + k].Text.Equals(p.Words[k], StringComparison.OrdinalIgnoreCase);
            if (ok) return p;
        }
        return null;
    }
}
