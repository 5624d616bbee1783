using Xunit;
using BedrockCost.Core;
using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Insights;
using BedrockCost.Core.Sources;
using BedrockCost.TestData;
using TD = BedrockCost.TestData;

namespace BedrockCost.Core.Tests;

/// <summary>A real CUR 2.0 export (Parquet, two billing periods) with one injected spike, read by the engine.</summary>
public sealed class InsightsEndToEndTests : IClassFixture<InsightsEndToEndTests.Export>
{
    readonly string _root;
    readonly IReadOnlyList<TD.LineItem> _rows;
    public InsightsEndToEndTests(Export export) => (_root, _rows) = (export.Root, export.Rows);

    static readonly DateTime April = new(2026, 4, 1, 0, 0, 0, DateTimeKind.Utc);
    static readonly DateTime March = new(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);
    static readonly DateTime SpikeDay = new(2026, 4, 17, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Written once for the class.</summary>
    public sealed class Export : IAsyncLifetime
    {
        public string Root { get; } = Path.Combine(Path.GetTempPath(), "bedrockcost-insights-" + Guid.NewGuid().ToString("N"));
        /// <summary>Every row written: the truth the figures are checked against.</summary>
        public List<TD.LineItem> Rows { get; } = new();

        public async Task InitializeAsync()
        {
            var options = new ExportOptions { Root = Root };
            foreach (var period in new[] { March, April })
            {
                var chunks = Enumerable.Range(0, 2).Select(i => (IEnumerable<TD.LineItem>)SyntheticData.Chunk(period, 5, i, 40_000, bedrockFraction: 0.5).ToList()).ToList();
                if (period == April)
                {
                    // Bob's runaway: 40 calls of Opus output on one day, 2,000 USD (40 x 2M tokens at 0.025 per 1K) on top of his usual cost.
                    var spike = Enumerable.Range(0, 40).Select(i => Catalog.Usage(Catalog.OpusOut, April, SpikeDay.AddHours(i % 24), SpikeDay.AddHours(i % 24 + 1),
                        Catalog.PayerAccount, 2_000m, Catalog.Bob, $"spike{i:D6}", true)).ToList();
                    chunks.Add(spike);
                }
                Rows.AddRange(chunks.SelectMany(c => c));
                await ExportWriter.WritePeriodAsync(options, period, new[] { new ExportExecution(period.AddMonths(1), "exec-" + period.Month, chunks) });
            }
        }

        public Task DisposeAsync()
        {
            Directory.Delete(Root, recursive: true);
            return Task.CompletedTask;
        }
    }

    async Task<DailyCostSet> ReadAsync(IReadOnlyList<GroupDimension> groupBy)
    {
        using var source = CurSource.Local(new[] { _root });
        var start = await InsightRange.ReadStartAsync(source, null, 58, NullOperationContext.Instance, default);
        Assert.Equal(April.AddDays(-58), start);
        var query = new CostQuery { StartDate = start, GroupBy = DailyCostSet.QueryDimensions(groupBy, source.Capabilities) };
        var result = await source.QueryAsync(query, NullOperationContext.Instance, default);
        return DailyCostSet.Build(result.Rows, groupBy);
    }

    [Fact]
    public async Task The_injected_spike_is_the_only_anomaly_with_the_right_principal_day_and_model()
    {
        var data = await ReadAsync(new[] { new GroupDimension(Dimension.Principal) });
        Assert.Equal(new DateTime(2026, 4, 30, 0, 0, 0, DateTimeKind.Utc), data.LastDay);
        var found = AnomalyDetector.Detect(data, new AnomalyOptions { Since = April }).ToList();
        var a = Assert.Single(found);
        Assert.Equal(Catalog.Bob.Arn, a.Principal);
        Assert.Equal(SpikeDay, a.Date);
        Assert.Equal("Claude Opus 4.6", a.Changes[0].Model);
        Assert.Equal("Output", a.Changes[0].TokenType);
        Assert.True(a.Changes[0].Delta > 1_900m);
    }

    [Fact]
    public async Task Grouped_by_team_the_spike_belongs_to_research()
    {
        var data = await ReadAsync(new[] { GroupDimension.Parse("iamPrincipal/team") });
        var a = Assert.Single(AnomalyDetector.Detect(data, new AnomalyOptions { Since = April }));
        Assert.Equal("research", a.Tags["iamPrincipal/team"]);
        Assert.Equal("research", a.Group);
        Assert.Equal(SpikeDay, a.Date);
    }

    [Fact]
    public async Task A_forecast_mid_april_adds_up_month_to_date_from_the_export()
    {
        var data = await ReadAsync(new[] { new GroupDimension(Dimension.Principal) });
        var asOf = April.AddDays(19);
        var forecasts = ForecastModel.Project(data, new ForecastOptions { AsOf = asOf }).ToList();
        var bob = forecasts.Single(f => f.Principal == Catalog.Bob.Arn);
        // Month to date: Bob's rows of April 1-20 as the generator wrote them.
        var expected = _rows.Where(r => r.Truth.Principal == Catalog.Bob.Arn && r.UsageStart >= April && r.UsageStart < asOf.AddDays(1))
            .Sum(r => ExpectedTotals.ToDecimal(r.UnblendedCost));
        Assert.Equal(expected, bob.MonthToDateCost);
        Assert.True(bob.ProjectedCost > bob.MonthToDateCost);
        Assert.Equal(20, bob.DaysElapsed);
    }
}
