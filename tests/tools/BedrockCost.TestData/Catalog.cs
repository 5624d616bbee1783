namespace BedrockCost.TestData;

/// <summary>
/// A priced usage type: everything needed to make a line item but the amount and time, and what the generator
/// knows about it because it chose it (the truth of <see cref="RowTruth"/>): whether it is Bedrock spend, the
/// model and token direction the module must report for it, and why its rows without a caller are unattributed.
/// </summary>
public sealed record UsageSpec(
    string ProductCode, string UsageType, string Operation, string PricingUnit, decimal Rate,
    string? RegionCode, string? ProductFamily, string? ServiceCode, Dictionary<string, string>? Product,
    string Description, string BillingEntity = "AWS", string? LegalEntity = null)
{
    public bool IsMarketplace => BillingEntity == "AWS Marketplace";
    /// <summary>Bedrock spend (first-party models, Marketplace Bedrock Edition models, provisioned throughput).</summary>
    public bool Bedrock { get; init; }
    /// <summary>The model name the module reports for these rows (null: no model).</summary>
    public string? Model { get; init; }
    /// <summary>Token direction of a token usage type (null: not tokens).</summary>
    public TokenDirection? Direction { get; init; }
    /// <summary>Why a row of this usage type without a caller is unattributed.</summary>
    public string NoPrincipalReason { get; init; } = RowTruth.NoPrincipal;
    /// <summary>Tokens per unit of <see cref="PricingUnit"/>: 1,000 for "1K tokens", 1,000,000 for Marketplace "Units".</summary>
    public long TokensPerUnit => PricingUnit == "Units" ? 1_000_000 : 1_000;
    /// <summary>Private pricing on top of the EDP discount (Anthropic first-party models in this catalogue).</summary>
    public bool PrivatePricing => ProductCode == "AmazonBedrockService";
}

/// <summary>A caller as it appears in line_item_iam_principal, with the tags its rows carry.</summary>
public sealed record PrincipalSpec(string Arn, string AccountId, Dictionary<string, string>? Tags);

/// <summary>Shared catalogue of accounts, principals and usage types used by the sample and the synthetic generator.</summary>
public static class Catalog
{
    public const string PayerAccount = "111122223333";
    public const string SecondAccount = "444455556666";
    public static readonly IReadOnlyDictionary<string, string> AccountNames = new Dictionary<string, string>
    {
        [PayerAccount] = "example-management", [SecondAccount] = "example-research",
    };

    public const string MarketplaceProductCode = "7zgyu5r4uonlsrnaq20qq63eo";
    public const string MarketplaceProductName = "Claude Sonnet 4.6 (Amazon Bedrock Edition)";
    /// <summary>The 1-hour cache-write spelling used by this generator (suffix form).</summary>
    public const string OneHourCacheWriteUsageType = "USE1-Claude4.6Sonnet-cache-write-input-token-count-1h";

