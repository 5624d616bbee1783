using System.Globalization;
using System.Text;
using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Classification;
using BedrockCost.Core.Cur;

namespace BedrockCost.Core.Sources.Athena;

/// <summary>
/// The Glue table an Athena query reads. The defaults are the Cloud Intelligence Dashboards' CUR 2.0 table:
/// its data-exports stack (aws-solutions-library-samples/cloud-intelligence-dashboards-data-collection,
/// data-exports/deploy/data-exports-aggregation.yaml) creates the Glue database
/// <c>${ResourcePrefix}_data_export</c> with the default prefix "cid", and in it the table <c>cur2</c>, whose
/// partition keys are source_account_id, report_name, data and <c>billing_period</c> (all string; the value is
/// the YYYY-MM of the export's BILLING_PERIOD=YYYY-MM folders), and whose <c>product</c> and <c>tags</c> columns
/// are <c>map&lt;string,string&gt;</c>.
/// </summary>
public sealed record AthenaTable(string Catalog, string Database, string Table)
{
    public const string DefaultCatalog = "AwsDataCatalog";
    public const string DefaultDatabase = "cid_data_export";
    public const string DefaultTable = "cur2";
    public const string DefaultWorkGroup = "primary";
    /// <summary>The partition column of the billing period ('YYYY-MM').</summary>
    public const string PeriodColumn = "billing_period";

    /// <summary>Checks the names: they are quoted into SQL, so only Glue's name characters pass.</summary>
    public static AthenaTable Create(string? catalog, string? database, string? table) =>
        new(SqlText.ValidateName(catalog ?? DefaultCatalog, "catalog"), SqlText.ValidateName(database ?? DefaultDatabase, "database"),
            SqlText.ValidateName(table ?? DefaultTable, "table"));

    /// <summary>The table in a FROM clause. The catalog travels in QueryExecutionContext.</summary>
    public string From => $"{SqlText.Identifier(Database)}.{SqlText.Identifier(Table)}";

    /// <summary>Athena's partition metadata table of the table ("table$partitions"): reads the Glue catalog, no data.</summary>
    public string PartitionsFrom => $"{SqlText.Identifier(Database)}.{SqlText.Identifier(Table + "$partitions")}";

    public override string ToString() => $"{Catalog}.{Database}.{Table}";
}

/// <summary>The columns of the table as Glue declares them (GetTableMetadata), names in lower case.</summary>
public sealed class AthenaTableSchema
{
    private readonly HashSet<string> _columns;

    public AthenaTableSchema(IEnumerable<string> columns, IEnumerable<string> partitionKeys)
    {
        PartitionKeys = partitionKeys.Select(k => k.ToLowerInvariant()).ToArray();
        _columns = columns.Select(c => c.ToLowerInvariant()).Concat(PartitionKeys).ToHashSet(StringComparer.Ordinal);
    }

    public IReadOnlyList<string> PartitionKeys { get; }
    public bool Has(string column) => _columns.Contains(column);

    /// <summary>Partitioned by billing period: a period predicate makes Athena read only those months.</summary>
    public bool HasPeriodPartition => PartitionKeys.Contains(AthenaTable.PeriodColumn);

    /// <summary>A legacy Cost and Usage Report's table (CUR 1.0, no principal data), by the engine's rule for files.</summary>
    public bool IsLegacy => CurColumns.IsLegacy(_columns);

    /// <summary>Required CUR 2.0 columns the table lacks.</summary>
    public IReadOnlyList<string> MissingRequired => CurColumns.Required.Where(c => !Has(c)).ToList();
}

/// <summary>Which billing periods a statement reads: these periods, or the periods from <see cref="From"/> to <see cref="To"/> (either open).</summary>
public sealed record PeriodFilter(IReadOnlyList<string>? Periods, string? From = null, string? To = null)
{
    public static PeriodFilter Of(IEnumerable<string> periods) => new(periods.Order(StringComparer.Ordinal).ToArray());

