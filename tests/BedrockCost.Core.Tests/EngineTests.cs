using System.Text.Json;
using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Sources;
using BedrockCost.TestData;
using Xunit;
using Gen = BedrockCost.TestData;

namespace BedrockCost.Core.Tests;

/// <summary>The engine over real CUR 2.0 files, checked against the generator's independent computation.</summary>
public class EngineTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bedrockcost-engine-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static string RepoRoot
    {
        get
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "BedrockCost.sln"))) return d.FullName;
            throw new InvalidOperationException("repository root not found");
        }
    }

    internal static string SamplePath => Path.Combine(RepoRoot, "samples", "bedrock-cur");

    private sealed class Collecting : IOperationContext
    {
        public List<string> Warnings { get; } = new();
        public void Verbose(string message) { }
        public void Debug(string message) { }
        public void Warning(string message) { lock (Warnings) Warnings.Add(message); }
        public void Progress(ProgressReport report) { }
    }

    private static Task<CostResult> Query(string path, CostQuery q, IOperationContext? ctx = null) =>
        CurSource.Local(new[] { path }).QueryAsync(q, ctx ?? new Collecting(), CancellationToken.None);

    [Theory]
    [InlineData("2026-05")]
    [InlineData("2026-06")]
    public async Task Sample_per_principal_figures_equal_the_independent_computation(string period)
    {
        using var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoRoot, "samples", "expected.json")));
        var p = expected.RootElement.GetProperty("periods").EnumerateArray().Single(e => e.GetProperty("billingPeriod").GetString() == period);

        var result = await Query(SamplePath, new CostQuery { BillingPeriods = new[] { period } });

        var attributed = result.Rows.Where(r => r.IsAttributed).ToDictionary(r => r.Principal!);
        var principals = p.GetProperty("principals").EnumerateArray().ToList();
        Assert.Equal(principals.Count, attributed.Count);
        foreach (var e in principals)
        {
            var row = attributed[e.GetProperty("principal").GetString()!];
            Assert.Equal(e.GetProperty("unblendedCost").GetDecimal(), row.UnblendedCost);
            Assert.Equal(e.GetProperty("netUnblendedCost").GetDecimal(), row.NetUnblendedCost);
            Assert.Equal(e.GetProperty("inputTokens").GetDecimal(), row.InputTokens);
            Assert.Equal(e.GetProperty("outputTokens").GetDecimal(), row.OutputTokens);
            Assert.Equal(e.GetProperty("cacheReadTokens").GetDecimal(), row.CacheReadTokens);
            Assert.Equal(e.GetProperty("cacheWriteTokens").GetDecimal(), row.CacheWriteTokens);
            Assert.Equal(e.GetProperty("rows").GetInt64(), row.LineItemCount);
        }

        var bedrock = p.GetProperty("bedrock");
        var unattributed = p.GetProperty("unattributed");
        Assert.Equal(bedrock.GetProperty("unblendedCost").GetDecimal(), result.Rows.Sum(r => r.Cost));
        Assert.Equal(bedrock.GetProperty("unblendedCost").GetDecimal(), result.BedrockTotals.Single().UnblendedCost);
        Assert.Equal(unattributed.GetProperty("unblendedCost").GetDecimal(), result.Rows.Where(r => !r.IsAttributed).Sum(r => r.Cost));
        Assert.Equal(bedrock.GetProperty("rows").GetInt64(), result.BedrockLineItems);
    }

    [Fact]
    public async Task Latest_period_is_the_default_and_every_grouping_reconciles()
    {
        var total = (await Query(SamplePath, new CostQuery())).BedrockTotals.Single();
        var dims = Enum.GetValues<Dimension>().Where(d => d != Dimension.Tag)
            .Select(d => new GroupDimension(d)).Append(new GroupDimension(Dimension.Tag, "iamPrincipal/team")).ToList();
        foreach (var d in dims)
        {
            var r = await Query(SamplePath, new CostQuery { GroupBy = new[] { d }, CostBasis = CostBasis.NetUnblended });
            Assert.Equal(new[] { "2026-06" }, r.BillingPeriods);
            Assert.Equal(total.NetUnblendedCost, r.Rows.Sum(x => x.Cost));
        }
    }

    [Fact]
    public async Task Filters_select_a_share_and_say_so()
    {
        var r = await Query(SamplePath, new CostQuery { Principals = new[] { "*:user/alice" }, Tags = new Dictionary<string, string> { ["iamPrincipal/team"] = "*" } });
        Assert.All(r.Rows, x => Assert.EndsWith(":user/alice", x.Principal));
        Assert.Equal(r.SelectedTotals.Single().UnblendedCost, r.Rows.Sum(x => x.Cost));
        Assert.True(r.SelectedTotals.Single().UnblendedCost < r.BedrockTotals.Single().UnblendedCost);
        Assert.Contains("filters selected", r.ReconciliationText());
    }

    private async Task<(string Root, ExpectedTotals Truth)> WriteExport(ExportOptions o, int executions, IReadOnlyList<LeftoverKind>? leftovers = null)
    {
        var rows = SampleData.Build().Where(r => r.BillingPeriodStart.Month == 5).ToList();
        var runs = new List<ExportExecution>();
        for (var i = 0; i < executions; i++)
        {
            // Earlier executions hold a partial month; the last one holds all of it.
            var cut = new DateTime(2026, 5, 10 + 10 * i, 0, 0, 0, DateTimeKind.Utc);
            var part = i == executions - 1 ? rows : rows.Where(r => r.UsageStart < cut).ToList();
            runs.Add(new ExportExecution(new DateTime(2026, 5, 11 + i, 3, 0, 0, DateTimeKind.Utc), $"exec-{i}", ExportWriter.Split(part, 2)));
        }
        await ExportWriter.WritePeriodAsync(o, new DateTime(2026, 5, 1, 0, 0, 0, DateTimeKind.Utc), runs, leftovers);
        return (Path.Combine(o.Root, o.ExportName), ExpectedTotals.Compute(rows, o.Schema));
    }

    [Theory]
    [InlineData(Gen.ExportMode.CreateNew, Gen.ExportFormat.Parquet, false)]
    [InlineData(Gen.ExportMode.CreateNew, Gen.ExportFormat.Parquet, true)]
    [InlineData(Gen.ExportMode.Overwrite, Gen.ExportFormat.CsvGzip, false)]
    [InlineData(Gen.ExportMode.CreateNew, Gen.ExportFormat.CsvGzip, true)]
    public async Task Create_new_executions_are_not_double_counted_in_either_format(Gen.ExportMode mode, Gen.ExportFormat format, bool withoutManifest)
    {
        var (root, truth) = await WriteExport(new ExportOptions { Root = _dir, Mode = mode, Format = format, RowGroupSize = 50 }, executions: 3);
        if (withoutManifest) Directory.Delete(Path.Combine(root, "metadata"), recursive: true);
        var r = await Query(root, new CostQuery());
        Assert.Equal(truth.Periods["2026-05"].Bedrock.UnblendedCost, r.Rows.Sum(x => x.Cost));
        Assert.Equal(truth.Periods["2026-05"].Bedrock.UnblendedCost, r.BedrockTotals.Single().UnblendedCost);
    }

    [Fact]
    public async Task Empty_leftover_chunks_and_the_test_object_are_harmless()
    {
        var o = new ExportOptions { Root = _dir, RowGroupSize = 40 };
        var (root, truth) = await WriteExport(o, 1, new[] { LeftoverKind.ZeroBytes, LeftoverKind.ZeroRowParquet });
        ExportWriter.WriteTestObject(_dir);
        Directory.Delete(Path.Combine(root, "metadata"), recursive: true);
        var r = await Query(_dir, new CostQuery());
        Assert.Equal(truth.Periods["2026-05"].Bedrock.UnblendedCost, r.Rows.Sum(x => x.Cost));
    }

    [Fact]
    public async Task Export_without_principal_column_is_all_unattributed_with_a_warning()
    {
        var o = new ExportOptions { Root = _dir, Schema = new CurSchemaOptions { OmitIamPrincipal = true, OmitNetUnblended = true } };
        var (root, truth) = await WriteExport(o, 1);
        var ctx = new Collecting();
        var r = await Query(root, new CostQuery(), ctx);
        Assert.False(r.HasPrincipalData);
        Assert.Contains(ctx.Warnings, w => w.Contains("INCLUDE_IAM_PRINCIPAL_DATA"));
        Assert.All(r.Rows, x => Assert.False(x.IsAttributed));
        Assert.Contains(r.Rows, x => x.UnattributedReason == "no principal data in export");
        Assert.Equal(truth.Periods["2026-05"].Bedrock.UnblendedCost, r.Rows.Sum(x => x.Cost));
        // Without the net column, net equals unblended.
        Assert.Equal(r.BedrockTotals.Single().UnblendedCost, r.BedrockTotals.Single().NetUnblendedCost);
    }

    [Fact]
    public async Task Truncated_parquet_is_a_clear_error()
    {
        var file = Directory.EnumerateFiles(SamplePath, "*.parquet", SearchOption.AllDirectories).First();
        var bytes = File.ReadAllBytes(file);
        var bad = Path.Combine(_dir, "cut.parquet");
        File.WriteAllBytes(bad, bytes[..(bytes.Length / 2)]);
        var e = await Assert.ThrowsAsync<BedrockCostException>(() => Query(bad, new CostQuery()));
        Assert.Equal(ErrorIds.CorruptFile, e.ErrorId);
        Assert.Contains("cut.parquet", e.Message);
    }

    [Fact]
    public async Task Parquet_that_is_not_cur_is_a_clear_error()
    {
        var path = Path.Combine(_dir, "other.parquet");
        var field = new Parquet.Schema.DataField<string>("name");
        await using (var fs = File.Create(path))
        await using (var w = await Parquet.ParquetWriter.CreateAsync(new Parquet.Schema.ParquetSchema(field), fs, null, false, default))
        using (var rg = w.CreateRowGroup())
            await rg.WriteAsync(field, new string?[] { "x" }, null);
        var e = await Assert.ThrowsAsync<BedrockCostException>(() => Query(path, new CostQuery { BillingPeriods = new[] { "2026-05" } }));
        Assert.Equal(ErrorIds.NotCurData, e.ErrorId);
    }

    [Fact]
    public async Task Csv_with_a_wrong_header_is_a_clear_error()
    {
        var path = Path.Combine(_dir, "wrong.csv");
        File.WriteAllText(path, "date,service,cost\n2026-05-01,bedrock,1.0\n");
        var e = await Assert.ThrowsAsync<BedrockCostException>(() => Query(path, new CostQuery { BillingPeriods = new[] { "2026-05" } }));
        Assert.Equal(ErrorIds.CsvHeaderInvalid, e.ErrorId);
    }

    [Fact]
    public async Task Csv_missing_a_required_column_names_it()
    {
        var path = Path.Combine(_dir, "partial.csv");
        File.WriteAllText(path, "line_item_product_code,line_item_usage_type\nAmazonBedrock,USE1-Claude4.6Sonnet-input-tokens\n");
        var e = await Assert.ThrowsAsync<BedrockCostException>(() => Query(path, new CostQuery { BillingPeriods = new[] { "2026-05" } }));
        Assert.Equal(ErrorIds.CsvHeaderInvalid, e.ErrorId);
        Assert.Contains("line_item_unblended_cost", e.Message);
    }

    [Fact]
    public async Task Mixed_currencies_are_never_added()
    {
        var rows = SampleData.Build().Where(r => r.BillingPeriodStart.Month == 5).ToList();
        var eur = rows.Select((r, i) => i % 3 == 0 ? r with { CurrencyCode = "EUR" } : r).ToList();
        await ExportWriter.WriteFileAsync(Path.Combine(_dir, "mixed.snappy.parquet"), eur, new ExportOptions { Root = _dir });
        var r = await Query(_dir, new CostQuery());
        Assert.Equal(new[] { "EUR", "USD" }, r.SelectedTotals.Select(t => t.Currency));
        foreach (var t in r.SelectedTotals)
            Assert.Equal(t.UnblendedCost, r.Rows.Where(x => x.Currency == t.Currency).Sum(x => x.Cost));
    }

    [Fact]
    public async Task Missing_path_and_missing_period_are_clear_errors()
    {
        var e1 = await Assert.ThrowsAsync<BedrockCostException>(() => Query(Path.Combine(_dir, "nope"), new CostQuery()));
        Assert.Equal(ErrorIds.PathNotFound, e1.ErrorId);
        var e2 = await Assert.ThrowsAsync<BedrockCostException>(() => Query(SamplePath, new CostQuery { BillingPeriods = new[] { "2020-01" } }));
        Assert.Equal(ErrorIds.BillingPeriodNotFound, e2.ErrorId);
        Assert.Contains("2026-05", e2.Message);
    }

    [Fact]
    public async Task Date_range_spans_periods_and_filters_usage_days()
    {
        var all = await Query(SamplePath, new CostQuery { BillingPeriods = new[] { "2026-05", "2026-06" }, GroupBy = new[] { new GroupDimension(Dimension.Day) } });
        var start = new DateTime(2026, 5, 20, 0, 0, 0, DateTimeKind.Utc);
        var end = new DateTime(2026, 6, 10, 0, 0, 0, DateTimeKind.Utc);
        var ranged = await Query(SamplePath, new CostQuery { StartDate = start, EndDate = end, GroupBy = new[] { new GroupDimension(Dimension.Day) } });
        Assert.All(ranged.Rows, r => Assert.InRange(r.Day!.Value, start, end.AddTicks(-1)));
        Assert.Equal(all.Rows.Where(r => r.Day >= start && r.Day < end).Sum(r => r.Cost), ranged.Rows.Sum(r => r.Cost));
        Assert.Equal(new[] { "2026-05", "2026-06" }, ranged.BillingPeriods);
    }
}
