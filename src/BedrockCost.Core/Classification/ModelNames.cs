using System.Collections.Concurrent;

namespace BedrockCost.Core.Classification;

/// <summary>
/// One name per model whichever way it is billed: first-party usage types ("Claude4.6Opus", "Nova2.0Lite",
/// "Llama4-Maverick-17B"), bedrock-mantle ids ("anthropic.claude-opus-4-8", "openai.gpt-5.6"), Marketplace
/// products ("Claude Opus 4.6 (Amazon Bedrock Edition)") and the product map's model ("Nova 2.0 Lite",
/// "Llama 4 Maverick 17B Instruct") all become the same words: "Claude Opus 4.6", "Nova 2 Lite",
/// "Llama 4 Maverick 17B".
/// </summary>
public static class ModelNames
{
    /// <summary>What a Marketplace product name holds when the product is a Bedrock model.</summary>
    public const string MarketplaceSuffix = "(Amazon Bedrock Edition)";
    private const int MaxCached = 20_000, MaxLength = 200;
    private static readonly ConcurrentDictionary<string, string> Cache = new(StringComparer.Ordinal);

    /// <summary>First words of model names; a vendor before one of them is not part of the name.</summary>
    private static readonly HashSet<string> Families = new(StringComparer.Ordinal)
    {
        "claude", "nova", "titan", "llama", "gpt", "grok", "qwen", "glm", "kimi", "minimax", "mistral", "mixtral",
        "ministral", "magistral", "pixtral", "devstral", "voxtral", "gemma", "nemotron", "jamba", "jurassic",
        "command", "palmyra", "marengo", "pegasus", "ray", "stable", "deepseek",
    };

    private static readonly HashSet<string> Vendors = new(StringComparer.Ordinal)
    {
        "anthropic", "amazon", "meta", "openai", "google", "nvidia", "xai", "cohere", "ai21", "twelvelabs", "writer",
        "stability", "luma", "moonshot", "moonshotai", "zai", "mistral", "deepseek", "qwen", "minimax",
    };

    /// <summary>Brand spellings a plain capital letter would get wrong.</summary>
    private static readonly Dictionary<string, string> Spellings = new(StringComparer.Ordinal)
    {
        ["gpt"] = "GPT", ["oss"] = "OSS", ["glm"] = "GLM", ["it"] = "IT", ["deepseek"] = "DeepSeek", ["minimax"] = "MiniMax",
        ["twelvelabs"] = "TwelveLabs", ["ai21"] = "AI21", ["ai"] = "AI", ["xai"] = "xAI", ["openai"] = "OpenAI",
    };

    /// <summary>Camel-case halves that are one word in other spellings ("DeepSeek" and "deepseek").</summary>
    private static readonly (string A, string B)[] Compounds =
        { ("deep", "seek"), ("mini", "max"), ("twelve", "labs"), ("multi", "modal"), ("open", "ai") };

    public static bool IsBedrockEditionProduct(string? productName) =>
        productName is not null && productName.Contains(MarketplaceSuffix, StringComparison.OrdinalIgnoreCase);

    /// <summary>The canonical name of a model however it is spelled; the input when it holds no name.</summary>
    public static string Normalise(string model)
    {
        if (Cache.TryGetValue(model, out var name)) return name;
        name = Canonical(model);
        // Names come from the data: never let an unbounded set of them grow the cache.
        if (Cache.Count < MaxCached) Cache.TryAdd(model, name);
        return name;
    }

    private enum Kind { Word, Number, Size, VersionV }

    private record struct Token(Kind Kind, string Text);

    private static string Canonical(string raw)
    {
        var s = raw.Trim();
        if (s.Length > MaxLength) s = s[..MaxLength];
        var suffixAt = s.IndexOf(MarketplaceSuffix, StringComparison.OrdinalIgnoreCase);
        if (suffixAt >= 0) s = (s[..suffixAt] + s[(suffixAt + MarketplaceSuffix.Length)..]).Trim();

        // Model ids: "anthropic.claude-sonnet-4-5-20250929-v1:0"; an inference profile adds "us." or "global.".
        var colon = s.LastIndexOf(':');
        var revision = colon > 0 && colon < s.Length - 1 && s.AsSpan(colon + 1).IndexOfAnyExceptInRange('0', '9') < 0;
        if (revision) s = s[..colon];
        string? vendor = null;
        for (var dot = s.IndexOf('.'); dot > 1 && dot < s.Length - 1 && IsLetters(s.AsSpan(0, dot)) && char.IsLetter(s[dot + 1]); dot = s.IndexOf('.'))
        {
            vendor = s[..dot].ToLowerInvariant();
            s = s[(dot + 1)..];
        }

        var tokens = Tokenise(Words.Split(s));
        if (vendor is not null && !(tokens.Count > 0 && tokens[0].Kind == Kind.Word && Families.Contains(tokens[0].Text)))
            tokens.Insert(0, new Token(Kind.Word, vendor)); // "deepseek.v3.2": the vendor is the name
        while (tokens.Count > 1 && tokens[0].Kind == Kind.Word && Vendors.Contains(tokens[0].Text) &&
               tokens[1].Kind == Kind.Word && Families.Contains(tokens[1].Text) && tokens[0].Text != tokens[1].Text)
            tokens.RemoveAt(0); // "Meta Llama 2 Chat 70B", "Amazon Nova Pro"

        // API versions of model ids are not model versions: "v0", "v1" when the name has a version of its own
        // ("nova-2-lite-v1"), a bare number before the revision ("gpt-oss-120b-1:0").
        if (tokens.Count > 1 && (tokens[^1] is { Kind: Kind.VersionV, Text: "v0" } ||
            (tokens[^1] is { Kind: Kind.VersionV, Text: "v1" } && tokens.Take(tokens.Count - 1).Any(t => t.Text.Any(char.IsDigit))) ||
            (revision && tokens[^1].Kind == Kind.Number && IsSmallInteger(tokens[^1].Text) && tokens[^2].Kind != Kind.Word)))
            tokens.RemoveAt(tokens.Count - 1);

        // Anthropic names put the version last ("Claude Sonnet 4.6"), whatever order the billing form uses.
        if (tokens.Count > 2 && tokens[0].Text == "claude")
        {
            var v = tokens.FindIndex(t => t.Kind == Kind.Number);
            var lastWord = tokens.FindLastIndex(t => t.Kind == Kind.Word);
            if (v > 0 && lastWord > v)
            {
                var version = tokens[v];
                tokens.RemoveAt(v);
                tokens.Insert(lastWord, version);
            }
        }

        return tokens.Count == 0 ? raw.Trim() : string.Join(' ', tokens.Select(Render));
    }

