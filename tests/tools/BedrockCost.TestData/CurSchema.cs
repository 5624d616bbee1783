using System.Globalization;
using Parquet.Schema;

namespace BedrockCost.TestData;

public enum CurColumnKind { String, Double, Timestamp, StringMap, DoubleMap }

/// <summary>Which optional CUR 2.0 columns to leave out (an export made without the setting, no discounts...).</summary>
public sealed record CurSchemaOptions
{
    /// <summary>Leave out line_item_iam_principal (export without INCLUDE_IAM_PRINCIPAL_DATA).</summary>
    public bool OmitIamPrincipal { get; init; }
    /// <summary>Leave out line_item_net_unblended_cost and line_item_net_unblended_rate.</summary>
    public bool OmitNetUnblended { get; init; }
    public static CurSchemaOptions Full { get; } = new();
}

/// <summary>One CUR column: name, type and how its value is taken from a <see cref="LineItem"/>.</summary>
public sealed class CurColumn
{
    internal CurColumn(string name, CurColumnKind kind, Delegate? getter, bool optional = false)
    {
        Name = name; Kind = kind; Getter = getter; Optional = optional;
    }
    public string Name { get; }
    public CurColumnKind Kind { get; }
    /// <summary>True for the columns an export may lack.</summary>
    public bool Optional { get; }
    /// <summary>Type name used in the manifest's columns list (maps are <c>map</c>).</summary>
    public string ManifestType => Kind switch
    {
        CurColumnKind.String => "string",
        CurColumnKind.Double => "double",
        CurColumnKind.Timestamp => "timestamp",
        _ => "map",
    };
    /// <summary>Null means the column is always null (filler).</summary>
    internal Delegate? Getter { get; }
    public string? GetString(LineItem r) => ((Func<LineItem, string?>?)Getter)?.Invoke(r);
    public double? GetDouble(LineItem r) => ((Func<LineItem, double?>?)Getter)?.Invoke(r);
    public DateTime? GetTimestamp(LineItem r) => ((Func<LineItem, DateTime?>?)Getter)?.Invoke(r);
    public IReadOnlyDictionary<string, string>? GetStringMap(LineItem r) => ((Func<LineItem, IReadOnlyDictionary<string, string>?>?)Getter)?.Invoke(r);
    public IReadOnlyDictionary<string, double>? GetDoubleMap(LineItem r) => ((Func<LineItem, IReadOnlyDictionary<string, double>?>?)Getter)?.Invoke(r);
}

/// <summary>The CUR 2.0 (AWS Data Exports COST_AND_USAGE_REPORT) column list, in export order.</summary>
public static class CurSchema
{
    public const string IamPrincipalColumn = "line_item_iam_principal";
    public const string NetUnblendedCostColumn = "line_item_net_unblended_cost";
    public const string NetUnblendedRateColumn = "line_item_net_unblended_rate";

    static CurColumn S(string n, Func<LineItem, string?>? f = null, bool opt = false) => new(n, CurColumnKind.String, f, opt);
    static CurColumn D(string n, Func<LineItem, double?>? f = null, bool opt = false) => new(n, CurColumnKind.Double, f, opt);
    static CurColumn T(string n, Func<LineItem, DateTime?>? f = null) => new(n, CurColumnKind.Timestamp, f);
    static CurColumn M(string n, Func<LineItem, IReadOnlyDictionary<string, string>?>? f = null) => new(n, CurColumnKind.StringMap, f);
    static CurColumn DM(string n, Func<LineItem, IReadOnlyDictionary<string, double>?>? f = null) => new(n, CurColumnKind.DoubleMap, f);

    static readonly CurColumn[] All = BuildAll();

    /// <summary>All columns (full schema).</summary>
    public static IReadOnlyList<CurColumn> AllColumns => All;

    /// <summary>The columns of an export made with <paramref name="options"/>.</summary>
    public static IReadOnlyList<CurColumn> Columns(CurSchemaOptions? options = null)
    {
        options ??= CurSchemaOptions.Full;
        return All.Where(c =>
            !(options.OmitIamPrincipal && c.Name == IamPrincipalColumn) &&
            !(options.OmitNetUnblended && (c.Name == NetUnblendedCostColumn || c.Name == NetUnblendedRateColumn)))
            .ToArray();
    }

    /// <summary>The Parquet schema for <paramref name="columns"/>: strings nullable UTF-8, doubles nullable,
    /// timestamps ms UTC, maps as Parquet MAP.</summary>
    public static ParquetSchema ToParquetSchema(IReadOnlyList<CurColumn> columns) =>
        new(columns.Select(c => (Field)(c.Kind switch
        {
            CurColumnKind.String => new DataField<string>(c.Name),
            CurColumnKind.Double => new DataField<double?>(c.Name),
            CurColumnKind.Timestamp => new DateTimeDataField(c.Name, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Millis, isNullable: true),
            CurColumnKind.StringMap => new MapField(c.Name, new DataField<string>("key", false), new DataField<string>("value")),
            _ => new MapField(c.Name, new DataField<string>("key", false), new DataField<double?>("value")),
        })).ToArray());

