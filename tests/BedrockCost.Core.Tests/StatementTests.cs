using System.Globalization;
using System.Text;
using System.Text.Json;
using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Allocation;
using BedrockCost.Core.Reports;
using BedrockCost.Core.Sources;
using BedrockCost.TestData;
using DuckDB.NET.Data;
using Xunit;

namespace BedrockCost.Core.Tests;

/// <summary>
/// The finance-grade statement (issue 12) on the sample export, against the generator's independent truth
/// (samples/expected.json) and DuckDB reading the files back: tokens travel with cost through every policy, every
/// line carries both cost bases, several billing periods reconcile one by one, the CSV's cost column sums to the
/// bill, and the FOCUS dataset has every column FOCUS 1.3 requires, with its type and nullability.
/// </summary>
public class StatementTests
{
    private const string Team = "iamPrincipal/team";

    /// <summary>The Bedrock figures of a period in the generator's truth (samples/expected.json).</summary>
    private static ExpectedFigures Bedrock(string period) => Truth.Of(period).Bedrock;

    /// <summary>A statement of the sample as Export-BedrockChargeback reads it: per period, principal, account, model, token type, day and team.</summary>
    private static async Task<ChargebackStatement> StatementAsync(UnallocatedPolicy policy, params string[] periods)
    {
        var query = new CostQuery
        {
            BillingPeriods = periods,
            GroupBy = new[] { Dimension.BillingPeriod, Dimension.Principal, Dimension.Model, Dimension.TokenType, Dimension.Day, Dimension.Account }
                .Select(d => new GroupDimension(d)).Append(new GroupDimension(Dimension.Tag, Team)).ToArray(),
            IncludeBillingAccounts = true,
        };
        var result = await CurSource.Local(new[] { ChargebackSampleTests.SamplePath }).QueryAsync(query, NullOperationContext.Instance, CancellationToken.None);
        return ChargebackAllocator.Allocate(ChargebackInput.FromResult(result, "export bedrock-cur"),
            new ChargebackOptions { Policy = policy, CostCenterTag = Team, UnallocatedOwner = policy == UnallocatedPolicy.Assign ? "IT" : null });
    }

    [Theory]
    [InlineData(UnallocatedPolicy.Keep)]
    [InlineData(UnallocatedPolicy.Proportional)]
    [InlineData(UnallocatedPolicy.Even)]
    [InlineData(UnallocatedPolicy.Assign)]
    public async Task Tokens_travel_with_cost_and_reconcile_to_the_truth(UnallocatedPolicy policy)
    {
        var s = await StatementAsync(policy, "2026-06");
        var june = Bedrock("2026-06");
        Assert.Equal((june.InputTokens, june.OutputTokens, june.CacheReadTokens, june.CacheWriteTokens),
            (s.Lines.Sum(l => l.InputTokens), s.Lines.Sum(l => l.OutputTokens), s.Lines.Sum(l => l.CacheReadTokens), s.Lines.Sum(l => l.CacheWriteTokens)));
        var r = Assert.Single(s.Reconciliation);
        Assert.Equal(june.InputTokens + june.OutputTokens + june.CacheReadTokens + june.CacheWriteTokens, r.SourceTokens);
        Assert.Equal(0, r.TokenDifference);
        Assert.True(s.Reconciles);
        Assert.Contains("tokens: source", s.ReconciliationText());
        // A principal whose cost was shared out keeps its tokens, in its shares and in the report's top principals.
        var batch = Truth.Of("2026-06").Principals.Single(p => p.Principal.Contains("BatchRunner")).Figures;
        var batchTokens = batch.InputTokens + batch.OutputTokens + batch.CacheReadTokens + batch.CacheWriteTokens;
        Assert.Equal(batchTokens, s.ByPrincipal.Single(p => p.Key.Contains("BatchRunner")).Tokens);
        if (policy != UnallocatedPolicy.Keep)
            Assert.All(s.Lines.Where(l => l.LineType == ChargebackLineType.Allocation && l.Principal!.Contains("BatchRunner")), l => Assert.True(l.TotalTokens > 0));
    }

