using System.Globalization;
using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Aws;
using BedrockCost.Core.Cur;

namespace BedrockCost.Core.Sources.Athena;

/// <summary>
/// CUR 2.0 queried where it lives, with Amazon Athena: one generated statement per request (<see cref="AthenaSql"/>)
/// groups the Bedrock rows of the chosen billing periods by their raw columns, and each result row becomes a
/// <see cref="LineItem"/> standing for its COUNT(*) CUR line items, fed to the same <see cref="Aggregator"/> as a
/// local read: classification, filters, rows, totals and the reconciliation are the engine's own.
/// </summary>
public sealed class AthenaSource : ICostSource
{
    public const string SourceName = "Athena";

    /// <summary>
    /// Every dimension and tokens (the query groups by the raw columns the engine classifies); no files of its own
    /// to count or inspect, and the table ends where its data ends.
    /// </summary>
    public static readonly SourceCapabilities AthenaCapabilities = new()
    {
        GroupBy = Enum.GetValues<Dimension>().ToHashSet(),
        HasTokens = true,
    };

    private readonly AthenaClient _client;
    private readonly AthenaSettings _settings;
    private AthenaTableSchema? _schema;

    public AthenaSource(AthenaClient client, AthenaSettings settings)
    {
        _client = client;
        _settings = settings;
    }

    public static AthenaSource Create(AwsConnection connection, AthenaSettings settings) =>
        new(new AthenaClient(AthenaClient.CreateJsonClient(connection)), settings);

    public string Description => $"Athena table {_settings.Table} (workgroup {_settings.WorkGroup}, {_client.Endpoint.Host})";

    public SourceCapabilities Capabilities => AthenaCapabilities;

    /// <summary>The latest billing period of the table, from its partitions (Glue metadata, no data scanned).</summary>
    public async Task<string?> LatestBillingPeriodAsync(IOperationContext ctx, CancellationToken ct)
    {
        var schema = await SchemaAsync(ctx, ct).ConfigureAwait(false);
        var periods = await PeriodsAsync(AthenaSql.Periods(_settings.Table, schema, null), ctx, ct).ConfigureAwait(false);
        return periods.FirstOrDefault();
    }

    public async Task<CostResult> QueryAsync(CostQuery query, IOperationContext ctx, CancellationToken ct)
    {
        var schema = await SchemaAsync(ctx, ct).ConfigureAwait(false);
        var (filter, present) = await ChoosePeriodsAsync(query, schema, ctx, ct).ConfigureAwait(false);
        var aggregator = new Aggregator(query);
        // Dates outside every period of the table: nothing to read, and nothing to pay for.
        if (present.Count == 0) return aggregator.ToResult(SourceName, ctx, hasPrincipalData: schema.Has(CurColumns.IamPrincipal));
        var statement = AthenaSql.Costs(query, aggregator.TagKeys, _settings.Table, schema, filter);
        var execution = await _client.ExecuteAsync(statement.Sql, _settings, ctx, ct).ConfigureAwait(false);
        ctx.Verbose(execution.Describe());

        var check = new ResultCheck();
        var index = statement.Columns.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
        var unreadable = new SortedDictionary<string, (long LineItems, SortedSet<string> Files)>(StringComparer.Ordinal);
        var overflows = new SortedDictionary<SumOverflow, long>();
        await foreach (var row in _client.ReadRowsAsync(execution.QueryId, statement.Columns, ct).ConfigureAwait(false))
        {
            var item = ToLineItem(row, index, statement);
            check.Add(row, index, item);
            if (row[index[AthenaSql.UnreadableColumn]] is { Length: > 0 } column)
            {
                // Not summed by the query (their sums are empty): counted and reported, never added as 0.
                var (lineItems, files) = unreadable.TryGetValue(column, out var u) ? u : (0, new SortedSet<string>(StringComparer.Ordinal));
                if (row[index[AthenaSql.UnreadableFile]] is { Length: > 0 } file) files.Add(file);
                unreadable[column] = (lineItems + item.Count, files);
                continue;
            }
            // A row the engine's sums cannot take (beyond the decimal range) is left out and counted by the aggregator.
            if (aggregator.Add(item) is var overflow and not SumOverflow.None) overflows[overflow] = overflows.GetValueOrDefault(overflow) + item.Count;
        }
        check.Verify(execution.QueryId);
        foreach (var (column, (lineItems, files)) in unreadable)
        {
            aggregator.AddLeftOut(lineItems);
            var where = files.Count == 0 ? string.Empty
                : $" (in {string.Join(", ", files.Take(3))}{(files.Count > 3 ? $" and {files.Count - 3} other file(s)" : string.Empty)})";
            ctx.Error(new BedrockCostException(ErrorIds.InvalidCostValue, ErrorKind.InvalidData,
                $"The Athena table {_settings.Table}{where}: {lineItems:N0} Bedrock line item(s) have a {column} that is not a finite number (NaN, ±Infinity) " +
                $"or is beyond ±{(column == CurColumns.UsageAmount ? AthenaSql.UsageLimit : AthenaSql.MoneyLimit)} (what the query's decimal sums hold). " +
                "They are left out of the totals, which are incomplete; the other line items are counted.", _settings.Table.ToString()));
        }
        foreach (var (sum, lineItems) in overflows)
            ctx.Error(new BedrockCostException(ErrorIds.CostSumOverflow, ErrorKind.InvalidData,
                $"The Athena table {_settings.Table}: adding {lineItems:N0} Bedrock line item(s) would take a sum of {CurColumns.Of(sum)} beyond the decimal range. " +
                "They are left out of the totals, which are incomplete; the other line items are counted.", _settings.Table.ToString()));

        if (!statement.HasPrincipalColumn)
            ctx.Warning(schema.IsLegacy
                ? $"The Athena table {_settings.Table} is a legacy Cost and Usage Report (CUR 1.0): its Bedrock cost is unattributed. {CurColumns.LegacyHelp}"
                : $"The Athena table {_settings.Table} has no line_item_iam_principal column, so its Bedrock cost is unattributed. {CurColumns.EnablePrincipalHelp}");
        // The periods read are the result's, with or without Bedrock, as for files: a month without Bedrock is an answer.
        foreach (var period in present.Where(p => !aggregator.Periods.Contains(p)))
            ctx.Warning($"Found no Bedrock line items in billing period {period} of the Athena table {_settings.Table}.");
        aggregator.CoverPeriods(present);
        var result = aggregator.ToResult(SourceName, ctx, hasPrincipalData: statement.HasPrincipalColumn);
        ctx.Verbose($"Athena returned {check.Rows:N0} grouped row(s) standing for {check.LineItems:N0} Bedrock line items.");
        return result;
    }