    // ---- principals ---------------------------------------------------------------------------------
    public static readonly PrincipalSpec Alice = new("arn:aws:iam::111122223333:user/alice", PayerAccount,
        new() { ["iamPrincipal/team"] = "ml", ["iamPrincipal/cost-center"] = "CC-100", ["accountTag/env"] = "prod" });
    public static readonly PrincipalSpec Bob = new("arn:aws:iam::111122223333:user/division/bob", PayerAccount,
        new() { ["iamPrincipal/team"] = "research", ["iamPrincipal/cost-center"] = "CC-200", ["accountTag/env"] = "prod" });
    /// <summary>Bedrock long-term API key user, untagged (null tags map).</summary>
    public static readonly PrincipalSpec ApiKey = new("arn:aws:iam::111122223333:user/BedrockAPIKey-7x2q", PayerAccount, null);
    public static readonly PrincipalSpec InvoiceApp = new("arn:aws:sts::111122223333:assumed-role/InvoiceApp/session-123", PayerAccount,
        new() { ["iamPrincipal/team"] = "finance-apps", ["iamPrincipal/cost-center"] = "CC-300",
                ["resourceTags/application"] = "invoice-extraction", ["accountTag/env"] = "prod" });
    public static readonly PrincipalSpec Jane = new("arn:aws:sts::111122223333:assumed-role/BedrockRole/jane@example.com", PayerAccount,
        new() { ["iamPrincipal/team"] = "ml", ["iamPrincipal/cost-center"] = "CC-100", ["accountTag/env"] = "prod" });
    public static readonly PrincipalSpec Carol = new("arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_DataScience_0123abcd/carol@example.com", PayerAccount,
        new() { ["iamPrincipal/team"] = "data-science", ["iamPrincipal/cost-center"] = "CC-400", ["accountTag/env"] = "prod" });
    /// <summary>Federated user whose session tags are hostile text (HTML/script and a spreadsheet formula).</summary>
    public static readonly PrincipalSpec Mallory = new("arn:aws:sts::111122223333:assumed-role/BedrockRole/mallory@example.com", PayerAccount,
        new() { ["iamPrincipal/team"] = "<script>alert(1)</script>", ["iamPrincipal/cost-center"] = "=HYPERLINK(\"http://x\")" });
    /// <summary>Second account: application role with only an account tag (untagged principal).</summary>
    public static readonly PrincipalSpec BatchRunner = new("arn:aws:sts::444455556666:assumed-role/BatchRunner/nightly-batch", SecondAccount,
        new() { ["accountTag/env"] = "research" });
    /// <summary>Same user name as <see cref="Alice"/> in the second account (must not be merged); empty tags map.</summary>
    public static readonly PrincipalSpec AliceResearch = new("arn:aws:iam::444455556666:user/alice", SecondAccount, new());
    /// <summary>Federated user whose tags break out of an HTML attribute and run a command in a spreadsheet.</summary>
    public static readonly PrincipalSpec Eve = new("arn:aws:sts::111122223333:assumed-role/BedrockRole/eve@example.com", PayerAccount,
        new() { ["iamPrincipal/team"] = "\"><img src=x onerror=alert(1)>", ["iamPrincipal/cost-center"] = "=cmd|' /C calc'!A0" });
    /// <summary>Same role and session form as <see cref="Eve"/> in the second account; a right-to-left override in its team
    /// ("finance" then U+202E, which displays "gnp.exe" as "exe.png").</summary>
    public static readonly PrincipalSpec Oscar = new("arn:aws:sts::444455556666:assumed-role/BedrockRole/oscar@example.com", SecondAccount,
        new() { ["iamPrincipal/team"] = "finance\u202Egnp.exe", ["iamPrincipal/cost-center"] = "CC-500" });

    public static readonly IReadOnlyList<PrincipalSpec> Principals =
        [Alice, Bob, ApiKey, InvoiceApp, Jane, Carol, Mallory, BatchRunner, AliceResearch, Eve, Oscar];

    /// <summary>The hostile text of the sample's tags, for report tests.</summary>
    public static readonly IReadOnlyList<string> HostileTagValues =
        ["<script>alert(1)</script>", "=HYPERLINK(\"http://x\")", "\"><img src=x onerror=alert(1)>", "=cmd|' /C calc'!A0", "finance\u202Egnp.exe"];

    public const string InvoiceAppProfileArn = "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/invoice-extraction-9f3k2";

    // ---- usage types --------------------------------------------------------------------------------
    static Dictionary<string, string> P(string provider, string model, string inference, string region = "us-east-1") => new()
    {
        ["provider"] = provider, ["model"] = model, ["inference_type"] = inference,
        ["servicename"] = "Amazon Bedrock", ["region"] = region,
    };