    [Theory]
    [InlineData(UnallocatedPolicy.Keep)]
    [InlineData(UnallocatedPolicy.Proportional)]
    [InlineData(UnallocatedPolicy.Even)]
    public async Task Every_line_carries_both_cost_bases_and_each_sums_to_the_truth(UnallocatedPolicy policy)
    {
        var s = await StatementAsync(policy, "2026-06");
        Assert.Equal(Bedrock("2026-06").UnblendedCost, s.Lines.Sum(l => l.Cost));
        Assert.Equal(Bedrock("2026-06").UnblendedCost, s.Lines.Sum(l => l.UnblendedCost));
        Assert.Equal(Bedrock("2026-06").NetUnblendedCost, s.Lines.Sum(l => l.NetUnblendedCost));
        Assert.All(s.Lines.Where(l => l.LineType == ChargebackLineType.Allocation), l => Assert.Equal(l.Cost, l.UnblendedCost));
    }

    [Fact]
    public async Task Several_billing_periods_give_lines_per_period_that_reconcile_one_by_one()
    {
        var s = await StatementAsync(UnallocatedPolicy.Proportional, "2026-05", "2026-06");
        Assert.Equal(new[] { "2026-05", "2026-06" }, s.Reconciliation.Select(r => r.BillingPeriod));
        foreach (var period in new[] { "2026-05", "2026-06" })
        {
            var r = s.Reconciliation.Single(x => x.BillingPeriod == period);
            Assert.Equal(Bedrock(period).UnblendedCost, r.SourceTotal);
            Assert.Equal(Bedrock(period).UnblendedCost, s.Lines.Where(l => l.BillingPeriod == period).Sum(l => l.Cost));
            Assert.Equal(0m, r.Difference);
            Assert.Equal(0, r.TokenDifference);
            // Shares of a period's unallocated cost go only to that period's lines.
            Assert.Equal(Bedrock(period).UnblendedCost, s.CostCentersByPeriod.Where(c => c.BillingPeriod == period).Sum(c => c.Total));
        }
        Assert.All(s.Lines, l => Assert.Contains(l.BillingPeriod, new[] { "2026-05", "2026-06" }));
        Assert.Equal(s.Lines.Sum(l => l.Cost), s.CostCenters.Sum(c => c.Total));
    }

    [Fact]
    public async Task The_lines_csv_sums_to_the_bill_and_the_summary_holds_the_reconciliation()
    {
        var s = await StatementAsync(UnallocatedPolicy.Proportional, "2026-05", "2026-06");
        var lines = await CsvRowsAsync(CsvReport.WriteAsync, s);
        Assert.Equal(s.Lines.Count, lines.Count);
        Assert.Equal(Bedrock("2026-05").UnblendedCost + Bedrock("2026-06").UnblendedCost, lines.Sum(l => Number(l["Cost"])));
        Assert.All(lines, l =>
        {
            Assert.NotEqual(string.Empty, l["UnblendedCost"]);
            Assert.NotEqual(string.Empty, l["NetUnblendedCost"]);
            Assert.NotEqual(string.Empty, l["TotalTokens"]);
        });
        Assert.Equal(Bedrock("2026-06").NetUnblendedCost, lines.Where(l => l["BillingPeriod"] == "2026-06").Sum(l => Number(l["NetUnblendedCost"])));
        var summary = await CsvRowsAsync(CsvReport.WriteSummaryAsync, s);
        var sources = summary.Where(r => r["RowType"] == "SourceTotal").ToList();
        Assert.Equal(new[] { "2026-05", "2026-06" }, sources.Select(r => r["BillingPeriod"]));
        Assert.All(summary.Where(r => r["RowType"] == "Difference"), r => { Assert.Equal(0m, Number(r["Cost"])); Assert.Equal(0m, Number(r["Tokens"])); });
        Assert.Contains(summary, r => r["RowType"] == "CostCenterStatementTotal");
    }

    [Fact]
    public async Task Csv_files_hold_no_control_characters()
    {
        var s = await StatementAsync(UnallocatedPolicy.Keep, "2026-06");
        var hostile = new ChargebackStatement
        {
            Lines = s.Lines.Select((l, i) => i > 0 ? l : new ChargebackLine { CostCenter = "a\0b\r\nc\u0007d", Owner = "x\ty", Cost = l.Cost, Currency = l.Currency, BillingPeriod = l.BillingPeriod }).ToList(),
            CostCentersByPeriod = s.CostCentersByPeriod, Reconciliation = s.Reconciliation, CostCenters = s.CostCenters,
        };
        foreach (var write in new Func<ChargebackStatement, Stream, CancellationToken, Task>[] { CsvReport.WriteAsync, FocusReport.WriteCsvAsync })
        {
            using var ms = new MemoryStream();
            await write(hostile, ms, CancellationToken.None);
            var text = Encoding.UTF8.GetString(ms.ToArray());
            var body = string.Join("\n", text.Split("\r\n").Where(line => line.Length > 0));
            Assert.DoesNotContain(body, c => char.IsControl(c) && c != '\n');
            Assert.Contains("a\uFFFDb  c\uFFFDd", text);
        }
    }