    /// <summary>The periods overlapping [start, end) of usage dates.</summary>
    public static PeriodFilter Overlapping(DateTime? start, DateTime? end) =>
        new(null, start?.ToString("yyyy-MM", CultureInfo.InvariantCulture),
            end is { } e ? e.AddTicks(-1).ToString("yyyy-MM", CultureInfo.InvariantCulture) : null);
}

/// <summary>A generated statement and the names of its result columns.</summary>
public sealed record AthenaStatement(string Sql, IReadOnlyList<string> Columns, IReadOnlyList<string> TagKeys, bool HasPrincipalColumn);

/// <summary>
/// Turns a <see cref="CostQuery"/> into one Trino SQL statement for Athena. The statement keeps the Bedrock rows
/// (the same union as <see cref="RowRules"/>), restricts the billing period by its partition and the usage dates,
/// and groups by the raw columns the engine needs — usage type, principal, line item type, currency, pricing
/// unit, Marketplace flag, and the account, region, model, tag values and usage day or month when the query
/// uses them — with the line-item count and the exact decimal sums of cost and usage. The engine then
/// classifies these few rows with the same <see cref="Aggregator"/> as a local read, so both give the same rows.
/// The filters (-Principal, -Model, -Account, -Tag) are not in the SQL: the aggregator applies them, so the
/// Bedrock total and "selected X of Y" are those of the local engine.
/// </summary>
public static class AthenaSql
{
    // Result column names.
    public const string Period = "billing_period", UsageDate = "usage_date", Account = "usage_account", Payer = "payer_account", ItemType = "line_item_type",
        UsageType = "usage_type", Principal = "principal", Currency = "currency", Unit = "pricing_unit", Region = "product_region",
        Marketplace = "marketplace", LineItems = "line_items", Unblended = "unblended_cost",
        Net = "net_unblended_cost", Usage = "usage_amount", GroupRows = "result_rows", TotalLineItems = "total_line_items",
        TotalUnblended = "total_unblended_cost", UnreadableColumn = "unreadable_column", UnreadableFile = "unreadable_file";

    /// <summary>
    /// The largest magnitudes the sums hold (10 and 20 integer digits of <see cref="MoneyType"/> and
    /// <see cref="UsageType38"/>): a value beyond, as one that is not finite, cannot be cast, and is left out and reported.
    /// </summary>
    public const string MoneyLimit = "1E10", UsageLimit = "1E20";

    public static string TagColumn(int i) => "tag_" + i.ToString(CultureInfo.InvariantCulture);

    /// <summary>Result columns of the product fields that may name a model, in the order of CurColumns.ProductModelKeys.</summary>
    public static readonly string[] ProductFieldColumns = { "model_field", "product_name_field", "service_name_field" };

    /// <summary>
    /// Money is summed as DECIMAL(38, 28) and usage as DECIMAL(38, 18): exact sums of each double converted on
    /// its own. Trino converts a double to a decimal from its shortest round-trip digits (BigDecimal.valueOf, then
    /// HALF_UP to the scale: trinodb/trino DecimalConversions), as the engine's readers do (RowRules.ToMoney), so
    /// costs agree to the last digit. 10 integer digits hold any one group's Bedrock cost; usage amounts (bytes, hours,
    /// tokens) get 20, and 18 decimals are far below a token.
    /// </summary>
    private const string MoneyType = "DECIMAL(38, 28)", UsageType38 = "DECIMAL(38, 18)";

