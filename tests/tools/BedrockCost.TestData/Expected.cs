using System.Globalization;
using System.Text;
using System.Text.Json;

namespace BedrockCost.TestData;

/// <summary>
/// The truth (expected.json), added up from what the generator chose for each row (<see cref="RowTruth"/>: Bedrock
/// or not, principal, model, token direction, tokens, reason; and the period, day, account, currency and tags it
/// set), never by classifying the CUR fields it wrote, and never from the files. Only the money is taken from the
/// doubles as written (<see cref="ToDecimal"/>), because those are what a reader gets. It describes the data as
/// the files show it: with <see cref="CurSchemaOptions.OmitIamPrincipal"/> every row is unattributed, with
/// <see cref="CurSchemaOptions.OmitNetUnblended"/> (or a null net cell) net = unblended.
/// Feed rows with <see cref="Add"/> (streaming), combine partial results with <see cref="Merge"/>.
/// </summary>
public sealed class ExpectedTotals
{
    public const string TeamTag = "iamPrincipal/team";
    public const string CostCenterTag = "iamPrincipal/cost-center";

    /// <summary>The rules the figures follow, written into expected.json.</summary>
    public static readonly IReadOnlyDictionary<string, string> Rules = new Dictionary<string, string>
    {
        ["money"] = "Each double written (line_item_unblended_cost, line_item_net_unblended_cost) counts as the decimal of its shortest " +
                    "round-trip form (the digits that .NET's \"R\", DuckDB and Python print for it, up to 17 significant digits); every " +
                    "figure is the exact decimal sum of those values, unrounded. A reader that keeps fewer digits (a 15-digit " +
                    "double-to-decimal conversion) or sums in double does not match to the last digit.",
        ["bedrock"] = "Rows the generator made as Bedrock spend: first-party Bedrock models (product codes AmazonBedrock, " +
                      "AmazonBedrockService, AmazonBedrockFoundationModels), Marketplace '(Amazon Bedrock Edition)' models, provisioned " +
                      "throughput, and the credit, refund, discount and tax lines of those products. AgentCore and EC2/S3 rows are not.",
        ["net"] = "line_item_net_unblended_cost as written; line_item_unblended_cost where that cell or column is missing. Discounted " +
                  "usage rows carry the EDP (5%) and private-rate (10% on AmazonBedrockService) discounts in their net cost; the " +
                  "EdpDiscount/PrivateRateDiscount lines carry them in unblended cost, with net 0.",
        ["tokens"] = "The tokens the generator chose for each Usage row of a token usage type (written as usage_amount in '1K tokens', " +
                     "or in millions for Marketplace 'Units').",
        ["principal"] = "The caller the generator chose; rows written with a null or empty principal, and every row of an export " +
                        "without the principal column, are unattributed, with the reason the generator knows.",
        ["dimensions"] = "team and costCenter: the iamPrincipal/team and iamPrincipal/cost-center values of the tags map written on the " +
                         "row (null: none); model and tokenType: the model and direction the generator chose (null: none); day: the " +
                         "UTC date of line_item_usage_start_date; every figure is per billing period and currency.",
    };

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