    // FOCUS 1.3, Cost and Usage dataset: the columns the specification's column pages make Mandatory, with their data
    // type and whether they allow nulls (FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec, specification/datasets/
    // cost_and_usage/columns/*.md, "Content constraints"), written out here independently of the writer.
    private static readonly (string Name, string Type, bool Nullable)[] FocusMandatory =
    {
        ("BilledCost", "Decimal", false), ("BillingAccountId", "String", false), ("BillingAccountName", "String", true),
        ("BillingCurrency", "String", false), ("BillingPeriodEnd", "DateTime", false), ("BillingPeriodStart", "DateTime", false),
        ("ChargeCategory", "String", false), ("ChargeClass", "String", true), ("ChargeDescription", "String", true),
        ("ChargePeriodEnd", "DateTime", false), ("ChargePeriodStart", "DateTime", false), ("ContractedCost", "Decimal", false),
        ("EffectiveCost", "Decimal", false), ("HostProviderName", "String", false), ("InvoiceIssuerName", "String", false),
        ("ListCost", "Decimal", false), ("PricingQuantity", "Decimal", true), ("PricingUnit", "String", true),
        ("ProviderName", "String", false), ("PublisherName", "String", false), ("ServiceCategory", "String", false),
        ("ServiceName", "String", false), ("ServiceProviderName", "String", false),
    };

    // Conditional and recommended columns that apply to this dataset (sub accounts, tags, split cost allocation).
    private static readonly (string Name, string Type, bool Nullable)[] FocusApplicable =
    {
        ("SubAccountId", "String", true), ("Tags", "Json", true), ("AllocatedMethodId", "String", true),
        ("AllocatedMethodDetails", "Json", true), ("AllocatedResourceId", "String", true), ("AllocatedResourceName", "String", true),
        ("AllocatedTags", "Json", true), ("ChargeFrequency", "String", false), ("ServiceSubcategory", "String", false),
    };

    private static readonly string[] ChargeCategories = { "Usage", "Purchase", "Tax", "Credit", "Adjustment" };