    // The model names are those the module reports (one name per model whatever the billing form).
    const string Sonnet = "Claude Sonnet 4.6", Opus = "Claude Opus 4.6", Haiku = "Claude Haiku 4.5", NovaLite = "Nova 2 Lite",
        GptOss = "GPT OSS 120B", Llama = "Llama 3.3 70B";
    const TokenDirection In = TokenDirection.Input, Out = TokenDirection.Output, CRead = TokenDirection.CacheRead, CWrite = TokenDirection.CacheWrite;

    static UsageSpec Tok(string code, string usageType, decimal ratePer1K, string modelName, Dictionary<string, string> product,
        string what, string model, TokenDirection direction, string region = "us-east-1") =>
        new(code, usageType, "InvokeModelInference", "1K tokens", ratePer1K, region, "Amazon Bedrock",
            code == "AmazonBedrockService" ? "AmazonBedrockService" : code == "AmazonBedrockFoundationModels" ? "AmazonBedrockFoundationModels" : "AmazonBedrock",
            product, $"${ratePer1K} per 1K {what} for {modelName} in {region}") { Bedrock = true, Model = model, Direction = direction };

    const string Svc = "AmazonBedrockService", Fm = "AmazonBedrockFoundationModels", Br = "AmazonBedrock";

    public static readonly UsageSpec SonnetIn = Tok(Svc, "USE1-Claude4.6Sonnet-input-tokens", 0.003m, "Claude Sonnet 4.6", P("Anthropic", "Claude Sonnet 4.6", "on-demand"), "input tokens", Sonnet, In);
    public static readonly UsageSpec SonnetOut = Tok(Svc, "USE1-Claude4.6Sonnet-output-tokens", 0.015m, "Claude Sonnet 4.6", P("Anthropic", "Claude Sonnet 4.6", "on-demand"), "output tokens", Sonnet, Out);
    public static readonly UsageSpec SonnetCacheRead = Tok(Svc, "USE1-Claude4.6Sonnet-cache-read-input-token-count", 0.0003m, "Claude Sonnet 4.6", P("Anthropic", "Claude Sonnet 4.6", "on-demand"), "cache read input tokens", Sonnet, CRead);
    public static readonly UsageSpec SonnetCacheWrite = Tok(Svc, "USE1-Claude4.6Sonnet-cache-write-input-token-count", 0.00375m, "Claude Sonnet 4.6", P("Anthropic", "Claude Sonnet 4.6", "on-demand"), "cache write input tokens", Sonnet, CWrite);
    public static readonly UsageSpec SonnetCacheWrite1h = Tok(Svc, OneHourCacheWriteUsageType, 0.006m, "Claude Sonnet 4.6", P("Anthropic", "Claude Sonnet 4.6", "on-demand"), "1-hour cache write input tokens", Sonnet, CWrite);
    public static readonly UsageSpec SonnetGlobalIn = Tok(Svc, "USE1-Claude4.6Sonnet-input-tokens-cross-region-global", 0.003m, "Claude Sonnet 4.6", P("Anthropic", "Claude Sonnet 4.6", "cross-region-global"), "input tokens (global cross-region)", Sonnet, In);
    public static readonly UsageSpec SonnetGlobalOut = Tok(Svc, "USE1-Claude4.6Sonnet-output-tokens-cross-region-global", 0.015m, "Claude Sonnet 4.6", P("Anthropic", "Claude Sonnet 4.6", "cross-region-global"), "output tokens (global cross-region)", Sonnet, Out);
    public static readonly UsageSpec OpusIn = Tok(Svc, "USE1-Claude4.6Opus-input-tokens", 0.005m, "Claude Opus 4.6", P("Anthropic", "Claude Opus 4.6", "on-demand"), "input tokens", Opus, In);
    public static readonly UsageSpec OpusOut = Tok(Svc, "USE1-Claude4.6Opus-output-tokens", 0.025m, "Claude Opus 4.6", P("Anthropic", "Claude Opus 4.6", "on-demand"), "output tokens", Opus, Out);
    public static readonly UsageSpec OpusCacheRead = Tok(Svc, "USE1-Claude4.6Opus-cache-read-input-token-count", 0.0005m, "Claude Opus 4.6", P("Anthropic", "Claude Opus 4.6", "on-demand"), "cache read input tokens", Opus, CRead);
    public static readonly UsageSpec HaikuIn = Tok(Fm, "USE1-Claude4.5Haiku-input-tokens", 0.001m, "Claude Haiku 4.5", P("Anthropic", "Claude Haiku 4.5", "on-demand"), "input tokens", Haiku, In);
    public static readonly UsageSpec HaikuOut = Tok(Fm, "USE1-Claude4.5Haiku-output-tokens", 0.005m, "Claude Haiku 4.5", P("Anthropic", "Claude Haiku 4.5", "on-demand"), "output tokens", Haiku, Out);
    public static readonly UsageSpec HaikuBatchIn = Tok(Fm, "USE1-Claude4.5Haiku-input-tokens-batch", 0.0005m, "Claude Haiku 4.5", P("Anthropic", "Claude Haiku 4.5", "batch"), "batch input tokens", Haiku, In);
    public static readonly UsageSpec HaikuBatchOut = Tok(Fm, "USE1-Claude4.5Haiku-output-tokens-batch", 0.0025m, "Claude Haiku 4.5", P("Anthropic", "Claude Haiku 4.5", "batch"), "batch output tokens", Haiku, Out);
    public static readonly UsageSpec NovaIn = Tok(Br, "USE1-Nova2.0Lite-input-tokens", 0.0003m, "Nova 2.0 Lite", P("Amazon", "Nova 2.0 Lite", "on-demand"), "input tokens", NovaLite, In);
    public static readonly UsageSpec NovaOut = Tok(Br, "USE1-Nova2.0Lite-output-tokens", 0.0025m, "Nova 2.0 Lite", P("Amazon", "Nova 2.0 Lite", "on-demand"), "output tokens", NovaLite, Out);
    public static readonly UsageSpec NovaFlexIn = Tok(Br, "USE1-Nova2.0Lite-input-tokens-flex", 0.00015m, "Nova 2.0 Lite", P("Amazon", "Nova 2.0 Lite", "flex"), "flex input tokens", NovaLite, In);
    public static readonly UsageSpec NovaFlexOut = Tok(Br, "USE1-Nova2.0Lite-output-tokens-flex", 0.00125m, "Nova 2.0 Lite", P("Amazon", "Nova 2.0 Lite", "flex"), "flex output tokens", NovaLite, Out);
    public static readonly UsageSpec GptOssIn = Tok(Br, "USE1-gpt-oss-120b-input-tokens", 0.00015m, "gpt-oss-120b", P("OpenAI", "gpt-oss-120b", "on-demand"), "input tokens", GptOss, In);
    public static readonly UsageSpec GptOssOut = Tok(Br, "USE1-gpt-oss-120b-output-tokens", 0.0006m, "gpt-oss-120b", P("OpenAI", "gpt-oss-120b", "on-demand"), "output tokens", GptOss, Out);
    public static readonly UsageSpec GptOssPriorityIn = Tok(Br, "USE1-gpt-oss-120b-input-tokens-priority", 0.0002625m, "gpt-oss-120b", P("OpenAI", "gpt-oss-120b", "priority"), "priority input tokens", GptOss, In);
    public static readonly UsageSpec GptOssPriorityOut = Tok(Br, "USE1-gpt-oss-120b-output-tokens-priority", 0.00105m, "gpt-oss-120b", P("OpenAI", "gpt-oss-120b", "priority"), "priority output tokens", GptOss, Out);
    public static readonly UsageSpec LlamaIn = Tok(Br, "USW2-Llama3.3-70B-input-tokens", 0.00072m, "Llama 3.3 70B", P("Meta", "Llama 3.3 70B Instruct", "on-demand", "us-west-2"), "input tokens", Llama, In, "us-west-2");
    public static readonly UsageSpec LlamaOut = Tok(Br, "USW2-Llama3.3-70B-output-tokens", 0.00072m, "Llama 3.3 70B", P("Meta", "Llama 3.3 70B Instruct", "on-demand", "us-west-2"), "output tokens", Llama, Out, "us-west-2");
    public static readonly UsageSpec MantleIn = Tok(Br, "USE1-openai.gpt-oss-120b-mantle-input-tokens-standard", 0.00015m, "openai.gpt-oss-120b (bedrock-mantle)", P("OpenAI", "gpt-oss-120b", "mantle"), "input tokens", GptOss, In);
    public static readonly UsageSpec MantleOut = Tok(Br, "USE1-openai.gpt-oss-120b-mantle-output-tokens-standard", 0.0006m, "openai.gpt-oss-120b (bedrock-mantle)", P("OpenAI", "gpt-oss-120b", "mantle"), "output tokens", GptOss, Out);