    /// <summary>The table's columns, once per source; a table without the CUR 2.0 columns is refused before any query.</summary>
    private async Task<AthenaTableSchema> SchemaAsync(IOperationContext ctx, CancellationToken ct)
    {
        if (_schema is not null) return _schema;
        var schema = await _client.GetTableSchemaAsync(_settings, ct).ConfigureAwait(false);
        if (schema.MissingRequired.Count > 0)
            throw new BedrockCostException(ErrorIds.AthenaTableNotCur, ErrorKind.InvalidData,
                $"The Athena table {_settings.Table} is not a CUR 2.0 table: it lacks the column(s) {string.Join(", ", schema.MissingRequired)}. " +
                "Point -Database and -Table at the table of a CUR 2.0 export (COST_AND_USAGE_REPORT).", _settings.Table.ToString());
        if (!schema.HasPeriodPartition)
            ctx.Warning($"The Athena table {_settings.Table} is not partitioned by {AthenaTable.PeriodColumn}, so every query scans (and bills) the whole table. " +
                        "A table crawled from the export folder (BILLING_PERIOD=YYYY-MM), as the Cloud Intelligence Dashboards create, is.");
        ctx.Debug($"Athena table {_settings.Table}: partition keys {string.Join(", ", schema.PartitionKeys)}.");
        return _schema = schema;
    }

    /// <summary>
    /// The periods to read, as the local engine chooses them: the ones asked for (at least one must exist), those
    /// overlapping the dates, or the latest; and those of them the table holds (from its partitions, no data scanned).
    /// </summary>
    private async Task<(PeriodFilter Filter, IReadOnlyList<string> Present)> ChoosePeriodsAsync(CostQuery query, AthenaTableSchema schema,
        IOperationContext ctx, CancellationToken ct)
    {
        if (query.BillingPeriods.Count > 0)
        {
            var wanted = PeriodFilter.Of(query.BillingPeriods);
            var present = await PeriodsAsync(AthenaSql.Periods(_settings.Table, schema, wanted), ctx, ct).ConfigureAwait(false);
            if (present.Count == 0)
                throw new BedrockCostException(ErrorIds.BillingPeriodNotFound, ErrorKind.NotFound,
                    $"No data for billing period {string.Join(", ", query.BillingPeriods)} in the Athena table {_settings.Table}.", string.Join(",", query.BillingPeriods));
            return (wanted, present);
        }
        if (query.StartDate is not null || query.EndDate is not null)
        {
            var overlapping = PeriodFilter.Overlapping(query.StartDate, query.EndDate);
            return (overlapping, await PeriodsAsync(AthenaSql.Periods(_settings.Table, schema, overlapping), ctx, ct).ConfigureAwait(false));
        }
        var latest = await PeriodsAsync(AthenaSql.Periods(_settings.Table, schema, null), ctx, ct).ConfigureAwait(false);
        if (latest.Count == 0)
            throw new BedrockCostException(ErrorIds.NoCurFiles, ErrorKind.NotFound, $"The Athena table {_settings.Table} holds no billing period.", _settings.Table.ToString());
        ctx.Verbose($"Reading billing period {latest[0]}, the latest in {_settings.Table}.");
        return (PeriodFilter.Of(latest), latest);
    }

