using System.Globalization;
using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Cur;
using BedrockCost.Core.Sources;
using BedrockCost.Core.Sources.Athena;
using BedrockCost.FakeAws;
using DuckDB.NET.Data;
using Xunit;

namespace BedrockCost.Core.Tests;

/// <summary>
/// The decisive test of the Athena source: on the sample export, the rows it builds from the SQL that the fake Athena
/// runs with DuckDB equal the local engine's rows over the same files, row for row and property by property, for
/// every kind of query (principal, model and token type, tag, filters, net cost basis, days for the insights), with
/// the same Bedrock and selected totals.
/// </summary>
public sealed class AthenaSourceTests : IDisposable
{
    private readonly FakeAthena _fake = new("eu-west-1") { PageSize = 50 };

    public AthenaSourceTests()
    {
        _fake.AddExport(AthenaClientTests.Database, AthenaClientTests.Table, EngineTests.SamplePath);
        _fake.Start();
    }

    public void Dispose() => _fake.Dispose();

    private static readonly DateTime June3 = new(2026, 6, 3, 0, 0, 0, DateTimeKind.Utc);

    public static TheoryData<string> Queries => new()
    {
        "Principal",
        "Principal | 2026-05,2026-06",
        "Model, TokenType | 2026-05,2026-06",
        "iamPrincipal/team | 2026-06",
        "Person | 2026-05",
        "Role, PrincipalType",
        "Account, Region, UsageType | 2026-05,2026-06",
        "Month, Model | 2026-05,2026-06",
        "Principal, Day | dates",
        "Principal, Model, TokenType, Day, iamPrincipal/team | 2026-06",
        "Principal | 2026-06 | net",
        "Model | 2026-06 | agentcore",
        "Principal | 2026-06 | filters",
        "iamPrincipal/team, Model | 2026-05,2026-06 | tagfilter",
        // What a chargeback statement asks (issue 12): lines per billing period, and the payer accounts for FOCUS.
        "BillingPeriod, Principal, Model, TokenType, Day, iamPrincipal/team | 2026-05,2026-06 | payers",
    };

    private static CostQuery Parse(string spec)
    {
        var parts = spec.Split('|', StringSplitOptions.TrimEntries);
        var options = parts.Skip(1).ToHashSet();
        var periods = parts.Skip(1).FirstOrDefault(p => p.StartsWith("20", StringComparison.Ordinal));
        return new CostQuery
        {
            GroupBy = parts[0].Split(',').Select(g => GroupDimension.Parse(g.Trim())).ToArray(),
            BillingPeriods = periods?.Split(',') ?? Array.Empty<string>(),
            StartDate = options.Contains("dates") ? new DateTime(2026, 5, 20, 0, 0, 0, DateTimeKind.Utc) : null,
            EndDate = options.Contains("dates") ? June3 : null,
            CostBasis = options.Contains("net") ? CostBasis.NetUnblended : CostBasis.Unblended,
            IncludeAgentCore = options.Contains("agentcore"),
            Principals = options.Contains("filters") ? new[] { "*:user/*", "*assumed-role/AWSReservedSSO_*" } : Array.Empty<string>(),
            Models = options.Contains("filters") ? new[] { "Claude*", "Nova*" } : Array.Empty<string>(),
            Tags = options.Contains("tagfilter") ? new Dictionary<string, string> { ["iamPrincipal/team"] = "*" } : new Dictionary<string, string>(),
            IncludeBillingAccounts = options.Contains("payers"),
        };
    }