    /// <summary>A Marketplace model (its model is in the product name, not in the usage type), priced per million tokens.</summary>
    static UsageSpec Mp(string usageType, decimal ratePerM, string what, TokenDirection direction) =>
        new(MarketplaceProductCode, usageType, "Unit", "Units", ratePerM, "us-east-1", null, MarketplaceProductCode,
            new() { ["product_name"] = MarketplaceProductName, ["region"] = "us-east-1" },
            $"${ratePerM} per million {what} for {MarketplaceProductName}", "AWS Marketplace", "Anthropic, PBC")
        { Bedrock = true, Model = Sonnet, Direction = direction };

    public static readonly UsageSpec MpIn = Mp("USE1-MP:USE1_input_tokens_standard-Units", 3m, "input tokens", In);
    public static readonly UsageSpec MpOut = Mp("USE1-MP:USE1_output_tokens_standard-Units", 15m, "output tokens", Out);
    public static readonly UsageSpec MpInLegacy = Mp("USE1-MP:USE1_InputTokenCount-Units", 3m, "input tokens", In);

    /// <summary>Provisioned throughput: hourly model units, no principal.</summary>
    public static readonly UsageSpec Provisioned = new(Br, "USE1-Nova2.0Lite-ProvisionedThroughput-ModelUnits", "ProvisionedThroughput", "Hrs", 23.5m,
        "us-east-1", "Amazon Bedrock", Br, P("Amazon", "Nova 2.0 Lite", "provisioned"), "$23.5 per model unit hour for Nova 2.0 Lite provisioned throughput (no commitment)")
    { Bedrock = true, Model = NovaLite, NoPrincipalReason = RowTruth.ProvisionedThroughput };
    /// <summary>AgentCore runtime: not counted as Bedrock.</summary>
    public static readonly UsageSpec AgentCore = new("AmazonBedrockAgentCore", "USE1-AgentCore-Runtime-vCPU-Hours", "Runtime", "vCPU-Hours", 0.0895m,
        "us-east-1", "Amazon Bedrock AgentCore", "AmazonBedrockAgentCore", null, "$0.0895 per vCPU-hour for AgentCore Runtime");