    private async Task<List<string>> PeriodsAsync(string sql, IOperationContext ctx, CancellationToken ct)
    {
        var execution = await _client.ExecuteAsync(sql, _settings, ctx, ct).ConfigureAwait(false);
        ctx.Verbose(execution.Describe());
        var periods = new List<string>();
        await foreach (var row in _client.ReadRowsAsync(execution.QueryId, new[] { AthenaSql.Period }, ct).ConfigureAwait(false))
            if (row[0] is { Length: > 0 } p) periods.Add(p);
        return periods;
    }

    private static LineItem ToLineItem(string?[] row, Dictionary<string, int> index, AthenaStatement statement)
    {
        string? Text(string column) => index.TryGetValue(column, out var i) ? row[i] : null;
        var item = new LineItem
        {
            BillingPeriod = Text(AthenaSql.Period) ?? throw Bad($"a row has no {AthenaSql.Period}"),
            Account = Text(AthenaSql.Account),
            PayerAccount = Text(AthenaSql.Payer),
            LineItemType = Text(AthenaSql.ItemType),
            UsageType = Text(AthenaSql.UsageType),
            Principal = Text(AthenaSql.Principal),
            Currency = Text(AthenaSql.Currency),
            PricingUnit = Text(AthenaSql.Unit),
            ProductRegion = Text(AthenaSql.Region),
            Marketplace = Text(AthenaSql.Marketplace) == "true",
            PrincipalData = statement.HasPrincipalColumn ? PrincipalData.Column : PrincipalData.NoColumn,
            UsageAmount = Decimal(Text(AthenaSql.Usage), AthenaSql.Usage),
            UnblendedCost = Decimal(Text(AthenaSql.Unblended), AthenaSql.Unblended),
            NetUnblendedCost = Decimal(Text(AthenaSql.Net), AthenaSql.Net),
            Count = Long(Text(AthenaSql.LineItems), AthenaSql.LineItems),
        };
        var product = AthenaSql.ProductFieldColumns.Select(Text).ToArray();
        if (product.Any(v => v is not null)) item.ProductModel = RowRules.ProductModel(product);
        if (Text(AthenaSql.UsageDate) is { } day)
            item.UsageStart = DateTime.TryParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var d)
                ? DateTime.SpecifyKind(d, DateTimeKind.Utc) : throw Bad($"usage date '{day}' is not yyyy-MM-dd");
        if (statement.TagKeys.Count > 0)
        {
            var tags = new string?[statement.TagKeys.Count];
            for (var i = 0; i < tags.Length; i++) tags[i] = Text(AthenaSql.TagColumn(i));
            item.Tags = tags;
        }
        return item;
    }

    /// <summary>A DECIMAL(38, s) value; Athena writes every digit of the scale, so trailing zeros are dropped (1.50000 is shown 1.5).</summary>
    private static decimal Decimal(string? text, string column)
    {
        if (text is null) return 0m;
        var digits = text.Contains('.') && !text.Contains('E', StringComparison.OrdinalIgnoreCase) ? text.TrimEnd('0') : text;
        return decimal.TryParse(digits, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : throw Bad($"{column} '{text}' is not a number");
    }

    private static long Long(string? text, string column) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw Bad($"{column} '{text}' is not a positive count");

    private static BedrockCostException Bad(string what) =>
        new(ErrorIds.AthenaBadResponse, ErrorKind.InvalidData, $"Athena's result is not what the query asks for: {what}.", null);

    /// <summary>
    /// Every row carries the result's size and totals as Athena computed them: the rows read must add up to them,
    /// so a page lost, or read twice, is an error rather than a wrong total.
    /// </summary>
    private sealed class ResultCheck
    {
        public long Rows, LineItems;
        private decimal _unblended;
        private (long Rows, long LineItems, decimal Unblended)? _reported;

        public void Add(string?[] row, Dictionary<string, int> index, in LineItem item)
        {
            Rows++;
            LineItems += item.Count;
            _unblended += item.UnblendedCost;
            var reported = (Long(row[index[AthenaSql.GroupRows]], AthenaSql.GroupRows), Long(row[index[AthenaSql.TotalLineItems]], AthenaSql.TotalLineItems),
                Decimal(row[index[AthenaSql.TotalUnblended]], AthenaSql.TotalUnblended));
            if (_reported is { } r && r != reported) throw Bad("rows disagree on the result's totals");
            _reported = reported;
        }

        public void Verify(string queryId)
        {
            if (_reported is not { } r || (r.Rows == Rows && r.LineItems == LineItems && r.Unblended == _unblended)) return;
            throw new BedrockCostException(ErrorIds.AthenaResultIncomplete, ErrorKind.InvalidData,
                $"The result of Athena query {queryId} was not read whole: Athena counted {r.Rows} row(s), {r.LineItems} line item(s) and a cost of {r.Unblended}, " +
                $"the pages read held {Rows}, {LineItems} and {_unblended}. Nothing was reported; run the command again.", queryId);
        }
    }

    public void Dispose() => _client.Dispose();
}