    public static AthenaStatement Costs(CostQuery query, IReadOnlyList<string> tagKeys, AthenaTable table, AthenaTableSchema schema, PeriodFilter periods)
    {
        bool GroupedBy(Dimension d) => query.GroupBy.Any(g => g.Kind == d);
        string Col(string column) => schema.Has(column) ? column : "CAST(NULL AS VARCHAR)";
        // A line item without a usage start counts from the start of its billing period, as in the engine (CurFileRead).
        var usageStart = $"COALESCE({CurColumns.UsageStart}, {CurColumns.BillingPeriodStart})";

        var keys = new List<(string Expr, string Name)> { (PeriodExpression(schema), Period) };
        if (GroupedBy(Dimension.Day))
            keys.Add(($"CAST(CAST({usageStart} AS DATE) AS VARCHAR)", UsageDate));
        else if (GroupedBy(Dimension.Month))
            keys.Add(($"CAST(CAST(date_trunc('month', {usageStart}) AS DATE) AS VARCHAR)", UsageDate));
        if (GroupedBy(Dimension.Account) || query.Accounts.Count > 0 || query.IncludeBillingAccounts) keys.Add((CurColumns.UsageAccountId, Account));
        // The payer of each usage account, only for statements that name billing accounts (FOCUS), as the readers do.
        if (query.IncludeBillingAccounts) keys.Add((Col(CurColumns.PayerAccountId), Payer));
        keys.Add((CurColumns.LineItemType, ItemType));
        keys.Add((CurColumns.UsageType, UsageType));
        var hasPrincipal = schema.Has(CurColumns.IamPrincipal);
        if (hasPrincipal) keys.Add((CurColumns.IamPrincipal, Principal));
        keys.Add((CurColumns.Currency, Currency));
        keys.Add((Col(CurColumns.PricingUnit), Unit));
        if (GroupedBy(Dimension.Region)) keys.Add((Col(CurColumns.ProductRegion), Region));
        // The raw product fields: the engine names the model from them (RowRules.ProductModel), as for files.
        if (GroupedBy(Dimension.Model) || query.Models.Count > 0)
            for (var k = 0; k < ProductFieldColumns.Length; k++)
                if (ProductField(schema, k) is { } field) keys.Add((field, ProductFieldColumns[k]));
        keys.Add((schema.Has(CurColumns.BillingEntity)
            ? $"COALESCE(upper({CurColumns.BillingEntity}) = {Upper(BedrockRows.MarketplaceBillingEntity)}, false)" : "false", Marketplace));
        for (var i = 0; i < tagKeys.Count; i++)
            keys.Add((schema.Has(CurColumns.Tags) ? MapValue(CurColumns.Tags, tagKeys[i]) : "CAST(NULL AS VARCHAR)", TagColumn(i)));
        // Line items with a value that cannot be summed form groups of their own, whose sums are left empty: the engine
        // counts and reports them, never adds them as 0 (a cast of NaN would fail the whole query instead).
        keys.Add((InnerUnreadable, UnreadableColumn));

        const string readable = $"{InnerUnreadable} = ''";
        var unblended = $"CASE WHEN {readable} THEN COALESCE({CurColumns.UnblendedCost}, 0) END";
        var net = schema.Has(CurColumns.NetUnblendedCost)
            ? $"CASE WHEN {readable} THEN COALESCE({CurColumns.NetUnblendedCost}, {CurColumns.UnblendedCost}, 0) END" : unblended;
        var usage = $"CASE WHEN {readable} THEN COALESCE({CurColumns.UsageAmount}, 0) END";
        var sql = new StringBuilder("SELECT");
        foreach (var (expr, name) in keys) sql.Append("\n  ").Append(expr).Append(" AS ").Append(name).Append(',');
        sql.Append($"\n  COUNT(*) AS {LineItems},")
            .Append($"\n  SUM(CAST({unblended} AS {MoneyType})) AS {Unblended},")
            .Append($"\n  SUM(CAST({net} AS {MoneyType})) AS {Net},")
            .Append($"\n  SUM(CAST({usage} AS {UsageType38})) AS {Usage},")
            .Append($"\n  min(CASE WHEN {InnerUnreadable} <> '' THEN {InnerFile} END) AS {UnreadableFile},")
            // Every row carries the result's size and totals, so a page lost or read twice cannot go unnoticed.
            .Append($"\n  COUNT(*) OVER () AS {GroupRows},")
            .Append($"\n  SUM(COUNT(*)) OVER () AS {TotalLineItems},")
            .Append($"\n  SUM(SUM(CAST({unblended} AS {MoneyType}))) OVER () AS {TotalUnblended}")
            // The Bedrock line items of the periods, each with the file it comes from and the column, if any, it cannot sum.
            .Append($"\nFROM (\n  SELECT *, \"$path\" AS {InnerFile}, {Unreadable(schema)} AS {InnerUnreadable}")
            .Append("\n  FROM ").Append(table.From)
            .Append("\n  WHERE ").Append(PeriodPredicate(schema, periods))
            .Append("\n    AND ").Append(BedrockPredicate(schema, query.IncludeAgentCore).Replace("\n", "\n  ", StringComparison.Ordinal));
        if (query.StartDate is { } start) sql.Append("\n    AND ").Append(UsageStartPredicate(">=", start));
        if (query.EndDate is { } end) sql.Append("\n    AND ").Append(UsageStartPredicate("<", end));
        sql.Append("\n) AS bedrock")
            .Append("\nGROUP BY ").Append(string.Join(", ", Enumerable.Range(1, keys.Count).Select(i => i.ToString(CultureInfo.InvariantCulture))));

        var columns = keys.Select(k => k.Name).Concat(new[] { LineItems, Unblended, Net, Usage, UnreadableFile, GroupRows, TotalLineItems, TotalUnblended }).ToArray();
        return new AthenaStatement(sql.ToString(), columns, tagKeys.ToArray(), hasPrincipal);
    }

