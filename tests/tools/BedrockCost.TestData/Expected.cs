using System.Globalization;
using System.Text;
using System.Text.Json;

namespace BedrockCost.TestData;

public enum TokenDirection { Input, Output, CacheRead, CacheWrite }

/// <summary>
/// The truth, computed straight from generated <see cref="LineItem"/>s (never from the files), as the
/// files show it: with <see cref="CurSchemaOptions.OmitIamPrincipal"/> every row counts as unattributed;
/// with <see cref="CurSchemaOptions.OmitNetUnblended"/> (or a null net cell) net = unblended.
/// Money is decimal, converted from the written double via its round-trip string.
/// Feed rows with <see cref="Add"/> (streaming), combine partial results with <see cref="Merge"/>.
/// </summary>
public sealed class ExpectedTotals
{
    public static readonly IReadOnlySet<string> BedrockProductCodes =
        new HashSet<string>(StringComparer.Ordinal) { "AmazonBedrock", "AmazonBedrockService", "AmazonBedrockFoundationModels" };
    public const string AgentCoreProductCode = "AmazonBedrockAgentCore";

    readonly CurSchemaOptions _options;
    readonly SortedDictionary<string, PeriodTotals> _periods = new(StringComparer.Ordinal);

    public ExpectedTotals(CurSchemaOptions? options = null) => _options = options ?? CurSchemaOptions.Full;

    public IReadOnlyDictionary<string, PeriodTotals> Periods => _periods;

    public static ExpectedTotals Compute(IEnumerable<LineItem> rows, CurSchemaOptions? options = null)
    {
        var e = new ExpectedTotals(options);
        foreach (var r in rows) e.Add(r);
        return e;
    }

    /// <summary>Bedrock = first-party product code, or a Marketplace row whose product_name ends with
    /// "(Amazon Bedrock Edition)", or product family "Amazon Bedrock", or a non-empty principal; AgentCore excluded.</summary>
    public static bool IsBedrock(LineItem r, bool principalVisible = true)
    {
        if (r.ProductCode == AgentCoreProductCode) return false;
        if (BedrockProductCodes.Contains(r.ProductCode)) return true;
        if (r.BillingEntity == "AWS Marketplace" && r.Product != null && r.Product.TryGetValue("product_name", out var pn)
            && pn.EndsWith("(Amazon Bedrock Edition)", StringComparison.Ordinal)) return true;
        if (r.ProductFamily == "Amazon Bedrock") return true;
        return principalVisible && !string.IsNullOrEmpty(r.IamPrincipal);
    }

    /// <summary>Token direction of a usage type (null: not a token usage type).</summary>
    public static TokenDirection? Direction(string? usageType)
    {
        if (string.IsNullOrEmpty(usageType)) return null;
        var u = usageType.ToLowerInvariant();
        if (u.Contains("cache-read") || u.Contains("cacheread")) return TokenDirection.CacheRead;
        if (u.Contains("cache-write") || u.Contains("cachewrite")) return TokenDirection.CacheWrite;
        if (u.Contains("input")) return TokenDirection.Input;
        if (u.Contains("output")) return TokenDirection.Output;
        return null;
    }

    /// <summary>Tokens per usage unit: 1K tokens = 1000, Units / 1M tokens = 1e6, other units 0.</summary>
    public static decimal TokensPerUnit(string? pricingUnit) => pricingUnit switch
    {
        "1K tokens" => 1_000m,
        "Units" or "1M tokens" => 1_000_000m,
        _ => 0m,
    };