    public static ParquetSchema ParquetSchemaFor(CurSchemaOptions? options = null) => ToParquetSchema(Columns(options));

    // ---- derived values -------------------------------------------------------------------------

    static string? Fmt(double v) => v.ToString("R", CultureInfo.InvariantCulture);
    static bool IsUsage(LineItem r) => r.LineItemType is "Usage" or "DiscountedUsage" or "SavingsPlanCoveredUsage";

    [ThreadStatic] static Dictionary<(DateTime, DateTime), string>? _intervals;
    static string TimeInterval(LineItem r)
    {
        var cache = _intervals ??= new();
        if (cache.TryGetValue((r.UsageStart, r.UsageEnd), out var v)) return v;
        if (cache.Count > 10_000) cache.Clear();
        v = r.UsageStart.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) + "/" +
            r.UsageEnd.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        cache[(r.UsageStart, r.UsageEnd)] = v;
        return v;
    }

    static string? NetRate(LineItem r) => r.NetUnblendedCost is not double n ? null
        : n == r.UnblendedCost ? r.UnblendedRate
        : r.UsageAmount != 0 ? (n / r.UsageAmount).ToString("G10", CultureInfo.InvariantCulture) : null;

    static readonly Dictionary<string, string> RegionNames = new()
    {
        ["us-east-1"] = "US East (N. Virginia)", ["us-east-2"] = "US East (Ohio)", ["us-west-2"] = "US West (Oregon)",
        ["eu-central-1"] = "EU (Frankfurt)", ["eu-west-1"] = "EU (Ireland)", ["ap-northeast-1"] = "Asia Pacific (Tokyo)",
    };

    static IReadOnlyDictionary<string, string>? ResourceTags(LineItem r)
    {
        if (r.Tags is null) return null;
        Dictionary<string, string>? d = null;
        foreach (var (k, v) in r.Tags)
            if (k.StartsWith("resourceTags/", StringComparison.Ordinal))
                (d ??= new())["user_" + k["resourceTags/".Length..]] = v;
        return d;
    }

    static double? Discount(LineItem r) =>
        r.NetUnblendedCost is double n && n != r.UnblendedCost && IsUsage(r)
            ? (double)(ExpectedTotals.ToDecimal(n) - ExpectedTotals.ToDecimal(r.UnblendedCost)) : null;

    static CurColumn[] BuildAll()
    {
        var cols = new List<CurColumn>
        {
            S("bill_bill_type", _ => "Anniversary"),
            S("bill_billing_entity", r => r.BillingEntity),
            T("bill_billing_period_end_date", r => r.BillingPeriodStart.AddMonths(1)),
            T("bill_billing_period_start_date", r => r.BillingPeriodStart),
            S("bill_invoice_id"),
            S("bill_invoicing_entity", _ => "Amazon Web Services, Inc."),
            S("bill_payer_account_id", r => r.PayerAccountId),
            S("bill_payer_account_name", r => r.PayerAccountName),
            M("cost_category", r => r.CostCategory),
            DM("discount", r => Discount(r) is double d ? new Dictionary<string, double> { ["edp_discount"] = d } : null),
            D("discount_bundled_discount"),
            D("discount_total_discount", Discount),
            S("identity_line_item_id", r => r.LineItemId),
            S("identity_time_interval", TimeInterval),
            S("line_item_availability_zone", r => r.AvailabilityZone),
            D("line_item_blended_cost", r => r.UnblendedCost),
            S("line_item_blended_rate", r => r.UnblendedRate),
            S("line_item_currency_code", r => r.CurrencyCode),
            S(IamPrincipalColumn, r => r.IamPrincipal, opt: true),
            S("line_item_legal_entity", r => r.LegalEntity ?? "Amazon Web Services, Inc."),
            S("line_item_line_item_description", r => r.Description),
            S("line_item_line_item_type", r => r.LineItemType),
            D(NetUnblendedCostColumn, r => r.NetUnblendedCost, opt: true),
            S(NetUnblendedRateColumn, NetRate, opt: true),
            D("line_item_normalization_factor", r => r.NormalizationFactor ?? 0),
            D("line_item_normalized_usage_amount", r => r.NormalizationFactor is double f ? f * r.UsageAmount : 0),
            S("line_item_operation", r => r.Operation),
            S("line_item_product_code", r => r.ProductCode),
            S("line_item_resource_id", r => r.ResourceId),
            S("line_item_tax_type", r => r.LineItemType == "Tax" ? "Sales Tax" : null),
            D("line_item_unblended_cost", r => r.UnblendedCost),
            S("line_item_unblended_rate", r => r.UnblendedRate),
            S("line_item_usage_account_id", r => r.UsageAccountId),
            S("line_item_usage_account_name", r => r.UsageAccountName),
            D("line_item_usage_amount", r => r.UsageAmount),
            T("line_item_usage_end_date", r => r.UsageEnd),
            T("line_item_usage_start_date", r => r.UsageStart),
            S("line_item_usage_type", r => r.UsageType),
            S("line_item_user_identifier"),
            S("pricing_currency", r => r.CurrencyCode),
            S("pricing_lease_contract_length"),
            S("pricing_offering_class"),
            D("pricing_public_on_demand_cost", r => IsUsage(r) ? r.UnblendedCost : 0),
            S("pricing_public_on_demand_rate", r => IsUsage(r) ? r.UnblendedRate : null),
            S("pricing_purchase_option"),
            S("pricing_rate_code", r => r.RateCode),
            S("pricing_rate_id", r => r.RateId),
            S("pricing_term", r => IsUsage(r) ? "OnDemand" : null),
            S("pricing_unit", r => r.PricingUnit),
            M("product", r => r.Product),
            S("product_comment"),
            S("product_fee_code"),
            S("product_fee_description"),
            S("product_from_location", r => r.FromLocation),
            S("product_from_location_type"),
            S("product_from_region_code"),
            S("product_instance_family", r => r.InstanceFamily),
            S("product_instance_type", r => r.InstanceType),
            S("product_instancesku"),
            S("product_location", r => r.ProductRegionCode is { } rc && RegionNames.TryGetValue(rc, out var n) ? n : null),
            S("product_location_type", r => r.ProductRegionCode is null ? null : "AWS Region"),
            S("product_operation", r => r.Operation),
            S("product_pricing_unit", r => r.PricingUnit),
            S("product_product_family", r => r.ProductFamily),
            S("product_region_code", r => r.ProductRegionCode),
            S("product_servicecode", r => r.ProductServicecode),
            S("product_sku", r => r.ProductSku),
            S("product_to_location", r => r.ToLocation),
            S("product_to_location_type"),
            S("product_to_region_code"),
            S("product_usagetype", r => r.UsageType),
        };
        // reservation_*: filler (no reservations in generated data) but the subscription id, which every usage row carries
        foreach (var (n, k) in new[]
        {
            ("amortized_upfront_cost_for_usage", 'd'), ("amortized_upfront_fee_for_billing_period", 'd'),
            ("availability_zone", 's'), ("effective_cost", 'd'), ("end_time", 's'), ("modification_status", 's'),
            ("net_amortized_upfront_cost_for_usage", 'd'), ("net_amortized_upfront_fee_for_billing_period", 'd'),
            ("net_effective_cost", 'd'), ("net_recurring_fee_for_usage", 'd'),
            ("net_unused_amortized_upfront_fee_for_billing_period", 'd'), ("net_unused_recurring_fee", 'd'),
            ("net_upfront_value", 'd'), ("normalized_units_per_reservation", 's'), ("number_of_reservations", 's'),
            ("recurring_fee_for_usage", 'd'), ("reservation_a_r_n", 's'), ("start_time", 's'), ("subscription_id", 's'),
            ("total_reserved_normalized_units", 's'), ("total_reserved_units", 's'), ("units_per_reservation", 's'),
            ("unused_amortized_upfront_fee_for_billing_period", 'd'), ("unused_normalized_unit_quantity", 'd'),
            ("unused_quantity", 'd'), ("unused_recurring_fee", 'd'), ("upfront_value", 'd'),
        })
            cols.Add(k == 'd' ? D("reservation_" + n) : n == "subscription_id" ? S("reservation_" + n, r => r.SubscriptionId) : S("reservation_" + n));
        cols.Add(M("resource_tags", ResourceTags));
        foreach (var (n, k) in new[]
        {
            ("amortized_upfront_commitment_for_billing_period", 'd'), ("end_time", 's'), ("instance_type_family", 's'),
            ("net_amortized_upfront_commitment_for_billing_period", 'd'), ("net_recurring_commitment_for_billing_period", 'd'),
            ("net_savings_plan_effective_cost", 'd'), ("offering_type", 's'), ("payment_option", 's'), ("purchase_term", 's'),
            ("recurring_commitment_for_billing_period", 'd'), ("region", 's'), ("savings_plan_a_r_n", 's'),
            ("savings_plan_effective_cost", 'd'), ("savings_plan_rate", 'd'), ("start_time", 's'),
            ("total_commitment_to_date", 'd'), ("used_commitment", 'd'),
        })
            cols.Add(k == 'd' ? D("savings_plan_" + n) : S("savings_plan_" + n));
        foreach (var (n, k) in new[]
        {
            ("actual_usage", 'd'), ("net_split_cost", 'd'), ("net_unused_cost", 'd'), ("parent_resource_id", 's'),
            ("public_on_demand_split_cost", 'd'), ("public_on_demand_unused_cost", 'd'), ("reserved_usage", 'd'),
            ("split_cost", 'd'), ("split_usage", 'd'), ("split_usage_ratio", 'd'), ("unused_cost", 'd'),
        })
            cols.Add(k == 'd' ? D("split_line_item_" + n) : S("split_line_item_" + n));
        cols.Add(M("tags", r => r.Tags));
        return cols.ToArray();
    }
}