    // Columns the inner query adds to each line item (no CUR column has these names).
    private const string InnerFile = "bedrockcost_file", InnerUnreadable = "bedrockcost_unreadable";

    /// <summary>
    /// The column of a line item whose cost, net cost or usage amount is not a finite number or is beyond what the sums
    /// hold, or '' (NULL is no value, and counts as 0 as in the engine).
    /// </summary>
    private static string Unreadable(AthenaTableSchema schema)
    {
        var checks = new[] { (CurColumns.UnblendedCost, MoneyLimit), (CurColumns.NetUnblendedCost, MoneyLimit), (CurColumns.UsageAmount, UsageLimit) }
            .Where(c => schema.Has(c.Item1))
            .Select(c => $" WHEN NOT is_finite({c.Item1}) OR abs({c.Item1}) >= {c.Item2} THEN {SqlText.Literal(c.Item1)}");
        return "CASE" + string.Concat(checks) + " ELSE '' END";
    }

    /// <summary>The usage start against a date bound; a line item without one counts from the start of its billing period.</summary>
    private static string UsageStartPredicate(string op, DateTime bound)
    {
        var at = SqlText.Timestamp(bound);
        return $"({CurColumns.UsageStart} {op} {at} OR {CurColumns.UsageStart} IS NULL AND {CurColumns.BillingPeriodStart} {op} {at})";
    }

    /// <summary>The billing periods present among <paramref name="among"/>, or the latest one when <paramref name="among"/> is null.</summary>
    public static string Periods(AthenaTable table, AthenaTableSchema schema, PeriodFilter? among)
    {
        // The partition metadata table lists the partitions from the Glue catalog without reading data.
        var from = schema.HasPeriodPartition ? $"{table.PartitionsFrom}" : table.From;
        var period = PeriodExpression(schema);
        return among is null
            ? $"SELECT max({period}) AS {Period}\nFROM {from}"
            : $"SELECT DISTINCT {period} AS {Period}\nFROM {from}\nWHERE {PeriodPredicate(schema, among)}";
    }

    /// <summary>The partition column, or the month of bill_billing_period_start_date for a table without it.</summary>
    private static string PeriodExpression(AthenaTableSchema schema) =>
        schema.HasPeriodPartition ? AthenaTable.PeriodColumn : $"substr(CAST({CurColumns.BillingPeriodStart} AS VARCHAR), 1, 7)";