    /// <summary>
    /// The decimal a double stands for: its shortest round-trip string, parsed. Deliberately the plain, obviously
    /// correct conversion (no fast path), so that it cannot share a shortcut with the reader under test.
    /// </summary>
    public static decimal ToDecimal(double d) =>
        decimal.Parse(d.ToString("R", CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>The module's name of a token direction ("Input", "CacheRead"...).</summary>
    public static string? TokenTypeName(TokenDirection? d) => d?.ToString();

    public void Add(LineItem r)
    {
        var key = r.BillingPeriodStart.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        if (!_periods.TryGetValue(key, out var p)) _periods[key] = p = new PeriodTotals(key);
        p.RowCount++;
        var c = p.Currency(r.CurrencyCode);
        var cost = ToDecimal(r.UnblendedCost);
        c.TotalUnblendedCost += cost;
        var t = r.Truth;
        if (!t.Bedrock) return;
        var net = _options.OmitNetUnblended || r.NetUnblendedCost is null ? cost : ToDecimal(r.NetUnblendedCost.Value);
        var principal = _options.OmitIamPrincipal ? null : t.Principal;
        var reason = principal is not null ? null
            : _options.OmitIamPrincipal && r.LineItemType == "Usage" ? RowTruth.NoPrincipalColumn
            : t.Reason ?? throw new InvalidOperationException($"unattributed Bedrock row {r.LineItemId} has no reason");
        var v = new Values(cost, net, r.LineItemType == "Usage" ? t.Direction : null, r.LineItemType == "Usage" ? t.Tokens : 0);
        var day = r.UsageStart.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        c.Bedrock.Add(v);
        if (principal is null)
        {
            c.Unattributed.Add(v);
            c.Reasons.Get(reason!).Add(v);
        }
        else
        {
            if (!c.Principals.TryGetValue(principal, out var pt))
                c.Principals[principal] = pt = new PrincipalTotals(principal, r.UsageAccountId, r.Tags);
            pt.Add(v);
            pt.Days.Get(day).Add(v);
        }
        c.Teams.Get(r.Tags?.GetValueOrDefault(TeamTag)).Add(v);
        c.CostCenters.Get(r.Tags?.GetValueOrDefault(CostCenterTag)).Add(v);
        c.Models.Get(t.Model).Add(v);
        c.TokenTypes.Get(TokenTypeName(t.Direction)).Add(v);
        c.Days.Get(day).Add(v);
    }

    public void Merge(ExpectedTotals other)
    {
        foreach (var (k, op) in other._periods)
        {
            if (!_periods.TryGetValue(k, out var p)) _periods[k] = p = new PeriodTotals(k);
            p.Merge(op);
        }
    }

    /// <summary>A row's contribution.</summary>
    public readonly record struct Values(decimal Unblended, decimal Net, TokenDirection? Direction, long Tokens);

    public sealed class PeriodTotals(string billingPeriod)
    {
        readonly SortedDictionary<string, CurrencyTotals> _currencies = new(StringComparer.Ordinal);
        public string BillingPeriod { get; } = billingPeriod;
        /// <summary>All rows of the period, Bedrock or not.</summary>
        public long RowCount { get; internal set; }
        public IReadOnlyDictionary<string, CurrencyTotals> Currencies => _currencies;
        /// <summary>The period's only currency (the sample has one).</summary>
        public CurrencyTotals Single => _currencies.Values.Single();
        public CurrencyTotals Currency(string code) =>
            _currencies.TryGetValue(code, out var c) ? c : _currencies[code] = new CurrencyTotals(code);

        internal void Merge(PeriodTotals o)
        {
            RowCount += o.RowCount;
            foreach (var (code, oc) in o._currencies) Currency(code).Merge(oc);
        }
    }

    public sealed class CurrencyTotals(string currency)
    {
        public string Currency { get; } = currency;
        /// <summary>All rows of the currency, Bedrock or not.</summary>
        public decimal TotalUnblendedCost { get; internal set; }
        public Totals Bedrock { get; } = new();
        /// <summary>Bedrock rows with no principal.</summary>
        public Totals Unattributed { get; } = new();
        public Breakdown Reasons { get; } = new();
        public SortedDictionary<string, PrincipalTotals> Principals { get; } = new(StringComparer.Ordinal);
        public Breakdown Teams { get; } = new();
        public Breakdown CostCenters { get; } = new();
        public Breakdown Models { get; } = new();
        public Breakdown TokenTypes { get; } = new();
        public Breakdown Days { get; } = new();

        internal void Merge(CurrencyTotals o)
        {
            TotalUnblendedCost += o.TotalUnblendedCost;
            Bedrock.Merge(o.Bedrock);
            Unattributed.Merge(o.Unattributed);
            Reasons.Merge(o.Reasons);
            foreach (var (arn, t) in o.Principals)
            {
                if (!Principals.TryGetValue(arn, out var mine)) Principals[arn] = mine = new PrincipalTotals(arn, t.Account, t.Tags);
                mine.Merge(t);
                mine.Days.Merge(t.Days);
            }
            Teams.Merge(o.Teams);
            CostCenters.Merge(o.CostCenters);
            Models.Merge(o.Models);
            TokenTypes.Merge(o.TokenTypes);
            Days.Merge(o.Days);
        }
    }

    /// <summary>Totals by one dimension's value; null stands for "none" (no tag value, no model, no token direction).</summary>
    public sealed class Breakdown
    {
        const string NullKey = "\0";
        readonly SortedDictionary<string, Totals> _items = new(StringComparer.Ordinal);
        public Totals Get(string? key) => _items.TryGetValue(key ?? NullKey, out var t) ? t : _items[key ?? NullKey] = new Totals();
        public IEnumerable<(string? Key, Totals Totals)> Items => _items.Select(kv => (kv.Key == NullKey ? null : kv.Key, kv.Value));
        public Totals? this[string? key] => _items.GetValueOrDefault(key ?? NullKey);
        internal void Merge(Breakdown o) { foreach (var (k, t) in o._items) Get(k == NullKey ? null : k).Merge(t); }
    }

    public sealed class PrincipalTotals(string principal, string account, IReadOnlyDictionary<string, string>? tags) : Totals
    {
        public string Principal { get; } = principal;
        public string Account { get; } = account;
        public IReadOnlyDictionary<string, string> Tags { get; } = tags ?? new Dictionary<string, string>();
        public Breakdown Days { get; } = new();
    }

    public class Totals
    {
        public long Rows { get; private set; }
        public decimal UnblendedCost { get; private set; }
        public decimal NetUnblendedCost { get; private set; }
        public long InputTokens { get; private set; }
        public long OutputTokens { get; private set; }
        public long CacheReadTokens { get; private set; }
        public long CacheWriteTokens { get; private set; }

        internal void Add(Values v)
        {
            Rows++; UnblendedCost += v.Unblended; NetUnblendedCost += v.Net;
            switch (v.Direction)
            {
                case TokenDirection.Input: InputTokens += v.Tokens; break;
                case TokenDirection.Output: OutputTokens += v.Tokens; break;
                case TokenDirection.CacheRead: CacheReadTokens += v.Tokens; break;
                case TokenDirection.CacheWrite: CacheWriteTokens += v.Tokens; break;
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
            w.WriteNumber("inputTokens", InputTokens);
            w.WriteNumber("outputTokens", OutputTokens);
            w.WriteNumber("cacheReadTokens", CacheReadTokens);
            w.WriteNumber("cacheWriteTokens", CacheWriteTokens);
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
            w.WriteStartObject("rules");
            foreach (var (k, v) in Rules) w.WriteString(k, v);
            w.WriteEndObject();
            w.WriteBoolean("principalColumnPresent", !_options.OmitIamPrincipal);
            w.WriteBoolean("netColumnPresent", !_options.OmitNetUnblended);
            w.WriteStartArray("periods");
            foreach (var p in _periods.Values)
            {
                w.WriteStartObject();
                w.WriteString("billingPeriod", p.BillingPeriod);
                w.WriteNumber("rowCount", p.RowCount);
                w.WriteStartArray("currencies");
                foreach (var c in p.Currencies.Values) WriteCurrency(w, c);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray()) + "\n";
    }

    static void WriteCurrency(Utf8JsonWriter w, CurrencyTotals c)
    {
        w.WriteStartObject();
        w.WriteString("currency", c.Currency);
        w.WriteNumber("totalUnblendedCost", Norm(c.TotalUnblendedCost));
        w.WriteStartObject("bedrock"); c.Bedrock.Write(w); w.WriteEndObject();
        w.WriteStartObject("unattributed"); c.Unattributed.Write(w); w.WriteEndObject();
        WriteBreakdown(w, "unattributedReasons", "reason", c.Reasons);
        w.WriteStartArray("principals");
        foreach (var pt in c.Principals.Values)
        {
            w.WriteStartObject();
            w.WriteString("principal", pt.Principal);
            w.WriteString("account", pt.Account);
            w.WriteStartObject("tags");
            foreach (var (k, v) in pt.Tags.OrderBy(kv => kv.Key, StringComparer.Ordinal)) w.WriteString(k, v);
            w.WriteEndObject();
            pt.Write(w);
            w.WriteStartArray("days");
            foreach (var (day, t) in pt.Days.Items)
            {
                w.WriteStartObject(); w.WriteString("day", day); t.Write(w, tokens: false); w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        WriteBreakdown(w, "teams", "team", c.Teams);
        WriteBreakdown(w, "costCenters", "costCenter", c.CostCenters);
        WriteBreakdown(w, "models", "model", c.Models);
        WriteBreakdown(w, "tokenTypes", "tokenType", c.TokenTypes);
        WriteBreakdown(w, "days", "day", c.Days);
        w.WriteEndObject();
    }

    static void WriteBreakdown(Utf8JsonWriter w, string name, string keyName, Breakdown b)
    {
        w.WriteStartArray(name);
        foreach (var (k, t) in b.Items)
        {
            w.WriteStartObject();
            if (k is null) w.WriteNull(keyName); else w.WriteString(keyName, k);
            t.Write(w);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }
}