    /// <summary>The decimal a reader gets from the written double: its shortest round-trip form.
    /// Fast path: the 15-digit conversion is that value whenever it converts back to the same double.</summary>
    public static decimal ToDecimal(double d)
    {
        if (Math.Abs(d) < 7.9e27)
        {
            var m = (decimal)d;
            if ((double)m == d) return m;
        }
        return decimal.Parse(d.ToString("R", CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    public void Add(LineItem r)
    {
        var key = r.BillingPeriodStart.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        if (!_periods.TryGetValue(key, out var p)) _periods[key] = p = new PeriodTotals(key);
        var cost = ToDecimal(r.UnblendedCost);
        p.RowCount++;
        p.TotalUnblendedCost += cost;
        var principal = _options.OmitIamPrincipal ? null : r.IamPrincipal;
        if (!IsBedrock(r, !_options.OmitIamPrincipal)) return;
        var net = _options.OmitNetUnblended || r.NetUnblendedCost is null ? cost : ToDecimal(r.NetUnblendedCost.Value);
        p.Bedrock.Add(r, cost, net);
        if (string.IsNullOrEmpty(principal))
            p.Unattributed.Add(r, cost, net);
        else
        {
            if (!p.Principals.TryGetValue(principal, out var t)) p.Principals[principal] = t = new Totals();
            t.Add(r, cost, net);
        }
        var team = principal is null ? null : r.Tags?.GetValueOrDefault("iamPrincipal/team");
        var teamKey = team ?? "";
        if (!p.Teams.TryGetValue(teamKey, out var tt)) p.Teams[teamKey] = tt = new Totals();
        tt.Add(r, cost, net);
    }

    public void Merge(ExpectedTotals other)
    {
        foreach (var (k, op) in other._periods)
        {
            if (!_periods.TryGetValue(k, out var p)) _periods[k] = p = new PeriodTotals(k);
            p.RowCount += op.RowCount;
            p.TotalUnblendedCost += op.TotalUnblendedCost;
            p.Bedrock.Merge(op.Bedrock);
            p.Unattributed.Merge(op.Unattributed);
            foreach (var (pk, t) in op.Principals)
            {
                if (!p.Principals.TryGetValue(pk, out var mine)) p.Principals[pk] = mine = new Totals();
                mine.Merge(t);
            }
            foreach (var (tk, t) in op.Teams)
            {
                if (!p.Teams.TryGetValue(tk, out var mine)) p.Teams[tk] = mine = new Totals();
                mine.Merge(t);
            }
        }
    }

    public sealed class PeriodTotals(string billingPeriod)
    {
        public string BillingPeriod { get; } = billingPeriod;
        public long RowCount { get; internal set; }
        /// <summary>All rows, Bedrock or not.</summary>
        public decimal TotalUnblendedCost { get; internal set; }
        public Totals Bedrock { get; } = new();
        /// <summary>Bedrock rows with a null or empty principal.</summary>
        public Totals Unattributed { get; } = new();
        public SortedDictionary<string, Totals> Principals { get; } = new(StringComparer.Ordinal);
        /// <summary>Bedrock totals by iamPrincipal/team tag value ("" = untagged or no principal).</summary>
        public SortedDictionary<string, Totals> Teams { get; } = new(StringComparer.Ordinal);
    }

    public sealed class Totals
    {
        public long Rows { get; private set; }
        public decimal UnblendedCost { get; private set; }
        public decimal NetUnblendedCost { get; private set; }
        public decimal InputTokens { get; private set; }
        public decimal OutputTokens { get; private set; }
        public decimal CacheReadTokens { get; private set; }
        public decimal CacheWriteTokens { get; private set; }

        internal void Add(LineItem r, decimal cost, decimal net)
        {
            Rows++; UnblendedCost += cost; NetUnblendedCost += net;
            if (r.LineItemType != "Usage") return;
            var tokens = ToDecimal(r.UsageAmount) * TokensPerUnit(r.PricingUnit);
            if (tokens == 0) return;
            switch (Direction(r.UsageType))
            {
                case TokenDirection.Input: InputTokens += tokens; break;
                case TokenDirection.Output: OutputTokens += tokens; break;
                case TokenDirection.CacheRead: CacheReadTokens += tokens; break;
                case TokenDirection.CacheWrite: CacheWriteTokens += tokens; break;
            }
        }

        internal void Merge(Totals o)
        {
            Rows += o.Rows; UnblendedCost += o.UnblendedCost; NetUnblendedCost += o.NetUnblendedCost;
            InputTokens += o.InputTokens; OutputTokens += o.OutputTokens;
            CacheReadTokens += o.CacheReadTokens; CacheWriteTokens += o.CacheWriteTokens;
        }

        internal void Write(Utf8JsonWriter w, bool tokens = true)
        {
            w.WriteNumber("rows", Rows);
            w.WriteNumber("unblendedCost", Norm(UnblendedCost));
            w.WriteNumber("netUnblendedCost", Norm(NetUnblendedCost));
            if (!tokens) return;
            w.WriteNumber("inputTokens", Norm(InputTokens));
            w.WriteNumber("outputTokens", Norm(OutputTokens));
            w.WriteNumber("cacheReadTokens", Norm(CacheReadTokens));
            w.WriteNumber("cacheWriteTokens", Norm(CacheWriteTokens));
        }
    }

    /// <summary>Strip trailing zeros of a decimal (1.2300 -> 1.23).</summary>
    static decimal Norm(decimal d) => d / 1.000000000000000000000000000000000m;

    public string ToJson(string? source = null)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            if (source != null) w.WriteString("source", source);
            w.WriteString("bedrockRule", "product code in {AmazonBedrock, AmazonBedrockService, AmazonBedrockFoundationModels}, or AWS Marketplace row whose product['product_name'] ends with '(Amazon Bedrock Edition)', or product_product_family = 'Amazon Bedrock', or non-empty line_item_iam_principal; AmazonBedrockAgentCore excluded");
            w.WriteString("netRule", "line_item_net_unblended_cost, or line_item_unblended_cost when that cell or column is missing");
            w.WriteString("tokenRule", "Usage rows only; usage_amount x 1000 for '1K tokens', x 1000000 for 'Units' and '1M tokens'; direction from usage type (cache-read, cache-write, input, output)");
            w.WriteBoolean("principalColumnPresent", !_options.OmitIamPrincipal);
            w.WriteBoolean("netColumnPresent", !_options.OmitNetUnblended);
            w.WriteStartArray("periods");
            foreach (var p in _periods.Values)
            {
                w.WriteStartObject();
                w.WriteString("billingPeriod", p.BillingPeriod);
                w.WriteNumber("rowCount", p.RowCount);
                w.WriteNumber("totalUnblendedCost", Norm(p.TotalUnblendedCost));
                w.WriteStartObject("bedrock"); p.Bedrock.Write(w); w.WriteEndObject();
                w.WriteStartObject("unattributed"); p.Unattributed.Write(w); w.WriteEndObject();
                w.WriteStartArray("principals");
                foreach (var (arn, t) in p.Principals)
                {
                    w.WriteStartObject(); w.WriteString("principal", arn); t.Write(w); w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteStartArray("teams");
                foreach (var (team, t) in p.Teams)
                {
                    w.WriteStartObject(); w.WriteString("team", team); t.Write(w, tokens: false); w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray()) + "\n";
    }
}