    // ---- non-Bedrock noise ---------------------------------------------------------------------------
    public static readonly UsageSpec Ec2Box = new("AmazonEC2", "USE1-BoxUsage:m5.large", "RunInstances", "Hrs", 0.096m, "us-east-1", "Compute Instance", "AmazonEC2", null, "$0.096 per On Demand Linux m5.large Instance Hour");
    public static readonly UsageSpec Ec2Ebs = new("AmazonEC2", "USE1-EBS:VolumeUsage.gp3", "CreateVolume-Gp3", "GB-Mo", 0.08m, "us-east-1", "Storage", "AmazonEC2", null, "$0.08 per GB-month of General Purpose (gp3) provisioned storage");
    public static readonly UsageSpec S3Storage = new("AmazonS3", "USE1-TimedStorage-ByteHrs", "StandardStorage", "GB-Mo", 0.023m, "us-east-1", "Storage", "AmazonS3", null, "$0.023 per GB - first 50 TB / month of storage used");
    public static readonly UsageSpec S3Requests = new("AmazonS3", "USE1-Requests-Tier1", "PutObject", "Requests", 0.000005m, "us-east-1", "API Request", "AmazonS3", null, "$0.005 per 1,000 PUT, COPY, POST, or LIST requests");

    /// <summary>The Enterprise Discount Program rate on first-party Bedrock usage (not on Marketplace models).</summary>
    public const double EdpDiscount = 0.05;
    /// <summary>The private-pricing discount on <see cref="UsageSpec.PrivatePricing"/> usage, after the EDP discount.</summary>
    public const double PrivateRateDiscount = 0.10;