    [Fact]
    public async Task Focus_parquet_and_csv_have_every_required_column_with_its_type_and_nullability()
    {
        var s = await StatementAsync(UnallocatedPolicy.Proportional, "2026-05", "2026-06");
        var folder = Directory.CreateTempSubdirectory("bedrockcost-focus-");
        try
        {
            var parquet = Path.Combine(folder.FullName, "focus.parquet");
            var csv = Path.Combine(folder.FullName, "focus.csv");
            await using (var f = File.Create(parquet)) await FocusReport.WriteParquetAsync(s, f, CancellationToken.None);
            await using (var f = File.Create(csv)) await FocusReport.WriteCsvAsync(s, f, CancellationToken.None);

            using var db = new DuckDBConnection("Data Source=:memory:");
            db.Open();
            // The Parquet schema as DuckDB reads it: logical types and repetition (REQUIRED = never null).
            var schema = Query(db, $"SELECT name, type, logical_type, repetition_type FROM parquet_schema('{parquet}') WHERE name <> 'schema'")
                .ToDictionary(r => (string)r[0]!, r => (Physical: r[1]?.ToString(), Logical: r[2]?.ToString() ?? string.Empty, Repetition: r[3]?.ToString()));
            var types = Query(db, $"DESCRIBE SELECT * FROM read_parquet('{parquet}')").ToDictionary(r => (string)r[0]!, r => (string)r[1]!);
            foreach (var (name, type, nullable) in FocusMandatory.Concat(FocusApplicable))
            {
                Assert.True(types.ContainsKey(name), $"FOCUS column {name} is missing");
                Assert.Equal(nullable ? "OPTIONAL" : "REQUIRED", schema[name].Repetition);
                var expected = type switch { "Decimal" => "DECIMAL(38,18)", "DateTime" => "TIMESTAMP WITH TIME ZONE", _ => "VARCHAR" };
                Assert.True(types[name] == expected, $"{name}: {types[name]}, expected {expected}");
                if (!nullable) Assert.Equal(0L, Scalar<long>(db, $"SELECT count(*) FROM read_parquet('{parquet}') WHERE \"{name}\" IS NULL"));
            }
            // Custom columns carry the x_ prefix; every other column is a FOCUS column.
            Assert.All(types.Keys.Where(k => !FocusMandatory.Concat(FocusApplicable).Any(c => c.Name == k)), k => Assert.StartsWith("x_", k));
            Assert.Equal(s.Lines.Count, Scalar<long>(db, $"SELECT count(*) FROM read_parquet('{parquet}')"));
            Assert.Equal(Bedrock("2026-05").UnblendedCost + Bedrock("2026-06").UnblendedCost, Scalar<decimal>(db, $"SELECT sum(BilledCost) FROM read_parquet('{parquet}')"));
            Assert.Equal(Bedrock("2026-06").UnblendedCost, Scalar<decimal>(db,
                $"SELECT sum(BilledCost) FROM read_parquet('{parquet}') WHERE BillingPeriodStart = TIMESTAMPTZ '2026-06-01 00:00:00+00'"));
            Assert.Equal(0L, Scalar<long>(db, $"SELECT count(*) FROM read_parquet('{parquet}') WHERE ChargeCategory NOT IN ('{string.Join("','", ChargeCategories)}')"));
            Assert.Equal(0L, Scalar<long>(db, $"SELECT count(*) FROM read_parquet('{parquet}') WHERE ChargeClass IS NOT NULL AND ChargeClass <> 'Correction'"));
            Assert.Equal(0L, Scalar<long>(db, $"SELECT count(*) FROM read_parquet('{parquet}') WHERE BillingPeriodEnd <= BillingPeriodStart OR ChargePeriodEnd <= ChargePeriodStart"));
            // The payer account is the sample's payer (bill_payer_account_id), the sub account its usage account.
            Assert.Equal(new[] { "111122223333" }, Query(db, $"SELECT DISTINCT BillingAccountId FROM read_parquet('{parquet}')").Select(r => (string)r[0]!));
            // Split cost allocation: the Allocated* columns are set exactly on the shares, and each origin charge's ratios add up to 1.
            Assert.Equal(s.Lines.Count(l => l.LineType == ChargebackLineType.Allocation),
                Scalar<long>(db, $"SELECT count(*) FROM read_parquet('{parquet}') WHERE AllocatedMethodId IS NOT NULL AND AllocatedResourceId IS NOT NULL AND AllocatedTags IS NOT NULL"));
            Assert.Equal(0L, Scalar<long>(db, $"SELECT count(*) FROM read_parquet('{parquet}') WHERE (AllocatedMethodId IS NULL) <> (x_LineType <> 'Allocation')"));
            Assert.Equal(0L, Scalar<long>(db, $"""
                SELECT count(*) FROM (
                  SELECT x_AllocatedFrom, BillingPeriodStart, sum(CAST(json_extract(AllocatedMethodDetails, '$.Elements[0].AllocatedRatio') AS DECIMAL(38,18))) AS ratio
                  FROM read_parquet('{parquet}') WHERE AllocatedMethodId IS NOT NULL GROUP BY ALL) WHERE abs(ratio - 1) > 0.0000001
                """));
            Assert.Equal(0L, Scalar<long>(db, $"SELECT count(*) FROM read_parquet('{parquet}') WHERE Tags IS NOT NULL AND NOT json_valid(Tags)"));
            // Tokens as x_ columns, summing to the truth.
            Assert.Equal(Bedrock("2026-06").InputTokens, Scalar<decimal>(db,
                $"SELECT sum(x_InputTokens) FROM read_parquet('{parquet}') WHERE BillingPeriodStart = TIMESTAMPTZ '2026-06-01 00:00:00+00'"));

            // The CSV: the same columns, every value of a non-null column present, the same total.
            var csvColumns = Query(db, $"DESCRIBE SELECT * FROM read_csv('{csv}', header = true, all_varchar = true)").Select(r => (string)r[0]!).ToList();
            Assert.Equal(types.Keys, csvColumns);
            foreach (var (name, _, nullable) in FocusMandatory.Concat(FocusApplicable).Where(c => !c.Nullable))
                Assert.Equal(0L, Scalar<long>(db, $"SELECT count(*) FROM read_csv('{csv}', header = true, all_varchar = true) WHERE \"{name}\" IS NULL OR \"{name}\" = ''"));
            Assert.Equal(Bedrock("2026-05").UnblendedCost + Bedrock("2026-06").UnblendedCost,
                Scalar<decimal>(db, $"SELECT sum(CAST(BilledCost AS DECIMAL(38,18))) FROM read_csv('{csv}', header = true, all_varchar = true)"));
            Assert.Equal(0L, Scalar<long>(db, $"SELECT count(*) FROM read_csv('{csv}', header = true, all_varchar = true) WHERE NOT regexp_full_match(ChargePeriodStart, '\\d{{4}}-\\d{{2}}-\\d{{2}}T\\d{{2}}:\\d{{2}}:\\d{{2}}Z')"));
        }
        finally { folder.Delete(recursive: true); }
    }