    /// <summary>Every property of a row but Source, as text (dates invariant; decimals by value: 1.50 and 1.5 are the same amount).</summary>
    internal static string Describe(PrincipalCost r) => string.Join(" | ", typeof(PrincipalCost).GetProperties()
        .Where(p => p.Name != nameof(PrincipalCost.Source))
        .Select(p => p.Name + "=" + p.GetValue(r) switch
        {
            null => "null",
            IReadOnlyDictionary<string, string> d => string.Join(";", d.Select(kv => $"{kv.Key}:{kv.Value}")),
            IReadOnlyList<string> l => string.Join(",", l),
            decimal m => m.ToString("G29", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            var v => v.ToString(),
        }));

    /// <summary>Row for row, every property but Source; a failure names the first row that differs.</summary>
    private static void AssertSameRows(CostResult local, CostResult athena)
    {
        var (expected, actual) = (local.Rows.Select(Describe).ToList(), athena.Rows.Select(Describe).ToList());
        var first = expected.Zip(actual).Select((p, i) => (p, i)).FirstOrDefault(x => x.p.First != x.p.Second);
        Assert.True(first.p.First is null, $"row {first.i}:\nlocal:  {first.p.First}\nathena: {first.p.Second}");
        Assert.Equal(expected.Count, actual.Count);
    }

    [Theory]
    [MemberData(nameof(Queries))]
    public async Task The_Athena_rows_equal_the_local_engines_row_for_row(string spec)
    {
        var query = Parse(spec);
        var local = await CurSource.Local(new[] { EngineTests.SamplePath }).QueryAsync(query, NullOperationContext.Instance, default);
        using var athena = new AthenaSource(AthenaClientTests.Client(_fake), AthenaClientTests.Settings());
        var remote = await athena.QueryAsync(query, NullOperationContext.Instance, default);

        Assert.NotEmpty(local.Rows);
        AssertSameRows(local, remote);
        Assert.All(remote.Rows, r => Assert.Equal("Athena", r.Source));
        Assert.Equal(Totals(local.BedrockTotals), Totals(remote.BedrockTotals));
        Assert.Equal(Totals(local.SelectedTotals), Totals(remote.SelectedTotals));
        // Each period's totals in cost and tokens (a statement reconciles period by period) and the payer accounts.
        Assert.Equal(Totals(local.PeriodTotals), Totals(remote.PeriodTotals));
        Assert.Equal(local.BillingAccounts.OrderBy(kv => kv.Key), remote.BillingAccounts.OrderBy(kv => kv.Key));
        if (query.IncludeBillingAccounts) Assert.NotEmpty(remote.BillingAccounts);
        Assert.Equal(local.BillingPeriods, remote.BillingPeriods);
        Assert.Equal(local.BedrockLineItems, remote.BedrockLineItems);
        Assert.Equal(local.UnrecognisedUsageTypes, remote.UnrecognisedUsageTypes);
        // One statement for the costs, after one partition lookup (the periods named, implied by the dates, or the latest).
        Assert.All(_fake.Requests, r => Assert.Null(r.Problem));
        Assert.Equal(2, _fake.Queries.Count);
        Assert.Contains("$partitions", _fake.Queries[0].Sql);

        static IEnumerable<string> Totals(IEnumerable<CurrencyTotal> ts) =>
            ts.Select(t => $"{t.BillingPeriod} {t.Currency} {t.UnblendedCost:G29} {t.NetUnblendedCost:G29} {t.AttributedUnblendedCost:G29} {t.AttributedNetUnblendedCost:G29} {t.LineItems} " +
                           $"{t.InputTokens} {t.OutputTokens} {t.CacheReadTokens} {t.CacheWriteTokens}");
    }

    /// <summary>
    /// Rows the sample does not have, each on an edge of the Bedrock rules: Marketplace Bedrock rows without a principal
    /// (product name, or service name only, any case), a Marketplace row that is not Bedrock, a Marketplace tax line,
    /// AgentCore with a principal, a lower-case product code, the product family alone, another service's row with a
    /// principal, an empty principal, null maps and billing entity, a row without a net cost, and costs with all 17
    /// significant digits of a double.
    /// </summary>
    private static IEnumerable<TestData.LineItem> EdgeRows()
    {
        var period = new DateTime(2026, 7, 1, 0, 0, 0, DateTimeKind.Utc);
        TestData.LineItem Row(string code, string? usageType, double cost, string? principal = null, string entity = "AWS", string type = "Usage",
            Dictionary<string, string>? product = null, string? family = null, string? unit = "1K tokens", double? net = null, int day = 1) => new()
        {
            BillingPeriodStart = period, UsageStart = period.AddDays(day), UsageEnd = period.AddDays(day + 1), UsageAccountId = "111122223333",
            ProductCode = code, UsageType = usageType, UnblendedCost = cost, NetUnblendedCost = net, UsageAmount = 1234.5678901234567,
            IamPrincipal = principal, BillingEntity = entity, LineItemType = type, Product = product, ProductFamily = family, PricingUnit = unit,
            Tags = principal is null ? null : new() { ["iamPrincipal/team"] = "ml" },
        };
        var edition = new Dictionary<string, string> { ["product_name"] = "Claude Sonnet 4.6 (Amazon Bedrock Edition)" };
        yield return Row("7zgyu5r4uonlsrnaq20qq63eo", "USE1-MP:USE1_input_tokens_standard-Units", 0.30000000000000004, entity: "AWS Marketplace", product: edition, unit: "Units");
        yield return Row("7zgyu5r4uonlsrnaq20qq63eo", "USE1-MP:USE1_output_tokens_standard-Units", 1.2345678901234567, entity: "aws marketplace",
            product: new() { ["servicename"] = "claude opus 4.6 (amazon bedrock edition)" }, unit: "Units", day: 2);
        yield return Row("8abcnotbedrock0000000000", "USE1-MP:SaaS-Units", 99.123456789012345, entity: "AWS Marketplace", product: new() { ["product_name"] = "Some SaaS" }, unit: "Units");
        yield return Row("7zgyu5r4uonlsrnaq20qq63eo", "USE1-MP:USE1_input_tokens_standard-Units", 0.0123456789012345678, entity: "AWS Marketplace", type: "Tax", product: edition, unit: null);
        yield return Row("AmazonBedrockAgentCore", "USE1-AgentCore-Runtime-vCPU-Hours", 3.3333333333333335, principal: "arn:aws:iam::111122223333:user/agent", unit: "Hrs");
        yield return Row("amazonbedrock", "USE1-Nova2.0Lite-input-tokens", 0.1 * 3, net: 0.27000000000000002);
        yield return Row("AmazonSageMaker", "USE1-Something", 7.0000000000000009, family: "amazon bedrock", unit: "Hrs");
        yield return Row("AmazonS3", "USE1-TimedStorage-ByteHrs", 0.000123456789012345, principal: "arn:aws:iam::111122223333:user/storage", unit: "GB-Mo");
        yield return Row("AmazonBedrock", "USE1-Claude4.6Sonnet-output-tokens", 12.345678901234567, principal: "", net: 11.111111111111111);
        yield return Row("AmazonEC2", "USE1-BoxUsage:t3.micro", 0.0104, unit: "Hrs");
        yield return Row("AmazonBedrock", "USE1-Claude4.6Sonnet-input-tokens", 123456.78901234567, principal: "arn:aws:iam::111122223333:user/alice", net: 120000.00000000001, day: 3);
    }

    [Theory]
    [InlineData("Principal", false)]
    [InlineData("Principal", true)]
    [InlineData("Model, TokenType, Day", true)]
    [InlineData("iamPrincipal/team, Person", false)]
    public async Task On_the_edges_of_the_Bedrock_rules_the_Athena_rows_equal_the_local_engines(string groupBy, bool agentCore)
    {
        var root = Path.Combine(Path.GetTempPath(), $"bedrockcost-edge-{Guid.NewGuid():N}");
        var folder = Path.Combine(root, "data", "BILLING_PERIOD=2026-07");
        Directory.CreateDirectory(folder);
        try
        {
            await TestData.CurParquetWriter.WriteAsync(Path.Combine(folder, "edge-00001.snappy.parquet"), EdgeRows(), 4);
            _fake.AddExport(AthenaClientTests.Database, "edge", root);
            var query = new CostQuery { GroupBy = groupBy.Split(',').Select(g => GroupDimension.Parse(g.Trim())).ToArray(), IncludeAgentCore = agentCore };
            var local = await CurSource.Local(new[] { root }).QueryAsync(query, NullOperationContext.Instance, default);
            using var athena = new AthenaSource(AthenaClientTests.Client(_fake), AthenaClientTests.Settings("edge"));
            var remote = await athena.QueryAsync(query, NullOperationContext.Instance, default);

            // The edges are in the data: eight Bedrock rows (not the SaaS or EC2 rows), nine with AgentCore.
            Assert.Equal(agentCore ? 9 : 8, local.BedrockLineItems);
            AssertSameRows(local, remote);
            Assert.Equal(local.BedrockTotals.Single().UnblendedCost, remote.BedrockTotals.Single().UnblendedCost);
            Assert.Equal(local.BedrockTotals.Single().NetUnblendedCost, remote.BedrockTotals.Single().NetUnblendedCost);
            Assert.Equal(local.BedrockLineItems, remote.BedrockLineItems);
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    /// <summary>
    /// June of the sample rewritten by DuckDB into two exports: "dirty", where some Bedrock line items have a cost of NaN,
    /// Infinity or -1e30 or a net cost of NaN, and others no usage start; and "clean", the same without the broken line
    /// items. Athena sums none of the broken ones (a cast of NaN would fail the query) and none is counted as 0: they are
    /// left out of every row and total and reported by column and count, and what remains equals the local engine's rows
    /// over the clean month, and over the broken one (the engine leaves the same line items out). A line item without a usage start counts on the first day of its billing period, in both
    /// engines, as DuckDB's own sums per day over the clean month say.
    /// </summary>
    [Theory]
    [InlineData("Principal")]
    [InlineData("Model, Day")]
    public async Task Values_Athena_cannot_sum_are_left_out_and_reported_never_counted_as_0(string groupBy)
    {
        var root = Path.Combine(Path.GetTempPath(), $"bedrockcost-unreadable-{Guid.NewGuid():N}");
        try
        {
            var (dirty, clean) = (Path.Combine(root, "dirty"), Path.Combine(root, "clean"));
            using var db = new DuckDBConnection("DataSource=:memory:");
            db.Open();
            object? Sql(string sql) { using var c = db.CreateCommand(); c.CommandText = sql; return c.ExecuteScalar(); }
            var june = Path.Combine(EngineTests.SamplePath, "data", "BILLING_PERIOD=2026-06");
            var files = Directory.GetFiles(june, "*.parquet").Where(f => new FileInfo(f).Length > 0).Select(f => $"'{f}'");
            Sql("SET TimeZone = 'UTC'");
            Sql($"CREATE TABLE june AS SELECT *, row_number() OVER () AS n FROM read_parquet([{string.Join(", ", files)}], union_by_name = true)");
            const string bedrock = "line_item_product_code = 'AmazonBedrock' AND coalesce(line_item_iam_principal, '') <> ''";
            Sql($"ALTER TABLE june ADD COLUMN broken VARCHAR");
            Sql($"UPDATE june SET broken = CASE (n // 10) % 4 WHEN 0 THEN 'nan' WHEN 1 THEN 'inf' WHEN 2 THEN 'huge' ELSE 'net' END WHERE {bedrock} AND n % 10 = 0");
            Sql("UPDATE june SET line_item_unblended_cost = CASE broken WHEN 'nan' THEN 'NaN'::DOUBLE WHEN 'inf' THEN 'Infinity'::DOUBLE ELSE -1e30 END WHERE broken IN ('nan', 'inf', 'huge')");
            Sql("UPDATE june SET line_item_net_unblended_cost = 'NaN'::DOUBLE WHERE broken = 'net'");
            Sql($"UPDATE june SET line_item_usage_start_date = NULL WHERE {bedrock} AND n % 10 = 7");
            foreach (var (folder, where) in new[] { (dirty, "TRUE"), (clean, "broken IS NULL") })
            {
                var target = Path.Combine(folder, "data", "BILLING_PERIOD=2026-06");
                Directory.CreateDirectory(target);
                Sql($"COPY (SELECT * EXCLUDE (n, broken) FROM june WHERE {where}) TO '{Path.Combine(target, "june-00001.snappy.parquet")}' (FORMAT parquet, COMPRESSION snappy)");
            }
            var brokenCosts = Convert.ToInt64(Sql("SELECT count(*) FROM june WHERE broken IN ('nan', 'inf', 'huge')"));
            var brokenNet = Convert.ToInt64(Sql("SELECT count(*) FROM june WHERE broken = 'net'"));
            var withoutStart = Convert.ToInt64(Sql("SELECT count(*) FROM june WHERE line_item_usage_start_date IS NULL AND broken IS NULL"));
            Assert.True(brokenCosts >= 3 && brokenNet >= 1 && withoutStart >= 3, $"{brokenCosts} {brokenNet} {withoutStart}");

            _fake.AddExport(AthenaClientTests.Database, "dirty", dirty);
            var query = new CostQuery { GroupBy = groupBy.Split(',').Select(g => GroupDimension.Parse(g.Trim())).ToArray(), BillingPeriods = new[] { "2026-06" } };
            using var athena = new AthenaSource(AthenaClientTests.Client(_fake), AthenaClientTests.Settings("dirty"));
            var said = new Warnings();
            var remote = await athena.QueryAsync(query, said, default);
            using var local = CurSource.Local(new[] { clean });
            var expected = await local.QueryAsync(query, NullOperationContext.Instance, default);

            Assert.Equal("SUCCEEDED", _fake.Queries.Last().State);
            AssertSameRows(expected, remote);
            Assert.Equal(expected.BedrockTotals.Select(t => (t.UnblendedCost, t.NetUnblendedCost, t.LineItems)),
                remote.BedrockTotals.Select(t => (t.UnblendedCost, t.NetUnblendedCost, t.LineItems)));
            // One non-terminating error per column, naming the table, the file, the column and the count.
            Assert.Equal(brokenCosts + brokenNet, remote.LineItemsLeftOut);
            Assert.False(remote.IsComplete);
            Assert.Equal(2, said.Errors.Count);
            Assert.All(said.Errors, e => Assert.Equal(ErrorIds.InvalidCostValue, e.ErrorId));
            Assert.All(said.Errors, e => Assert.Contains("dirty", e.Message));
            Assert.All(said.Errors, e => Assert.Contains("june-00001.snappy.parquet", e.Message));
            Assert.Contains(said.Errors, e => e.Message.Contains($"{brokenCosts} Bedrock line item(s) have a {CurColumns.UnblendedCost} that is not a finite number"));
            Assert.Contains(said.Errors, e => e.Message.Contains($"{brokenNet} Bedrock line item(s) have a {CurColumns.NetUnblendedCost} that is not a finite number"));
            Assert.Contains($"INCOMPLETE: {brokenCosts + brokenNet} Bedrock line item(s) could not be read", remote.ReconciliationText());
            // The local engine over the same broken month leaves out the same line items (issue 10).
            using var localDirty = CurSource.Local(new[] { dirty });
            var fromFiles = await localDirty.QueryAsync(query, NullOperationContext.Instance, default);
            AssertSameRows(fromFiles, remote);
            Assert.Equal(fromFiles.LineItemsLeftOut, remote.LineItemsLeftOut);

            if (groupBy.Contains("Day"))
            {
                // DuckDB's sums per day of the cost that has a principal (Bedrock by the rules, AgentCore apart), without a usage start on the 1st.
                using var cmd = db.CreateCommand();
                cmd.CommandText = $"SELECT CAST(CAST(coalesce(line_item_usage_start_date, bill_billing_period_start_date) AS DATE) AS VARCHAR), " +
                                  "CAST(SUM(CAST(CAST(line_item_unblended_cost AS VARCHAR) AS DECIMAL(38, 28))) AS VARCHAR) FROM june WHERE broken IS NULL " +
                                  "AND coalesce(line_item_iam_principal, '') <> '' AND lower(line_item_product_code) <> 'amazonbedrockagentcore' GROUP BY 1";
                using var r = cmd.ExecuteReader();
                var truth = new Dictionary<string, decimal>();
                while (r.Read()) truth[r.GetString(0)] = decimal.Parse(r.GetString(1), CultureInfo.InvariantCulture);
                var byDay = new CostQuery { GroupBy = new[] { new GroupDimension(Dimension.Day) }, BillingPeriods = new[] { "2026-06" }, Principals = new[] { "*" } };
                foreach (var result in new[] { await local.QueryAsync(byDay, NullOperationContext.Instance, default), await athena.QueryAsync(byDay, NullOperationContext.Instance, default) })
                    Assert.Equal(truth.OrderBy(kv => kv.Key).Select(kv => (kv.Key, kv.Value)),
                        result.Rows.OrderBy(x => x.Day).Select(x => (x.Day!.Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), x.UnblendedCost)));
            }
        }
        finally { if (Directory.Exists(root)) Directory.Delete(root, recursive: true); }
    }

    /// <summary>
    /// The sample rewritten by DuckDB with the product fields that may name a model (model, product_name, servicename)
    /// taken out of the product map into flat columns (product_model, product_product_name, product_servicename), as
    /// an export whose query selected them as columns has them; "legacy" also drops the product map, the principal
    /// column and the tags, as a legacy CUR in Parquet. Returns the export's folder.
    /// </summary>
    internal static string WriteProductColumnsExport(string root, bool legacy)
    {
        const string fields = "map_extract_value(product, 'model') AS product_model, map_extract_value(product, 'product_name') AS product_product_name, " +
                              "map_extract_value(product, 'servicename') AS product_servicename";
        return RewriteSample(root, _ => legacy
            ? $"SELECT * EXCLUDE (product, line_item_iam_principal, tags), {fields} FROM sample"
            : $"SELECT * REPLACE (map_from_entries(list_filter(map_entries(product), e -> e.key NOT IN ('model', 'product_name', 'servicename'))) AS product), {fields} FROM sample");
    }

    /// <summary>
    /// Writes an export of the sample's billing periods under <paramref name="root"/> with DuckDB: for each period, what
    /// <paramref name="select"/> gives for it, a statement over the view "sample" of that period's files.
    /// </summary>
    private static string RewriteSample(string root, Func<string, string> select)
    {
        using var db = new DuckDBConnection("DataSource=:memory:");
        db.Open();
        void Sql(string sql) { using var c = db.CreateCommand(); c.CommandText = sql; c.ExecuteNonQuery(); }
        Sql("SET TimeZone = 'UTC'");
        foreach (var dir in Directory.GetDirectories(Path.Combine(EngineTests.SamplePath, "data"), "BILLING_PERIOD=*"))
        {
            var files = Directory.GetFiles(dir, "*.parquet").Where(f => new FileInfo(f).Length > 0).Select(f => $"'{f}'");
            var target = Path.Combine(root, "data", Path.GetFileName(dir));
            Directory.CreateDirectory(target);
            Sql($"CREATE OR REPLACE VIEW sample AS SELECT * FROM read_parquet([{string.Join(", ", files)}], union_by_name = true)");
            Sql($"COPY ({select(Path.GetFileName(dir)["BILLING_PERIOD=".Length..])}) TO '{Path.Combine(target, "part-00001.snappy.parquet")}' (FORMAT parquet)");
        }
        return root;
    }

    /// <summary>Product fields held as flat columns, with or without a product map (legacy CUR): the Athena rows equal the local engine's.</summary>
    [Theory]
    [InlineData(false, "Model, Principal")]
    [InlineData(false, "Model, TokenType | filters")]
    [InlineData(true, "Model, UsageType")]
    [InlineData(true, "Principal")]
    public async Task Product_fields_held_as_columns_give_the_same_rows_as_the_files(bool legacy, string spec)
    {
        var root = WriteProductColumnsExport(Path.Combine(Path.GetTempPath(), $"bedrockcost-columns-{Guid.NewGuid():N}"), legacy);
        try
        {
            _fake.AddExport(AthenaClientTests.Database, "columns", root);
            var query = Parse(spec.Contains('|') ? spec.Replace("|", "| 2026-05,2026-06 |") : spec + " | 2026-05,2026-06");
            using var local = CurSource.Local(new[] { root });
            var expected = await local.QueryAsync(query, NullOperationContext.Instance, default);
            using var athena = new AthenaSource(AthenaClientTests.Client(_fake), AthenaClientTests.Settings("columns"));
            var remote = await athena.QueryAsync(query, NullOperationContext.Instance, default);

            Assert.NotEmpty(expected.Rows);
            // The Marketplace rows are found and named without the map's product name: the same as from the sample itself.
            using var sample = CurSource.Local(new[] { EngineTests.SamplePath });
            var original = await sample.QueryAsync(query, NullOperationContext.Instance, default);
            if (!legacy) Assert.Equal(original.Rows.Select(Describe), expected.Rows.Select(Describe));
            Assert.Equal(original.BedrockTotals.Single().UnblendedCost, expected.BedrockTotals.Single().UnblendedCost);
            AssertSameRows(expected, remote);
            Assert.Equal(expected.BedrockLineItems, remote.BedrockLineItems);
            Assert.Equal(expected.HasPrincipalData, remote.HasPrincipalData);
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    private sealed class Warnings : IOperationContext
    {
        public readonly List<string> All = new();
        public readonly List<BedrockCostException> Errors = new();
        public void Verbose(string message) { }
        public void Debug(string message) { }
        public void Warning(string message) { lock (All) All.Add(message); }
        public void Progress(ProgressReport report) { }
        public void Error(BedrockCostException error) { lock (Errors) Errors.Add(error); }
    }

    /// <summary>
    /// May holding only other services' line items (written by DuckDB from the sample's), June the sample's: a month
    /// without Bedrock is read and said, not an error, and both engines name the same periods and rows, by period or by dates.
    /// </summary>
    [Theory]
    [InlineData("periods")]
    [InlineData("dates")]
    public async Task A_month_without_Bedrock_is_a_period_read_in_both_engines(string how)
    {
        var root = Path.Combine(Path.GetTempPath(), $"bedrockcost-nobedrock-{Guid.NewGuid():N}");
        try
        {
            RewriteSample(root, period => "SELECT * FROM sample" +
                (period == "2026-05" ? " WHERE line_item_product_code IN ('AmazonEC2', 'AmazonS3') AND coalesce(line_item_iam_principal, '') = ''" : string.Empty));
            _fake.AddExport(AthenaClientTests.Database, "nobedrock", root);
            var query = how == "periods"
                ? new CostQuery { BillingPeriods = new[] { "2026-05", "2026-06" } }
                : new CostQuery { StartDate = new DateTime(2026, 5, 10, 0, 0, 0, DateTimeKind.Utc), EndDate = new DateTime(2026, 6, 20, 0, 0, 0, DateTimeKind.Utc) };
            var (localWarnings, athenaWarnings) = (new Warnings(), new Warnings());
            using var local = CurSource.Local(new[] { root });
            var expected = await local.QueryAsync(query, localWarnings, default);
            using var athena = new AthenaSource(AthenaClientTests.Client(_fake), AthenaClientTests.Settings("nobedrock"));
            var remote = await athena.QueryAsync(query, athenaWarnings, default);

            Assert.Equal(new[] { "2026-05", "2026-06" }, expected.BillingPeriods);
            Assert.Equal(expected.BillingPeriods, remote.BillingPeriods);
            Assert.NotEmpty(expected.Rows);
            AssertSameRows(expected, remote);
            Assert.Single(localWarnings.All, w => w.Contains("no Bedrock line items") && w.Contains("2026-05"));
            Assert.Single(athenaWarnings.All, w => w.Contains("no Bedrock line items") && w.Contains("2026-05"));
        }
        finally { if (Directory.Exists(root)) Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public async Task A_page_lost_between_Athena_and_the_module_is_an_error_not_a_smaller_total()
    {
        using var lossy = new FakeAthena("eu-west-1") { PageSize = 10, SkipSecondPage = true };
        lossy.AddExport(AthenaClientTests.Database, AthenaClientTests.Table, EngineTests.SamplePath);
        lossy.Start();
        using var athena = new AthenaSource(AthenaClientTests.Client(lossy), AthenaClientTests.Settings());
        var e = await Assert.ThrowsAsync<BedrockCostException>(() =>
            athena.QueryAsync(new CostQuery { BillingPeriods = new[] { "2026-06" } }, NullOperationContext.Instance, default));
        Assert.Equal(ErrorIds.AthenaResultIncomplete, e.ErrorId);
        Assert.Contains("not read whole", e.Message);
    }

    [Fact]
    public async Task Only_the_named_months_are_read_and_a_month_without_data_is_BillingPeriodNotFound()
    {
        using var athena = new AthenaSource(AthenaClientTests.Client(_fake), AthenaClientTests.Settings());
        await athena.QueryAsync(new CostQuery { BillingPeriods = new[] { "2026-06" } }, NullOperationContext.Instance, default);
        var costs = _fake.Queries.Single(q => !q.Sql.Contains("$partitions"));
        Assert.Contains("billing_period IN ('2026-06')", costs.Sql);

        var e = await Assert.ThrowsAsync<BedrockCostException>(() =>
            athena.QueryAsync(new CostQuery { BillingPeriods = new[] { "2025-01" } }, NullOperationContext.Instance, default));
        Assert.Equal(ErrorIds.BillingPeriodNotFound, e.ErrorId);
    }

    [Fact]
    public async Task The_latest_period_comes_from_the_partitions_without_scanning_data()
    {
        using var athena = new AthenaSource(AthenaClientTests.Client(_fake), AthenaClientTests.Settings());
        Assert.Equal("2026-06", await athena.LatestBillingPeriodAsync(NullOperationContext.Instance, default));
        Assert.Contains("\"cur2$partitions\"", _fake.Queries.Single().Sql);
    }
}
