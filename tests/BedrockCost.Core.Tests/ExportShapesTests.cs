using System.Globalization;
using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Sources;
using BedrockCost.TestData;
using DuckDB.NET.Data;
using Xunit;
using LineItem = BedrockCost.TestData.LineItem;
using Collecting = BedrockCost.Core.Tests.ChargebackAllocationTests.CollectingContext;

namespace BedrockCost.Core.Tests;

/// <summary>
/// What real exports write, in files written by DuckDB (a writer this project did not write) and by the project's
/// writer: costs in scientific notation, ISO timestamps with milliseconds, a product map holding only product_name
/// with the other product fields in product_* columns, months without Bedrock, legacy CUR (CUR 1.0).
/// </summary>
public class ExportShapesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bedrockcost-shapes-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static void DuckDb(params string[] statements)
    {
        using var c = new DuckDBConnection("Data Source=:memory:");
        c.Open();
        foreach (var sql in statements)
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = sql;
            cmd.ExecuteNonQuery();
        }
    }

    private static string Sql(string path) => path.Replace("'", "''");

    private static Task<CostResult> Query(string path, CostQuery q, IOperationContext ctx) =>
        CurSource.Local(new[] { path }).QueryAsync(q, ctx, CancellationToken.None);

    private static readonly CostQuery ByModel = new() { GroupBy = new[] { new GroupDimension(Dimension.Model), new GroupDimension(Dimension.TokenType) } };

    // Bedrock rows as an export writes them (text): costs in scientific notation, the Marketplace model named in
    // the product map only by product_name, or only in the product_servicename / product_model columns.
    // period, entity, account, type, start, code, usage type, amount, cost, principal, unit, family, product map (JSON), servicename, model
    private static readonly string[][] ShapeRows =
    {
        new[] { "AWS", "AmazonBedrock", "USE1-Nova2.0Lite-input-tokens", "41.63", "1.24889E-5", "arn:aws:iam::111122223333:user/alice", "1K tokens", "Amazon Bedrock", "{}", "", "" },
        new[] { "AWS", "AmazonBedrockService", "USE1-Claude4.6Sonnet-output-tokens", "0.02", "3.0E-4", "arn:aws:iam::111122223333:user/bob", "1K tokens", "Amazon Bedrock", "{}", "", "" },
        new[] { "AWS Marketplace", "7zgyu5r4uonlsrnaq20qq63eo", "USE1-MP:USE1_output_tokens_standard-Units", "2.0E-6", "3.0E-5", "", "Units", "", "{\"product_name\":\"Claude Opus 4.6 (Amazon Bedrock Edition)\"}", "Claude Opus 4.6 (Amazon Bedrock Edition)", "Claude Opus 4.6" },
        new[] { "AWS Marketplace", "5m2d3w8bm6ls9mtqgq0bi0z6u", "USE1-MP:USE1_input_tokens_standard-Units", "1.5E-5", "4.5E-5", "", "Units", "", "{}", "Claude Sonnet 4.6 (Amazon Bedrock Edition)", "Claude Sonnet 4.6" },
        new[] { "AWS", "AmazonEC2", "USE1-BoxUsage:m5.large", "24", "2.304", "", "Hrs", "Compute Instance", "{}", "", "" },
        new[] { "AWS", "AmazonS3", "USE1-Requests-Tier1", "2", "1.0E-7", "", "Requests", "API Request", "{}", "", "" },
    };

    private static readonly decimal BedrockTotal = 1.24889E-5m + 3.0E-4m + 3.0E-5m + 4.5E-5m;

    /// <summary>The rows as a DuckDB table: text as AWS writes it, or DuckDB's own DOUBLE / TIMESTAMP(TZ) rendering.</summary>
    private static string ShapeTable(string timestampType, bool native)
    {
        string Ts(string iso) => native ? $"CAST(TIMESTAMPTZ '{iso}' AS {timestampType})" : $"'{iso}'";
        string Num(string v) => native ? $"CAST({v} AS DOUBLE)" : $"'{v}'";
        string Text(string v) => v.Length == 0 ? "NULL" : $"'{v.Replace("'", "''")}'";
        var values = ShapeRows.Select(r =>
            $"({Ts("2026-04-01T00:00:00.000Z")}, {Text(r[0])}, '111122223333', 'Usage', {Ts("2026-04-02T00:00:00.000Z")}, {Text(r[1])}, {Text(r[2])}, " +
            $"{Num(r[3])}, {Num(r[4])}, 'USD', {Text(r[5])}, {Text(r[6])}, {Text(r[7])}, {Text(r[8])}, {Text(r[9])}, {Text(r[10])})");
        return "CREATE TABLE cur AS SELECT * FROM (VALUES " + string.Join(", ", values) + ") t(bill_billing_period_start_date, bill_billing_entity, " +
               "line_item_usage_account_id, line_item_line_item_type, line_item_usage_start_date, line_item_product_code, line_item_usage_type, " +
               "line_item_usage_amount, line_item_unblended_cost, line_item_currency_code, line_item_iam_principal, pricing_unit, product_product_family, " +
               "product_json, product_servicename, product_model)";
    }

    private static void AssertShapes(CostResult r)
    {
        Assert.Equal(BedrockTotal, r.BedrockTotals.Single().UnblendedCost);
        Assert.Equal(BedrockTotal, r.Rows.Sum(x => x.Cost));
        Assert.Equal(new[] { "2026-04" }, r.BillingPeriods);
        Assert.Equal(new[] { "Claude Opus 4.6", "Claude Sonnet 4.6", "Nova 2 Lite" }, r.Rows.Select(x => x.Model).Distinct().Order());
        Assert.Equal(41_630, r.Rows.Single(x => x.Model == "Nova 2 Lite").InputTokens);
        Assert.Equal(15, r.Rows.Single(x => x is { Model: "Claude Sonnet 4.6", TokenType: "Input" }).InputTokens);
        Assert.Equal(2, r.Rows.Single(x => x.Model == "Claude Opus 4.6").OutputTokens);
    }

    [Theory]
    [InlineData("VARCHAR", false)]      // text exactly as AWS writes it: 1.24889E-5, 2026-04-01T00:00:00.000Z
    [InlineData("TIMESTAMP", true)]     // DuckDB's rendering: 1.24889e-05, 2026-04-01 00:00:00
    [InlineData("TIMESTAMPTZ", true)]   // 2026-04-01 00:00:00+00
    public async Task Csv_written_by_duckdb_in_export_shapes_reconciles(string timestampType, bool native)
    {
        var path = Path.Combine(_dir, "shapes.csv");
        DuckDb(ShapeTable(timestampType, native),
            $"COPY (SELECT * EXCLUDE (product_json), product_json AS product FROM cur) TO '{Sql(path)}' (HEADER, DELIMITER ',')");
        AssertShapes(await Query(path, ByModel, new Collecting()));
    }

    [Theory]
    [InlineData("TIMESTAMP")]
    [InlineData("TIMESTAMPTZ")]
    public async Task Parquet_written_by_duckdb_with_a_product_name_only_map_reconciles(string timestampType)
    {
        var path = Path.Combine(_dir, "shapes.parquet");
        DuckDb(ShapeTable(timestampType, native: true),
            "CREATE TABLE p AS SELECT * EXCLUDE (product_json), " +
            "CASE WHEN product_json LIKE '%product_name%' THEN MAP {'product_name': product_servicename} ELSE MAP {}::MAP(VARCHAR, VARCHAR) END AS product FROM cur",
            $"COPY p TO '{Sql(path)}' (FORMAT PARQUET)");
        AssertShapes(await Query(path, ByModel, new Collecting()));
    }

    [Fact]
    public async Task Csv_written_by_the_project_writer_keeps_scientific_notation_and_milliseconds()
    {
        var start = new DateTime(2026, 4, 1, 0, 0, 0, DateTimeKind.Utc);
        var rows = new[]
        {
            Item(start, "AmazonBedrock", "USE1-Nova2.0Lite-input-tokens", 41.63, 1.24889E-5, "1K tokens"),
            Item(start, "AmazonBedrock", "USE1-Nova2.0Lite-output-tokens", 0.001, 2.5E-9, "1K tokens"),
        };
        var o = new ExportOptions { Root = _dir, Format = ExportFormat.CsvGzip };
        var path = Path.Combine(_dir, "project" + o.FileExtension);
        await ExportWriter.WriteFileAsync(path, rows, o);
        var r = await Query(path, new CostQuery(), new Collecting());
        Assert.Equal(1.24889E-5m + 2.5E-9m, r.BedrockTotals.Single().UnblendedCost);
        Assert.Equal(new[] { "2026-04" }, r.BillingPeriods);
    }

    private static LineItem Item(DateTime period, string code, string usageType, double amount, double cost, string unit) => new()
    {
        BillingPeriodStart = period,
        UsageAccountId = "111122223333",
        UsageStart = period.AddDays(1),
        UsageEnd = period.AddDays(2),
        ProductCode = code,
        UsageType = usageType,
        UsageAmount = amount,
        UnblendedCost = cost,
        NetUnblendedCost = cost,
        PricingUnit = unit,
        IamPrincipal = code.StartsWith("AmazonBedrock", StringComparison.Ordinal) ? "arn:aws:iam::111122223333:user/alice" : null,
        ProductFamily = code.StartsWith("AmazonBedrock", StringComparison.Ordinal) ? "Amazon Bedrock" : "Compute Instance",
    };

    // ---- a month without Bedrock -----------------------------------------------------------------------------

    private const int Ec2Rows = 1_882;

    private static IEnumerable<LineItem> Ec2Month(DateTime period) => Enumerable.Range(0, Ec2Rows)
        .Select(i => Item(period, "AmazonEC2", "USE1-BoxUsage:m5.large", 1, 0.096, "Hrs"));

    private static void AssertNoBedrock(CostResult r, Collecting ctx)
    {
        Assert.Empty(r.Rows);
        Assert.Equal(new[] { "2026-04" }, r.BillingPeriods);
        Assert.Contains(ctx.Warnings, w => w.Contains("no Bedrock line items in 1,882 rows of billing period 2026-04", StringComparison.Ordinal));
        var text = r.ReconciliationText();
        Assert.Contains("2026-04", text);
        Assert.DoesNotContain(", )", text);
        Assert.DoesNotContain("): .", text);
    }

    [Theory]
    [InlineData(ExportFormat.Parquet)]
    [InlineData(ExportFormat.CsvGzip)]
    public async Task A_single_file_without_bedrock_rows_reports_its_period_and_warns(ExportFormat format)
    {
        var o = new ExportOptions { Root = _dir, Format = format, RowGroupSize = 500 };
        var path = Path.Combine(_dir, "ec2" + o.FileExtension);
        await ExportWriter.WriteFileAsync(path, Ec2Month(new DateTime(2026, 4, 1, 0, 0, 0, DateTimeKind.Utc)), o);
        var ctx = new Collecting();
        AssertNoBedrock(await Query(path, new CostQuery(), ctx), ctx);
    }

    [Theory]
    [InlineData("csv")]
    [InlineData("parquet")]
    public async Task A_duckdb_file_without_bedrock_rows_reports_its_period_and_warns(string format)
    {
        var path = Path.Combine(_dir, "ec2." + format);
        DuckDb("CREATE TABLE cur AS SELECT TIMESTAMP '2026-04-01 00:00:00' AS bill_billing_period_start_date, 'AWS' AS bill_billing_entity, " +
               "'111122223333' AS line_item_usage_account_id, 'Usage' AS line_item_line_item_type, TIMESTAMP '2026-04-02 00:00:00' AS line_item_usage_start_date, " +
               "'AmazonEC2' AS line_item_product_code, 'USE1-BoxUsage:m5.large' AS line_item_usage_type, 1.0 AS line_item_usage_amount, " +
               "0.096 AS line_item_unblended_cost, 'USD' AS line_item_currency_code, CAST(NULL AS VARCHAR) AS line_item_iam_principal, 'Hrs' AS pricing_unit " +
               $"FROM range({Ec2Rows})",
            format == "csv" ? $"COPY cur TO '{Sql(path)}' (HEADER)" : $"COPY cur TO '{Sql(path)}' (FORMAT PARQUET, ROW_GROUP_SIZE 1000)");
        var ctx = new Collecting();
        AssertNoBedrock(await Query(path, new CostQuery(), ctx), ctx);
    }

    [Fact]
    public async Task A_month_without_bedrock_beside_one_with_it_returns_nothing_with_a_warning()
    {
        var o = new ExportOptions { Root = _dir, Format = ExportFormat.Parquet, RowGroupSize = 500 };
        var april = new DateTime(2026, 4, 1, 0, 0, 0, DateTimeKind.Utc);
        var may = new DateTime(2026, 5, 1, 0, 0, 0, DateTimeKind.Utc);
        await ExportWriter.WriteFileAsync(Path.Combine(_dir, "months" + o.FileExtension),
            Ec2Month(april).Append(Item(may, "AmazonBedrock", "USE1-Nova2.0Lite-input-tokens", 1, 0.0003, "1K tokens")), o);
        var ctx = new Collecting();
        AssertNoBedrock(await Query(_dir, new CostQuery { BillingPeriods = new[] { "2026-04" } }, ctx), ctx);
        var latest = await Query(_dir, new CostQuery(), new Collecting());
        Assert.Equal(0.0003m, latest.Rows.Sum(x => x.Cost));
    }

    // ---- legacy CUR ------------------------------------------------------------------------------------------

    // Legacy CUR (CUR 1.0) CSV names columns category/Name; its Parquet (Athena integration) lower-cases them with
    // underscores (line_item_usage_type, product_product_name, resource_tags_user_team) and has no product map.
    private static readonly (string Legacy, string Snake)[] LegacyColumns =
    {
        ("identity/LineItemId", "identity_line_item_id"), ("bill/BillingEntity", "bill_billing_entity"),
        ("bill/BillingPeriodStartDate", "bill_billing_period_start_date"), ("lineItem/UsageAccountId", "line_item_usage_account_id"),
        ("lineItem/LineItemType", "line_item_line_item_type"), ("lineItem/UsageStartDate", "line_item_usage_start_date"),
        ("lineItem/ProductCode", "line_item_product_code"), ("lineItem/UsageType", "line_item_usage_type"),
        ("lineItem/UsageAmount", "line_item_usage_amount"), ("lineItem/CurrencyCode", "line_item_currency_code"),
        ("lineItem/UnblendedCost", "line_item_unblended_cost"), ("pricing/unit", "pricing_unit"),
        ("product/ProductName", "product_product_name"), ("product/productFamily", "product_product_family"),
        ("product/servicename", "product_servicename"), ("product/regionCode", "product_region_code"),
        ("resourceTags/user:team", "resource_tags_user_team"),
    };

    private static string LegacyTable =>
        $"CREATE TABLE cur AS SELECT * FROM (VALUES {LegacyValues}) t({string.Join(", ", LegacyColumns.Select(c => c.Snake))})";

    private const string LegacyValues =
        "('a1', 'AWS', TIMESTAMP '2026-04-01 00:00:00', '111122223333', 'Usage', TIMESTAMP '2026-04-02 00:00:00', 'AmazonBedrock', " +
        "'USE1-Nova2.0Lite-input-tokens', 10.0, 'USD', 0.003, '1K tokens', 'Amazon Bedrock', 'Amazon Bedrock', 'Amazon Bedrock', 'us-east-1', 'ml'), " +
        "('a2', 'AWS Marketplace', TIMESTAMP '2026-04-01 00:00:00', '111122223333', 'Usage', TIMESTAMP '2026-04-02 00:00:00', '7zgyu5r4uonlsrnaq20qq63eo', " +
        "'USE1-MP:USE1_InputTokenCount-Units', 0.2, 'USD', 0.6, 'Units', 'Claude Opus 4.6 (Amazon Bedrock Edition)', NULL, " +
        "'Claude Opus 4.6 (Amazon Bedrock Edition)', 'us-east-1', NULL), " +
        "('a3', 'AWS', TIMESTAMP '2026-04-01 00:00:00', '111122223333', 'Usage', TIMESTAMP '2026-04-02 00:00:00', 'AmazonEC2', " +
        "'USE1-BoxUsage:m5.large', 24.0, 'USD', 2.304, 'Hrs', 'Amazon Elastic Compute Cloud', 'Compute Instance', 'Amazon Elastic Compute Cloud', 'us-east-1', 'web')";

    private static void AssertLegacy(CostResult r, Collecting ctx)
    {
        Assert.False(r.HasPrincipalData);
        Assert.Equal(0.603m, r.BedrockTotals.Single().UnblendedCost);
        Assert.Equal(0.603m, r.Rows.Sum(x => x.Cost));
        Assert.All(r.Rows, x => Assert.Equal("no principal data in export", x.UnattributedReason));
        Assert.Equal(new[] { "Claude Opus 4.6", "Nova 2 Lite" }, r.Rows.Select(x => x.Model).Distinct().Order());
        Assert.Equal(200_000, r.Rows.Where(x => x.Model == "Claude Opus 4.6").Sum(x => x.InputTokens));
        Assert.Contains(ctx.Warnings, w => w.Contains("legacy CUR", StringComparison.OrdinalIgnoreCase) && w.Contains("principal", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Legacy_csv_with_category_slash_name_headers_is_read_with_a_warning()
    {
        var path = Path.Combine(_dir, "legacy-00001.csv");
        var header = string.Join(',', LegacyColumns.Select(c => $"\"{c.Snake}\" AS \"{c.Legacy}\""));
        DuckDb(LegacyTable, $"COPY (SELECT {header} FROM cur) TO '{Sql(path)}' (HEADER)");
        var ctx = new Collecting();
        AssertLegacy(await Query(path, ByModel, ctx), ctx);
    }

    private string WriteLegacyParquet()
    {
        var path = Path.Combine(_dir, "legacy-00001.snappy.parquet");
        DuckDb(LegacyTable, $"COPY cur TO '{Sql(path)}' (FORMAT PARQUET)");
        return path;
    }

    [Fact]
    public async Task Legacy_parquet_with_flat_product_and_tag_columns_is_read_with_a_warning()
    {
        var ctx = new Collecting();
        AssertLegacy(await Query(WriteLegacyParquet(), ByModel, ctx), ctx);
    }

    /// <summary>A legacy CSV report delivery: REPORT/yyyymmdd-yyyymmdd/ASSEMBLY/REPORT-00001.csv.gz, one folder per report version.</summary>
    private string WriteLegacyVersion(string assemblyId, string where, DateTime delivered)
    {
        var folder = Path.Combine(_dir, "cur", "legacy-report", "20260401-20260501", assemblyId);
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "legacy-report-00001.csv.gz");
        var header = string.Join(',', LegacyColumns.Select(c => $"\"{c.Snake}\" AS \"{c.Legacy}\""));
        DuckDb(LegacyTable, $"COPY (SELECT {header} FROM cur WHERE {where}) TO '{Sql(path)}' (HEADER, COMPRESSION gzip)");
        File.SetLastWriteTimeUtc(path, delivered);
        return path;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Legacy_report_versions_count_only_the_latest(bool withManifest)
    {
        // An early version of the month (one row) and the final one (every row): only the final one counts.
        WriteLegacyVersion("f3a1c2d4-0000-4000-8000-000000000001", "identity_line_item_id = 'a1'", new DateTime(2026, 4, 10, 0, 0, 0, DateTimeKind.Utc));
        var latest = WriteLegacyVersion("0b7e9a55-0000-4000-8000-000000000002", "true", new DateTime(2026, 5, 2, 0, 0, 0, DateTimeKind.Utc));
        if (withManifest)
            File.WriteAllText(Path.Combine(_dir, "cur", "legacy-report", "20260401-20260501", "legacy-report-Manifest.json"),
                "{\"assemblyId\":\"0b7e9a55-0000-4000-8000-000000000002\",\"billingPeriod\":{\"start\":\"20260401T000000.000Z\",\"end\":\"20260501T000000.000Z\"}," +
                "\"reportKeys\":[\"cur/legacy-report/20260401-20260501/0b7e9a55-0000-4000-8000-000000000002/legacy-report-00001.csv.gz\"]}");
        var ctx = new Collecting();
        var r = await Query(_dir, ByModel, ctx);
        AssertLegacy(r, ctx);
        Assert.Equal(1, r.FilesRead);
        Assert.True(File.Exists(latest));
    }

    [Fact]
    public async Task Legacy_zip_compressed_csv_is_read()
    {
        var csv = WriteLegacyVersion("5d1e", "true", new DateTime(2026, 5, 2, 0, 0, 0, DateTimeKind.Utc));
        var zipPath = Path.ChangeExtension(csv, null) + ".zip"; // REPORT-00001.csv.zip
        using (var zip = System.IO.Compression.ZipFile.Open(zipPath, System.IO.Compression.ZipArchiveMode.Create))
        await using (var entry = zip.CreateEntry("legacy-report-00001.csv").Open())
        await using (var gz = new System.IO.Compression.GZipStream(File.OpenRead(csv), System.IO.Compression.CompressionMode.Decompress))
            await gz.CopyToAsync(entry);
        File.Delete(csv);
        var ctx = new Collecting();
        AssertLegacy(await Query(_dir, ByModel, ctx), ctx);

        using (var zip = System.IO.Compression.ZipFile.Open(zipPath, System.IO.Compression.ZipArchiveMode.Update))
        await using (var extra = zip.CreateEntry("other.csv").Open())
            extra.Write("x\n"u8);
        var e = await Assert.ThrowsAsync<BedrockCostException>(() => Query(_dir, ByModel, new Collecting()));
        Assert.Equal(ErrorIds.NotCurData, e.ErrorId);
    }

    [Fact]
    public async Task Legacy_athena_parquet_layout_is_read_and_its_status_table_is_not_data()
    {
        var folder = Path.Combine(_dir, "cur", "legacy-report", "legacy-report", "year=2026", "month=4");
        Directory.CreateDirectory(folder);
        DuckDb(LegacyTable, $"COPY cur TO '{Sql(Path.Combine(folder, "legacy-report-00001.snappy.parquet"))}' (FORMAT PARQUET)");
        var status = Path.Combine(_dir, "cur", "legacy-report", "legacy-report", "cost_and_usage_data_status");
        Directory.CreateDirectory(status);
        DuckDb($"COPY (SELECT 'READY' AS status) TO '{Sql(Path.Combine(status, "cost_and_usage_data_status.parquet"))}' (FORMAT PARQUET)");
        var ctx = new Collecting();
        AssertLegacy(await Query(_dir, ByModel, ctx), ctx);
        var export = Assert.Single(await ExportInspector.InspectAsync(CurSource.Local(new[] { _dir }), new Collecting(), CancellationToken.None));
        Assert.Equal(new[] { "2026-04" }, export.BillingPeriods);
        Assert.Equal("legacy-report", export.ExportName);
        Assert.True(export.IsLegacy);
    }

    [Fact]
    public async Task Legacy_exports_are_described_as_legacy()
    {
        WriteLegacyParquet();
        var export = Assert.Single(await ExportInspector.InspectAsync(CurSource.Local(new[] { _dir }), new Collecting(), CancellationToken.None));
        Assert.True(export.IsLegacy);
        Assert.Contains(export.Problems, p => p.Contains("legacy CUR", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(export.Problems, p => p.Contains("line_item_iam_principal column", StringComparison.Ordinal));
    }
}