    private static bool IsLetters(ReadOnlySpan<char> s)
    {
        foreach (var c in s) if (!char.IsAsciiLetter(c)) return false;
        return true;
    }

    private static List<Token> Tokenise(List<WordRun> runs)
    {
        var tokens = new List<Token>();
        for (var i = 0; i < runs.Count; i++)
        {
            var r = runs[i];
            var lower = r.Lower;
            bool Next(int k, out WordRun n)
            {
                n = i + k < runs.Count ? runs[i + k] : default;
                return i + k < runs.Count && runs[i + k].Glued;
            }

            if (r.IsNumber)
            {
                // Parameter counts: "70B", "120b", "8x7B".
                if (Next(1, out var b) && b.Lower == "b" && !Next(2, out _)) { tokens.Add(new Token(Kind.Size, lower + "b")); i++; continue; }
                if (Next(1, out var x) && x.Lower == "x" && Next(2, out var m) && m.IsNumber && Next(3, out var b2) && b2.Lower == "b")
                {
                    tokens.Add(new Token(Kind.Size, $"{lower}x{m.Text}b"));
                    i += 3;
                    continue;
                }
                // Dates of model ids ("20250929") are not versions.
                if (lower.Length >= 6 && !lower.Contains('.')) continue;
                tokens.Add(new Token(Kind.Number, lower));
                continue;
            }

            // Compound words split by camel case.
            var compound = Compounds.FirstOrDefault(c => c.A == lower && Next(1, out var n) && n.Lower == c.B);
            if (compound.A is not null)
            {
                tokens.Add(new Token(Kind.Word, compound.A + compound.B));
                i++;
                continue;
            }
            if (lower == "instruct") continue;
            // "V2", "v3.5": a model version; "K2.5", "R1", "G1", "A3B": letters and digits form one word.
            if (lower.Length <= 2 && Next(1, out var digits) && digits.IsNumber)
            {
                if (lower == "v") { tokens.Add(new Token(Kind.VersionV, "v" + digits.Text)); i++; continue; }
                var word = lower + digits.Text;
                i++;
                if (Next(1, out var tail) && !tail.IsNumber && tail.Text.Length == 1) { word += tail.Lower; i++; }
                tokens.Add(new Token(Kind.Word, word));
                continue;
            }
            tokens.Add(new Token(Kind.Word, lower));
        }

        // "claude-opus-4-8" and "llama3-1" spell a version with separate numbers: 4.8, 3.1; "rerank-v3-5": v3.5.
        for (var i = 0; i + 1 < tokens.Count; i++)
        {
            var (a, b) = (tokens[i], tokens[i + 1]);
            if (b.Kind == Kind.Number && IsSmallInteger(b.Text) &&
                ((a.Kind == Kind.Number && IsSmallInteger(a.Text)) || (a.Kind == Kind.VersionV && IsSmallInteger(a.Text[1..]))))
            {
                tokens[i] = a with { Text = a.Text + "." + b.Text };
                tokens.RemoveAt(i + 1);
                i--;
            }
        }
        // "2.0" and "2" are the same version ("Nova2.0Lite", "amazon.nova-2-lite").
        for (var i = 0; i < tokens.Count; i++)
            if (tokens[i].Kind is Kind.Number or Kind.VersionV)
            {
                var t = tokens[i].Text;
                while (t.EndsWith(".0", StringComparison.Ordinal)) t = t[..^2];
                tokens[i] = tokens[i] with { Text = t };
            }
        return tokens;
    }

    private static bool IsSmallInteger(string s) => s.Length is > 0 and <= 2 && s.All(char.IsAsciiDigit);

    private static string Render(Token t) => t.Kind switch
    {
        Kind.Number => t.Text,
        Kind.Size => t.Text.ToUpperInvariant().Replace('X', 'x'),
        Kind.VersionV => "V" + t.Text[1..],
        _ when Spellings.TryGetValue(t.Text, out var s) => s,
        _ when t.Text.Any(char.IsDigit) => t.Text.ToUpperInvariant(),
        _ => char.ToUpperInvariant(t.Text[0]) + t.Text[1..],
    };
}
