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

    internal static string RepoRoot => Truth.RepoRoot;
    internal static string SamplePath => Truth.SamplePath;

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

    public static TheoryData<string, CostBasis> PeriodsAndBases()
    {
        var data = new TheoryData<string, CostBasis>();
        foreach (var period in Truth.Periods)
            foreach (var basis in Enum.GetValues<CostBasis>()) data.Add(period, basis);
        return data;
    }

    [Theory]
    [MemberData(nameof(PeriodsAndBases))]
    public async Task Sample_per_principal_figures_equal_the_independent_truth(string period, CostBasis basis)
    {
        var truth = Truth.Of(period);
        var net = basis == CostBasis.NetUnblended;
        var result = await Query(SamplePath, new CostQuery { BillingPeriods = new[] { period }, CostBasis = basis });

        // Each principal ARN its own row (alice in two accounts are two principals), with its cost in the basis asked,
        // both costs, its tokens and its line items; unattributed cost by reason.
        Truth.AssertGroups(result.Rows.Where(r => r.IsAttributed), r => r.Principal!,
            truth.Principals.Select(p => (p.Principal, p.Figures)), net, "principal");
        Truth.AssertGroups(result.Rows.Where(r => !r.IsAttributed), r => r.UnattributedReason,
            truth.UnattributedReasons.Select(kv => (kv.Key, kv.Value)), net, "unattributed");
        Assert.All(result.Rows.Where(r => !r.IsAttributed), r => Assert.Equal(Aggregator.Unattributed, r.Principal));

        var bedrock = Assert.Single(result.BedrockTotals);
        Assert.Equal(truth.Bedrock.UnblendedCost, bedrock.UnblendedCost);
        Assert.Equal(truth.Bedrock.NetUnblendedCost, bedrock.NetUnblendedCost);
        Assert.Equal(truth.Bedrock.Rows, result.BedrockLineItems);
        Assert.Equal(truth.Bedrock.Cost(net), result.Rows.Sum(r => r.Cost));
    }

    [Theory]
    [MemberData(nameof(PeriodsAndBases))]
    public async Task Sample_figures_by_team_cost_centre_model_token_type_and_day_equal_the_independent_truth(string period, CostBasis basis)
    {
        var truth = Truth.Of(period);
        var net = basis == CostBasis.NetUnblended;
        async Task<IReadOnlyList<PrincipalCost>> By(GroupDimension d) =>
            (await Query(SamplePath, new CostQuery { BillingPeriods = new[] { period }, CostBasis = basis, GroupBy = new[] { d } })).Rows;

        Truth.AssertGroups(await By(GroupDimension.Parse(ExpectedTotals.TeamTag)), r => r.Tags[ExpectedTotals.TeamTag],
            Truth.Keyed(truth.Teams, Aggregator.Untagged), net, "team");
        Truth.AssertGroups(await By(GroupDimension.Parse(ExpectedTotals.CostCenterTag)), r => r.Tags[ExpectedTotals.CostCenterTag],
            Truth.Keyed(truth.CostCenters, Aggregator.Untagged), net, "cost centre");
        Truth.AssertGroups(await By(new GroupDimension(Dimension.Model)), r => r.Model!, Truth.Keyed(truth.Models, Aggregator.None), net, "model");
        Truth.AssertGroups(await By(new GroupDimension(Dimension.TokenType)), r => r.TokenType!, Truth.Keyed(truth.TokenTypes, Aggregator.None), net, "token type");
        Truth.AssertGroups(await By(new GroupDimension(Dimension.Day)), r => r.Day!.Value.ToString("yyyy-MM-dd"),
            truth.Days.Select(kv => (kv.Key, kv.Value)), net, "day");
    }

    [Fact]
    public async Task Latest_period_is_the_default_and_every_grouping_adds_up_to_the_truth()
    {
        var june = Truth.Of("2026-06").Bedrock;
        var dims = Enum.GetValues<Dimension>().Where(d => d != Dimension.Tag)
            .Select(d => new GroupDimension(d)).Append(new GroupDimension(Dimension.Tag, ExpectedTotals.TeamTag)).ToList();
        foreach (var d in dims)
        {
            var r = await Query(SamplePath, new CostQuery { GroupBy = new[] { d }, CostBasis = CostBasis.NetUnblended });
            Assert.Equal(new[] { "2026-06" }, r.BillingPeriods);
            Assert.True(june.NetUnblendedCost == r.Rows.Sum(x => x.Cost), $"by {d}: {r.Rows.Sum(x => x.Cost)} instead of {june.NetUnblendedCost}");
            Assert.Equal(june.Rows, r.Rows.Sum(x => x.LineItemCount));
        }
    }

    [Fact]
    public async Task Filters_select_a_share_and_say_so()
    {
        // Users named alice (two accounts) with a team tag: only the one in 111122223333 has one.
        var r = await Query(SamplePath, new CostQuery { Principals = new[] { "*:user/alice" }, Tags = new Dictionary<string, string> { [ExpectedTotals.TeamTag] = "*" } });
        var expected = Truth.Of("2026-06").Principals.Where(p => p.Principal.EndsWith(":user/alice") && p.Tag(ExpectedTotals.TeamTag) is not null).ToList();
        Assert.Equal(new[] { Catalog.Alice.Arn }, expected.Select(p => p.Principal));
        Truth.AssertGroups(r.Rows, x => x.Principal!, expected.Select(p => (p.Principal, p.Figures)), net: false, "filtered");
        Assert.Equal(expected.Single().Figures.UnblendedCost, r.SelectedTotals.Single().UnblendedCost);
        Assert.Equal(Truth.Of("2026-06").Bedrock.UnblendedCost, r.BedrockTotals.Single().UnblendedCost);
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
        var may = truth.Periods["2026-05"].Single;
        Assert.Equal(may.Bedrock.UnblendedCost, r.Rows.Sum(x => x.Cost));
        Assert.Equal(may.Bedrock.UnblendedCost, r.BedrockTotals.Single().UnblendedCost);
        Assert.Equal(may.Bedrock.NetUnblendedCost, r.BedrockTotals.Single().NetUnblendedCost);
        Assert.Equal(may.Bedrock.Rows, r.BedrockLineItems);
    }

    [Fact]
    public async Task Empty_leftover_chunks_and_the_test_object_are_harmless()
    {
        var o = new ExportOptions { Root = _dir, RowGroupSize = 40 };
        var (root, truth) = await WriteExport(o, 1, new[] { LeftoverKind.ZeroBytes, LeftoverKind.ZeroRowParquet });
        ExportWriter.WriteTestObject(_dir);
        Directory.Delete(Path.Combine(root, "metadata"), recursive: true);
        var r = await Query(_dir, new CostQuery());
        Assert.Equal(truth.Periods["2026-05"].Single.Bedrock.UnblendedCost, r.Rows.Sum(x => x.Cost));
        Assert.Equal(truth.Periods["2026-05"].Single.Bedrock.Rows, r.BedrockLineItems);
    }

    [Fact]
    public async Task Export_without_principal_column_is_all_unattributed_with_a_warning()
    {
        var o = new ExportOptions { Root = _dir, Schema = new CurSchemaOptions { OmitIamPrincipal = true, OmitNetUnblended = true } };
        var (root, truth) = await WriteExport(o, 1);
        var may = truth.Periods["2026-05"].Single;
        var ctx = new Collecting();
        var r = await Query(root, new CostQuery { CostBasis = CostBasis.NetUnblended }, ctx);
        Assert.False(r.HasPrincipalData);
        Assert.Contains(ctx.Warnings, w => w.Contains("INCLUDE_IAM_PRINCIPAL_DATA"));
        Assert.All(r.Rows, x => Assert.False(x.IsAttributed));
        Assert.Empty(may.Principals);
        // Without the net column, net is the unblended cost as written (the truth's rule for a missing column).
        Truth.AssertGroups(r.Rows, x => x.UnattributedReason, may.Reasons.Items.Select(i => (i.Key!, Figures(i.Totals))), net: true, "reason");
        Assert.Equal(may.Bedrock.NetUnblendedCost, r.BedrockTotals.Single().NetUnblendedCost);
        Assert.Equal(may.Bedrock.UnblendedCost, r.BedrockTotals.Single().UnblendedCost);
    }

    /// <summary>Figures of an <see cref="ExpectedTotals"/> group (the truth of rows a test generated), in the form expected.json gives.</summary>
    internal static ExpectedFigures Figures(ExpectedTotals.Totals t) =>
        new(t.Rows, t.UnblendedCost, t.NetUnblendedCost, t.InputTokens, t.OutputTokens, t.CacheReadTokens, t.CacheWriteTokens);

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
        var truth = ExpectedTotals.Compute(eur).Periods["2026-05"];
        var r = await Query(_dir, new CostQuery());
        Assert.Equal(new[] { "EUR", "USD" }, r.SelectedTotals.Select(t => t.Currency));
        foreach (var currency in new[] { "EUR", "USD" })
        {
            var want = truth.Currency(currency);
            Assert.Equal(want.Bedrock.UnblendedCost, r.BedrockTotals.Single(t => t.Currency == currency).UnblendedCost);
            Truth.AssertGroups(r.Rows.Where(x => x.Currency == currency && x.IsAttributed), x => x.Principal!,
                want.Principals.Values.Select(p => (p.Principal, Figures(p))), net: false, currency);
            Truth.AssertGroups(r.Rows.Where(x => x.Currency == currency && !x.IsAttributed), x => x.UnattributedReason,
                want.Reasons.Items.Select(i => (i.Key!, Figures(i.Totals))), net: false, currency + " unattributed");
        }
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
        var start = new DateTime(2026, 5, 20, 0, 0, 0, DateTimeKind.Utc);
        var end = new DateTime(2026, 6, 10, 0, 0, 0, DateTimeKind.Utc);
        var ranged = await Query(SamplePath, new CostQuery { StartDate = start, EndDate = end, GroupBy = new[] { new GroupDimension(Dimension.Day) } });
        var days = Truth.Periods.SelectMany(p => Truth.Of(p).Days)
            .Where(d => string.CompareOrdinal(d.Key, "2026-05-20") >= 0 && string.CompareOrdinal(d.Key, "2026-06-10") < 0).ToList();
        Truth.AssertGroups(ranged.Rows, r => r.Day!.Value.ToString("yyyy-MM-dd"), days.Select(d => (d.Key, d.Value)), net: false, "day");
        Assert.Equal(new[] { "2026-05", "2026-06" }, ranged.BillingPeriods);
    }
}