    /// <summary>
    /// Cost = amount x rate computed in double, as a billing pipeline does: the value written carries all 16-17
    /// significant digits of a double (never rounded to fewer), so readers that keep only 15 digits are caught.
    /// </summary>
    public static double Cost(decimal amount, decimal rate) => (double)amount * (double)rate;

    /// <summary>
    /// Builds a Usage line item for <paramref name="spec"/>. With <paramref name="edp"/>, the net unblended cost is the
    /// cost after the EDP discount (and the private rate for <see cref="UsageSpec.PrivatePricing"/> usage), in double;
    /// the discount line items that itemise those discounts are the caller's (see <see cref="SampleData"/>).
    /// </summary>
    public static LineItem Usage(UsageSpec spec, DateTime periodStart, DateTime start, DateTime end, string accountId,
        decimal amount, PrincipalSpec? principal, string? lineItemId, bool edp, Dictionary<string, string>? tags = null,
        string? resourceId = null, string? principalOverride = null)
    {
        var cost = Cost(amount, spec.Rate);
        double? net = !edp ? cost : spec.PrivatePricing ? cost * (1 - EdpDiscount) * (1 - PrivateRateDiscount) : cost * (1 - EdpDiscount);
        var attributed = !string.IsNullOrEmpty(principalOverride ?? principal?.Arn);
        var tokens = spec.Direction is null ? 0m : amount * spec.TokensPerUnit;
        if (tokens != decimal.Truncate(tokens)) throw new ArgumentException($"{amount} {spec.PricingUnit} is not a whole number of tokens", nameof(amount));
        return new LineItem
        {
            BillingPeriodStart = periodStart,
            BillingEntity = spec.BillingEntity,
            UsageAccountId = accountId,
            UsageAccountName = AccountNames.GetValueOrDefault(accountId),
            UsageStart = start,
            UsageEnd = end,
            ProductCode = spec.ProductCode,
            UsageType = spec.UsageType,
            Operation = spec.Operation,
            ResourceId = resourceId,
            UsageAmount = (double)amount,
            UnblendedCost = cost,
            NetUnblendedCost = net,
            UnblendedRate = spec.Rate.ToString(System.Globalization.CultureInfo.InvariantCulture),
            IamPrincipal = principalOverride ?? principal?.Arn,
            PricingUnit = spec.PricingUnit,
            ProductFamily = spec.ProductFamily,
            ProductServicecode = spec.ServiceCode,
            ProductRegionCode = spec.RegionCode,
            Product = spec.Product,
            Tags = tags ?? principal?.Tags,
            Description = spec.Description,
            LineItemId = lineItemId,
            LegalEntity = spec.LegalEntity,
            Truth = new RowTruth
            {
                Bedrock = spec.Bedrock,
                Principal = attributed ? principalOverride ?? principal!.Arn : null,
                Model = spec.Model,
                Direction = spec.Direction,
                Tokens = (long)tokens,
                Reason = !spec.Bedrock || attributed ? null : spec.NoPrincipalReason,
            },
        };
    }
}