    [Fact]
    public void Axis_ticks_are_round_cover_the_data_and_never_crowd()
    {
        foreach (var (min, max) in new[] { (-42.69m, 612.3m), (0m, 0.37m), (-5m, 0m), (0m, 0m), (3.2m, 4211m) })
        {
            var ticks = HtmlReport.Ticks(min, max, 200);
            Assert.True(ticks[0] <= Math.Min(min, 0) && ticks[^1] >= Math.Max(max, 0), $"{min}..{max}: {string.Join(",", ticks)}");
            Assert.Contains(0m, ticks);
            Assert.InRange(ticks.Count, 2, 200 / 28 + 1);
            var step = ticks[1] - ticks[0];
            Assert.All(ticks.Zip(ticks.Skip(1)), p => Assert.Equal(step, p.Second - p.First));
            // 1, 2, 2.5 or 5 times a power of ten.
            var mantissa = step / (decimal)Math.Pow(10, Math.Floor(Math.Log10((double)step)));
            Assert.Contains(mantissa, new[] { 1m, 2m, 2.5m, 5m, 10m });
        }
    }

    [Fact]
    public void Long_names_give_way_in_the_middle_and_keep_the_account()
    {
        var row = new PrincipalCost();
        Assert.Equal("user/alice (111122223333)", row.ShortText("user/alice (111122223333)", 39));
        var cut = row.ShortText("BedrockRole/jane.doe.with.a.long.name@example.com (111122223333)", 39)!;
        Assert.Equal(39, cut.Length);
        Assert.StartsWith("BedrockRole/jane", cut);
        Assert.EndsWith("\u2026 (111122223333)", cut);
        Assert.Equal("BedrockRole/jane@\u2026", row.ShortText("BedrockRole/jane@example.com (111122223333)", 18));
        Assert.Equal("SSO DataScience/carol@example.com (111122223333)",
            Classification.PrincipalParser.ShortName("arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_DataScience_0123abcd/carol@example.com"));
        Assert.Equal("BatchRunner/nightly-batch (444455556666)", Classification.PrincipalParser.ShortName("arn:aws:sts::444455556666:assumed-role/BatchRunner/nightly-batch"));
    }

    private static async Task<List<Dictionary<string, string>>> CsvRowsAsync(Func<ChargebackStatement, Stream, CancellationToken, Task> write, ChargebackStatement s)
    {
        using var ms = new MemoryStream();
        await write(s, ms, CancellationToken.None);
        using var csv = CsvHelper.CsvReader.Create(ms.ToArray(), CsvHelper.CsvReaderOptions.Default with { Separator = ',' });
        csv.ReadHeader();
        var header = csv.Headers.ToArray();
        var rows = new List<Dictionary<string, string>>();
        while (csv.Read()) rows.Add(header.Select((h, i) => (h, csv.GetString(i))).ToDictionary(x => x.h, x => x.Item2));
        return rows;
    }

    private static decimal Number(string text) => decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static List<object?[]> Query(DuckDBConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        using var reader = cmd.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var values = new object?[reader.FieldCount];
            for (var i = 0; i < values.Length; i++) values[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(values);
        }
        return rows;
    }

    /// <summary>A single value; DECIMAL(38,18) comes back as a wide integer type, so numbers go through their text.</summary>
    private static T Scalar<T>(DuckDBConnection db, string sql)
    {
        var value = Query(db, sql).Single()[0]!;
        if (value is IConvertible) return (T)Convert.ChangeType(value, typeof(T), CultureInfo.InvariantCulture);
        return (T)Convert.ChangeType(Convert.ToString(value, CultureInfo.InvariantCulture)!, typeof(T), CultureInfo.InvariantCulture);
    }
}