    private static string PeriodPredicate(AthenaTableSchema schema, PeriodFilter f)
    {
        var p = PeriodExpression(schema);
        if (f.Periods is { } list) return $"{p} IN ({SqlText.List(list)})";
        var parts = new List<string>();
        if (f.From is not null) parts.Add($"{p} >= {SqlText.Literal(f.From)}");
        if (f.To is not null) parts.Add($"{p} <= {SqlText.Literal(f.To)}");
        return parts.Count == 0 ? "TRUE" : string.Join(" AND ", parts);
    }

    /// <summary>
    /// The union of <see cref="RowRules.IsBedrock(string?, string?, string?, bool, bool)"/> in SQL: a Bedrock
    /// product code, the Bedrock product family, any non-empty principal, or a Marketplace row whose product is an
    /// "(Amazon Bedrock Edition)" model; AgentCore only when asked for. Comparisons ignore case as the engine does
    /// (upper() on both sides; the engine's OrdinalIgnoreCase is also a simple upper-case mapping).
    /// </summary>
    internal static string BedrockPredicate(AthenaTableSchema schema, bool includeAgentCore)
    {
        var codes = BedrockRows.ProductCodes.AsEnumerable();
        if (includeAgentCore) codes = codes.Append(BedrockRows.AgentCoreProductCode);
        var any = new List<string> { $"upper({CurColumns.ProductCode}) IN ({string.Join(", ", codes.Select(Upper))})" };
        if (schema.Has(CurColumns.ProductFamily)) any.Add($"upper({CurColumns.ProductFamily}) = {Upper(BedrockRows.ProductFamily)}");
        if (schema.Has(CurColumns.IamPrincipal)) any.Add($"{CurColumns.IamPrincipal} <> ''");
        var names = new[] { ProductField(schema, 1), ProductField(schema, 2) }.OfType<string>().ToList();
        if (schema.Has(CurColumns.BillingEntity) && names.Count > 0)
        {
            var edition = SqlText.Literal("%" + ModelNames.MarketplaceSuffix.ToUpperInvariant() + "%");
            any.Add($"(upper({CurColumns.BillingEntity}) = {Upper(BedrockRows.MarketplaceBillingEntity)}" +
                    $" AND ({string.Join(" OR ", names.Select(n => $"upper({n}) LIKE {edition}"))}))");
        }
        var union = "(" + string.Join("\n    OR ", any) + ")";
        // AgentCore is agent infrastructure: left out even when it has a principal, unless asked for.
        return includeAgentCore ? union
            : $"COALESCE(upper({CurColumns.ProductCode}), '') <> {Upper(BedrockRows.AgentCoreProductCode)}\n  AND {union}";
    }

    /// <summary>
    /// A product field as the readers take it (CurColumns.ProductModelKeys[k]): the product map's value, else the flat
    /// column (legacy CUR; an export whose query selected the key as a column) when not empty; null when the table has neither.
    /// </summary>
    private static string? ProductField(AthenaTableSchema schema, int k)
    {
        var parts = new List<string>();
        if (schema.Has(CurColumns.Product)) parts.Add(MapValue(CurColumns.Product, CurColumns.ProductModelKeys[k]));
        if (schema.Has(CurColumns.ProductModelColumns[k])) parts.Add($"NULLIF({CurColumns.ProductModelColumns[k]}, '')");
        return parts.Count switch { 0 => null, 1 => parts[0], _ => $"COALESCE({string.Join(", ", parts)})" };
    }

    /// <summary>The value of a key of a map column; NULL when the key is absent (element_at, not map[key], which fails).</summary>
    private static string MapValue(string column, string key) => $"element_at({column}, {SqlText.Literal(key)})";

    private static string Upper(string value) => SqlText.Literal(value.ToUpperInvariant());
}
